// Soak (issue 14): `npm run bench:soak`. SOAK_MINUTES (default 10) of mixed traffic over every public route of the
// four services at a fixed rate, SOAK_RPS (default 150, open loop), with occasional catalog and price book publishes;
// prints Redis memory and keys per key family at the start, middle and end (the census), keys without TTL, the
// event-loop delay p99 and RSS of each service, the errors per route, and whether memory plateaued (the checks in
// test/support/soak-report.ts; method in docs/benchmarks.md). Writes .data/bench/soak.json.
//
// Isolation: the services run from their production build (platform-stack) on infrastructure of their own: three
// private redis-servers with the contract's policies and a maxmemory, a private Kafka broker and a scratch database
// on the PostgreSQL server, so the census sees the soak's keys only, and no other run's events or outbox rows reach
// its services (the relay of any instance on a shared database drains every row of its schema's outbox).
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSeconds } from '../support/bench-processes';
import { positive, runBench, writeBenchReport, type BenchContender } from '../support/bench-report';
import { infraEnvVarsFrom, LOCAL_INFRA_ENV } from '../support/infra-config';
import { startKafkaProcess } from '../support/kafka-process';
import { startPlatformStack, STACK_SERVICES, type StackService } from '../support/platform-stack';
import { startPrivateRedises } from '../support/private-redis';
import { createScratchDatabase } from '../support/scratch-database';
import {
  errorChecks,
  familyChecks,
  keyspaceChecks,
  memoryChecks,
  instanceChecks,
  type SoakCensus,
  type SoakErrorCount,
  type SoakInstance,
  type SoakSection,
} from '../support/soak-report';
import { SOAK_FAMILY_BOUNDS } from '../support/soak-family-bounds';
import { formatSoakTables } from '../support/soak-tables';
import { uniqueId } from '../support/unique';
import { latencyOf, SoakClient } from './soak-client';
import { MachineWatch, RedisWatch, scrapeInstance } from './soak-samplers';
import { publishFirstVersions, soakTenants } from './soak-setup';
import { SoakWorkload } from './soak-workload';

const MINUTES = positive('SOAK_MINUTES', 10);
const RPS = positive('SOAK_RPS', 150);
const TENANTS = positive('SOAK_TENANTS', 3);
const USERS = positive('SOAK_USERS_PER_TENANT', 12);
const OFFERS = positive('SOAK_OFFERS', 300);
const PUBLISH_EVERY_S = positive('SOAK_PUBLISH_INTERVAL_S', 60);
const SAMPLE_EVERY_S = positive('SOAK_SAMPLE_INTERVAL_S', 5);
const INSTANCES = positive('SOAK_INSTANCES', 1);
const REDIS_MAXMEMORY = process.env.SOAK_REDIS_MAXMEMORY ?? '256mb';
/** Seconds without traffic before it starts, to measure what the services spend in the background. */
const IDLE_S = 15;
/** Censuses at these fractions of the traffic: start, middle and end are shown, two thirds opens the last third. */
const CENSUS_AT = [0, 1 / 6, 1 / 3, 1 / 2, 2 / 3, 5 / 6];

const log = (line: string) =>
  process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

async function main(): Promise<void> {
  const durationMs = MINUTES * 60_000;
  const appEnv = `soak${Date.now().toString(36)}`;
  const shared = infraEnvVarsFrom(process.env) ?? LOCAL_INFRA_ENV;
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
  };
  try {
    log('starting three private redis-servers, a private Kafka broker and a scratch database');
    const [redises, kafka, database] = await Promise.all([
      startPrivateRedises({ maxmemory: REDIS_MAXMEMORY }),
      startKafkaProcess(),
      createScratchDatabase(shared.DATABASE_URL, ['catalog', 'pricing', 'config', 'ordering', 'runtime']),
    ]);
    const { cache, rate, session } = redises.workloads;
    const redis = { cache: cache.server, rate: rate.server, session: session.server };
    cleanups.push(
      () => database.drop(),
      () => kafka.destroy(),
      () => redises.stop(),
    );

    log(`starting the services (${INSTANCES} instance(s) each, APP_ENV ${appEnv})`);
    const stack = await startPlatformStack({
      appEnv,
      instances: Object.fromEntries(STACK_SERVICES.map((s) => [s, INSTANCES])),
      infra: {
        DATABASE_URL: database.url,
        ...redises.env,
        KAFKA_BROKERS: kafka.brokers.join(','),
      },
    });
    cleanups.push(() => stack.close());
    const watch = new RedisWatch(
      { cache: cache.server.url, rate: rate.server.url, session: session.server.url },
      appEnv,
    );
    cleanups.push(async () => watch.close());

    const tenants = await soakTenants(stack, {
      idPrefix: `soak-${uniqueId('soak').slice(-10)}`,
      count: TENANTS,
      usersPerTenant: USERS,
      ttlSeconds: Math.ceil(MINUTES * 60 + 3600),
    });
    const next = new Map<StackService, number>();
    const origin = (service: StackService) => {
      const i = next.get(service) ?? 0;
      next.set(service, (i + 1) % INSTANCES);
      return stack.url(service, i);
    };
    const workload = new SoakWorkload({ tenants, offersPerTenant: OFFERS, origin, seed: 14 });
    const client = new SoakClient();
    cleanups.push(async () => client.close());

    log(`set-up: a catalog of ${OFFERS} offers and a price book per tenant, then a price each can calculate`);
    await publishFirstVersions(client, workload, TENANTS);
    client.reset();

    const instances: (SoakInstance & { service: StackService; index: number; cpuAtStart: number })[] = [];
    for (const service of STACK_SERVICES) {
      for (let i = 0; i < INSTANCES; i++) {
        const cpu = cpuSeconds(stack.pid(service, i));
        instances.push({
          name: `${service} #${i}`,
          service,
          index: i,
          samples: [],
          cpuSeconds: 0,
          idleCpuShare: 0,
          cpuAtStart: cpu,
        });
      }
    }
    log(`${IDLE_S} s without traffic: the services' background CPU`);
    await sleep(IDLE_S * 1000);
    for (const x of instances) {
      const cpu = cpuSeconds(stack.pid(x.service, x.index));
      x.idleCpuShare = (cpu - x.cpuAtStart) / IDLE_S;
      x.cpuAtStart = cpu;
      await scrapeInstance(stack, x.service, x.index, 0); // resets the event-loop histogram: samples cover the soak
    }
    const machine = new MachineWatch(() => [
      ...instances.map((x) => stack.pid(x.service, x.index)),
      ...Object.values(redis).map((r) => r.pid),
    ]);
    const redisCpuAtStart = await watch.cpuSeconds();
    const loaderCpuAtStart = process.cpuUsage();

    const censuses: SoakCensus[] = [];
    const t0 = Date.now();
    const elapsedS = () => (Date.now() - t0) / 1000;
    const takeCensus = async () => {
      const atS = elapsedS();
      const figures = await watch.census();
      censuses.push({ atS, requests: client.answered, ledger: workload.counts(), ...figures });
      const keys = figures.servers.map((s) => `${s.workload} ${s.keys}`).join(', ');
      log(`census at ${Math.round(atS)} s: keys ${keys}; ${client.answered} answers`);
    };

    log(`traffic: ${RPS} req/s for ${MINUTES} min over ${TENANTS} tenants`);
    const timers: NodeJS.Timeout[] = [];
    const pending: Promise<unknown>[] = [];
    for (const fraction of CENSUS_AT) {
      timers.push(setTimeout(() => pending.push(takeCensus()), fraction * durationMs));
    }
    let publishes = 0;
    timers.push(
      setInterval(() => {
        // catalog and price book in turn, tenant after tenant
        const t = Math.floor(publishes / 2) % TENANTS;
        const request = publishes % 2 === 0 ? workload.publishCatalog(t) : workload.publishPriceBook(t);
        publishes++;
        pending.push(client.send(request));
      }, PUBLISH_EVERY_S * 1000),
      setInterval(() => {
        machine.sample();
        const atS = elapsedS();
        for (const x of instances) {
          pending.push(
            scrapeInstance(stack, x.service, x.index, atS).then((s) => {
              if (s) x.samples.push(s);
            }),
          );
        }
      }, SAMPLE_EVERY_S * 1000),
    );
    const loop = await client.runOpenLoop({ ratePerSec: RPS, durationMs, next: () => workload.next() });
    for (const timer of timers) clearTimeout(timer);
    const trafficS = elapsedS();
    await Promise.all(pending);
    for (const x of instances) {
      const s = await scrapeInstance(stack, x.service, x.index, elapsedS());
      if (s) x.samples.push(s);
      x.cpuSeconds = cpuSeconds(stack.pid(x.service, x.index)) - x.cpuAtStart;
    }
    await takeCensus();
    const loaderCpu = process.cpuUsage(loaderCpuAtStart);
    const redisCpu = (await watch.cpuSeconds()) - redisCpuAtStart;

    // ---- the report ----------------------------------------------------------------------------------------------
    const stats = client.stats();
    const answered = stats.reduce((n, r) => n + r.count, 0);
    const errors: SoakErrorCount[] = stats.flatMap((r) =>
      Object.entries(r.byStatus)
        .filter(([status]) => !/^2\d\d$/.test(status))
        .map(([status, count]) => ({ route: r.route, status: Number(status), count })),
    );
    const failuresOf = (byStatus: Record<string, number>) =>
      Object.entries(byStatus).reduce((n, [status, count]) => n + (/^2\d\d$/.test(status) ? 0 : count), 0);
    const serviceCpu = instances.reduce((n, x) => n + x.cpuSeconds, 0);
    const all = stats.flatMap((r) => r.latenciesMs);
    const contenders: BenchContender[] = [
      {
        name: 'the whole mix',
        reqPerSec: answered / trafficS,
        ...latencyOf(all),
        cpuUsPerRequest: {
          server: (serviceCpu * 1e6) / answered,
          loadGenerator: (((loaderCpu.user + loaderCpu.system) / 1e6) * 1e6) / answered,
          redis: (redisCpu * 1e6) / answered,
        },
        failures: errors.reduce((n, e) => n + e.count, 0),
      },
      ...stats.map((r) => ({
        name: r.route,
        reqPerSec: r.count / trafficS,
        ...latencyOf(r.latenciesMs),
        cpuUsPerRequest: {},
        failures: failuresOf(r.byStatus),
      })),
    ];
    const section: SoakSection = {
      minutes: MINUTES,
      offeredReqPerSec: RPS,
      achievedReqPerSec: answered / trafficS,
      censuses,
      trafficSeconds: trafficS,
      instances: instances.map(({ name, samples, cpuSeconds: cpu, idleCpuShare }) => ({
        name,
        samples,
        cpuSeconds: cpu,
        idleCpuShare,
      })),
      errors,
      machine: machine.summary(),
    };
    const sustained = answered >= 0.97 * loop.released && loop.maxReleaseLagMs < 1_000;
    const checks = [
      {
        name: 'offered rate sustained: answers / requests released',
        value: answered / Math.max(1, loop.released),
        expected: '>= 0.97, the loader never a second behind',
        met: sustained,
      },
      ...errorChecks(errors),
      ...keyspaceChecks(censuses),
      ...memoryChecks(censuses),
      ...instanceChecks(section.instances, trafficS),
      ...familyChecks(censuses, Object.keys(SOAK_FAMILY_BOUNDS)),
    ];
    const m = section.machine;
    writeBenchReport({
      name: 'soak',
      title: `${MINUTES} min of mixed traffic at ${RPS} req/s over the four services`,
      startedAt: new Date(t0).toISOString(),
      unit: 'req/s',
      method:
        `Open loop at a fixed rate: ${RPS} requests a second released in 5 ms ticks for ${MINUTES} min (latency from ` +
        `when a request was due, so a late answer never slows the load), over keep-alive connections, ${TENANTS} ` +
        `tenants of ${USERS} users, catalogs of ${OFFERS} offers. The mix (requests per 100): ` +
        `${SoakWorkload.mixDescription()}; sessions get 2 to 5 selection updates and 40 % are finalized, then ordered ` +
        `by configuration; orders are captured with new Idempotency-Keys, replayed, read (recent ones more), listed ` +
        `and moved CAPTURED -> SUBMITTED -> FULFILLED (or CANCELLED); every ${PUBLISH_EVERY_S} s a catalog or a price ` +
        `book is published, tenant after tenant. Services: the production build, ${INSTANCES} instance(s) each, ` +
        `LOG_LEVEL info, default configuration, on private redis-servers (cache allkeys-lru, rate noeviction, session ` +
        `noeviction with AOF; maxmemory ${REDIS_MAXMEMORY}), a private Kafka broker and a scratch database. A census ` +
        `(SCAN, PTTL per key, MEMORY USAGE of 100 keys per family) of each server at 0, 1/6, ..., 5/6 of the ` +
        `traffic and after it; each instance's /metrics every ${SAMPLE_EVERY_S} s (RSS, heap used, event-loop delay ` +
        `p99 over the interval, less the monitor's 10 ms resolution), and its CPU over ${IDLE_S} s without traffic ` +
        `first. Memory plateaus when: every family's keys stay within the key space the workload's requests can ` +
        `have addressed (its bound: distinct entities, e.g. Idempotency-Keys sent, offers read x catalog versions) ` +
        `at every census, so keys grow with new entities, never with requests; each server's used_memory outside ` +
        `the families' estimated bytes grows by at most max(2 MiB, 5 %) over the last third; no key lacks a TTL, ` +
        `none is evicted ` +
        `or undeclared, hot-key sets stay trimmed; each instance's heap floor (lowest heap used of a third of the ` +
        `traffic) rises by at most 5 MiB from the middle third to the last, and its RSS sets no peak in the last ` +
        `third over 1.1 x its peak before. Errors: every non-2xx answer by route and status; 5xx must be 0.`,
      settings: {
        minutes: MINUTES,
        reqPerSec: RPS,
        tenants: TENANTS,
        usersPerTenant: USERS,
        offers: OFFERS,
        publishIntervalS: PUBLISH_EVERY_S,
        sampleIntervalS: SAMPLE_EVERY_S,
        instances: INSTANCES,
        redisMaxmemory: REDIS_MAXMEMORY,
      },
      contenders,
      ratios: [],
      checks,
      soak: section,
      notes: [
        `machine during the traffic: 1-min load average min ${m.loadAvg1.min}, median ${m.loadAvg1.median}, max ` +
          `${m.loadAvg1.max}; CPUs ${Math.round(100 * m.cpuBusyShare)} % busy, of which the soak's services, ` +
          `redis-servers and loader ${Math.round(100 * m.soakProcessesCpuShare)} % (the rest: PostgreSQL, the ` +
          `Kafka broker and anything else on the machine)`,
        `requests released ${loop.released}, answered ${answered}, not built (no state for them) ${loop.skipped}; ` +
          `loader at most ${Math.round(loop.maxReleaseLagMs)} ms behind schedule; ${publishes} publishes during ` +
          `the traffic`,
      ],
    });
    console.log(formatSoakTables(section));
  } finally {
    await cleanup();
  }
}

runBench('soak', main);
