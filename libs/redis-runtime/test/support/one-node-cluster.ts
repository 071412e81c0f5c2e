import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { startRedisProcess, type RedisProcess } from '../../../../test/support/redis-process';

/**
 * A private one-node Redis Cluster holding every slot, for tests that pause a Cluster node (the shared Cluster is
 * never paused). It announces its address: CLUSTER SLOTS would name none otherwise, and clients would hang.
 */
export async function startOneNodeCluster(): Promise<RedisProcess & { seed: string }> {
  const node = await startRedisProcess({
    args: ['--cluster-enabled', 'yes', '--cluster-announce-ip', '127.0.0.1'],
  });
  const admin = new Redis(node.port, '127.0.0.1');
  try {
    await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
    await expect
      .poll(async () => /cluster_state:ok/.test(String(await admin.call('CLUSTER', 'INFO'))), {
        timeout: 10_000,
        interval: 50,
      })
      .toBe(true);
  } catch (error) {
    await node.stop();
    throw error;
  } finally {
    admin.disconnect();
  }
  return Object.assign(node, { seed: `127.0.0.1:${node.port}` });
}
