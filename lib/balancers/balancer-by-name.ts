import type { Balancer } from './balancer.ts';
import { CRC32Balancer } from './crc32-balancer.ts';
import { UnknownBalancerError } from './errors.ts';
import { Hash } from './hash.ts';
import { LeastBytes } from './least-bytes.ts';
import { Murmur2Balancer } from './murmur2-balancer.ts';
import { ReferenceHash } from './reference-hash.ts';
import { RoundRobin } from './round-robin.ts';

const FACTORIES = {
  'round-robin': () => new RoundRobin(),
  'least-bytes': () => new LeastBytes(),
  hash: () => new Hash(),
  'reference-hash': () => new ReferenceHash(),
  crc32: () => new CRC32Balancer(),
  murmur2: () => new Murmur2Balancer(),
} as const satisfies Record<string, () => Balancer>;

/** A name `balancerByName` accepts (the values of `KAFKA_BALANCER`). */
export type BalancerName = keyof typeof FACTORIES;

/** Every name `balancerByName` accepts, in documentation order. */
export const BALANCER_NAMES = Object.keys(FACTORIES) as readonly BalancerName[];

/** Whether `name` is one of {@link BALANCER_NAMES}; lets config validation report without throwing. */
export function isBalancerName(name: string): name is BalancerName {
  return Object.hasOwn(FACTORIES, name);
}

/**
 * Creates a new balancer from its configuration name, e.g. `KAFKA_BALANCER=murmur2`.
 *
 * Each call returns a fresh instance, so stateful balancers (round robin counters, byte counts)
 * are never shared by accident. Names are exact (lower case, kebab-case).
 *
 * @throws UnknownBalancerError for any other name; its message lists the valid names.
 * @example
 * const balancer = balancerByName(process.env.KAFKA_BALANCER ?? 'murmur2');
 */
export function balancerByName(name: string): Balancer {
  if (!isBalancerName(name)) throw new UnknownBalancerError(name, BALANCER_NAMES);
  return FACTORIES[name]();
}
