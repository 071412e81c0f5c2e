import { parseConfig, signDevToken } from '@cpq/platform';
import { afterAll } from 'vitest';
import { createCatalogApp, type CatalogApp } from '../src/catalog-app';
import { catalogConfigSchema } from '../src/config';
import { infraEnv } from '../../../test/support/infra-env';
import { uniqueId } from '../../../test/support/unique';

export const SECRET = 'catalog-test-secret-catalog-test-secret';

export interface CatalogInstance extends CatalogApp {
  url: string;
  close(): Promise<void>;
}

/**
 * One catalog-service instance listening on a free port, against the test infrastructure (or the Redis URLs in
 * `env`). Closed after the test file. Every instance of one file shares its `APP_ENV`, so they share keys.
 */
export async function startCatalog(
  env: Record<string, string> = {},
  appEnv = sharedAppEnv,
): Promise<CatalogInstance> {
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
    // Roomier than the production budget (20-30 ms): on a busy 2-core test machine a starved event loop would
    // otherwise turn cache reads into fallbacks and make the stampede assertions about timing, not design.
    REDIS_CACHE_TIMEOUT_MS: '250',
    REDIS_RATE_TIMEOUT_MS: '250',
    REDIS_SESSION_TIMEOUT_MS: '250',
    ...env,
  };
  const config = parseConfig(catalogConfigSchema, vars);
  const catalog = await createCatalogApp(config, { env: vars });
  await catalog.app.listen({ host: '127.0.0.1', port: 0 });
  const address = catalog.app.getHttpServer().address() as { port: number };
  let closed = false;
  const instance: CatalogInstance = {
    ...catalog,
    url: `http://127.0.0.1:${address.port}`,
    async close() {
      if (closed) return;
      closed = true;
      await catalog.app.close();
    },
  };
  afterAll(() => instance.close(), 30_000);
  return instance;
}

let sharedAppEnv = uniqueId('cat').replace(/-/g, '');
export function newAppEnv(): string {
  sharedAppEnv = uniqueId('cat').replace(/-/g, '').slice(0, 30);
  return sharedAppEnv;
}

export function token(tenantId: string, roles: string[] = [], sub = 'user-1'): Promise<string> {
  return signDevToken({ secret: SECRET, tenantId, sub, roles });
}

export const admin = (tenantId: string) => token(tenantId, ['catalog:admin']);

export function offers(count: number, prefix = 'offer'): object[] {
  return Array.from({ length: count }, (_, i) => ({
    offerId: `${prefix}-${String(i).padStart(4, '0')}`,
    displayName: `Offer ${i}`,
    status: 'ACTIVE',
    eligibleActions: ['ADD', 'CHANGE'],
    attributes: { speedMbps: 100 * (i + 1), managed: i % 2 === 0 },
  }));
}

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

export async function publish(base: string, tenantId: string, list: object[]) {
  const response = await call(base, 'POST', `/v1/tenants/${tenantId}/catalog/versions`, {
    token: await admin(tenantId),
    body: { offers: list },
  });
  if (response.status !== 201)
    throw new Error(`publish failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as { catalogVersion: number; publishedAt: string; offerCount: number };
}
