import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRedisClient, redisConfigFromEnv } from '@cpq/redis-runtime';
import Redis from 'ioredis';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as catalog from '../../apps/catalog-service/test/catalog-fixture';
import { startRedisProcess, type RedisProcess } from '../support/redis-process';
import { cacheEventsOf } from '../support/service-instance';
import { makeCa, makeServerCertificate, type KeyPair } from '../support/test-certificates';
import { uniqueId } from '../support/unique';

// The services reach Redis over TLS (`rediss://`) and verify the server: against the CA of REDIS_TLS_CA_FILE, else
// Node's default store. A private TLS-only redis-server, with a CA and certificates made by openssl in the test.

let dir: string;
let ca: KeyPair;
let wrongCa: KeyPair;
let server: RedisProcess;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'redis-tls-'));
  ca = makeCa(dir, 'test-ca');
  wrongCa = makeCa(dir, 'wrong-ca');
  const certificate = makeServerCertificate(dir, ca);
  server = await startRedisProcess({ tls: { ...certificate, caFile: ca.certFile } });
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Every workload on the TLS server (a CA file requires rediss:// on all of them). */
const tlsWorkloads = () => ({
  REDIS_CACHE_URL: server.url,
  REDIS_RATE_URL: server.url,
  REDIS_SESSION_URL: server.url,
  CATALOG_EVENTS: 'off',
});

/** The keys of one APP_ENV on the TLS server, read by a client that trusts the right CA. */
async function keysOnServer(appEnv: string): Promise<string[]> {
  const client = new Redis(server.url, { tls: { ca: readFileSync(ca.certFile) }, lazyConnect: true });
  try {
    await client.connect();
    return await client.keys(`${appEnv}:*`);
  } finally {
    client.disconnect();
  }
}

async function serverUp(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const up: Record<string, number> = {};
  for (const m of text.matchAll(/^redis_runtime_server_up\{workload="(\w+)"\} (\d)/gm))
    up[m[1]!] = Number(m[2]);
  return up;
}

/** Publishes three offers and reads one of them three times; every read must answer. */
async function publishAndRead(instance: catalog.CatalogInstance): Promise<void> {
  const tenant = uniqueId('t').slice(0, 40);
  await catalog.publish(instance.url, tenant, catalog.offers(3));
  const reader = await catalog.token(tenant);
  for (let i = 0; i < 3; i++) {
    const read = await catalog.call(instance.url, 'GET', `/v1/tenants/${tenant}/catalog/offers/offer-0001`, {
      token: reader,
    });
    expect(read.status).toBe(200);
  }
}

describe('Redis over TLS (rediss://) with certificates made by openssl in the test', () => {
  it('catalog-service connects with rediss:// verified against REDIS_TLS_CA_FILE and serves cached reads', async () => {
    const appEnv = catalog.newAppEnv();
    const instance = await catalog.startCatalog(
      { ...tlsWorkloads(), REDIS_TLS_CA_FILE: ca.certFile },
      appEnv,
    );
    expect(await serverUp(instance.url)).toEqual({ cache: 1, rate: 1, session: 1 });
    await publishAndRead(instance);
    expect((await cacheEventsOf(instance.url, 'catalog-offer'))['hit']).toBeGreaterThanOrEqual(1);
    const keys = await keysOnServer(appEnv);
    expect(keys.some((key) => key.includes(':catalog:offer:'))).toBe(true);
    await instance.close();
  });

  it('refuses a server whose certificate does not chain to the configured CA: workloads down, reads from PostgreSQL, nothing sent', async () => {
    const appEnv = catalog.newAppEnv();
    const instance = await catalog.startCatalog(
      { ...tlsWorkloads(), REDIS_TLS_CA_FILE: wrongCa.certFile },
      appEnv,
    );
    expect(await serverUp(instance.url)).toEqual({ cache: 0, rate: 0, session: 0 });
    await publishAndRead(instance);
    expect((await cacheEventsOf(instance.url, 'catalog-offer'))['hit'] ?? 0).toBe(0);
    expect(await keysOnServer(appEnv)).toEqual([]);
    await instance.close();
    // the runtime's own client says why: the certificate, not the network
    const config = redisConfigFromEnv({ ...tlsWorkloads(), REDIS_TLS_CA_FILE: wrongCa.certFile });
    const client = createRedisClient({ ...config.cache, cluster: false }, 'tls-refusal');
    const refusal = new Promise<Error>((resolve) => client.once('error', resolve));
    await client.connect().catch(() => undefined);
    expect(String(((await refusal) as NodeJS.ErrnoException).code)).toMatch(
      /CERT|SIGNATURE|SELF_SIGNED|VERIFY/,
    );
    client.disconnect();
  });

  it('verifies rediss:// without a CA file against the system store: the privately signed server is refused', async () => {
    const appEnv = catalog.newAppEnv();
    const instance = await catalog.startCatalog(tlsWorkloads(), appEnv);
    expect(await serverUp(instance.url)).toEqual({ cache: 0, rate: 0, session: 0 });
    await publishAndRead(instance);
    expect(await keysOnServer(appEnv)).toEqual([]);
    await instance.close();
  });
});
