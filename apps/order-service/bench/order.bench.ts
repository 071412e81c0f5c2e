// Benchmark (not a test) of order-service: first captures (unique Idempotency-Keys, 5-line orders), replays answered
// from the session Redis, replays answered from PostgreSQL (the session Redis down), and GET /orders/{id} with the
// order-view cache on and off; plus the PostgreSQL statements of one first capture.
// `npm run bench:order`; BENCH_DURATION_S (default 3), BENCH_WARMUP_S (1), BENCH_ROUNDS (5), BENCH_CONNECTIONS (32),
// BENCH_KEYS (500: orders captured before the runs, replayed and read round-robin), BENCH_TENANTS (16: the spread
// first-capture contender). Ratios are medians of per-round
// ratios. Needs the infrastructure up (`npm run infra -- up`); writes .data/bench/order.json.
//
// The services run as child processes through @swc-node/register (NestJS needs decorator metadata), LOG_LEVEL info
// (request logging is part of what is measured), events on (the relay publishes what the captures write), and a
// capture limit far above what the load reaches.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { signDevToken } from '@cpq/platform';
import autocannon from 'autocannon';
import { cpuSeconds, freePort, type Child } from '../../../test/support/bench-processes';
import { benchInfra, benchRun, ROOT, startService } from '../../../test/support/bench-services';
import {
  median,
  positive,
  ratioOfRounds,
  writeBenchReport,
  type BenchContender,
  type BenchRatio,
} from '../../../test/support/bench-report';

const SECRET = 'order-bench-secret-order-bench-secret';
const DURATION_S = positive('BENCH_DURATION_S', 3);
const WARMUP_S = positive('BENCH_WARMUP_S', 1);
const ROUNDS = positive('BENCH_ROUNDS', 5);
const CONNECTIONS = positive('BENCH_CONNECTIONS', 32);
const KEYS = positive('BENCH_KEYS', 500);
const TENANTS = positive('BENCH_TENANTS', 16);

const BODY = JSON.stringify({
  currency: 'EUR',
  customerRef: 'bench-customer',
  lines: Array.from({ length: 5 }, (_, i) => ({
    offerId: `offer-${i}`,
    quantity: i + 1,
    unitAmountMinor: 1_990 * (i + 1),
    termMonths: 24,
  })),
});

interface Run {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
  serverCpuUs: number;
  clientCpuUs: number;
}

interface Contender {
  name: string;
  child: Child;
  method: 'GET' | 'POST';
  /** The path and headers of the n-th request. */
  request(n: number): { path: string; headers: Record<string, string> };
  runs: Run[];
}

/** One autocannon run; every request built by `contender.request` (unique keys, round-robin ids). */
async function measure(contender: Contender, durationS: number, offset: { n: number }): Promise<Run> {
  const cpuBefore = cpuSeconds(contender.child.process.pid);
  const clientBefore = process.cpuUsage();
  const result = await autocannon({
    url: contender.child.url,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: durationS,
    requests: [
      {
        method: contender.method,
        ...(contender.method === 'POST' ? { body: BODY } : {}),
        setupRequest: (request) => {
          const { path, headers } = contender.request(offset.n++);
          return { ...request, path, headers: { ...request.headers, ...headers } };
        },
      },
    ],
  });
  const client = process.cpuUsage(clientBefore);
  const total = Math.max(1, result.requests.total);
  return {
    reqPerSec: result.requests.total / durationS,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
    serverCpuUs: ((cpuSeconds(contender.child.process.pid) - cpuBefore) * 1e6) / total,
    clientCpuUs: (client.user + client.system) / total,
  };
}

async function main(): Promise<void> {
  const { appEnv, tenant, logDir } = benchRun();
  const startedAt = new Date().toISOString();
  const children: Child[] = [];
  try {
    const service = async (name: string, extra: Record<string, string>) => {
      const child = await startService({
        name,
        main: 'apps/order-service/bench/service-main.ts',
        logDir,
        env: {
          APP_ENV: appEnv,
          AUTH_JWT_SECRET: SECRET,
          LOG_LEVEL: 'info',
          ORDER_CAPTURE_LIMIT_PER_MIN: '10000000',
          ORDER_PROJECTION_REPLAY: 'off',
          ...extra,
        },
      });
      children.push(child);
      return child;
    };
    // One after another: on a small machine, parallel starts of Nest apps just fight over the CPU.
    const main = await service('order-service', {});
    const noSession = await service('order-service-session-redis-down', {
      // nothing listens there: every idempotency cache call fails at once, PostgreSQL answers
      REDIS_SESSION_URL: `redis://127.0.0.1:${await freePort()}`,
    });
    const noCache = await service('order-service-view-cache-off', { ORDER_VIEW_CACHE: 'off' });

    const token = await signDevToken({ secret: SECRET, tenantId: tenant, sub: 'bench-client', roles: [] });
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const ordersPath = `/v1/tenants/${tenant}/orders`;
    // The orders replayed and read: captured first, in parallel batches.
    const orderIds: string[] = [];
    for (let i = 0; i < KEYS; i += 25) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(25, KEYS - i) }, async (_, j) => {
          const response = await fetch(main.url + ordersPath, {
            method: 'POST',
            headers: { ...auth, 'idempotency-key': `pre-${i + j}` },
            body: BODY,
          });
          if (response.status !== 201) throw new Error(`pre-capture answered ${response.status}`);
          return ((await response.json()) as { orderId: string }).orderId;
        }),
      );
      orderIds.push(...batch);
    }

    const runId = Date.now().toString(36);
    // The same captures spread over several tenants: each tenant's order-number row serializes its own captures
    // until they commit, so one tenant's rate is bounded by its commit (WAL flush) time.
    const spread = await Promise.all(
      Array.from({ length: TENANTS }, async (_, i) => {
        const id = `${tenant}-m${i}`;
        const t = await signDevToken({ secret: SECRET, tenantId: id, sub: 'bench-client', roles: [] });
        return { path: `/v1/tenants/${id}/orders`, auth: { ...auth, authorization: `Bearer ${t}` } };
      }),
    );
    const contenders: Contender[] = [
      {
        name: 'first capture (unique keys, 5 lines)',
        child: main,
        method: 'POST',
        request: (n) => ({
          path: ordersPath,
          headers: { ...auth, 'idempotency-key': `first-${runId}-${n}` },
        }),
        runs: [],
      },
      {
        name: `first capture, ${TENANTS} tenants`,
        child: main,
        method: 'POST',
        request: (n) => {
          const target = spread[n % TENANTS]!;
          return {
            path: target.path,
            headers: { ...target.auth, 'idempotency-key': `spread-${runId}-${n}` },
          };
        },
        runs: [],
      },
      {
        name: 'replay from Redis',
        child: main,
        method: 'POST',
        request: (n) => ({ path: ordersPath, headers: { ...auth, 'idempotency-key': `pre-${n % KEYS}` } }),
        runs: [],
      },
      {
        name: 'replay from PostgreSQL (session Redis down)',
        child: noSession,
        method: 'POST',
        request: (n) => ({ path: ordersPath, headers: { ...auth, 'idempotency-key': `pre-${n % KEYS}` } }),
        runs: [],
      },
      {
        name: 'GET order, view cache on',
        child: main,
        method: 'GET',
        request: (n) => ({ path: `${ordersPath}/${orderIds[n % KEYS]}`, headers: auth }),
        runs: [],
      },
      {
        name: 'GET order, view cache off',
        child: noCache,
        method: 'GET',
        request: (n) => ({ path: `${ordersPath}/${orderIds[n % KEYS]}`, headers: auth }),
        runs: [],
      },
    ];

    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? contenders : [...contenders].reverse();
      for (const contender of order) {
        const offset = { n: 0 };
        await measure(contender, WARMUP_S, offset); // discarded: also fills the view cache
        contender.runs.push(await measure(contender, DURATION_S, offset));
        for (const child of children) {
          if (child.exitReason())
            throw new Error(`${child.name} stopped (${child.exitReason()}): see ${child.logFile}`);
        }
        await sleep(200);
      }
    }

    const statements = await captureStatements(appEnv, `${tenant}-statements`);
    const perCapture = median(statements.statements);
    const transactions = median(statements.transactions);

    const rounds = Object.fromEntries(contenders.map((c) => [c.name, c.runs.map((r) => r.reqPerSec)]));
    const summary: BenchContender[] = contenders.map((c) => ({
      name: c.name,
      reqPerSec: median(c.runs.map((r) => r.reqPerSec)),
      p50Ms: median(c.runs.map((r) => r.p50Ms)),
      p99Ms: median(c.runs.map((r) => r.p99Ms)),
      cpuUsPerRequest: {
        server: median(c.runs.map((r) => r.serverCpuUs)),
        loadGenerator: median(c.runs.map((r) => r.clientCpuUs)),
      },
      rounds: c.runs.map((r) => r.reqPerSec),
      failures: c.runs.reduce((sum, r) => sum + r.failures, 0),
    }));
    const [first, spreadFirst, redisReplay, pgReplay, cached, uncached] = contenders.map((c) => c.name) as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    writeBenchReport({
      name: 'order',
      title: 'bench:order: order capture, replays and order reads',
      startedAt,
      unit: 'req/s',
      method:
        `autocannon, ${CONNECTIONS} connections on loopback, ${ROUNDS} rounds; each round measures every contender ` +
        `for ${WARMUP_S} s (discarded) + ${DURATION_S} s, in alternating order. Services are child processes ` +
        '(LOG_LEVEL info, events on). First captures use a new Idempotency-Key per request (5-line orders), in one ' +
        `tenant, and spread over ${TENANTS} tenants; ` +
        `replays and reads go round-robin over ${KEYS} orders captured before the runs; the PostgreSQL replay ` +
        'contender is an instance whose session Redis URL points at a closed port; the uncached GET is an ' +
        'instance with ORDER_VIEW_CACHE=off. Ratios are the median of per-round ratios. Statements per first ' +
        'capture are counted in process (kysely) over 20 sequential captures.',
      settings: {
        rounds: ROUNDS,
        durationS: DURATION_S,
        warmupS: WARMUP_S,
        connections: CONNECTIONS,
        keys: KEYS,
        tenants: TENANTS,
      },
      contenders: summary,
      ratios: [
        ratioOfRounds('replay from Redis / first capture', rounds, redisReplay, [first], 3),
        ratioOfRounds('replay from PostgreSQL / first capture', rounds, pgReplay, [first]),
        ratioOfRounds(`first capture ${TENANTS} tenants / 1 tenant`, rounds, spreadFirst, [first]),
        ratioOfRounds('cached GET / uncached GET', rounds, cached, [uncached], 2),
      ].filter((ratio): ratio is BenchRatio => ratio !== undefined),
      checks: [
        {
          name: 'PostgreSQL statements per first capture',
          value: perCapture,
          expected: 'one transaction',
          met: transactions === 1,
        },
        {
          name: 'PostgreSQL transactions per first capture',
          value: transactions,
          expected: '1',
          met: transactions === 1,
        },
      ],
      notes: [`statements of one first capture: ${statements.kinds.join(' | ')}`],
    });
  } finally {
    await Promise.allSettled(children.map((child) => child.stop()));
  }
}

/** Runs `capture-statements.ts` in a child (Nest in process needs @swc-node/register) and parses its line. */
async function captureStatements(
  appEnv: string,
  tenant: string,
): Promise<{ statements: number[]; transactions: number[]; kinds: string[] }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['-r', '@swc-node/register', 'apps/order-service/bench/capture-statements.ts'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        ...benchInfra,
        SWC_NODE_PROJECT: join(ROOT, 'tsconfig.base.json'),
        APP_ENV: appEnv,
        PORT: '0',
        LOG_LEVEL: 'silent',
        AUTH_JWT_SECRET: SECRET,
        ORDER_EVENTS: 'off',
        STATEMENTS_TENANT: tenant,
        STATEMENTS_BODY: BODY,
      },
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as {
    statements: number[];
    transactions: number[];
    kinds: string[];
  };
}

main()
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
