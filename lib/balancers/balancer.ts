import type { ResolvedMessage } from '../writer/message.ts';

/**
 * Decides the partition of a message, like kafka-go's `Balancer`. `partitions` holds every
 * partition id of the topic in ascending order (never only the reachable ones, so a key keeps
 * its partition while a broker is down); the result must be one of them.
 */
export interface Balancer {
  balance(
    message: Pick<ResolvedMessage, 'key' | 'value' | 'topic' | 'size'>,
    partitions: readonly number[],
  ): number;
}
