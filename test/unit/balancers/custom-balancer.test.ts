import { describe, expect, it } from 'vitest';
import { type Balancer, type BalancerMessage, Murmur2Balancer } from '../../../lib/balancers/index.ts';
import { message, partitionIds } from './message.ts';

/** Pins "priority" traffic to partition 0 and hashes the rest over the others. */
class PriorityBalancer implements Balancer {
  private readonly rest = new Murmur2Balancer();

  balance(msg: BalancerMessage, partitions: readonly number[]): number {
    if (msg.key?.toString().startsWith('priority:')) return partitions[0] as number;
    return this.rest.balance(msg, partitions.slice(1));
  }
}

describe('a custom balancer', () => {
  it('is any object with a balance(message, partitions) method', () => {
    const lastPartition: Balancer = {
      balance: (_message, partitions) => partitions[partitions.length - 1] as number,
    };
    expect(lastPartition.balance(message('any'), partitionIds(5))).toBe(4);
  });

  it('can be a class that composes the built-in balancers', () => {
    const balancer: Balancer = new PriorityBalancer();
    expect(balancer.balance(message('priority:alert'), partitionIds(4))).toBe(0);
    const placed = ['a', 'b', 'c', 'd', 'e', 'f'].map((key) =>
      balancer.balance(message(key), partitionIds(4)),
    );
    expect(placed.every((partition) => partition >= 1 && partition <= 3)).toBe(true);
  });

  it('sees the message’s key, value, topic and size', () => {
    const seen: BalancerMessage[] = [];
    const spy: Balancer = {
      balance(msg) {
        seen.push(msg);
        return 0;
      },
    };
    spy.balance({ topic: 'orders', key: Buffer.from('k'), value: Buffer.from('v'), size: 2 }, [0]);
    expect(seen).toEqual([{ topic: 'orders', key: Buffer.from('k'), value: Buffer.from('v'), size: 2 }]);
  });
});
