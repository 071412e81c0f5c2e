import net from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DeadlineExceeded } from '../../src/clients/command-deadline-sweeper';
import { connectClient, createRedisClient } from '../../src/clients/redis-client-factory';
import { DEFAULT_TIMEOUTS } from '../../src/clients/redis-config';
import { RedisConnection } from '../../src/clients/redis-connection';
import { RedisTimeoutError } from '../../src/errors';
import { KeyFactory } from '../../src/keys/key-factory';
import type { KeyFamily, Workload } from '../../src/keys/key-family';
import { KeyFamilyRegistry } from '../../src/keys/key-family-registry';
import { startRedisProcess, type RedisProcess } from '../../../../test/support/redis-process';
import { uniqueId } from '../../../../test/support/unique';
import { startOneNodeCluster } from '../support/one-node-cluster';
import { TEST_KEY_FAMILIES } from '../support/runtime-fixtures';

// Command budgets as production runs them (no test override: the workload's 20-30 ms and the families' own),
// on a private redis-server that the tests pause (SIGSTOP).

const CACHE_BUDGET_MS = DEFAULT_TIMEOUTS.cache.commandTimeoutMs;
const family = (name: string, workload: Workload, timeoutMs: number): KeyFamily => ({
  ...TEST_KEY_FAMILIES[0]!,
  name,
  purpose: name,
  workload,
  timeoutMs,
});
const keys = new KeyFactory(
  new KeyFamilyRegistry([
    family('budget-default', 'cache', CACHE_BUDGET_MS),
    family('budget-long', 'cache', 400),
    family('budget-short', 'session', 5),
    family('budget-session', 'session', DEFAULT_TIMEOUTS.session.commandTimeoutMs),
  ]),
  uniqueId('t'),
);

/** A connection as `RedisConnection.open` builds it from `redisConfigFromEnv()` without REDIS_*_TIMEOUT_MS. */
async function productionConnection(url: string, workload: Workload = 'cache'): Promise<RedisConnection> {
  const client = createRedisClient({ url, cluster: false, connectTimeoutMs: 500 }, `budget-${workload}`);
  const connection = new RedisConnection(workload, client);
  await connectClient(client, 500);
  return connection;
}

interface QueuedCommand {
  command: { reject(error: Error): void };
}
interface Queue {
  length: number;
  peekAt(i: number): QueuedCommand | undefined;
}
const queueOf = (connection: RedisConnection) =>
  (connection.client as unknown as { commandQueue: Queue }).commandQueue;

/** Counts the deadline rejections each queued command receives, from now on. */
function countDeadlineRejections(connection: RedisConnection): () => number {
  const queue = queueOf(connection);
  let count = 0;
  for (let i = 0; i < queue.length; i++) {
    const command = queue.peekAt(i)!.command;
    const reject = command.reject.bind(command);
    command.reject = (error) => {
      if (error instanceof DeadlineExceeded) count++;
      reject(error);
    };
  }
  return () => count;
}

/** Settles `pending` to the time it took and its error (if any). */
const timed = (pending: Promise<unknown>) => {
  const started = performance.now();
  return pending.then(
    () => ({ ms: performance.now() - started, error: undefined as unknown }),
    (error: unknown) => ({ ms: performance.now() - started, error }),
  );
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('command budgets on a hung server (private redis-server, production budgets)', () => {
  let redis: RedisProcess;
  const opened: RedisConnection[] = [];
  const open = async (workload: Workload = 'cache') => {
    const connection = await productionConnection(redis.url, workload);
    opened.push(connection);
    return connection;
  };

  beforeAll(async () => {
    redis = await startRedisProcess();
  });
  afterEach(async () => {
    redis.resume();
    await Promise.all(opened.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('rejects each timed-out command once during a stall, leaving the event loop free', async () => {
    const connection = await open();
    const key = keys.key('budget-default', 't1', 'k');
    expect(await connection.observe('ping', undefined, (c) => c.ping())).toBe('PONG');
    redis.pause();
    const commands = 30_000;
    const replies = Array.from({ length: commands }, () =>
      timed(connection.observe('get', key.family, (c) => c.get(key.key))),
    );
    const rejections = countDeadlineRejections(connection);
    const resolutionMs = 5;
    const delay = monitorEventLoopDelay({ resolution: resolutionMs });
    delay.enable();
    const cpuBefore = process.cpuUsage();
    // held below the 1 s after which a stuck connection is dropped: only the sweeper acts meanwhile
    await sleep(800);
    const cpu = process.cpuUsage(cpuBefore);
    delay.disable();

    const settled = await Promise.all(replies);
    expect(settled.every((r) => r.error instanceof RedisTimeoutError)).toBe(true);
    expect(rejections()).toBe(commands);
    // Each stale command was rejected again on every sweep (a quarter budget): here 500,000 rejections, a busy
    // event loop (a timer every 5 ms firing ~35 ms apart at the median) and more than the stall's time in CPU.
    // Rejecting each once costs one burst, then nothing.
    const medianMs = delay.percentile(50) / 1e6;
    expect(medianMs, `median event-loop timer interval ${medianMs.toFixed(1)} ms`).toBeLessThan(
      resolutionMs + 15,
    );
    const cpuMs = (cpu.user + cpu.system) / 1000;
    expect(cpuMs, `CPU during an 800 ms stall: ${cpuMs.toFixed(0)} ms`).toBeLessThan(600);
  });

  it('keeps enforcing budgets once it has asked for a reconnect: a command sent just before the drop gets its budget', async () => {
    const connection = await open();
    const key = keys.key('budget-default', 't1', 'k');
    expect(await connection.observe('ping', undefined, (c) => c.ping())).toBe('PONG');
    let beforeDrop: Promise<{ ms: number; error: unknown }> | undefined;
    let drops = 0;
    const disconnect = connection.client.disconnect.bind(connection.client);
    connection.client.disconnect = (reconnect?: boolean) => {
      // the last command onto the stuck socket, sent in the same turn as the drop
      if (drops++ === 0) beforeDrop = timed(connection.observe('get', key.family, (c) => c.get(key.key)));
      return disconnect(reconnect);
    };
    redis.pause();
    const stuck = await timed(connection.observe('get', key.family, (c) => c.get(key.key)));
    expect(stuck.error).toBeInstanceOf(RedisTimeoutError);
    await expect.poll(() => drops, { timeout: 3_000, interval: 20 }).toBe(1);
    const last = await beforeDrop!;
    // its budget plus two sweeps and a busy machine's slack, far from ioredis' 2 s wait for the socket to close
    expect(last.ms, `answered after ${last.ms.toFixed(0)} ms`).toBeLessThan(CACHE_BUDGET_MS * 1.5 + 300);
    expect(last.error).toBeInstanceOf(RedisTimeoutError);
    expect(drops).toBe(1);
  });

  it("gives a family's commands the family's declared budget, longer or shorter than the workload's", async () => {
    const cache = await open('cache');
    const long = keys.key('budget-long', 't1', 'k');
    await cache.observe('set', long.family, (c) => c.set(long.key, 'v', 'EX', 60));
    redis.pause();
    const onLong = timed(cache.observe('get', long.family, (c) => c.get(long.key)));
    const unfamiliar = timed(cache.observe('ping', undefined, (c) => c.ping()));
    await sleep(150);
    redis.resume();
    // 150 ms: beyond the cache workload's 20 ms, within the family's 400 ms
    expect((await unfamiliar).error).toBeInstanceOf(RedisTimeoutError);
    expect(await onLong).toMatchObject({ error: undefined });

    const session = await open('session');
    const short = keys.key('budget-short', 't1', 'k');
    expect(await session.observe('ping', undefined, (c) => c.ping())).toBe('PONG');
    redis.pause();
    const order: string[] = [];
    const onWorkload = timed(session.observe('ping', undefined, (c) => c.ping())).then((r) => {
      order.push('workload');
      return r;
    });
    const onShort = timed(session.observe('get', short.family, (c) => c.get(short.key))).then((r) => {
      order.push('short');
      return r;
    });
    const [workloadReply, shortReply] = await Promise.all([onWorkload, onShort]);
    expect(shortReply.error).toBeInstanceOf(RedisTimeoutError);
    expect(workloadReply.error).toBeInstanceOf(RedisTimeoutError);
    // sent second, behind a command with the workload's 30 ms, yet failed first: its own 5 ms budget
    expect(order).toEqual(['short', 'workload']);
  });
  it('on a Cluster, gives a family with a shorter budget than the workload its own deadline too', async () => {
    const node = await startOneNodeCluster();
    const connection = await RedisConnection.open('session', {
      url: node.seed,
      cluster: true,
      connectTimeoutMs: 500,
    });
    opened.push(connection);
    try {
      const onWorkload = keys.key('budget-session', 't1', 'k');
      const short = keys.key('budget-short', 't1', 'k');
      // The first commands on a new Cluster client may miss the workload's 30 ms on a loaded machine (slots, the
      // node's connection): wait until one answers within budget before pausing the node.
      await expect
        .poll(
          () =>
            connection.observe('get', onWorkload.family, (c) => c.get(onWorkload.key)).catch((error: unknown) => error),
          { timeout: 5_000, interval: 50 },
        )
        .toBeNull();
      node.pause();
      const order: string[] = [];
      const [workloadReply, shortReply] = await Promise.all([
        timed(connection.observe('get', onWorkload.family, (c) => c.get(onWorkload.key))).then((r) => {
          order.push('workload');
          return r;
        }),
        timed(connection.observe('get', short.family, (c) => c.get(short.key))).then((r) => {
          order.push('short');
          return r;
        }),
      ]);
      expect(shortReply.error).toBeInstanceOf(RedisTimeoutError);
      expect(workloadReply.error).toBeInstanceOf(RedisTimeoutError);
      expect(order).toEqual(['short', 'workload']);
    } finally {
      node.resume();
      await node.stop();
    }
  });
});

describe('a reply that arrives while this process is busy past the budget (private redis-server, DEBUG SLEEP)', () => {
  let redis: RedisProcess;
  let blocker: Redis;
  let peer: { socket: net.Socket; close(): Promise<void> };
  const opened: RedisConnection[] = [];

  beforeAll(async () => {
    redis = await startRedisProcess({ args: ['--enable-debug-command', 'yes'] });
    blocker = new Redis(redis.url);
    peer = await delayedEchoPeer();
  });
  afterAll(async () => {
    await Promise.all(opened.splice(0).map((c) => c.close()));
    blocker?.disconnect();
    await peer?.close();
    await redis?.stop();
  });

  /**
   * Redis answers the command `redisMs` after it is sent (another connection's DEBUG SLEEP holds the server), within
   * the budget; `stallAtMs` after sending, another socket's data arrives and its handler keeps this process busy for
   * `stallMs`, past the budget. The reply reaches the socket during the stall, so the timers phase that follows runs
   * before the I/O that would resolve the command.
   */
  async function replyDuringStall(
    workload: Workload,
    familyName: string,
    timings: { redisMs: number; stallAtMs: number; stallMs: number },
  ) {
    const connection = await productionConnection(redis.url, workload);
    opened.push(connection);
    const key = keys.key(familyName, 't1', 'k');
    expect(await connection.observe('ping', undefined, (c) => c.ping())).toBe('PONG');
    const results: { error: unknown; staged: boolean }[] = [];
    for (let trial = 0; trial < 8; trial++) {
      void blocker.call('debug', 'sleep', String(timings.redisMs / 1000));
      await new Promise((r) => setImmediate(r)); // the DEBUG SLEEP reaches Redis first
      const reply = timed(connection.observe('get', key.family, (c) => c.get(key.key)));
      let staged = false;
      peer.socket.once('data', () => {
        // staged: the command still waits for its reply when the stall begins
        staged = queueOf(connection).length > 0;
        const until = performance.now() + timings.stallMs;
        while (performance.now() < until) {
          // busy: a long handler, or a CPU taken by other processes
        }
      });
      peer.socket.write(`${timings.stallAtMs}\n`);
      const { error } = await reply;
      results.push({ error, staged });
      await sleep(timings.redisMs);
    }
    const staged = results.filter((r) => r.staged);
    expect(staged.length, 'trials whose stall began before the reply').toBeGreaterThan(0);
    expect(staged.map((r) => (r.error as Error | undefined)?.message ?? 'answered')).toEqual(
      staged.map(() => 'answered'),
    );
  }

  it("resolves a command of the workload's budget whose reply came in time, however late this process reads it", async () => {
    // session: 30 ms, swept every 7 ms; Redis answers at 20 ms; busy from 12 ms (a sweep has seen the command) to 160
    await replyDuringStall('session', 'budget-session', { redisMs: 20, stallAtMs: 12, stallMs: 150 });
  });

  it('resolves a command with a budget of its own (a family) whose reply came in time, however late it is read', async () => {
    // the family's 400 ms; Redis answers at 200 ms; busy from 100 ms to 600 ms
    await replyDuringStall('cache', 'budget-long', { redisMs: 200, stallAtMs: 100, stallMs: 500 });
  });
});

/** A loopback server that, sent `<ms>\n`, answers one byte `ms` later: data arriving at a chosen moment. */
async function delayedEchoPeer(): Promise<{ socket: net.Socket; close(): Promise<void> }> {
  const server = net.createServer((s) =>
    s.on('data', (data) => {
      for (const line of data.toString().split('\n').filter(Boolean))
        setTimeout(() => s.write('x'), Number(line));
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  return {
    socket,
    close: async () => {
      socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
