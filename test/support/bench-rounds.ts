// The measuring loop the service benchmarks share: rounds at saturation (every contender in each round, order
// alternating), then latency at a fixed offered load. Each contender's figures become a `BenchContender`.
import { setTimeout as sleep } from 'node:timers/promises';
import { load, redisCpuSeconds, type LoadResult } from './bench-load';
import { pacedLoad, type PacedLoadResult } from './bench-paced-load';
import { cpuSeconds, type Child } from './bench-processes';
import { median, type BenchContender, type FixedLoadResult } from './bench-report';

export interface HttpContender {
  /** The contender's name in the report. */
  name: string;
  /** The process serving it (its CPU is the `server` figure). */
  child: Child;
  url: string;
  headers?: Record<string, string>;
  /** POSTed as JSON when given, else a GET. */
  body?: string;
}

export interface MeasuredRun {
  result: LoadResult;
  /** CPU µs per completed request: the serving process, the Redis servers given. */
  serverCpuUs: number;
  redisCpuUs: number;
}

interface RedisInfo {
  info(section: string): Promise<string>;
}

/** Throws when a child died during the benchmark (something else on the machine stopped it). */
export function assertAlive(children: readonly Child[]): void {
  for (const child of children) {
    const reason = child.exitReason();
    if (reason) {
      throw new Error(
        `${child.name} stopped during the benchmark (${reason}); not sent by this script. Something else on the ` +
          `machine signalled it (see ${child.logFile}); rerun when nothing else is running.`,
      );
    }
  }
}

/**
 * `rounds` rounds; in each, every contender gets `warmupS` of load (discarded) then `durationS` measured, in list
 * order on even rounds and reversed on odd ones. `around` wraps each measured run (e.g. command counters).
 */
export async function measureRounds(
  contenders: readonly HttpContender[],
  options: {
    rounds: number;
    warmupS: number;
    durationS: number;
    connections: number;
    /** Servers whose CPU counts as the contender's `redis` CPU. */
    redis: readonly RedisInfo[];
    /** Every process of the bench, checked after each run. */
    children: readonly Child[];
    before?: (contender: HttpContender) => Promise<void>;
    after?: (contender: HttpContender, result: LoadResult) => Promise<void>;
  },
): Promise<Map<string, MeasuredRun[]>> {
  const runs = new Map<string, MeasuredRun[]>(contenders.map((c) => [c.name, []]));
  const redisCpu = async () => {
    let total = 0;
    for (const r of options.redis) total += await redisCpuSeconds(r);
    return total;
  };
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    for (const c of order) {
      const target = { url: c.url, headers: c.headers ?? {}, body: c.body, connections: options.connections };
      await load({ ...target, durationS: options.warmupS });
      await options.before?.(c);
      const cpuBefore = cpuSeconds(c.child.process.pid);
      const redisBefore = await redisCpu();
      const result = await load({ ...target, durationS: options.durationS });
      const serverCpu = cpuSeconds(c.child.process.pid) - cpuBefore;
      const redisUsed = (await redisCpu()) - redisBefore;
      await options.after?.(c, result);
      assertAlive(options.children);
      const served = Math.max(1, result.total);
      runs.get(c.name)!.push({
        result,
        serverCpuUs: (serverCpu * 1e6) / served,
        redisCpuUs: (redisUsed * 1e6) / served,
      });
      process.stderr.write(`  round ${round + 1} ${c.name}: ${Math.round(result.reqPerSec)} req/s\n`);
    }
  }
  return runs;
}

/** A contender's report entry: medians over its runs. */
export function contenderOf(name: string, runs: readonly MeasuredRun[]): BenchContender {
  const of = (pick: (r: MeasuredRun) => number) => median(runs.map(pick));
  return {
    name,
    reqPerSec: of((r) => r.result.reqPerSec),
    p50Ms: of((r) => r.result.p50Ms),
    p99Ms: of((r) => r.result.p99Ms),
    cpuUsPerRequest: {
      server: of((r) => r.serverCpuUs),
      loadGenerator: of((r) => r.result.clientCpuUs),
      redis: of((r) => r.redisCpuUs),
    },
    rounds: runs.map((r) => r.result.reqPerSec),
    failures: runs.reduce((n, r) => n + r.result.errors + r.result.non2xx, 0),
  };
}

/** req/s per round of each contender, for `ratioOfRounds`. */
export function roundsOf(runs: ReadonlyMap<string, readonly MeasuredRun[]>): Record<string, number[]> {
  return Object.fromEntries([...runs].map(([name, r]) => [name, r.map((x) => x.result.reqPerSec)]));
}

/** The median over rounds of the fastest of `names` in each round: "the bare route's maximum". */
export function bestMedian(
  rounds: Readonly<Record<string, readonly number[]>>,
  names: readonly string[],
): number {
  const present = names.map((n) => rounds[n]).filter((r): r is number[] => r !== undefined);
  const count = Math.min(...present.map((r) => r.length));
  return median(Array.from({ length: count }, (_, i) => Math.max(...present.map((r) => r[i]!))));
}

/**
 * Latency at `ratePerSec` (open loop, `pacedLoad`): `rounds` rounds, each contender `warmupS` (discarded) then
 * `durationS` measured, order alternating; medians of each round's p50 and p99.
 */
export async function measureFixedLoad(
  contenders: readonly HttpContender[],
  options: {
    ratePerSec: number;
    rounds: number;
    warmupS: number;
    durationS: number;
    connections: number;
    children: readonly Child[];
  },
): Promise<FixedLoadResult[]> {
  const runs = new Map<string, PacedLoadResult[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    for (const c of order) {
      const target = {
        url: c.url,
        headers: c.headers ?? {},
        body: c.body,
        connections: options.connections,
        ratePerSec: options.ratePerSec,
      };
      await pacedLoad({ ...target, durationS: options.warmupS });
      await sleep(100);
      const result = await pacedLoad({ ...target, durationS: options.durationS });
      assertAlive(options.children);
      runs.get(c.name)!.push(result);
      process.stderr.write(
        `  fixed load ${Math.round(options.ratePerSec)} req/s, round ${round + 1} ${c.name}: ` +
          `p50 ${result.p50Ms.toFixed(3)} ms, p99 ${result.p99Ms.toFixed(3)} ms\n`,
      );
    }
  }
  return contenders.map((c) => {
    const r = runs.get(c.name)!;
    return {
      name: c.name,
      offeredReqPerSec: options.ratePerSec,
      achievedReqPerSec: median(r.map((x) => x.achievedReqPerSec)),
      p50Ms: median(r.map((x) => x.p50Ms)),
      p99Ms: median(r.map((x) => x.p99Ms)),
      sustained: r.every(
        (x) => x.achievedReqPerSec >= 0.97 * options.ratePerSec && x.errors + x.non2xx === 0,
      ),
      rounds: {
        achievedReqPerSec: r.map((x) => x.achievedReqPerSec),
        p50Ms: r.map((x) => x.p50Ms),
        p99Ms: r.map((x) => x.p99Ms),
      },
    };
  });
}
