import { beforeAll, describe, expect, it } from 'vitest';
import { infraEnv } from '../../../../test/support/infra-env';
import type { RedisConnection } from '../../src/clients/redis-connection';
import { openConnection, testKeys } from '../support/runtime-fixtures';
import { ALGORITHMS, limiter, policy, untilReady, withRoomInWindow } from './rate-limit-fixtures';

const nodes = infraEnv().redisClusterNodes;

describe.skipIf(nodes.length === 0)('on a Redis Cluster', () => {
  let connection: RedisConnection;
  beforeAll(async () => {
    connection = await openConnection('rate', nodes.map((n) => `${n.host}:${n.port}`).join(','), {
      cluster: true,
    });
    await untilReady(connection);
  });

  it.each(ALGORITHMS)(
    '%s: checks tenant, user, client and route in one script without CROSSSLOT',
    async (algorithm) => {
      const rl = limiter(connection, testKeys(), [
        policy('tenant', algorithm, 100, 60, { scope: 'tenant' }),
        policy('user', algorithm, 2, 60),
        policy('client', algorithm, 50, 60, { scope: 'client' }),
        policy('route', algorithm, 80, 60, { scope: 'route' }),
      ]);
      await withRoomInWindow(connection, 60_000, 5_000);
      const dims = (tenant: string) => [
        { policy: 'tenant', subject: tenant },
        { policy: 'user', subject: 'alice' },
        { policy: 'client', subject: 'web' },
        { policy: 'route', subject: 'POST /prices/calculate' },
      ];
      // Several tenants, so the keys spread over slots owned by different nodes.
      for (const tenant of ['t1', 't2', 't3', 't4', 't5']) {
        expect(await rl.check(tenant, dims(tenant))).toMatchObject({
          allowed: true,
          source: 'redis',
          remaining: 1,
        });
        expect(await rl.check(tenant, dims(tenant))).toMatchObject({
          allowed: true,
          source: 'redis',
          remaining: 0,
        });
        const rejected = await rl.check(tenant, dims(tenant));
        expect(rejected).toMatchObject({ allowed: false, source: 'redis', violated: ['user'] });
        expect(rejected.policies.map((d) => d.remaining)).toEqual([98, 0, 48, 78]);
      }
    },
  );
});
