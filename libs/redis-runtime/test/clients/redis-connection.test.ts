import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisConnection } from '../../src/clients/redis-connection';
import { connectClient, createRedisClient } from '../../src/clients/redis-client-factory';
import { LuaScriptError, RedisTimeoutError, RedisUnavailableError } from '../../src/errors';
import { RuntimeMetrics } from '../../src/observability/runtime-metrics';
import { loadScriptDefinitions } from '../../src/scripts/script-registry';
import { startRedisProcess, type RedisProcess } from '../../../../test/support/redis-process';
import { metricValue, testKeys } from '../support/runtime-fixtures';

const BUDGET_MS = 30;
const testScripts = loadScriptDefinitions(join(__dirname, 'scripts'));

async function open(
  url: string,
  metrics = new RuntimeMetrics(),
  writeFlush?: 'tick' | 'turn',
): Promise<RedisConnection> {
  const client = createRedisClient(
    { url, cluster: false, connectTimeoutMs: 500, commandTimeoutMs: BUDGET_MS },
    'test',
  );
  const connection = new RedisConnection('cache', client, {
    metrics,
    commandTimeoutMs: BUDGET_MS,
    scripts: testScripts,
    ...(writeFlush ? { writeFlush } : {}),
  });
  await connectClient(client, 500);
  return connection;
}

const waitUntil = async (condition: () => boolean | Promise<boolean>, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('RedisConnection', () => {
  let redis: RedisProcess;
  const keys = testKeys();
  const key = keys.key('test-cache', 't1', 'conn');

  beforeAll(async () => {
    redis = await startRedisProcess();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('keeps replies in order when one turn of the event loop sends many commands in one write', async () => {
    const connection = await open(redis.url);
    const counter = keys.key('test-cache', 't1', 'counter');
    const replies = await Promise.all(
      Array.from({ length: 1000 }, () =>
        connection.observe('incr', counter.family, (c) => c.incr(counter.key)),
      ),
    );
    expect(replies).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    await connection.close();
  });

  it('writeFlush "turn" sends the commands of separate callbacks of one event-loop turn in one write; "tick" does not', async () => {
    /**
     * Issues one GET from each of 10 setImmediate callbacks queued together, so they run in one check phase (10
     * timers of 0 ms can straddle a millisecond on a loaded machine and fire in two turns); counts socket writes.
     */
    const writesFor = async (connection: RedisConnection) => {
      const stream = (connection.client as unknown as { stream: any }).stream;
      // Only writes carrying this test's GETs count: the client's own set-up traffic may still be on its way.
      await new Promise((resolve) => setImmediate(resolve));
      let writes = 0;
      const carriesGet = (text: string) => text.includes(key.key);
      const originalWrite = stream._write.bind(stream);
      const originalWritev = stream._writev.bind(stream);
      stream._write = (chunk: unknown, ...rest: unknown[]) => {
        if (carriesGet(String(chunk))) writes++;
        return originalWrite(chunk, ...rest);
      };
      stream._writev = (chunks: { chunk: unknown }[], ...rest: unknown[]) => {
        if (carriesGet(chunks.map((c) => String(c.chunk)).join(''))) writes++;
        return originalWritev(chunks, ...rest);
      };
      const replies: Promise<unknown>[] = [];
      await new Promise<void>((resolve) => {
        for (let i = 0; i < 10; i++) {
          setImmediate(() => {
            replies.push(connection.observe('get', key.family, (c) => c.get(key.key)));
            if (replies.length === 10) resolve();
          });
        }
      });
      await Promise.all(replies);
      stream._write = originalWrite;
      stream._writev = originalWritev;
      return writes;
    };
    const turn = await open(redis.url, new RuntimeMetrics(), 'turn');
    const tick = await open(redis.url, new RuntimeMetrics(), 'tick');
    try {
      expect(await writesFor(turn)).toBe(1);
      expect(await writesFor(tick)).toBe(10);
    } finally {
      await Promise.all([turn.close(), tick.close()]);
    }
  });

  it('fails a command on a hung server within its budget, counting the timeout, and drops the stuck socket', async () => {
    const metrics = new RuntimeMetrics();
    const connection = await open(redis.url, metrics);
    expect(await connection.observe('ping', undefined, (c) => c.ping())).toBe('PONG');
    let drops = 0;
    const disconnect = connection.client.disconnect.bind(connection.client);
    connection.client.disconnect = (reconnect?: boolean) => {
      drops++;
      return disconnect(reconnect);
    };
    redis.pause();
    try {
      const started = performance.now();
      await expect(connection.observe('get', key.family, (c) => c.get(key.key))).rejects.toBeInstanceOf(
        RedisTimeoutError,
      );
      // budget plus up to two sweeps of a quarter budget each, plus scheduling slack on a busy machine
      expect(performance.now() - started).toBeLessThan(BUDGET_MS * 1.5 + 120);
      expect(await metricValue(metrics, 'redis_runtime_timeouts_total', { family: 'test-cache' })).toBe(1);
      // past the stuck threshold (1 s) the connection is dropped and reopened
      await waitUntil(() => connection.client.status !== 'ready', 3_000);
      // once: the socket takes ioredis' disconnectTimeout (2 s) to close, and every sweep meanwhile must not ask
      // again (each request added a timer and a close listener to the stuck socket)
      expect(drops).toBe(1);
    } finally {
      redis.resume();
    }
    await waitUntil(() => connection.ready, 5_000);
    expect(await connection.observe('ping', undefined, (c) => c.ping())).toBe('PONG');
    await connection.close();
  });

  it('fails at once with RedisUnavailableError when the server process is gone, and recovers after restart', async () => {
    const connection = await open(redis.url);
    await redis.stop();
    await waitUntil(() => !connection.ready, 2_000);
    const started = performance.now();
    await expect(connection.observe('get', key.family, (c) => c.get(key.key))).rejects.toBeInstanceOf(
      RedisUnavailableError,
    );
    expect(performance.now() - started).toBeLessThan(BUDGET_MS);
    await redis.restart();
    await waitUntil(() => connection.ready, 5_000);
    expect(await connection.observe('ping', undefined, (c) => c.ping())).toBe('PONG');
    await connection.close();
  });

  it('runs a script by EVALSHA, reloading it once after SCRIPT FLUSH', async () => {
    const connection = await open(redis.url);
    await connection.client.script('FLUSH');
    expect(await connection.script('echoKey', [key], ['a'])).toEqual([key.key, 'a']);
    const sha = testScripts.get('echoKey')!.sha;
    expect(await connection.client.script('EXISTS', sha)).toEqual([1]);
    await connection.client.script('FLUSH');
    expect(await connection.script('echoKey', [key], ['b'])).toEqual([key.key, 'b']);
    await connection.close();
  });

  it('maps a failing script to LuaScriptError and counts it', async () => {
    const metrics = new RuntimeMetrics();
    const connection = await open(redis.url, metrics);
    await expect(connection.script('failing', [key], [])).rejects.toBeInstanceOf(LuaScriptError);
    expect(await metricValue(metrics, 'redis_runtime_lua_errors_total', { script: 'failing' })).toBe(1);
    await expect(connection.script('echoKey', [key, key], [])).rejects.toThrow(/takes 1 keys/);
    await connection.close();
  });

  it('exports command latency by command, family and workload in Prometheus text', async () => {
    const metrics = new RuntimeMetrics();
    const connection = await open(redis.url, metrics);
    for (let i = 0; i < 3; i++) await connection.observe('get', key.family, (c) => c.get(key.key));
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE redis_runtime_command_duration_seconds histogram');
    expect(text).toMatch(
      /redis_runtime_command_duration_seconds_count\{command="get",family="test-cache",workload="cache",outcome="ok"\} 3/,
    );
    expect(text).toMatch(/redis_runtime_command_duration_seconds_bucket\{.*le="\+Inf"\} 3/);
    await connection.close();
  });
});
