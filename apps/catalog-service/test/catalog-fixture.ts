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

export async function publish(base: string, tenantId: string, list: object[]) {
  const response = await call(base, 'POST', `/v1/tenants/${tenantId}/catalog/versions`, {
    token: await admin(tenantId),
    body: { offers: list },
  });
  if (response.status !== 201)
    throw new Error(`publish failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as { catalogVersion: number; publishedAt: string; offerCount: number };
}
