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
/** Room for a busy 2-core machine; a wait on a hung socket (2 s, ioredis closing it) must still fail the bound. */
const FACTOR = 3;
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
 * and arrives within the budgets plus the PostgreSQL path, measured in the same test on an instance that reads
 * PostgreSQL only; a publish takes as long as it does with Redis up.
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

    // The PostgreSQL path of the same reads, now: an instance of the same code reading PostgreSQL only.
    const postgresPath: number[] = [];
    for (let round = 0; round < 2; round++) {
      for (const path of paths) {
        const read = await timed(postgresOnly.url, path);
        expect(read.status, path).toBe(200);
        postgresPath.push(read.ms);
      }
    }
    const bound = Math.min(
      CEILING_MS,
      FACTOR * (median(postgresPath) + REDIS_WAITS_PER_READ * LARGEST_FAMILY_BUDGET_MS),
    );
    const publishUp = Math.max(
      ...[await publishTimed(offers(20)), await publishTimed(offers(20))].map((p) => {
        expect(p.status).toBe(201);
        return p.ms;
      }),
    );

    cacheServer.pause();
    rateServer.pause();
    const reads: Timed[] = [];
    let publishHung: { status: number; ms: number } | undefined;
    try {
      const until = performance.now() + HANG_MS;
      const loop = async (offset: number) => {
        for (let i = offset; performance.now() < until; i++) {
          reads.push(await timed(svc.url, paths[i % paths.length]!));
        }
      };
      const publishMidway = async () => {
        await new Promise((r) => setTimeout(r, HANG_MS / 2));
        publishHung = await publishTimed(offers(20));
      };
      await Promise.all([loop(0), loop(5), loop(10), loop(15), publishMidway()]);
    } finally {
      cacheServer.resume();
      rateServer.resume();
    }

    expect(reads.length).toBeGreaterThan(20);
    const failed = reads.filter((r) => r.status !== 200);
    expect(failed, JSON.stringify(failed.slice(0, 5))).toEqual([]);
    const slow = reads.filter((r) => r.ms >= bound);
    expect(
      slow,
      `bound ${bound.toFixed(0)} ms (PostgreSQL path ${median(postgresPath).toFixed(0)} ms); slowest ${JSON.stringify(slow.slice(0, 5))}`,
    ).toEqual([]);
    expect(publishHung?.status).toBe(201);
    expect(
      publishHung!.ms,
      `publish with Redis hung ${publishHung!.ms.toFixed(0)} ms, up ${publishUp.toFixed(0)} ms`,
    ).toBeLessThan(
      Math.min(CEILING_MS, FACTOR * publishUp + REDIS_WAITS_PER_READ * LARGEST_FAMILY_BUDGET_MS),
    );
  });
});
