import { beforeAll, describe, expect, it } from 'vitest';
import { RedisVersionedDocuments } from '../../src/versioned/redis-versioned-documents';
import { infraEnv } from '../../../../test/support/infra-env';
import { uniqueId } from '../../../../test/support/unique';
import { openConnection, testKeys } from '../support/runtime-fixtures';

const nodes = infraEnv().redisClusterNodes;

describe.skipIf(nodes.length === 0)('RedisVersionedDocuments on Redis Cluster', () => {
  let drafts: RedisVersionedDocuments<{ n: number }>;

  beforeAll(async () => {
    const seeds = nodes.map((n) => `${n.host}:${n.port}`).join(',');
    const connection = await openConnection('session', seeds, { cluster: true });
    drafts = new RedisVersionedDocuments({ connection, keys: testKeys(), family: 'test-document' });
  });

  it('creates, replaces, refuses a stale version and reads back on every shard', async () => {
    // 30 documents hash to slots on all three masters with overwhelming probability.
    for (let i = 0; i < 30; i++) {
      const tenant = uniqueId(`tn${i}`);
      const id = uniqueId('s');
      expect(await drafts.create(tenant, id, { n: 0 }, 60)).toEqual({ outcome: 'written', version: 1 });
      expect(await drafts.replace(tenant, id, { n: 1 }, 1, 60)).toEqual({ outcome: 'written', version: 2 });
      expect(await drafts.replace(tenant, id, { n: 9 }, 1, 60)).toEqual({
        outcome: 'conflict',
        storedVersion: 2,
      });
      expect(await drafts.read(tenant, id, 60)).toEqual({
        outcome: 'found',
        document: { version: 2, value: { n: 1 } },
      });
    }
  });
});
