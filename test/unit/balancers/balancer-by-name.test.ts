import { describe, expect, it } from 'vitest';
import {
  BALANCER_NAMES,
  balancerByName,
  CRC32Balancer,
  Hash,
  isBalancerName,
  LeastBytes,
  Murmur2Balancer,
  ReferenceHash,
  RoundRobin,
  UnknownBalancerError,
} from '../../../lib/balancers/index.ts';

describe('balancerByName', () => {
  it.each([
    { name: 'round-robin', type: RoundRobin },
    { name: 'least-bytes', type: LeastBytes },
    { name: 'hash', type: Hash },
    { name: 'reference-hash', type: ReferenceHash },
    { name: 'crc32', type: CRC32Balancer },
    { name: 'murmur2', type: Murmur2Balancer },
  ])('maps "$name" to a new $type.name', ({ name, type }) => {
    expect(balancerByName(name)).toBeInstanceOf(type);
  });

  it('lists exactly the names it accepts', () => {
    expect(BALANCER_NAMES).toEqual([
      'round-robin',
      'least-bytes',
      'hash',
      'reference-hash',
      'crc32',
      'murmur2',
    ]);
    expect(BALANCER_NAMES.every(isBalancerName)).toBe(true);
  });

  it('returns a fresh instance on every call, so state is never shared', () => {
    expect(balancerByName('round-robin')).not.toBe(balancerByName('round-robin'));
  });

  it.each(['random', 'Murmur2', ' murmur2', '', 'toString', '__proto__'])(
    'rejects %j with an error listing the valid names',
    (name) => {
      expect(isBalancerName(name)).toBe(false);
      expect(() => balancerByName(name)).toThrow(UnknownBalancerError);
      expect(() => balancerByName(name)).toThrow(
        `unknown balancer "${name}"; valid names: round-robin, least-bytes, hash, reference-hash, crc32, murmur2`,
      );
    },
  );
});
