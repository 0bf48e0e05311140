import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/**
 * The claim check (`KAFKA_CLAIM_CHECK_*`): message values over a size are stored in an existing
 * S3 bucket and the Kafka record carries their `s3://` reference (bakdata's large-message format).
 * Objects are never deleted by the bridge: give the bucket (or the prefix) a lifecycle rule that
 * expires them after the topic's retention.
 */
export interface ClaimCheckProps {
  /** `KAFKA_CLAIM_CHECK_BUCKET`: the name of an existing bucket in the stack's region. */
  readonly bucketName: string;
  /** `KAFKA_CLAIM_CHECK_PREFIX`: objects go under `<prefix>/<topic>/values/`. @default the bucket's root */
  readonly prefix?: string;
  /** `KAFKA_CLAIM_CHECK_THRESHOLD_BYTES`: values longer than this go to S3. @default 1000000 */
  readonly thresholdBytes?: number;
}

/** The function's variables for `props`, checked at synth as the library checks them at cold start. */
export function claimCheckEnvironment(id: string, props: ClaimCheckProps): Record<string, string> {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(props.bucketName) || props.bucketName.includes('..')) {
    throw new Error(`${id}: claimCheck.bucketName "${props.bucketName}" is not a valid S3 bucket name`);
  }
  const threshold = props.thresholdBytes;
  if (threshold !== undefined && (!Number.isInteger(threshold) || threshold < 1)) {
    throw new Error(`${id}: claimCheck.thresholdBytes must be a positive integer, got ${threshold}`);
  }
  return {
    KAFKA_CLAIM_CHECK_BUCKET: props.bucketName,
    ...(props.prefix ? { KAFKA_CLAIM_CHECK_PREFIX: props.prefix } : {}),
    ...(threshold !== undefined ? { KAFKA_CLAIM_CHECK_THRESHOLD_BYTES: String(threshold) } : {}),
  };
}

/** Lets `role` write objects under the claim-check prefix of the bucket, and nothing else there. */
export function grantClaimCheckWrites(scope: Construct, role: iam.Role, props: ClaimCheckProps): void {
  const bucket = s3.Bucket.fromBucketName(scope, 'ClaimCheckBucket', props.bucketName);
  const keys = `${objectPrefix(props.prefix)}*`;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects(keys)] }),
  );
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${props.bucketName}/${keys}]`,
    reason:
      'claim-check object keys are content hashes made at write time; writing under the prefix is all that is granted',
  });
}

/** The key prefix as the library uses it (lib/config/claim-check-config.ts): no leading `/`, a trailing one. */
function objectPrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+/, '');
  return trimmed === '' || trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}
