import { countQueries } from '@cpq/platform';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisProcess, type RedisProcess } from '../../../test/support/redis-process';
import { cacheEventsOf } from '../../../test/support/service-instance';
import { uniqueId } from '../../../test/support/unique';
import { call, offers, publish, startCatalog, token, type CatalogInstance } from './catalog-fixture';

const delta = (after: Record<string, number>, before: Record<string, number>, event: string) =>
  (after[event] ?? 0) - (before[event] ?? 0);

/**
 * What a private cache Redis executes, per tenant: MONITOR, commands sent by clients (not those scripts run), kept
 * when one of their arguments is a key of the tenant. The other tenants' traffic (every publish on the shared
 * broker reaches these instances' consumers, and each one writes that tenant's pointer tombstone, say) is left out.
 */
class TenantCommands {
  private readonly seen: string[][] = [];
  private markers = 0;
  private constructor(
    private readonly monitor: Redis,
    private readonly marker: Redis,
  ) {}

  static async watch(url: string): Promise<TenantCommands> {
    const marker = new Redis(url);
    const monitor = await marker.duplicate().monitor();
    const watched = new TenantCommands(monitor, marker);
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== 'lua') watched.seen.push(args.map(String));
    });
    return watched;
  }

  /**
   * The tenant's commands executed so far, as `<command> <tenant key>`. MONITOR lines trail the replies: an ECHO
   * sent here after them comes back through MONITOR after them, so waiting for it waits for them.
   */
  async of(tenant: string): Promise<string[]> {
    const marker = `sync:${tenant}:${++this.markers}`;
    await this.marker.echo(marker);
    await expect.poll(() => this.seen.some((args) => args[1] === marker)).toBe(true);
    return this.seen
      .filter((args) => args[0]!.toLowerCase() !== 'echo')
      .flatMap((args) => {
        const key = args.find((arg) => arg.includes(`:${tenant}:`));
        return key === undefined ? [] : [`${args[0]!.toLowerCase()} ${key}`];
      });
  }

  close(): void {
    this.monitor.disconnect();
    this.marker.disconnect();
  }
}

/** Publish events an instance's broadcast consumer has handled (its `event_consumer_messages_total`). */
async function publishEventsHandledBy(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line =
    /^event_consumer_messages_total\{group="catalog-service-pointer-invalidation[^"]*",outcome="handled"\} (\d+)/m;
  return Number(line.exec(text)?.[1] ?? 0);
}

describe('catalog-service with the offer near-cache on (CATALOG_OFFER_NEAR_CACHE=on)', () => {
  let a: CatalogInstance;
  let b: CatalogInstance;
  /** Another environment on the same broker: its publishes reach a's and b's consumers, like other test files'. */
  let elsewhere: CatalogInstance;
  let cacheRedis: RedisProcess;
  let commands: TenantCommands;
  let hints: Redis;
  /** Near-cache invalidation hints seen on the bus channel (a JSON message each). */
  const hinted: string[] = [];

  beforeAll(async () => {
    // A cache Redis of their own, so the test sees every command these two instances send to it.
    cacheRedis = await startRedisProcess();
    const near = {
      CATALOG_OFFER_NEAR_CACHE: 'on',
      CATALOG_NEAR_CACHE_TTL_MS: '30000',
      CATALOG_HOT_SAMPLE_RATE: '1',
      CATALOG_HOT_KEYS_FLUSH_MS: '60000',
      REDIS_CACHE_URL: cacheRedis.url,
    };
    [a, b, elsewhere] = await Promise.all([
      startCatalog(near),
      startCatalog(near),
      startCatalog({}, uniqueId('catx').replace(/-/g, '').slice(0, 30)),
    ]);
    commands = await TenantCommands.watch(cacheRedis.url);
    hints = new Redis(cacheRedis.url);
    await hints.subscribe(b.runtime.redis.keys.channel('catalog-near-cache-invalidation').key);
    hints.on('message', (_channel: string, message: string) => void hinted.push(message));
  });

  afterAll(async () => {
    commands?.close();
    hints?.disconnect();
    await Promise.allSettled([a?.close(), b?.close(), elsewhere?.close()]);
    await cacheRedis?.stop();
  });

  it('answers repeated current-offer reads from memory: no Redis command and no PostgreSQL query', async () => {
    const tenant = uniqueId('t').slice(0, 40);
    const reader = await token(tenant);
    await publish(a.url, tenant, offers(3));
    // v1 drops the tenant's pointer three times: on the publishing instance at once, then on each instance when
    // its broadcast consumer gets v1's event (each sends a hint). Before that, a read on b could be dropped later.
    await expect
      .poll(() => hinted.filter((h) => h.includes(`:${tenant}:`)).length, { timeout: 30_000 })
      .toBeGreaterThanOrEqual(3);
    const path = `/v1/tenants/${tenant}/catalog/offers/offer-0002`;
    const first = await call(b.url, 'GET', path, { token: reader });
    expect(first.status).toBe(200);
    // From here on sampled reads are tallied in process and sent only when the test flushes them.
    await b.runtime.hotOffers.stop();
    const [offersBefore, pointerBefore] = await Promise.all([
      cacheEventsOf(b.url, 'catalog-offer'),
      cacheEventsOf(b.url, 'catalog-current'),
    ]);
    const sentBefore = (await commands.of(tenant)).length;
    const queries = countQueries(b.runtime.database);
    // Other tenants publish all along (as other test files do on the shared broker): b handles their events while
    // the test counts, and those must cost this tenant nothing.
    const othersHandledBefore = await publishEventsHandledBy(b.url);
    let reading = true;
    const othersPublishing = (async () => {
      while (reading) await publish(elsewhere.url, uniqueId('t').slice(0, 40), offers(1));
    })();
    try {
      for (let i = 0; i < 25; i++) {
        const again = await call(b.url, 'GET', path, { token: reader });
        expect(again.status).toBe(200);
        expect(again.body).toEqual(first.body);
        expect(again.headers.get('catalog-version')).toBe('1');
      }
      await expect
        .poll(() => publishEventsHandledBy(b.url), { timeout: 30_000 })
        .toBeGreaterThanOrEqual(othersHandledBefore + 3);
      expect(queries.statements.filter((s) => s.includes('"catalog"."offers"'))).toEqual([]);
    } finally {
      reading = false;
      await othersPublishing;
      queries.stop();
    }
    const [offersAfter, pointerAfter] = await Promise.all([
      cacheEventsOf(b.url, 'catalog-offer'),
      cacheEventsOf(b.url, 'catalog-current'),
    ]);
    expect(delta(offersAfter, offersBefore, 'near_hit')).toBe(25);
    expect(delta(pointerAfter, pointerBefore, 'near_hit')).toBe(25);
    for (const event of ['hit', 'miss', 'fallback']) {
      expect(delta(offersAfter, offersBefore, event)).toBe(0);
      expect(delta(pointerAfter, pointerBefore, event)).toBe(0);
    }
    // Every read was sampled (rate 1) into the in-process tally: no command for the tenant's keys at all, not even
    // for the hot-offer set, until the flush sends the 26 reads in one call.
    await b.runtime.hotOffers.flush();
    const sent = await commands.of(tenant);
    expect(sent.slice(sentBefore)).toEqual([expect.stringMatching(/^evalsha .*:hot-offers:v1$/)]); // the flush
    const hotSet = `${b.runtime.config.APP_ENV}:catalog-service:${tenant}:catalog:hot-offers:v1`;
    expect(Number(await b.runtime.redis.connection('cache').client.zscore(hotSet, 'offer-0002'))).toBe(26);
  });

  it('moves an instance holding v1 in memory to v2 within 1 s of a publish on another instance', async () => {
    const tenant = uniqueId('t').slice(0, 40);
    const reader = await token(tenant);
    await publish(a.url, tenant, offers(2));
    const path = `/v1/tenants/${tenant}/catalog/offers/offer-0001`;
    for (let i = 0; i < 2; i++) {
      const held = await call(b.url, 'GET', path, { token: reader });
      expect(held.headers.get('catalog-version')).toBe('1');
    }
    const renamed = offers(2).map((offer) => ({ ...offer, displayName: 'Renamed in v2' }));
    await publish(a.url, tenant, renamed);
    const published = Date.now();
    let answer = await call(b.url, 'GET', path, { token: reader });
    while (answer.headers.get('catalog-version') !== '2' && Date.now() - published < 1_000) {
      await new Promise((r) => setTimeout(r, 25));
      answer = await call(b.url, 'GET', path, { token: reader });
    }
    expect(answer.headers.get('catalog-version')).toBe('2');
    expect(answer.body.displayName).toBe('Renamed in v2');
  });

  it('answers 404 for an unknown offer while the current version is held in memory', async () => {
    const tenant = uniqueId('t').slice(0, 40);
    const reader = await token(tenant);
    await publish(a.url, tenant, offers(1));
    expect(
      (await call(b.url, 'GET', `/v1/tenants/${tenant}/catalog/offers/offer-0000`, { token: reader })).status,
    ).toBe(200);
    const missing = await call(b.url, 'GET', `/v1/tenants/${tenant}/catalog/offers/offer-0099`, {
      token: reader,
    });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
  });
});
