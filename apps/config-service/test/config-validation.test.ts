import { createServer, type Server } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisCommandsOf } from '../../../test/support/service-instance';
import {
  ConfigClient,
  freePort,
  newAppEnv,
  newTenant,
  plainOffers,
  publishCatalog,
  startCatalog,
  startConfig,
  type CatalogInstance,
  type ConfigInstance,
} from './config-fixture';

const codesOf = (body: { validationSummary: { errors: { code: string; offerId: string }[] } }) =>
  body.validationSummary.errors.map((e) => [e.code, e.offerId]);

describe('validation against the session catalog version (real catalog-service)', () => {
  const appEnv = newAppEnv();
  let catalog: CatalogInstance;
  let catalogLog = '';
  let svc: ConfigInstance;
  let tenant: string;
  let alice: ConfigClient;

  beforeAll(async () => {
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => (catalogLog += chunk.toString()));
    catalog = await startCatalog(appEnv, undefined, { logStream });
    svc = await startConfig(appEnv, catalog.url);
    tenant = newTenant();
    await publishCatalog(catalog.url, tenant, [
      { offerId: 'router' },
      { offerId: 'fiber', rules: { requires: ['router'], maxQuantity: 1 } },
      { offerId: 'phone', rules: { minQuantity: 2, maxQuantity: 5 } },
      { offerId: 'legacy-dsl', status: 'RETIRED' },
      { offerId: 'tv', rules: { excludes: ['tv-basic'] } },
      { offerId: 'tv-basic' },
      ...plainOffers(50),
    ]);
    alice = await ConfigClient.of(svc.url, tenant);
  });

  it('every validation code, with the offer it is about; the write is stored either way', async () => {
    const id = await alice.newSession();
    const cases: [object[], string[][]][] = [
      [
        [
          { offerId: 'router', quantity: 1 },
          { offerId: 'fiber', quantity: 1 },
        ],
        [],
      ],
      [[{ offerId: 'ghost', quantity: 1 }], [['OFFER_UNKNOWN', 'ghost']]],
      [[{ offerId: 'legacy-dsl', quantity: 1 }], [['OFFER_RETIRED', 'legacy-dsl']]],
      [[{ offerId: 'phone', quantity: 1 }], [['QUANTITY_BELOW_MIN', 'phone']]],
      [[{ offerId: 'phone', quantity: 6 }], [['QUANTITY_ABOVE_MAX', 'phone']]],
      [[{ offerId: 'fiber', quantity: 1 }], [['REQUIRES_MISSING', 'fiber']]],
      [
        [
          { offerId: 'tv', quantity: 1 },
          { offerId: 'tv-basic', quantity: 1 },
        ],
        [['EXCLUDES_CONFLICT', 'tv']],
      ],
      [
        [
          { offerId: 'router', quantity: 1 },
          { offerId: 'router', quantity: 1 },
        ],
        [['DUPLICATE_OFFER', 'router']],
      ],
    ];
    let version = 1;
    for (const [selectedOptions, expected] of cases) {
      const answer = await alice.put(id, version, selectedOptions);
      expect(answer.status, JSON.stringify(selectedOptions)).toBe(200);
      expect(codesOf(answer.body), JSON.stringify(selectedOptions)).toEqual(expected);
      expect(answer.body.validationSummary.valid).toBe(expected.length === 0);
      version = answer.body.version;
    }
    const read = await alice.get(id);
    expect(codesOf(read.body)).toEqual([['DUPLICATE_OFFER', 'router']]);
  });

  it("forwards the caller's Authorization and X-Request-Id to catalog-service", async () => {
    const id = await alice.newSession();
    const requestId = `fwd-${Date.now()}`;
    const answer = await alice.put(id, 1, [{ offerId: 'offer-0049', quantity: 1 }], {
      'x-request-id': requestId,
    });
    expect(answer.body.validationSummary.valid).toBe(true); // the catalog accepted the forwarded token
    expect(catalogLog).toContain(`"requestId":"${requestId}"`);
  });

  it('a selection of 50 cached offers costs one Redis round trip (one MGET), then none (near-cache); no catalog call', async () => {
    const options = plainOffers(50).map((o) => ({ offerId: o.offerId, quantity: 1 }));
    const id = await alice.newSession();
    expect((await alice.put(id, 1, options)).body.validationSummary.valid).toBe(true); // fills the cache
    // a second instance: nothing in its near-cache yet
    const other = await startConfig(appEnv, catalog.url);
    const bob = await ConfigClient.of(other.url, tenant);
    const catalogCalls = () => catalogLog.split('\n').filter((l) => l.includes('/offers/:offerId')).length;
    const before = {
      redis: await redisCommandsOf(other.url, ['config-catalog-offer']),
      catalog: catalogCalls(),
    };
    const bobs = await bob.newSession();
    const first = await bob.put(bobs, 1, options);
    expect(first.body.validationSummary).toEqual({ valid: true, errors: [], warnings: [] });
    expect((await redisCommandsOf(other.url, ['config-catalog-offer'])) - before.redis).toBe(1);
    await bob.put(bobs, 2, options);
    expect((await redisCommandsOf(other.url, ['config-catalog-offer'])) - before.redis).toBe(1);
    expect(catalogCalls()).toBe(before.catalog);
  });
});

describe('catalog-service down, slow, and back', () => {
  const appEnv = newAppEnv();
  let hanging: Server;
  const sockets = new Set<import('node:net').Socket>();

  beforeAll(async () => {
    // Accepts connections and never answers: a catalog-service that hangs.
    hanging = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => hanging.close(resolve));
  });

  it('catalog stopped: the write is stored with CATALOG_UNAVAILABLE, finalize is 503 + Retry-After, then OK once it is back', async () => {
    const port = await freePort();
    let catalog = await startCatalog(appEnv, port);
    const svc = await startConfig(appEnv, catalog.url);
    const tenant = newTenant();
    await publishCatalog(catalog.url, tenant, plainOffers(3));
    const alice = await ConfigClient.of(svc.url, tenant);
    const id = await alice.newSession();
    await catalog.close();
    try {
      const put = await alice.put(id, 1, [{ offerId: 'offer-0001', quantity: 1 }]);
      expect(put.status).toBe(200);
      expect(put.body.version).toBe(2);
      expect(put.body.validationSummary).toEqual({
        valid: false,
        errors: [],
        warnings: [{ code: 'CATALOG_UNAVAILABLE', offerId: 'offer-0001', message: expect.any(String) }],
      });
      const finalize = await alice.finalize(id, 2);
      expect(finalize.status).toBe(503);
      expect(finalize.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(finalize.headers.get('content-type')).toContain('application/problem+json');
      expect((await alice.create()).status).toBe(503); // no current version to start on
      expect((await alice.get(id)).body.version).toBe(2); // the failed finalize changed nothing
    } finally {
      catalog = await startCatalog(appEnv, port);
    }
    const finalized = await alice.finalize(id, 2);
    expect(finalized.status).toBe(200);
    expect(finalized.body.version).toBe(3);
    await catalog.close();
  });

  it('catalog hanging: the write answers within the catalog budget, stored with CATALOG_UNAVAILABLE', async () => {
    const catalog = await startCatalog(appEnv);
    const healthy = await startConfig(appEnv, catalog.url);
    const { port } = hanging.address() as { port: number };
    const stuck = await startConfig(appEnv, `http://127.0.0.1:${port}`, { CONFIG_CATALOG_TIMEOUT_MS: '300' });
    const tenant = newTenant();
    await publishCatalog(catalog.url, tenant, plainOffers(3));
    const id = await (await ConfigClient.of(healthy.url, tenant)).newSession();
    const alice = await ConfigClient.of(stuck.url, tenant);
    const started = performance.now();
    const put = await alice.put(id, 1, [
      { offerId: 'offer-0000', quantity: 1 },
      { offerId: 'offer-0002', quantity: 1 },
    ]);
    const ms = performance.now() - started;
    expect(put.status).toBe(200);
    expect(put.body.validationSummary.warnings.map((w: { code: string }) => w.code)).toEqual([
      'CATALOG_UNAVAILABLE',
      'CATALOG_UNAVAILABLE',
    ]);
    expect(ms).toBeLessThan(300 + 2_000); // the budget, plus a generous margin for a busy machine
  });
});
