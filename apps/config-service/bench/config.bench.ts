// Benchmark (not a test) of PUT /v1/tenants/{t}/config-sessions/{id}/selections: 50 concurrent sessions (one per
// connection, each sending its next version's If-Match) replacing a selection of 10 offers whose catalog answers
// are cached, against config-service with CONFIG_SNAPSHOT_MAX_LAG_MS=2000 (the default) and =0, and a bare Fastify
// route sending the same compare-and-set script (writeVersioned) to the same session Redis. Also PostgreSQL
// statements per acknowledged update (the services' own snapshot counters).
// `npm run bench:config`; BENCH_DURATION_S (default 4), BENCH_WARMUP_S (1), BENCH_ROUNDS (5), BENCH_CONNECTIONS
// (50). Ratios are medians of per-round ratios: every contender is measured in each round, in alternating order.
// Needs the infrastructure up (`npm run infra -- up`). Writes .data/bench/config.json.
//
// The services run as child processes through @swc-node/register, LOG_LEVEL info (request logging is part of what
// is measured), stdout to a file; rate limits far above the load.
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { signDevToken } from '@cpq/platform';
import autocannon from 'autocannon';
import Redis from 'ioredis';
import { join } from 'node:path';
import { redisCpuSeconds } from '../../../test/support/bench-load';
import { cpuSeconds, type Child } from '../../../test/support/bench-processes';
import {
  BENCH_REPORT_DIR,
  median,
  positive,
  ratioOfRounds,
  runBench,
  writeBenchReport,
  type BenchCheck,
  type BenchContender,
  type BenchRatio,
} from '../../../test/support/bench-report';
import { assertAlive } from '../../../test/support/bench-rounds';
import { benchInfra, benchRun, cpuProfileArgs, startService } from '../../../test/support/bench-services';

const SECRET = 'config-bench-secret-config-bench-secret';
const DURATION_S = positive('BENCH_DURATION_S', 4);
const WARMUP_S = positive('BENCH_WARMUP_S', 1);
const ROUNDS = positive('BENCH_ROUNDS', 5);
const CONNECTIONS = positive('BENCH_CONNECTIONS', 50);
const OFFERS = 10;
const LIMIT_PER_MIN = 10_000_000;
/** Experiments only: `on` writes a V8 CPU profile of the lag-2000 service into the run's log folder. */
const CPU_PROF = process.env.BENCH_CPU_PROF === 'on';
/** Experiments only: measure just these contenders (comma list of bare, lag2000, lag0). */
const ONLY = process.env.BENCH_ONLY?.split(',').map((key) => key.trim());

const BARE = 'bare Fastify + writeVersioned EVALSHA';
const LAG_2000 = 'config-service, lag 2000 ms';
const LAG_0 = 'config-service, lag 0 (snapshot in the request)';
/** The target: an update's p99 at most 1.5 x the bare route's, i.e. bare / update >= 1 / 1.5. */
const P99_TARGET = 0.6667;
const METHOD =
  'autocannon, 50 connections on loopback, each owning one session and sending PUT .../selections (10 offers whose ' +
  'catalog answers are cached) with the If-Match of its last answer (re-read before each run); every contender in ' +
  'every round (warm-up discarded, then measured), order alternating; figures are medians over rounds, ratios ' +
  'medians of per-round ratios. Services log at info to a file, rate limit far above the load. PostgreSQL ' +
  "statements per acknowledged update from the services' config_snapshot_statements_total and " +
  'config_snapshot_records_total{kind="write"} over each measured run (+2.5 s for its last batch). The bare route ' +
  'is Fastify sending the same writeVersioned EVALSHA (the library script, mode replace, same key family and TTL) ' +
  'to the same session Redis: no auth, validation, rate limit, catalog, logging, metrics or PostgreSQL.';

const OFFER_IDS = Array.from({ length: OFFERS }, (_, i) => `offer-${String(i).padStart(4, '0')}`);
/** A few distinct selections, built once: consecutive writes of a session differ in their quantities. */
const BODIES = Array.from({ length: 5 }, (_, q) =>
  JSON.stringify({ selectedOptions: OFFER_IDS.map((offerId) => ({ offerId, quantity: q + 1 })) }),
);

type Key = 'bare' | 'lag2000' | 'lag0';
interface Session {
  id: string;
  version: number;
}
interface Run {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non200: number;
  errors: number;
  sent: number;
  serverCpuUs: number;
  loadGeneratorCpuUs: number;
  redisCpuUs: number;
  /** Services only: snapshot statements and acknowledged writes during the run. */
  statements?: number;
  acknowledged?: number;
}
interface Target {
  key: Key;
  label: string;
  child: Child;
  base: string;
  headers: Record<string, string>;
  sessions: Session[];
  runs: Run[];
}

async function request(url: string, method: string, headers: Record<string, string>, body?: string) {
  const response = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
}

/** A counter of a service's /metrics (summed over its label sets matching `labels`). */
async function metric(base: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let total = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm')))
    if ((m[1] ?? '').includes(labels)) total += Number(m[2]);
  return total;
}

/** One autocannon run: every connection owns one session and sends its next version. */
async function load(target: Target, durationS: number): Promise<Omit<Run, 'serverCpuUs' | 'redisCpuUs'>> {
  // The previous run's last requests were applied without their answers being read: start from what is stored.
  await Promise.all(
    target.sessions.map(async (session) => {
      const read = await request(`${target.base}/${session.id}`, 'GET', target.headers);
      if (read.status !== 200) throw new Error(`${target.label}: read answered ${read.status}`);
      session.version = read.body!.version as number;
    }),
  );
  let next = 0;
  let conflicts = 0;
  const cpuBefore = process.cpuUsage();
  const result = await autocannon({
    url: target.base,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: durationS,
    setupClient: (client) => {
      const session = target.sessions[next++ % target.sessions.length]!;
      let n = 0;
      client.setRequests([
        {
          method: 'PUT',
          path: `${target.base.replace(/^https?:\/\/[^/]+/, '')}/${session.id}/selections`,
          setupRequest: (req: any) => {
            req.headers = {
              ...target.headers,
              'content-type': 'application/json',
              'if-match': `"${session.version}"`,
            };
            req.body = BODIES[n++ % BODIES.length];
            return req;
          },
          onResponse: (status: number, body: string) => {
            if (status === 200) session.version = Number(/"version":(\d+)/.exec(body)![1]);
            else if (status === 412) {
              // an answer of the previous run applied after the re-read: continue from the stored version
              conflicts++;
              const stored = /(?:at version |"version":)(\d+)/.exec(body)?.[1];
              if (stored !== undefined) session.version = Number(stored);
            }
          },
        },
      ]);
    },
  } as autocannon.Options);
  const cpu = process.cpuUsage(cpuBefore);
  // A request still running when the previous run stopped (or one autocannon timed out and re-sent) lands after the
  // re-read: its session answers 412 once and continues from the stored version (counted as a non-2xx answer).
  // Many more would mean sessions shared between connections.
  if (conflicts > Math.max(CONNECTIONS, result.requests.total * 0.02))
    throw new Error(`${target.label}: ${conflicts} version conflicts (a session shared by two connections?)`);
  const sent = (result.requests as { sent?: number }).sent ?? result.requests.total;
  return {
    reqPerSec: result.requests.total / durationS,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non200: result.non2xx,
    errors: result.errors + result.timeouts,
    sent,
    loadGeneratorCpuUs: (cpu.user + cpu.system) / Math.max(1, result.requests.total),
  };
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const { appEnv, tenant, logDir } = benchRun();
  const children: Child[] = [];
  const redisServers = [benchInfra.REDIS_SESSION_URL, benchInfra.REDIS_RATE_URL, benchInfra.REDIS_CACHE_URL];
  const redis = [...new Set(redisServers)].map((url) => new Redis(url));
  const redisCpu = async () =>
    (await Promise.all(redis.map((r) => redisCpuSeconds(r)))).reduce((a, b) => a + b, 0);
  try {
    const started = Date.now();
    const catalog = await startService({
      name: 'catalog-service',
      main: 'apps/catalog-service/bench/service-main.ts',
      logDir,
      env: { APP_ENV: appEnv, AUTH_JWT_SECRET: SECRET, LOG_LEVEL: 'warn', CATALOG_EVENTS: 'off' },
    });
    children.push(catalog);
    const service = async (name: string, lagMs: number, nodeArgs: string[] = []) => {
      const child = await startService({
        name,
        main: 'apps/config-service/bench/service-main.ts',
        logDir,
        nodeArgs,
        env: {
          APP_ENV: appEnv,
          AUTH_JWT_SECRET: SECRET,
          LOG_LEVEL: 'info',
          CONFIG_CATALOG_URL: catalog.url,
          CONFIG_SNAPSHOT_MAX_LAG_MS: String(lagMs),
          CONFIG_UPDATES_PER_MIN: String(LIMIT_PER_MIN),
          CONFIG_EVENTS: 'off',
          CONFIG_PURGE: 'off',
        },
      });
      children.push(child);
      return child;
    };
    const lag2000 = await service('config-lag-2000', 2000, CPU_PROF ? cpuProfileArgs(logDir, 1000) : []);
    const lag0 = await service('config-lag-0', 0);
    const bare = await startService({
      name: 'bare-fastify-redis',
      main: 'apps/config-service/bench/bare-route.ts',
      logDir,
      env: { BARE_APP_ENV: appEnv },
    });
    children.push(bare);
    const startupS = (Date.now() - started) / 1000;

    const admin = await signDevToken({
      secret: SECRET,
      tenantId: tenant,
      sub: 'bench-admin',
      roles: ['catalog:admin'],
    });
    const published = await request(
      `${catalog.url}/v1/tenants/${tenant}/catalog/versions`,
      'POST',
      { authorization: `Bearer ${admin}` },
      JSON.stringify({
        offers: OFFER_IDS.map((offerId) => ({
          offerId,
          displayName: offerId,
          status: 'ACTIVE',
          eligibleActions: ['ADD'],
          rules: { maxQuantity: 10 },
        })),
      }),
    );
    if (published.status !== 201) throw new Error(`publish failed: ${published.status}`);
    const user = await signDevToken({
      secret: SECRET,
      tenantId: tenant,
      sub: 'bench-user',
      roles: [],
      ttlSeconds: 3600,
    });
    const auth = { authorization: `Bearer ${user}` };

    const target = async (
      key: Key,
      label: string,
      child: Child,
      prefix: string,
      headers: Record<string, string>,
    ) => {
      const base = `${child.url}${prefix}/v1/tenants/${tenant}/config-sessions`;
      const sessions: Session[] = [];
      for (let i = 0; i < CONNECTIONS; i++) {
        const created = await request(base, 'POST', headers);
        if (created.status !== 201) throw new Error(`${label}: create answered ${created.status}`);
        // the first update fills the catalog cache (and this instance's near-cache)
        const first = await request(
          `${base}/${created.body!.sessionId}/selections`,
          'PUT',
          { ...headers, 'if-match': '"1"' },
          BODIES[0],
        );
        if (first.status !== 200)
          throw new Error(`${label}: update answered ${first.status} ${JSON.stringify(first.body)}`);
        if (key !== 'bare' && first.body!.validationSummary?.valid !== true)
          throw new Error(
            `${label}: the selection did not validate: ${JSON.stringify(first.body!.validationSummary)}`,
          );
        sessions.push({ id: created.body!.sessionId, version: first.body!.version });
      }
      return { key, label, child, base, headers, sessions, runs: [] } as Target;
    };
    const targets = [
      await target('bare', BARE, bare, '/bare', {}),
      await target('lag2000', LAG_2000, lag2000, '', auth),
      await target('lag0', LAG_0, lag0, '', auth),
    ];
    const measured = targets.filter((t) => !ONLY || ONLY.includes(t.key));

    console.log(
      `config-service selection update benchmark  (node ${process.version}, ${cpus().length} CPUs)`,
    );
    console.log(
      `  APP_ENV=${appEnv}, ${CONNECTIONS} sessions x PUT .../selections with ${OFFERS} offers (catalog answers cached),` +
        ` services LOG_LEVEL=info, startup ${startupS.toFixed(1)} s`,
    );
    console.log(
      `  autocannon: ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s measured per run, ${ROUNDS} rounds, alternating order`,
    );

    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? measured : [...measured].reverse();
      for (const t of order) {
        await load(t, WARMUP_S);
        await sleep(300);
        const service = t.key !== 'bare';
        const before = service
          ? {
              statements: await metric(t.child.url, 'config_snapshot_statements_total'),
              acknowledged: await metric(t.child.url, 'config_snapshot_records_total', 'kind="write"'),
            }
          : undefined;
        const cpuBefore = cpuSeconds(t.child.process.pid);
        const redisBefore = await redisCpu();
        const run = await load(t, DURATION_S);
        const serverCpuUs = ((cpuSeconds(t.child.process.pid) - cpuBefore) * 1e6) / Math.max(1, run.sent);
        const redisCpuUs = (((await redisCpu()) - redisBefore) * 1e6) / Math.max(1, run.sent);
        let counted: Pick<Run, 'statements' | 'acknowledged'> = {};
        if (service && before) {
          await sleep(2_500); // the last batch of the run reaches PostgreSQL
          counted = {
            statements: (await metric(t.child.url, 'config_snapshot_statements_total')) - before.statements,
            acknowledged:
              (await metric(t.child.url, 'config_snapshot_records_total', 'kind="write"')) -
              before.acknowledged,
          };
        }
        assertAlive(children);
        t.runs.push({ ...run, serverCpuUs, redisCpuUs, ...counted });
        process.stderr.write(
          `  round ${round + 1} ${t.label}: ${Math.round(run.reqPerSec)} req/s, p99 ${run.p99Ms} ms` +
            (counted.acknowledged
              ? `, ${counted.statements} statements / ${counted.acknowledged} updates`
              : '') +
            (run.non200 + run.errors ? `, ${run.non200} non-2xx, ${run.errors} errors` : '') +
            '\n',
        );
      }
    }

    const names: Record<Key, string> = { bare: BARE, lag2000: LAG_2000, lag0: LAG_0 };
    const contenders: BenchContender[] = measured.map((t) => ({
      name: names[t.key],
      reqPerSec: median(t.runs.map((r) => r.reqPerSec)),
      p50Ms: median(t.runs.map((r) => r.p50Ms)),
      p99Ms: median(t.runs.map((r) => r.p99Ms)),
      cpuUsPerRequest: {
        server: median(t.runs.map((r) => r.serverCpuUs)),
        loadGenerator: median(t.runs.map((r) => r.loadGeneratorCpuUs)),
        redis: median(t.runs.map((r) => r.redisCpuUs)),
      },
      rounds: t.runs.map((r) => r.reqPerSec),
      failures: t.runs.reduce((n, r) => n + r.non200 + r.errors, 0),
    }));
    const perRound = (pick: (r: Run) => number) =>
      Object.fromEntries(measured.map((t) => [names[t.key], t.runs.map(pick)]));
    const reqPerSec = perRound((r) => r.reqPerSec);
    const p99 = perRound((r) => r.p99Ms);
    const ratios = [
      // The latency target, service p99 <= 1.5 x the bare route's, as a ratio where higher is better.
      ratioOfRounds(
        'p99: bare route / update at lag 2000 (issue: update <= 1.5x bare)',
        p99,
        BARE,
        [LAG_2000],
        P99_TARGET,
      ),
      ratioOfRounds('update at lag 2000 / bare route, req/s', reqPerSec, LAG_2000, [BARE]),
      ratioOfRounds('update at lag 0 / lag 2000, req/s', reqPerSec, LAG_0, [LAG_2000]),
    ].filter((r): r is BenchRatio => r !== undefined);
    const statementsPerUpdate = (t: Target | undefined) => {
      const runs = t?.runs ?? [];
      const statements = runs.reduce((n, r) => n + (r.statements ?? 0), 0);
      const updates = runs.reduce((n, r) => n + (r.acknowledged ?? 0), 0);
      return { value: statements / Math.max(1, updates), statements, updates };
    };
    const byKey = (key: Key) => measured.find((t) => t.key === key);
    const checks: BenchCheck[] = [];
    const notes: string[] = [];
    for (const key of ['lag2000', 'lag0'] as const) {
      const t = byKey(key);
      if (!t) continue;
      const s = statementsPerUpdate(t);
      if (key === 'lag2000') {
        checks.push({
          name: 'PostgreSQL statements per acknowledged update, lag 2000',
          value: s.value,
          expected: '<= 0.2 (batching of at least 5x)',
          met: s.value <= 0.2,
        });
      }
      notes.push(
        `${names[key]}: ${s.statements} snapshot statements for ${s.updates} acknowledged updates ` +
          `(${s.value.toFixed(5)} per update; per round ${t.runs
            .map((r) => ((r.statements ?? 0) / Math.max(1, r.acknowledged ?? 0)).toFixed(5))
            .join(' ')})`,
      );
    }
    writeBenchReport(
      {
        name: 'config',
        title: 'config-service: PUT /v1/tenants/{t}/config-sessions/{id}/selections',
        startedAt,
        unit: 'req/s',
        method: METHOD,
        settings: {
          rounds: ROUNDS,
          warmupS: WARMUP_S,
          durationS: DURATION_S,
          connections: CONNECTIONS,
          offers: OFFERS,
        },
        contenders,
        ratios,
        checks,
        notes,
      },
      ONLY || CPU_PROF ? join(BENCH_REPORT_DIR, 'experiments') : BENCH_REPORT_DIR,
    );
  } finally {
    await Promise.allSettled(children.map((c) => c.stop()));
    for (const r of redis) r.disconnect();
  }
}

runBench('config', main);
