import type { Balancer } from './balancer.ts';

/** What a balancer sees of a message: key, value, topic and size (see `ResolvedMessage`). */
export type BalancerMessage = Parameters<Balancer['balance']>[0];
