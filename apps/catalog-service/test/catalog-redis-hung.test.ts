import { parseConfig } from '@cpq/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LARGEST_FAMILY_BUDGET_MS,
  median,
  withProductionRedisBudgets,
} from '../../../test/support/production-budgets';
import { startRedisProcess, type RedisProcess } from '../../../test/support/redis-process';
import { listenForTest, serviceTestEnv } from '../../../test/support/service-instance';
import { uniqueId } from '../../../test/support/unique';
import { createCatalogApp } from '../src/catalog-app';
import { catalogConfigSchema } from '../src/config';
import { admin, call, newAppEnv, offers, SECRET, token, type CatalogInstance } from './catalog-fixture';

/** How long the servers stay hung: past the 1 s after which the runtime drops a stuck connection. */
const HANG_MS = 3_000;
/** Redis waits one read may chain while Redis hangs (pointer, value, fill lease, fill write), each one budget. */
const REDIS_WAITS_PER_READ = 4;
/** Redis waits a publish chains after its commit while Redis hangs (the pointer's tombstone, the Pub/Sub hint). */
const REDIS_WAITS_PER_PUBLISH = 2;
/**
 * Room for the difference between two windows of the same traffic on a busy 2-core machine shared with other test
 * runs; the ceiling keeps a wait on a hung socket (2 s, ioredis closing it) failing the bound whatever the machine.
 */
const SLACK = 2;
const CEILING_MS = 1_500;

async function startInstance(appEnv: string, env: Record<string, string>): Promise<CatalogInstance> {
  const vars = withProductionRedisBudgets(serviceTestEnv(appEnv, SECRET, env));
  return listenForTest(await createCatalogApp(parseConfig(catalogConfigSchema, vars), { env: vars }));
}

interface Timed {
  path: string;
  status: number;
  ms: number;
}

/**
 * catalog-service on production's Redis budgets (20-30 ms) with its cache and rate workloads on private
 * redis-servers that the test hangs (SIGSTOP) for three seconds under continuous reads: every answer is correct
 * and arrives within the budgets plus the PostgreSQL path, measured in the same test under the same traffic on an
 * instance that reads PostgreSQL only; a publish takes as long as it does with Redis up under that traffic, plus the
 * budgets of its Redis waits.
 */
describe('catalog-service with its cache and rate Redis hung (SIGSTOP), production budgets', () => {
  let cacheServer: RedisProcess;
  let rateServer: RedisProcess;
  let svc: CatalogInstance;
  let postgresOnly: CatalogInstance;
  const tenant = uniqueId('t').slice(0, 40);
  const base = `/v1/tenants/${tenant}/catalog`;
  let reader: string;

  const timed = async (url: string, path: string): Promise<Timed> => {
    const started = performance.now();
    const response = await call(url, 'GET', path, { token: reader });
    return { path, status: response.status, ms: performance.now() - started };
  };
  /**
   * The traffic of the hang: four read loops over `paths` against `url` for HANG_MS, and a publish on `svc` halfway.
   */
  const traffic = async (url: string, paths: string[]) => {
    const reads: Timed[] = [];
    let published: { status: number; ms: number } | undefined;
    const until = performance.now() + HANG_MS;
    const loop = async (offset: number) => {
      for (let i = offset; performance.now() < until; i++) {
        reads.push(await timed(url, paths[i % paths.length]!));
      }
    };
    const publishMidway = async () => {
      await new Promise((r) => setTimeout(r, HANG_MS / 2));
      published = await publishTimed(offers(20));
    };
    await Promise.all([loop(0), loop(5), loop(10), loop(15), publishMidway()]);
    return { reads, published: published! };
  };
  const publishTimed = async (list: object[]) => {
    const started = performance.now();
    const response = await call(svc.url, 'POST', `${base}/versions`, {
      token: await admin(tenant),
      body: { offers: list },
    });
    return { status: response.status, body: response.body, ms: performance.now() - started };
  };

  beforeAll(async () => {
    [cacheServer, rateServer] = await Promise.all([startRedisProcess(), startRedisProcess()]);
    const appEnv = newAppEnv();
    // No Kafka consumers: the publisher drops this instance's pointer itself (see catalog-redis-down.test.ts).
    svc = await startInstance(appEnv, {
      REDIS_CACHE_URL: cacheServer.url,
      REDIS_RATE_URL: rateServer.url,
      CATALOG_EVENTS: 'off',
    });
    postgresOnly = await startInstance(appEnv, { CATALOG_CACHE: 'off', CATALOG_EVENTS: 'off' });
    reader = await token(tenant);
  });

  afterAll(async () => {
    cacheServer?.resume();
    rateServer?.resume();
    await svc?.close();
    await postgresOnly?.close();
    await Promise.all([cacheServer?.stop(), rateServer?.stop()]);
  }, 30_000);

  it('answers every read within the budgets plus the PostgreSQL path, and publishes as fast as with Redis up', async () => {
    const published = await publishTimed(offers(20));
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    const version = published.body.catalogVersion as number;
    const offer = (i: number) => `${base}/versions/${version}/offers/offer-${String(i).padStart(4, '0')}`;
    const cached = Array.from({ length: 10 }, (_, i) => offer(i));
    // cached in Redis before the hang, and not: the current pointer, offers, by current version (every publish
    // here has the same offers), pages
    const paths = [
      base,
      ...cached,
      `${base}/offers/offer-0001`,
      `${base}/versions/${version}/offers?limit=5`,
      ...Array.from({ length: 10 }, (_, i) => offer(10 + i)),
      `${base}/versions/${version}/offers?limit=5&cursor=offer-0009`,
    ];
    for (const path of [base, ...cached, `${base}/versions/${version}/offers?limit=5`]) {
      expect((await timed(svc.url, path)).status, path).toBe(200);
    }

    // The references, under the same traffic as the hang (the same four read loops and a publish halfway), so that
    // the load on the machine is the same in both windows: the PostgreSQL path of the reads (an instance of the same
    // code reading PostgreSQL only) and a publish with Redis up. A serial median, the reference before, left out the
    // queueing of four concurrent loops on two cores that every read of the hang pays.
    const reference = await traffic(postgresOnly.url, paths);
    const failedReference = reference.reads.filter((r) => r.status !== 200);
    expect(failedReference, JSON.stringify(failedReference.slice(0, 5))).toEqual([]);
    expect(reference.published.status).toBe(201);
    const postgresPath = Math.max(...reference.reads.map((r) => r.ms));
    const bound = Math.min(
      CEILING_MS,
      SLACK * postgresPath + REDIS_WAITS_PER_READ * LARGEST_FAMILY_BUDGET_MS,
    );
    const publishUp = reference.published.ms;
    const publishBound = Math.min(
      CEILING_MS,
      SLACK * publishUp + REDIS_WAITS_PER_PUBLISH * LARGEST_FAMILY_BUDGET_MS,
    );

    cacheServer.pause();
    rateServer.pause();
    let hung: Awaited<ReturnType<typeof traffic>>;
    try {
      hung = await traffic(svc.url, paths);
    } finally {
      cacheServer.resume();
      rateServer.resume();
    }
    const { reads, published: publishHung } = hung;

    expect(reads.length).toBeGreaterThan(20);
    const failed = reads.filter((r) => r.status !== 200);
    expect(failed, JSON.stringify(failed.slice(0, 5))).toEqual([]);
    const slow = reads.filter((r) => r.ms >= bound);
    expect(
      slow,
      `bound ${bound.toFixed(0)} ms (PostgreSQL path under the same traffic: slowest ${postgresPath.toFixed(0)} ms, median ${median(reference.reads.map((r) => r.ms)).toFixed(0)} ms); slowest ${JSON.stringify(slow.slice(0, 5))}`,
    ).toEqual([]);
    expect(publishHung.status).toBe(201);
    expect(
      publishHung.ms,
      `publish with Redis hung ${publishHung.ms.toFixed(0)} ms, up (same traffic) ${publishUp.toFixed(0)} ms`,
    ).toBeLessThan(publishBound);
  });
});
