import { performance } from 'node:perf_hooks';

export interface Throughput {
  name: string;
  opsPerSecond: number;
}

/**
 * Runs `op` from `concurrency` callers in a closed loop for `durationMs` and returns completed ops per second.
 * Each caller awaits its previous op, like a request handler would.
 */
export async function measure(
  name: string,
  op: (caller: number, i: number) => Promise<unknown>,
  { concurrency = 100, durationMs = 2_000 }: { concurrency?: number; durationMs?: number } = {},
): Promise<Throughput> {
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
  return { name, opsPerSecond: done / ((performance.now() - started) / 1000) };
}

/**
 * Measures a candidate against its baseline in alternating rounds (baseline, candidate, baseline, ...) so that
 * machine noise hits both alike; reports the median of each and the ratio of medians.
 */
export async function compare(
  title: string,
  baseline: [string, (caller: number, i: number) => Promise<unknown>],
  candidate: [string, (caller: number, i: number) => Promise<unknown>],
  { rounds = 3, durationMs = 2_000, concurrency = 100 } = {},
): Promise<{ title: string; baseline: number; candidate: number; ratio: number }> {
  await measure('warm-up', baseline[1], { durationMs: 500, concurrency });
  await measure('warm-up', candidate[1], { durationMs: 500, concurrency });
  const b: number[] = [];
  const c: number[] = [];
  for (let r = 0; r < rounds; r++) {
    b.push((await measure(baseline[0], baseline[1], { durationMs, concurrency })).opsPerSecond);
    c.push((await measure(candidate[0], candidate[1], { durationMs, concurrency })).opsPerSecond);
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const result = { title, baseline: median(b), candidate: median(c), ratio: median(c) / median(b) };
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(10);
  console.log(`\n${title}`);
  console.log(
    `  ${baseline[0].padEnd(44)} ${fmt(result.baseline)} ops/s   (rounds: ${b.map((x) => Math.round(x)).join(', ')})`,
  );
  console.log(
    `  ${candidate[0].padEnd(44)} ${fmt(result.candidate)} ops/s   (rounds: ${c.map((x) => Math.round(x)).join(', ')})`,
  );
  console.log(`  ratio ${result.ratio.toFixed(2)}x`);
  return result;
}
