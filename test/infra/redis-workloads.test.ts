import { Cluster, Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { infraEnv } from '../support/infra-env';

const env = infraEnv();
const clients: Array<Redis | Cluster> = [];

function connect(url: string): Redis {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  clients.push(client);
  return client;
}

async function configValue(client: Redis, name: string): Promise<string | undefined> {
  const reply = (await client.config('GET', name)) as string[];
  return reply[1];
}

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.quit()));
});

describe('redis workloads', () => {
  it('cache answers', async () => {
    expect(await connect(env.redisCacheUrl).ping()).toBe('PONG');
  });

  it('rate never evicts', async () => {
    const rate = connect(env.redisRateUrl);
    expect(await configValue(rate, 'maxmemory-policy')).toBe('noeviction');
  });

  it('session never evicts and keeps an append-only file', async () => {
    const session = connect(env.redisSessionUrl);
    expect(await configValue(session, 'maxmemory-policy')).toBe('noeviction');
    expect(await configValue(session, 'appendonly')).toBe('yes');
  });
});

describe.skipIf(env.redisClusterNodes.length === 0)('redis cluster', () => {
  it('is formed (cluster_state:ok) with 3 masters and 3 replicas', async () => {
    const cluster = new Cluster(env.redisClusterNodes, { lazyConnect: true });
    clients.push(cluster);
    await cluster.connect();
    const info = await cluster.cluster('INFO');
    expect(info).toMatch(/cluster_state:ok/);
    expect(info).toMatch(/cluster_slots_assigned:16384/);
    // CLUSTER NODES lines: <id> <addr> <flags> <master id> <ping> <pong> <epoch> <link-state> <slots...>
    const nodes = ((await cluster.cluster('NODES')) as string)
      .trim()
      .split('\n')
      .map((line: string) => line.split(' '));
    const withRole = (role: string) =>
      nodes.filter(
        ([, , flags = '', , , , , link]) => flags.split(',').includes(role) && link === 'connected',
      );
    expect(withRole('master')).toHaveLength(3);
    expect(withRole('slave')).toHaveLength(3);
    // A write to each shard goes through the slot routing.
    const keys = ['{a}:probe', '{b}:probe', '{c}:probe'];
    for (const key of keys) await cluster.set(key, '1', 'EX', 30);
    expect(await Promise.all(keys.map((k) => cluster.get(k)))).toEqual(['1', '1', '1']);
  });
});
