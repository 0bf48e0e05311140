import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { createLambdaContext } from './lambda-context.ts';

/** A Lambda handler behind an HTTP API route. */
export type HttpApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

export interface HttpGatewayOptions {
  port: number;
  handler: HttpApiHandler;
  /** Route as API Gateway writes it, with one `{param}` at most per segment. */
  routeKey?: string;
  functionTimeoutMs?: number;
  /** Largest body accepted, like API Gateway's 10 MB payload limit. */
  maxBodyBytes?: number;
}

/** Content types API Gateway passes as text; anything else arrives base64-encoded. */
const TEXT_TYPES = /^(text\/|application\/(json|xml|x-www-form-urlencoded|[\w.+-]+\+json))/i;

/**
 * A local stand-in for an API Gateway HTTP API (payload format 2.0) in front of one Lambda
 * handler, for `npm start`: it builds the same event shape, calls the handler and writes its
 * answer back. No authorizers, throttling or custom domains.
 */
export class LocalHttpGateway {
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(options: HttpGatewayOptions): Promise<LocalHttpGateway> {
    const routeKey = options.routeKey ?? 'POST /webhooks/{topic}';
    const server = createServer((request, response) => {
      void serve(request, response, routeKey, options);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, '127.0.0.1', () => resolve());
    });
    return new LocalHttpGateway(server, `http://127.0.0.1:${options.port}`);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function serve(
  request: IncomingMessage,
  response: ServerResponse,
  routeKey: string,
  options: HttpGatewayOptions,
): Promise<void> {
  const [routeMethod, routePath = '/'] = routeKey.split(' ');
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const pathParameters = matchRoute(routePath, url.pathname);
  if (request.method !== routeMethod || !pathParameters) {
    respond(response, 404, { 'content-type': 'application/json' }, '{"message":"Not Found"}');
    return;
  }
  let body: Buffer;
  try {
    body = await readBody(request, options.maxBodyBytes ?? 10 * 1024 * 1024);
  } catch {
    respond(response, 413, { 'content-type': 'application/json' }, '{"message":"Request Entity Too Large"}');
    return;
  }
  const event = toEvent(request, url, routeKey, pathParameters, body);
  const context = createLambdaContext({
    functionName: 'webhook',
    timeoutMs: options.functionTimeoutMs ?? 10_000,
    awsRequestId: event.requestContext.requestId,
  });
  try {
    const result = await options.handler(event, context);
    if (typeof result === 'string' || result === undefined) {
      respond(response, 200, { 'content-type': 'application/json' }, result ?? '');
      return;
    }
    const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]));
    const payload = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? '');
    respond(response, result.statusCode ?? 200, headers, payload);
  } catch (error) {
    // What API Gateway answers when the function itself fails.
    console.error('webhook handler threw:', error);
    respond(response, 502, { 'content-type': 'application/json' }, '{"message":"Internal server error"}');
  }
}

function toEvent(
  request: IncomingMessage,
  url: URL,
  routeKey: string,
  pathParameters: Record<string, string>,
  body: Buffer,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const isText = TEXT_TYPES.test(headers['content-type'] ?? '');
  const now = new Date();
  const queryStringParameters = Object.fromEntries(url.searchParams.entries());
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(queryStringParameters).length > 0 ? { queryStringParameters } : {}),
    pathParameters,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !isText,
  };
}

function matchRoute(routePath: string, path: string): Record<string, string> | undefined {
  const want = routePath.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const parameters: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const segment = want[i] as string;
    const actual = got[i] as string;
    if (segment.startsWith('{') && segment.endsWith('}')) {
      if (actual === '') return undefined;
      parameters[segment.slice(1, -1)] = decodeURIComponent(actual);
    } else if (segment !== actual) {
      return undefined;
    }
  }
  return parameters;
}

function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        request.destroy();
        reject(new Error('body too large'));
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function respond(
  response: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | Buffer,
): void {
  response.writeHead(status, headers);
  response.end(body);
}
