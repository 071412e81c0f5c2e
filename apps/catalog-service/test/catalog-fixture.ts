import { parseConfig, signDevToken } from '@cpq/platform';
import { createCatalogApp, type CatalogApp } from '../src/catalog-app';
import { catalogConfigSchema } from '../src/config';
import {
  call,
  listenForTest,
  serviceTestEnv,
  type ListeningInstance,
} from '../../../test/support/service-instance';
import { uniqueId } from '../../../test/support/unique';

export const SECRET = 'catalog-test-secret-catalog-test-secret';

export type CatalogInstance = CatalogApp & ListeningInstance;

/**
 * One catalog-service instance listening on a free port, against the test infrastructure (or the Redis URLs in
 * `env`). Closed after the test file. Every instance of one file shares its `APP_ENV`, so they share keys.
 */
export async function startCatalog(
  env: Record<string, string> = {},
  appEnv = sharedAppEnv,
): Promise<CatalogInstance> {
  const vars = serviceTestEnv(appEnv, SECRET, env);
  return listenForTest(await createCatalogApp(parseConfig(catalogConfigSchema, vars), { env: vars }));
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

export { call };

/**
 * What an instance reports as degraded for these key families since it started: Redis commands that failed or
 * timed out (`redis_runtime_command_duration_seconds{outcome="error"}`) and distributed fills it stopped waiting
 * for (`fill_wait_expired`). Each can send one more read to PostgreSQL: single-flight holds while Redis answers
 * within its budget, and a read whose Redis command fails loads rather than wait (by design: Redis slow or down
 * costs PostgreSQL reads, never an answer).
 */
export async function degradationsOf(url: string, families: string[]): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const found: Record<string, number> = {};
  for (const m of text.matchAll(/^redis_runtime_command_duration_seconds_count\{([^}]*)\} (\d+)/gm)) {
    const family = /family="([^"]+)"/.exec(m[1]!)?.[1];
    const command = /command="([^"]+)"/.exec(m[1]!)?.[1];
    if (family && families.includes(family) && m[1]!.includes('outcome="error"'))
      found[`${family} ${command} failed`] = (found[`${family} ${command} failed`] ?? 0) + Number(m[2]);
  }
  for (const m of text.matchAll(
    /^redis_runtime_cache_events_total\{family="([^"]+)",event="fill_wait_expired"\} (\d+)/gm,
  ))
    if (families.includes(m[1]!)) found[`${m[1]} fill_wait_expired`] = Number(m[2]);
  return found;
}

/** The growth of each count from `before` to `after` (only those that grew). */
export function grown(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([name, n]) => [name, n - (before[name] ?? 0)] as const)
      .filter(([, n]) => n > 0),
  );
}

export const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0);

export async function publish(base: string, tenantId: string, list: object[]) {
  const response = await call(base, 'POST', `/v1/tenants/${tenantId}/catalog/versions`, {
    token: await admin(tenantId),
    body: { offers: list },
  });
  if (response.status !== 201)
    throw new Error(`publish failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as { catalogVersion: number; publishedAt: string; offerCount: number };
}
