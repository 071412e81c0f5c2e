import { performance } from 'node:perf_hooks';
import { median, percentile, type BenchContender } from '../../../test/support/bench-report';

/** One operation of a caller; awaited whether it returns a promise or a value (a synchronous read). */
export type Op = (caller: number, i: number) => unknown;

export interface InProcessContender {
  name: string;
  op: Op;
}

interface RedisInfo {
  info(section: string): Promise<string>;
}

/**
 * Runs `op` from `concurrency` callers in a closed loop for `durationMs`; returns completed ops and seconds.
 * Each caller awaits its previous op, like a request handler would.
 */
export async function measure(
  op: Op,
  { concurrency, durationMs }: { concurrency: number; durationMs: number },
): Promise<{ ops: number; seconds: number }> {
  let done = 0;
  const started = performance.now();
  // A clock check, not a timer: an op that resolves without I/O (a near-cache hit) never yields to timers.
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, caller) => {
      for (let i = 0; performance.now() < deadline; i++) {
        await op(caller, i);
        done++;
      }
    }),
  );
  return { ops: done, seconds: (performance.now() - started) / 1000 };
}

/** Latency of each op under the same closed loop, from a pass of its own (timing every op costs two clock reads). */
export async function measureLatency(
  op: Op,
  { concurrency, durationMs }: { concurrency: number; durationMs: number },
): Promise<{ p50Ms: number; p99Ms: number }> {
  const samples = new Float64Array(1 << 20);
  let n = 0;
  const deadline = performance.now() + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, caller) => {
      for (let i = 0; ; i++) {
        const t = performance.now();
        if (t >= deadline) return;
        await op(caller, i);
        if (n < samples.length) samples[n++] = performance.now() - t;
      }
    }),
  );
  const taken = samples.subarray(0, n);
  return { p50Ms: percentile(taken, 50), p99Ms: percentile(taken, 99) };
}

async function redisCpuSeconds(redis: RedisInfo): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_sys') + field('used_cpu_user');
}

/**
 * Measures `contenders` in `rounds` rounds (each round every contender, in list order on even rounds and reversed
 * on odd ones) after a warm-up of each, then one latency pass each. CPU per op: this process (callers and library
 * together: `server`) and the Redis server `redis` (INFO cpu, read between runs).
 */
export async function measureGroup(
  title: string,
  contenders: readonly InProcessContender[],
  options: {
    rounds: number;
    durationMs: number;
    warmupMs: number;
    latencyMs: number;
    concurrency: number;
    redis: RedisInfo;
  },
): Promise<BenchContender[]> {
  const { concurrency } = options;
  console.log(`\n${title}`);
  for (const c of contenders) await measure(c.op, { concurrency, durationMs: options.warmupMs });
  const samples = new Map(
    contenders.map((c) => [
      c.name,
      { opsPerSec: [] as number[], cpuUs: [] as number[], redisUs: [] as number[] },
    ]),
  );
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    for (const c of order) {
      const redisBefore = await redisCpuSeconds(options.redis);
      const cpuBefore = process.cpuUsage();
      const { ops, seconds } = await measure(c.op, { concurrency, durationMs: options.durationMs });
      const cpu = process.cpuUsage(cpuBefore);
      const redisUsed = (await redisCpuSeconds(options.redis)) - redisBefore;
      const s = samples.get(c.name)!;
      s.opsPerSec.push(ops / seconds);
      s.cpuUs.push((cpu.user + cpu.system) / Math.max(1, ops));
      s.redisUs.push((redisUsed * 1e6) / Math.max(1, ops));
      process.stderr.write(`  round ${round + 1} ${c.name}: ${Math.round(ops / seconds)} ops/s\n`);
    }
  }
  const out: BenchContender[] = [];
  for (const c of contenders) {
    const s = samples.get(c.name)!;
    const latency = await measureLatency(c.op, { concurrency, durationMs: options.latencyMs });
    out.push({
      name: c.name,
      reqPerSec: median(s.opsPerSec),
      ...latency,
      cpuUsPerRequest: { server: median(s.cpuUs), redis: median(s.redisUs) },
      rounds: s.opsPerSec,
    });
  }
  return out;
}
