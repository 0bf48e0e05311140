import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { legacyPath, logicalIdOfPath } from '../../cdk/stacks/legacy-logical-ids.ts';
import { SHAPES, templateOf } from './support.ts';

/**
 * Every resource of each shape as version 0.1 synthesized it (flat layout, before KafkaLambdaBridge),
 * logical id -> type, recorded with that commit's code.
 */
const RECORDED: Record<string, Record<string, string>> = JSON.parse(
  readFileSync(new URL('./fixtures/logical-ids-0.1.json', import.meta.url), 'utf8'),
);

/**
 * The one resource whose id still changes: the rule's permission to invoke the EventBridge
 * function is named by CDK after the function's construct path. It holds no state, and
 * CloudFormation creates the new one before deleting the old, so events keep flowing.
 */
const isRenamedPermission = (id: string) => id.startsWith('EventBridgeTargetRuleAllowEventRule');

describe('a stack deployed from 0.1 updates without replacing anything stateful', () => {
  it.each(Object.keys(SHAPES))('%s keeps every logical id', (shape) => {
    const resources = templateOf(SHAPES[shape] as Record<string, string>).toJSON().Resources as Record<
      string,
      { Type: string }
    >;
    const now = Object.fromEntries(
      Object.entries(resources)
        .filter(([id]) => !isRenamedPermission(id))
        .map(([id, r]) => [id, r.Type]),
    );
    const then = Object.fromEntries(
      Object.entries(RECORDED[shape] ?? {}).filter(([id]) => !isRenamedPermission(id)),
    );
    expect(Object.keys(then).length).toBeGreaterThan(40);
    expect(now).toEqual(then);
  });
});

describe('logicalIdOfPath', () => {
  it("matches aws-cdk-lib's ids, including hidden Default and Resource components", () => {
    const resources = templateOf({}).toJSON().Resources as Record<string, unknown>;
    expect(Object.keys(resources)).toContain(logicalIdOfPath(['SqsBridge', 'Queue', 'Resource']));
    expect(Object.keys(resources)).toContain(logicalIdOfPath(['Default', 'Network', 'Vpc', 'Resource']));
  });

  it('maps only trigger construct paths', () => {
    expect(legacyPath(['Default', 'Sqs', 'Bridge', 'Queue', 'Resource'])).toEqual([
      'SqsBridge',
      'Queue',
      'Resource',
    ]);
    expect(legacyPath(['Default', 'Network', 'Vpc'])).toBeUndefined();
    expect(legacyPath(['Default', 'Alarms', 'SqsErrors'])).toBeUndefined();
  });
});
