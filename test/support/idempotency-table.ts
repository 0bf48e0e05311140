import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * A fresh on-demand DynamoDB table shaped as WebhookToKafka creates it (partition key `id`, a
 * string), through a client configured by the environment (useMoto points it at moto).
 */
export async function createIdempotencyTable(prefix = 'idempotency'): Promise<string> {
  const table = `${prefix}-${randomUUID()}`;
  await new DynamoDBClient({}).send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return table;
}
