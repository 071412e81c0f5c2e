import { describe, expect, it } from 'vitest';
import { parseRedisInfo, sumRedisInfo } from './redis-server-info';

const info = (memory: number, evicted: number, policy = 'allkeys-lru') =>
  [
    '# Server',
    'redis_version:7.0.15',
    '',
    '# Clients',
    'connected_clients:4',
    '# Memory',
    `used_memory:${memory}`,
    'used_memory_human:1.00M',
    'maxmemory:2097152',
    `maxmemory_policy:${policy}`,
    '# Stats',
    'expired_keys:17',
    `evicted_keys:${evicted}`,
  ].join('\r\n');

describe('Redis INFO for the server gauges', () => {
  it('reads memory, limits, evictions, expiries, clients, policy and version', () => {
    expect(parseRedisInfo(info(1048576, 3))).toEqual({
      usedMemoryBytes: 1048576,
      maxMemoryBytes: 2097152,
      evictedKeys: 3,
      expiredKeys: 17,
      connectedClients: 4,
      maxMemoryPolicy: 'allkeys-lru',
      version: '7.0.15',
    });
  });

  it('reads what is missing as 0 / unknown rather than failing', () => {
    expect(parseRedisInfo('# Server\r\n')).toMatchObject({ usedMemoryBytes: 0, maxMemoryPolicy: 'unknown' });
  });

  it('adds up a Cluster`s masters', () => {
    expect(
      sumRedisInfo([parseRedisInfo(info(100, 1)), parseRedisInfo(info(50, 2, 'noeviction'))]),
    ).toMatchObject({
      usedMemoryBytes: 150,
      maxMemoryBytes: 2 * 2097152,
      evictedKeys: 3,
      expiredKeys: 34,
      connectedClients: 8,
      maxMemoryPolicy: 'allkeys-lru',
    });
    expect(sumRedisInfo([])).toBeUndefined();
  });
});
