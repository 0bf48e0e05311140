import { createHash } from 'node:crypto';

/**
 * The trigger constructs' ids inside KafkaLambdaBridge. Before the construct existed (0.1), each
 * trigger's function and trigger sat in the stack itself as `<Trigger><Part>` (SqsFunction,
 * SqsBridge, WebhookApi, WebhookSecret, ...), which is what this prefix plus the child's id spells.
 */
const TRIGGER_IDS = new Set(['Webhook', 'Sqs', 'EventBridge', 'Scheduled']);

/**
 * The 0.1 path of an element under BridgeStack, or undefined when it has not moved: `Default/Sqs/
 * Bridge/Queue` was `SqsBridge/Queue`. Keeping those logical ids means an update of a deployed
 * stack replaces nothing: the queue keeps its messages, the API its URL, the bus its name and a
 * generated signing secret its value.
 */
export function legacyPath(path: readonly string[]): string[] | undefined {
  const [first, trigger, part, ...rest] = path;
  if (first !== 'Default' || trigger === undefined || part === undefined || !TRIGGER_IDS.has(trigger))
    return undefined;
  return [`${trigger}${part}`, ...rest];
}

/**
 * CloudFormation logical id of a construct path below a stack, as aws-cdk-lib computes it
 * (core/lib/private/uniqueid.ts, not exported): the human-readable components and an 8-character
 * MD5 of the path. test/cdk/logical-ids.test.ts holds it to the ids CDK itself gave 0.1's stack.
 */
export function logicalIdOfPath(components: readonly string[]): string {
  const path = components.filter((c) => c !== 'Default');
  const alphanumeric = (s: string) => s.replace(/[^A-Za-z0-9]/g, '');
  if (path.length === 1 && alphanumeric(path[0] as string).length <= 255)
    return alphanumeric(path[0] as string);
  const hash = createHash('md5').update(path.join('/')).digest('hex').slice(0, 8).toUpperCase();
  const human: string[] = [];
  for (const c of path) if (human.length === 0 || !(human.at(-1) as string).endsWith(c)) human.push(c);
  return (
    human
      .filter((c) => c !== 'Resource')
      .map(alphanumeric)
      .join('')
      .slice(0, 240) + hash
  );
}
