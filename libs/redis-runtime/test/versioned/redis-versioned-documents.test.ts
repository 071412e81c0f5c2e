import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnection } from '../../src/clients/redis-connection';
import { RedisRuntimeError } from '../../src/errors';
import { RuntimeMetrics } from '../../src/observability/runtime-metrics';
import { RedisVersionedDocuments } from '../../src/versioned/redis-versioned-documents';
import { infraEnv } from '../../../../test/support/infra-env';
import { startRedisProcess, type RedisProcess } from '../../../../test/support/redis-process';
import { uniqueId } from '../../../../test/support/unique';
import { metricValue, openConnection, testKeys } from '../support/runtime-fixtures';

interface Draft {
  sessionId: string;
  selected: string[];
}

const keys = testKeys();
const CALLERS = 200;
const isDraft = (value: unknown): value is Draft =>
  typeof value === 'object' && value !== null && Array.isArray((value as Draft).selected);

describe('RedisVersionedDocuments', () => {
  let connection: RedisConnection;
  let metrics: RuntimeMetrics;
  let drafts: RedisVersionedDocuments<Draft>;

  beforeAll(async () => {
    metrics = new RuntimeMetrics();
    connection = await openConnection('session', infraEnv().redisSessionUrl, { metrics });
    drafts = new RedisVersionedDocuments<Draft>({
      connection,
      keys,
      family: 'test-document',
      validate: isDraft,
    });
  });

  const fresh = () => ({ tenant: uniqueId('tn'), id: uniqueId('s') });
  const redisKey = (tenant: string, id: string) => keys.key('test-document', tenant, id).key;
  const draft = (id: string, ...selected: string[]): Draft => ({ sessionId: id, selected });

  it('creates version 1, then replaces only over the version the writer read', async () => {
    const { tenant, id } = fresh();
    expect(await drafts.create(tenant, id, draft(id), 60)).toEqual({ outcome: 'written', version: 1 });
    expect(await drafts.create(tenant, id, draft(id, 'other'), 60)).toEqual({
      outcome: 'conflict',
      storedVersion: 1,
    });
    expect(await drafts.replace(tenant, id, draft(id, 'router'), 1, 60)).toEqual({
      outcome: 'written',
      version: 2,
    });
    // a second tab still holding version 1
    expect(await drafts.replace(tenant, id, draft(id, 'modem'), 1, 60)).toEqual({
      outcome: 'conflict',
      storedVersion: 2,
    });
    expect(await drafts.read(tenant, id, 60)).toEqual({
      outcome: 'found',
      document: { version: 2, value: draft(id, 'router') },
    });
  });

  it('stores a schema-versioned JSON document with its version, and every write and read slides the TTL', async () => {
    const { tenant, id } = fresh();
    await drafts.create(tenant, id, draft(id), 5);
    expect(JSON.parse((await connection.client.get(redisKey(tenant, id)))!)).toEqual({
      schemaVersion: 1,
      version: 1,
      payload: draft(id),
    });
    expect(await connection.client.ttl(redisKey(tenant, id))).toBeLessThanOrEqual(5);
    await drafts.read(tenant, id, 600);
    expect(await connection.client.ttl(redisKey(tenant, id))).toBeGreaterThan(590);
    await drafts.replace(tenant, id, draft(id, 'a'), 1, 30);
    const ttl = await connection.client.ttl(redisKey(tenant, id));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30);
  });

  it('refuses a TTL outside the family range instead of writing a key that lives too long', async () => {
    const { tenant, id } = fresh();
    await expect(drafts.create(tenant, id, draft(id), 7200)).rejects.toThrow();
    expect(await connection.client.exists(redisKey(tenant, id))).toBe(0);
  });

  it('reports a replace of an expired or unknown document as missing, and restore puts the durable copy back', async () => {
    const { tenant, id } = fresh();
    expect(await drafts.read(tenant, id, 60)).toEqual({ outcome: 'missing' });
    expect(await drafts.replace(tenant, id, draft(id, 'x'), 6, 60)).toEqual({ outcome: 'missing' });
    expect(await connection.client.exists(redisKey(tenant, id))).toBe(0);
    expect(await drafts.restore(tenant, id, draft(id, 'from-snapshot'), 6, 60)).toEqual({
      outcome: 'written',
      version: 6,
    });
    expect(await drafts.replace(tenant, id, draft(id, 'after'), 6, 60)).toEqual({
      outcome: 'written',
      version: 7,
    });
  });

  it('never restores over the same or a newer version (a lagging snapshot cannot undo a write)', async () => {
    const { tenant, id } = fresh();
    await drafts.restore(tenant, id, draft(id, 'v5'), 5, 60);
    expect(await drafts.restore(tenant, id, draft(id, 'old'), 4, 60)).toEqual({
      outcome: 'conflict',
      storedVersion: 5,
    });
    expect(await drafts.restore(tenant, id, draft(id, 'same'), 5, 60)).toEqual({
      outcome: 'conflict',
      storedVersion: 5,
    });
    const read = await drafts.read(tenant, id, 60);
    expect(read.outcome === 'found' && read.document.value.selected).toEqual(['v5']);
    expect(await drafts.restore(tenant, id, draft(id, 'v9'), 9, 60)).toEqual({
      outcome: 'written',
      version: 9,
    });
  });

  it('a sealed version refuses every later replace, whatever version it names, and reads back sealed', async () => {
    const { tenant, id } = fresh();
    await drafts.create(tenant, id, draft(id, 'a'), 60);
    expect(await drafts.replace(tenant, id, draft(id, 'final'), 1, 60, { seal: true })).toEqual({
      outcome: 'written',
      version: 2,
    });
    expect(JSON.parse((await connection.client.get(redisKey(tenant, id)))!)).toEqual({
      schemaVersion: 1,
      version: 2,
      sealed: true,
      payload: draft(id, 'final'),
    });
    for (const expected of [1, 2, 3]) {
      expect(await drafts.replace(tenant, id, draft(id, 'late'), expected, 60)).toEqual({
        outcome: 'sealed',
        storedVersion: 2,
      });
    }
    expect(await drafts.restore(tenant, id, draft(id, 'old'), 2, 60)).toEqual({
      outcome: 'conflict',
      storedVersion: 2,
    });
    expect(await drafts.read(tenant, id, 60)).toEqual({
      outcome: 'found',
      document: { version: 2, value: draft(id, 'final'), sealed: true },
    });
  });

  it(`${CALLERS} concurrent replaces of one version, one of them sealing: once sealed, nothing replaces it`, async () => {
    const { tenant, id } = fresh();
    await drafts.create(tenant, id, draft(id), 60);
    // every caller names the version it last saw, as a tab does after each write
    const results = await Promise.all(
      Array.from({ length: CALLERS }, async (_, i) => {
        const outcomes = [];
        for (let expected = 1; expected <= 4; expected++) {
          outcomes.push(
            await drafts.replace(tenant, id, draft(id, `tab-${i}`), expected, 60, { seal: i === 0 }),
          );
        }
        return outcomes;
      }),
    );
    const sealing = results[0]!.find((r) => r.outcome === 'written');
    const read = await drafts.read(tenant, id, 60);
    if (read.outcome !== 'found') throw new Error('document gone');
    if (sealing?.outcome === 'written') {
      // the seal landed: it is still the stored version, nothing replaced it
      expect(read.document).toEqual({ version: sealing.version, value: draft(id, 'tab-0'), sealed: true });
    } else {
      expect(read.document.sealed).toBeUndefined();
    }
    const written = results.flat().filter((r) => r.outcome === 'written');
    expect(written.map((r) => r.outcome === 'written' && r.version).sort()).toEqual(
      Array.from({ length: written.length }, (_, i) => i + 2),
    );
  });

  it('treats an unreadable value as missing (counted), and only restore replaces it', async () => {
    const { tenant, id } = fresh();
    const before = await metricValue(metrics, 'redis_runtime_cache_events_total', {
      family: 'test-document',
      event: 'decode_error',
    });
    for (const garbage of [
      'not json',
      '{"schemaVersion":2,"version":3,"payload":{}}',
      '{"schemaVersion":1,"version":3,"payload":{"nope":1}}',
    ]) {
      await connection.client.set(redisKey(tenant, id), garbage, 'EX', 60);
      expect(await drafts.read(tenant, id, 60)).toEqual({ outcome: 'missing' });
    }
    await connection.client.set(redisKey(tenant, id), 'not json', 'EX', 60);
    expect(await drafts.replace(tenant, id, draft(id), 3, 60)).toEqual({ outcome: 'missing' });
    expect(await drafts.create(tenant, id, draft(id), 60)).toEqual({ outcome: 'missing' });
    expect(await connection.client.get(redisKey(tenant, id))).toBe('not json');
    expect(await drafts.restore(tenant, id, draft(id, 'repaired'), 3, 60)).toEqual({
      outcome: 'written',
      version: 3,
    });
    const after = await metricValue(metrics, 'redis_runtime_cache_events_total', {
      family: 'test-document',
      event: 'decode_error',
    });
    expect(after - before).toBe(5); // three reads, one replace, one create
  });

  it('handles a large document (500 selections) without decoding it in Lua', async () => {
    const { tenant, id } = fresh();
    const big = draft(id, ...Array.from({ length: 500 }, (_, i) => `offer-${i}-${'x'.repeat(80)}`));
    expect(await drafts.create(tenant, id, big, 60)).toEqual({ outcome: 'written', version: 1 });
    expect(await drafts.replace(tenant, id, { ...big, selected: big.selected.slice(1) }, 1, 60)).toEqual({
      outcome: 'written',
      version: 2,
    });
    const read = await drafts.read(tenant, id, 60);
    expect(read.outcome === 'found' && read.document.value.selected).toHaveLength(499);
  });

  it(`${CALLERS} concurrent replaces of one version: exactly one is written, the others see its version`, async () => {
    const { tenant, id } = fresh();
    await drafts.create(tenant, id, draft(id), 60);
    const results = await Promise.all(
      Array.from({ length: CALLERS }, (_, i) => drafts.replace(tenant, id, draft(id, `tab-${i}`), 1, 60)),
    );
    const written = results.filter((r) => r.outcome === 'written');
    expect(written).toEqual([{ outcome: 'written', version: 2 }]);
    expect(results.filter((r) => r.outcome === 'conflict' && r.storedVersion === 2)).toHaveLength(
      CALLERS - 1,
    );
    const read = await drafts.read(tenant, id, 60);
    const winner = results.findIndex((r) => r.outcome === 'written');
    expect(read.outcome === 'found' && read.document).toEqual({
      version: 2,
      value: draft(id, `tab-${winner}`),
    });
  });

  it('loses no update: 40 writers each read-modify-write until written, and every change is kept', async () => {
    const { tenant, id } = fresh();
    await drafts.create(tenant, id, draft(id), 60);
    const writers = 40;
    await Promise.all(
      Array.from({ length: writers }, async (_, i) => {
        for (;;) {
          const read = await drafts.read(tenant, id, 60);
          if (read.outcome !== 'found') throw new Error(`writer ${i}: ${read.outcome}`);
          const { version, value } = read.document;
          const result = await drafts.replace(
            tenant,
            id,
            { ...value, selected: [...value.selected, `w${i}`] },
            version,
            60,
          );
          if (result.outcome === 'written') return;
          if (result.outcome !== 'conflict') throw new Error(`writer ${i}: ${result.outcome}`);
        }
      }),
    );
    const final = await drafts.read(tenant, id, 60);
    if (final.outcome !== 'found') throw new Error('document gone');
    expect(final.document.version).toBe(writers + 1);
    expect([...final.document.value.selected].sort()).toEqual(
      Array.from({ length: writers }, (_, i) => `w${i}`).sort(),
    );
  });
});

describe('RedisVersionedDocuments when Redis fails', () => {
  let redis: RedisProcess;

  beforeAll(async () => {
    redis = await startRedisProcess();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it("answers 'unavailable' with a typed error on every operation, so the caller uses the durable copy", async () => {
    const connection = await openConnection('session', redis.url, { commandTimeoutMs: 50 });
    connection.client.on('error', () => {});
    const drafts = new RedisVersionedDocuments<Draft>({ connection, keys, family: 'test-document' });
    expect(await drafts.create('t1', 's1', { sessionId: 's1', selected: [] }, 60)).toEqual({
      outcome: 'written',
      version: 1,
    });
    await redis.stop();
    const outcomes = [
      await drafts.read('t1', 's1', 60),
      await drafts.create('t1', 's2', { sessionId: 's2', selected: [] }, 60),
      await drafts.replace('t1', 's1', { sessionId: 's1', selected: ['a'] }, 1, 60),
      await drafts.restore('t1', 's1', { sessionId: 's1', selected: ['a'] }, 2, 60),
    ];
    for (const outcome of outcomes) {
      expect(outcome.outcome).toBe('unavailable');
      expect(outcome.outcome === 'unavailable' && outcome.error).toBeInstanceOf(RedisRuntimeError);
    }
  });
});
