import { parseJsonPointer } from '../mapping/json-pointer.ts';
import type { Env } from './env-reader.ts';
import { EnvReader } from './env-reader.ts';

/** One `EVENTBRIDGE_TOPICS` entry: `<source>/<detail-type>` (with `*` wildcards) -> topic. */
export interface TopicRoute {
  pattern: string;
  matcher: RegExp;
  topic: string;
}

/** The EventBridge trigger's settings. */
export interface EventBridgeConfig {
  /** Routes in map order; exact patterns are tried before wildcard ones. */
  routes: TopicRoute[];
  /** Topic for events no route matches (`KAFKA_TOPIC`); without it such events fail. */
  defaultTopic: string | undefined;
  /** RFC 6901 pointer into the event for the key (`EVENTBRIDGE_KEY=json:<pointer>`). */
  keyPointer: { pointer: string; tokens: readonly string[] } | undefined;
}

/** Reads `EVENTBRIDGE_TOPICS`, `EVENTBRIDGE_KEY` and `KAFKA_TOPIC`, collecting every problem. */
export function readEventBridgeConfig(env: Env): { config: EventBridgeConfig; problems: string[] } {
  const r = new EnvReader(env);
  const map =
    r.json<Record<string, string>>('EVENTBRIDGE_TOPICS', (value) => {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'must be a JSON object';
      for (const [pattern, topic] of Object.entries(value)) {
        if (!pattern.includes('/')) return `key "${pattern}" must be "<source>/<detail-type>"`;
        if (typeof topic !== 'string' || topic === '') return `value for "${pattern}" must be a topic name`;
      }
      return undefined;
    }) ?? {};
  const routes = Object.entries(map)
    .map(([pattern, topic]) => ({ pattern, topic, matcher: globToRegExp(pattern) }))
    .sort((a, b) => Number(a.pattern.includes('*')) - Number(b.pattern.includes('*')));
  const defaultTopic = r.string('KAFKA_TOPIC');
  if (routes.length === 0 && !defaultTopic)
    r.problem('set EVENTBRIDGE_TOPICS or KAFKA_TOPIC: events need a topic');

  const keyText = r.string('EVENTBRIDGE_KEY', 'json:/id');
  let keyPointer: EventBridgeConfig['keyPointer'];
  if (keyText !== 'none') {
    const tokens = keyText.startsWith('json:') ? parseJsonPointer(keyText.slice(5)) : undefined;
    if (tokens) keyPointer = { pointer: keyText.slice(5), tokens };
    else r.problem(`EVENTBRIDGE_KEY must be json:<RFC 6901 pointer> or none, got "${keyText}"`);
  }
  return { config: { routes, defaultTopic, keyPointer }, problems: r.problems };
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}
