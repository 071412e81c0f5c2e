import { parseConfig, signDevToken } from '@cpq/platform';
import { sql, type Kysely } from 'kysely';
import { afterAll } from 'vitest';
import { createPricingApp, type PricingApp } from '../src/pricing-app';
import { pricingConfigSchema } from '../src/config';
import { infraEnv } from '../../../test/support/infra-env';
import { uniqueId } from '../../../test/support/unique';

export const SECRET = 'pricing-test-secret-pricing-test-secret';

export interface PricingInstance extends PricingApp {
  url: string;
  close(): Promise<void>;
}

const sharedAppEnv = uniqueId('prc').replace(/-/g, '').slice(0, 30);

/**
 * One pricing-service instance listening on a free port, against the test infrastructure. Closed after the test
 * file. Every instance of one file shares its `APP_ENV` unless given its own.
 */
export async function startPricing(
  env: Record<string, string> = {},
  appEnv = sharedAppEnv,
): Promise<PricingInstance> {
  const infra = infraEnv();
  const vars: Record<string, string> = {
    APP_ENV: appEnv,
    PORT: '0',
    LOG_LEVEL: 'silent',
    AUTH_JWT_SECRET: SECRET,
    DATABASE_URL: infra.databaseUrl,
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    REDIS_CACHE_URL: infra.redisCacheUrl,
    REDIS_RATE_URL: infra.redisRateUrl,
    REDIS_SESSION_URL: infra.redisSessionUrl,
    // Roomier than the production budget: a starved event loop on a busy test machine must not turn cache
    // reads into fallbacks.
    REDIS_CACHE_TIMEOUT_MS: '250',
    REDIS_RATE_TIMEOUT_MS: '250',
    REDIS_SESSION_TIMEOUT_MS: '250',
    // every test file has its own APP_ENV, so its own new group: replaying every catalog event ever published
    // on this broker would only delay the file's own events
    PRICING_PROJECTION_REPLAY: 'off',
    ...env,
  };
  const config = parseConfig(pricingConfigSchema, vars);
  const pricing = await createPricingApp(config, { env: vars });
  await pricing.app.listen({ host: '127.0.0.1', port: 0 });
  const address = pricing.app.getHttpServer().address() as { port: number };
  let closed = false;
  const instance: PricingInstance = {
    ...pricing,
    url: `http://127.0.0.1:${address.port}`,
    async close() {
      if (closed) return;
      closed = true;
      await pricing.app.close();
    },
  };
  afterAll(() => instance.close(), 30_000);
  return instance;
}

export function newAppEnv(): string {
  return uniqueId('prc').replace(/-/g, '').slice(0, 30);
}

export const newTenant = () => uniqueId('t').slice(0, 40);

export function token(tenantId: string, roles: string[] = [], sub = 'user-1'): Promise<string> {
  return signDevToken({ secret: SECRET, tenantId, sub, roles });
}

export const admin = (tenantId: string) => token(tenantId, ['pricing:admin']);

export async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let payload: string | undefined;
  if (options.rawBody !== undefined) payload = options.rawBody;
  else if (options.body !== undefined) payload = JSON.stringify(options.body);
  if (payload !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(base + path, {
    method,
    headers,
    ...(payload !== undefined ? { body: payload } : {}),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // keep the text
  }
  return { status: response.status, headers: response.headers, body };
}

export async function publishBook(base: string, tenantId: string, entries: object[]) {
  const response = await call(base, 'POST', `/v1/tenants/${tenantId}/pricebooks/versions`, {
    token: await admin(tenantId),
    body: { entries },
  });
  if (response.status !== 201)
    throw new Error(`publish failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as { priceBookVersion: number; entryCount: number };
}

/**
 * Sets offers' status in the catalog projection directly (the Kafka path has its own test), then does what the
 * projector does after its commit: drops the tenant's cached statuses on every instance.
 */
export async function setOfferStatus(
  instance: PricingInstance,
  tenantId: string,
  statuses: Record<string, 'ACTIVE' | 'RETIRED'>,
  catalogVersion = 1,
): Promise<void> {
  const db = instance.runtime.database.db as unknown as Kysely<any>;
  for (const [offerId, status] of Object.entries(statuses)) {
    await sql`insert into pricing.offer_status (tenant_id, offer_id, status, catalog_version)
      values (${tenantId}, ${offerId}, ${status}, ${catalogVersion})
      on conflict (tenant_id, offer_id) do update set status = excluded.status,
        catalog_version = excluded.catalog_version`.execute(db);
  }
  await instance.runtime.offerStatuses.changed(tenantId);
}

export const calculate = async (base: string, tenantId: string, body: object, sub = 'user-1') =>
  call(base, 'POST', `/v1/tenants/${tenantId}/prices/calculate`, {
    token: await token(tenantId, [], sub),
    body,
  });

export const baseRequest = {
  offerId: 'fiber-1g',
  currency: 'USD',
  termMonths: 36,
  quantity: 12,
  segment: 'enterprise',
  region: 'eu',
};
