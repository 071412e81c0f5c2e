import Redis from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisAccessDeniedError, RedisUnavailableError } from '../../src/errors';
import { RuntimeMetrics } from '../../src/observability/runtime-metrics';
import { RUNTIME_COMMANDS } from '../../src/keys/redis-acl';
import { KeyFactory } from '../../src/keys/key-factory';
import { KeyFamilyRegistry } from '../../src/keys/key-family-registry';
import { RedisVersionedDocuments } from '../../src/versioned/redis-versioned-documents';
import { infraEnv } from '../../../../test/support/infra-env';
import { uniqueId } from '../../../../test/support/unique';
import { metricValue, openConnection, TEST_KEY_FAMILIES } from '../support/runtime-fixtures';

// A workload URL that names an ACL user logs every connection in as that user, standalone and on every node of a
// Cluster; the runtime's command list is all such a user needs.

const nodes = infraEnv().redisClusterNodes;
const PASSWORD = 'p@ss word/with:specials';
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function createUser(admin: Redis, user: string, env: string, without: string[] = []): Promise<void> {
  await admin.call(
    'ACL',
    'SETUSER',
    user,
    'reset',
    'on',
    `>${PASSWORD}`,
    `~${env}:*`,
    '-@all',
    ...RUNTIME_COMMANDS.filter((c) => !without.includes(c)).map((c) => `+${c}`),
  );
  cleanups.push(async () => {
    await admin.call('ACL', 'DELUSER', user);
    admin.disconnect();
  });
}

function withLogin(seed: string, user: string): string {
  return `redis://${encodeURIComponent(user)}:${encodeURIComponent(PASSWORD)}@${seed}`;
}

async function documentsAs(url: string, cluster: boolean, env: string) {
  const connection = await openConnection('session', url, { cluster });
  const keys = new KeyFactory(new KeyFamilyRegistry(TEST_KEY_FAMILIES), env);
  return new RedisVersionedDocuments<{ n: number }>({ connection, keys, family: 'test-document' });
}

async function connectedAs(admin: Redis, user: string): Promise<boolean> {
  return String(await admin.call('CLIENT', 'LIST')).includes(` user=${user} `);
}

describe('workload URLs with an ACL user', () => {
  it('logs a standalone connection in as the user, password with reserved characters included', async () => {
    const url = new URL(infraEnv().redisSessionUrl);
    const admin = new Redis(url.toString());
    const user = uniqueId('acl-login');
    const env = uniqueId('e');
    await createUser(admin, user, env);
    const documents = await documentsAs(withLogin(`${url.hostname}:${url.port}`, user), false, env);
    expect(await documents.create('acme', 'd1', { n: 1 }, 60)).toEqual({ outcome: 'written', version: 1 });
    expect(await connectedAs(admin, user)).toBe(true);
  });

  it.skipIf(nodes.length === 0)('logs every node of a Cluster in with the login of its seed', async () => {
    const user = uniqueId('acl-cluster');
    const env = uniqueId('e');
    const admins = nodes.map((n) => new Redis(n.port, n.host));
    for (const admin of admins) await createUser(admin, user, env); // ACL users live on each node
    const seeds = nodes.map((n, i) =>
      i === 0 ? withLogin(`${n.host}:${n.port}`, user) : `${n.host}:${n.port}`,
    );
    const documents = await documentsAs(seeds.join(','), true, env);
    // 30 tenants spread the documents over all three masters
    for (let i = 0; i < 30; i++) {
      expect(await documents.create(`tn${i}`, 'd', { n: i }, 60)).toEqual({ outcome: 'written', version: 1 });
      expect(await documents.read(`tn${i}`, 'd', 60)).toMatchObject({ outcome: 'found' });
    }
    const masters = [];
    for (const admin of admins) {
      const role = (await admin.call('ROLE')) as unknown[];
      if (role[0] === 'master') masters.push(admin);
    }
    expect(masters.length).toBeGreaterThanOrEqual(3);
    for (const master of masters) expect(await connectedAs(master, user)).toBe(true);
    for (const admin of admins) {
      const denied = ((await admin.call('ACL', 'LOG', '128')) as unknown[][]).filter((entry) =>
        entry.some((field, i) => field === 'username' && entry[i + 1] === user),
      );
      expect(denied).toEqual([]);
    }
  });

  it('reports a refusal by the ACL user apart: RedisAccessDeniedError and its metric, not a Lua error', async () => {
    const url = new URL(infraEnv().redisSessionUrl);
    const admin = new Redis(url.toString());
    const user = uniqueId('acl-denied');
    const env = uniqueId('e');
    await createUser(admin, user, env, ['evalsha', 'eval', 'get']);
    const metrics = new RuntimeMetrics();
    const connection = await openConnection('session', withLogin(`${url.hostname}:${url.port}`, user), {
      metrics,
    });
    const keys = new KeyFactory(new KeyFamilyRegistry(TEST_KEY_FAMILIES), env);
    const documents = new RedisVersionedDocuments<{ n: number }>({
      connection,
      keys,
      family: 'test-document',
    });
    const key = keys.key('test-document', 'acme', 'd1');

    const read = connection.observe('get', key.family, (c) => c.get(key.key));
    await expect(read).rejects.toBeInstanceOf(RedisAccessDeniedError);
    await expect(read).rejects.toBeInstanceOf(RedisUnavailableError); // callers fall back as for an outage
    const write = await documents.create('acme', 'd1', { n: 1 }, 60); // a script: EVALSHA refused
    expect(write).toMatchObject({ outcome: 'unavailable' });
    expect((write as { error?: unknown }).error).toBeInstanceOf(RedisAccessDeniedError);
    expect(await metricValue(metrics, 'redis_runtime_access_denied_total', { command: 'get' })).toBe(1);
    expect(
      await metricValue(metrics, 'redis_runtime_access_denied_total', { workload: 'session' }),
    ).toBeGreaterThanOrEqual(2);
    expect(await metricValue(metrics, 'redis_runtime_lua_errors_total', {})).toBe(0);
  });
});
