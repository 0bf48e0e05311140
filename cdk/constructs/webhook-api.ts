import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeSynchronousInvocation } from './acknowledgements.ts';

/** Props of a WebhookApi. */
export interface WebhookApiProps {
  /** The webhook function (functions/webhook). */
  readonly function: lambda.IFunction;
  /**
   * Whether the function verifies a signature on every request (`WEBHOOK_SIGNATURE` is not
   * `none`); the API itself has no authorizer, since webhook senders sign bodies instead.
   */
  readonly signatureVerified: boolean;
  /**
   * Steady-state requests per second for the whole API.
   * @default 50
   */
  readonly rateLimit?: number;
  /**
   * Requests accepted in a burst above the rate.
   * @default 100
   */
  readonly burstLimit?: number;
  /**
   * Retention of the access logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly accessLogRetention?: logs.RetentionDays;
}

/** The webhook route, `POST /webhooks/{topic}`; the function checks the topic against WEBHOOK_TOPICS. */
export const WEBHOOK_ROUTE_PATH = '/webhooks/{topic}';

/**
 * An HTTP API (payload v2) with one route, `POST /webhooks/{topic}`, in front of the webhook
 * function; throttled on the default stage so a flood of deliveries cannot exhaust the
 * function's concurrency, with JSON access logs.
 */
export class WebhookApi extends Construct {
  /** The HTTP API. */
  readonly api: apigwv2.HttpApi;
  /** The `$default` stage carrying the throttle and access logs. */
  readonly stage: apigwv2.HttpStage;
  /** The access log group. */
  readonly accessLogs: logs.LogGroup;
  /** `https://<api>.execute-api.<region>.amazonaws.com/webhooks/` — append a topic. */
  readonly webhookUrl: string;

  constructor(scope: Construct, id: string, props: WebhookApiProps) {
    super(scope, id);
    const rateLimit = props.rateLimit ?? 50;
    const burstLimit = props.burstLimit ?? 100;
    if (!(rateLimit > 0) || !Number.isInteger(burstLimit) || burstLimit < 1) {
      throw new Error(
        `WebhookApi: rateLimit must be > 0 and burstLimit a positive integer, got ${rateLimit}/${burstLimit}`,
      );
    }

    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: 'kafka-lambda-bridge webhooks: POST /webhooks/{topic}',
      createDefaultStage: false,
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit, burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    const [route] = this.api.addRoutes({
      path: WEBHOOK_ROUTE_PATH,
      methods: [apigwv2.HttpMethod.POST],
      integration: new HttpLambdaIntegration('Webhook', props.function),
    });
    this.webhookUrl = `${this.api.apiEndpoint}/webhooks/`;
    acknowledgeSynchronousInvocation(
      props.function,
      'invoked synchronously by API Gateway: a failure is the HTTP answer (503 + Retry-After), and the sender redelivers',
    );

    Validations.of(route as apigwv2.HttpRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: props.signatureVerified
        ? 'webhook senders (GitHub, Stripe, Standard Webhooks) cannot present IAM or JWT credentials; every request is authenticated by its HMAC body signature, verified in the function with a constant-time compare'
        : 'the deployer turned signature verification off (webhookSignature=none): the route is open by their choice, and only the topics in WEBHOOK_TOPICS can be written',
    });
  }
}
