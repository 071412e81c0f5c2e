import { aclRulesFor, platformKeyFamilyRegistry, type ServiceName, type Workload } from '@cpq/redis-runtime';
import Redis from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import * as catalog from '../../apps/catalog-service/test/catalog-fixture';
import * as order from '../../apps/order-service/test/order-fixture';
import * as pricing from '../../apps/pricing-service/test/pricing-fixture';
import * as config from '../../apps/config-service/test/config-fixture';
import { infraEnv } from '../support/infra-env';
import { uniqueId } from '../support/unique';

// Each service runs under its own Redis ACL users, generated from the key-family registry (one per workload
// server), and must work without a single denial; the same users are refused everything outside their families.

const WORKLOADS: Workload[] = ['cache', 'rate', 'session'];
const PASSWORD = 'acl-test-password';
const registry = platformKeyFamilyRegistry();
const admins = new Map<Workload, Redis>();
const created: { workload: Workload; user: string }[] = [];

function urlOf(workload: Workload): string {
  const env = infraEnv();
  return { cache: env.redisCacheUrl, rate: env.redisRateUrl, session: env.redisSessionUrl }[workload];
}

function admin(workload: Workload): Redis {
  let client = admins.get(workload);
  if (!client) admins.set(workload, (client = new Redis(urlOf(workload))));
  return client;
}

/** Creates the service's users on every workload server; returns the Redis URLs that log in as them. */
async function usersFor(service: ServiceName, appEnv: string): Promise<Record<string, string>> {
  const user = uniqueId(`acl-${service}`);
  const urls: Record<string, string> = {};
  for (const workload of WORKLOADS) {
    const rules = aclRulesFor(registry, { service, env: appEnv, workload });
    await admin(workload).call('ACL', 'SETUSER', user, 'reset', 'on', `>${PASSWORD}`, ...rules);
    created.push({ workload, user });
    const url = new URL(urlOf(workload));
    url.username = user;
    url.password = PASSWORD;
    urls[`REDIS_${workload.toUpperCase()}_URL`] = url.toString();
  }
  return urls;
}

/** Entries of `ACL LOG` (denied commands, keys, channels) for one user, on every workload server. */
async function denials(user: string): Promise<string[]> {
  const found: string[] = [];
  for (const workload of WORKLOADS) {
    const entries = (await admin(workload).call('ACL', 'LOG', '128')) as unknown[][];
    for (const entry of entries) {
      const fields: Record<string, unknown> = {};
      for (let i = 0; i < entry.length; i += 2) fields[String(entry[i])] = entry[i + 1];
      if (fields['username'] === user)
        found.push(`${workload}: ${String(fields['reason'])} ${String(fields['object'])}`);
    }
  }
  return found;
}

/** The service's connections are logged in as the user on every workload server (not silently down). */
async function expectConnectedAs(user: string): Promise<void> {
  for (const workload of WORKLOADS) {
    const clients = String(await admin(workload).call('CLIENT', 'LIST'));
    expect({ workload, connected: clients.includes(` user=${user} `) }).toEqual({
      workload,
      connected: true,
    });
  }
}

const userOf = (urls: Record<string, string>) =>
  decodeURIComponent(new URL(urls['REDIS_CACHE_URL']!).username);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(async () => {
  for (const { workload, user } of created) await admin(workload).call('ACL', 'DELUSER', user);
  for (const client of admins.values()) client.disconnect();
});

describe('services under least-privilege Redis ACL users (aclRulesFor)', () => {
  it('catalog-service publishes, reads, pre-warms and invalidates with no ACL denial', async () => {
    const appEnv = catalog.newAppEnv();
    const urls = await usersFor('catalog-service', appEnv);
    const [a, b] = await Promise.all([
      catalog.startCatalog({ ...urls, CATALOG_OFFER_NEAR_CACHE: 'on' }, appEnv),
      catalog.startCatalog(urls, appEnv),
    ]);
    const tenant = uniqueId('t').slice(0, 40);
    const reader = await catalog.token(tenant);
    await catalog.publish(a.url, tenant, catalog.offers(5));
    for (const instance of [a, b, a, b]) {
      const offer = await catalog.call(
        instance.url,
        'GET',
        `/v1/tenants/${tenant}/catalog/offers/offer-0003`,
        {
          token: reader,
        },
      );
      expect(offer.status).toBe(200);
    }
    const page = await catalog.call(a.url, 'GET', `/v1/tenants/${tenant}/catalog/versions/1/offers?limit=2`, {
      token: reader,
    });
    expect(page.status).toBe(200);
    // v2: the pointer is dropped everywhere (Kafka, Pub/Sub hint) and the hot offers pre-warmed under a lease
    await catalog.publish(a.url, tenant, catalog.offers(5));
    const deadline = Date.now() + 5_000;
    let version: string | null = null;
    while (version !== '2' && Date.now() < deadline) {
      await sleep(50);
      const read = await catalog.call(b.url, 'GET', `/v1/tenants/${tenant}/catalog/offers/offer-0003`, {
        token: reader,
      });
      version = read.headers.get('catalog-version');
    }
    expect(version).toBe('2');
    await sleep(500); // the pre-warm consumer's lease, dedup marker and hot-key read have run
    await expectConnectedAs(userOf(urls));
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    for (const workload of WORKLOADS)
      expect(metrics).toMatch(new RegExp(`^redis_runtime_server_up\\{workload="${workload}"\\} 1$`, 'm'));
    expect(await denials(userOf(urls))).toEqual([]);
  });

  it('pricing-service publishes, calculates under its rate limits and flushes hot keys with no ACL denial', async () => {
    const appEnv = pricing.newAppEnv();
    const urls = await usersFor('pricing-service', appEnv);
    const instance = await pricing.startPricing({ ...urls, PRICING_HOT_KEYS_FLUSH_MS: '200' }, appEnv);
    const tenant = pricing.newTenant();
    await pricing.setOfferStatus(instance, tenant, { 'fiber-1g': 'ACTIVE' });
    await pricing.publishBook(instance.url, tenant, [
      { offerId: 'fiber-1g', currency: 'USD', basePriceMinor: 150_000 },
    ]);
    for (let i = 0; i < 3; i++) {
      const price = await pricing.calculate(instance.url, tenant, pricing.baseRequest);
      expect(price.status).toBe(200);
      expect(price.headers.get('ratelimit')).toMatch(/r=\d+/);
    }
    await pricing.publishBook(instance.url, tenant, [
      { offerId: 'fiber-1g', currency: 'USD', basePriceMinor: 160_000 },
    ]);
    await sleep(1_000); // hot keys flushed, the pre-warm consumer and the pointer invalidation have run
    const price = await pricing.calculate(instance.url, tenant, pricing.baseRequest);
    expect(price.body.priceBookVersion).toBe(2);
    await expectConnectedAs(userOf(urls));
    expect(await denials(userOf(urls))).toEqual([]);
  });

  it('config-service creates, validates through its offer cache, updates under its rate limit, rehydrates, finalizes and purges with no ACL denial', async () => {
    const appEnv = config.newAppEnv();
    const urls = await usersFor('config-service', appEnv);
    const catalogService = await config.startCatalog(appEnv);
    const instance = await config.startConfig(appEnv, catalogService.url, urls);
    const tenant = config.newTenant();
    await config.publishCatalog(catalogService.url, tenant, config.plainOffers(3));
    const alice = await config.ConfigClient.of(instance.url, tenant);
    const id = await alice.newSession();
    const options = config.plainOffers(3).map((o) => ({ offerId: o.offerId, quantity: 1 }));
    const put = await alice.put(id, 1, options); // catalog over HTTP, cache SET, rate limit, compare-and-set
    expect(put.status).toBe(200);
    expect(put.headers.get('ratelimit')).toMatch(/r=\d+/);
    const other = await config.startConfig(appEnv, catalogService.url, urls);
    const bob = await config.ConfigClient.of(other.url, tenant);
    const ids = await bob.newSession();
    expect((await bob.put(ids, 1, options)).status).toBe(200); // MGET of the cached answers
    // Redis loses the draft: the next read puts the snapshot back
    await instance.runtime.writeBehind.flush();
    await admin('session').del(`${appEnv}:config-service:${tenant}:config-session:draft:${id}`);
    expect((await alice.get(id)).body.version).toBe(2);
    expect((await alice.finalize(id, 2)).status).toBe(200); // sealed compare-and-set
    expect(await instance.runtime.purgeNow()).toBeGreaterThanOrEqual(0); // the purge lease
    await expectConnectedAs(userOf(urls));
    expect(await denials(userOf(urls))).toEqual([]);
  });

  it('order-service captures, replays, reads, transitions (cache drop and its event) and purges with no ACL denial', async () => {
    const appEnv = order.newAppEnv();
    const urls = await usersFor('order-service', appEnv);
    const [a, b] = await Promise.all([order.startOrder(urls, appEnv), order.startOrder(urls, appEnv)]);
    const tenant = order.newTenant();
    const first = await order.capture(a.url, tenant, order.orderBody(), 'acl-key');
    expect(first.status).toBe(201);
    const replay = await order.capture(b.url, tenant, order.orderBody(), 'acl-key');
    expect(replay.text).toBe(first.text); // from the session Redis (idempotency family)
    const orderId = first.body.orderId as string;
    for (const instance of [a, b])
      expect((await order.getOrder(instance.url, tenant, orderId)).status).toBe(200);
    expect((await order.transition(a.url, tenant, orderId, 'SUBMITTED', '"1"')).status).toBe(200);
    await sleep(1_000); // every instance's invalidation consumer has dropped the view and read it back
    expect((await order.getOrder(b.url, tenant, orderId)).body.version).toBe(2);
    expect(await a.runtime.purgeExpiredKeys()).toEqual(expect.any(Number)); // the job lease, fenced
    await expectConnectedAs(userOf(urls));
    expect(await denials(userOf(urls))).toEqual([]);
  });

  it("refuses a service's user everything outside its own families: other services' keys and channels, admin commands", async () => {
    const appEnv = uniqueId('acl').replace(/-/g, '').slice(0, 20);
    const urls = await usersFor('catalog-service', appEnv);
    const asCatalog = new Redis(urls['REDIS_CACHE_URL']!);
    try {
      await expect(asCatalog.get(`${appEnv}:catalog-service:acme:catalog:offer:v1:x`)).resolves.toBeNull();
      for (const refused of [
        () => asCatalog.get(`${appEnv}:pricing-service:acme:price:calc:x`),
        () => asCatalog.get(`other-env:catalog-service:acme:catalog:offer:v1:x`),
        () => asCatalog.set(`${appEnv}:catalog-service:acme:catalog:unknown-purpose:x`, '1'),
        () => asCatalog.publish(`${appEnv}:pricing-service:all:near-cache:invalidate`, '{}'),
        () => asCatalog.keys('*'),
        () => asCatalog.flushall(),
        () => asCatalog.call('CONFIG', 'GET', 'maxmemory'),
        () => asCatalog.call('SCRIPT', 'FLUSH'),
      ]) {
        await expect(refused()).rejects.toThrow(/NOPERM/);
      }
    } finally {
      asCatalog.disconnect();
    }
  });
});
