import { parseConfig, signDevToken } from '@cpq/platform';
import { sql, type Kysely } from 'kysely';
import { createPricingApp, type PricingApp } from '../src/pricing-app';
import { pricingConfigSchema } from '../src/config';
import {
  call,
  listenForTest,
  serviceTestEnv,
  type ListeningInstance,
} from '../../../test/support/service-instance';
import { uniqueId } from '../../../test/support/unique';

export const SECRET = 'pricing-test-secret-pricing-test-secret';

export type PricingInstance = PricingApp & ListeningInstance;

const sharedAppEnv = uniqueId('prc').replace(/-/g, '').slice(0, 30);

/**
 * One pricing-service instance listening on a free port, against the test infrastructure. Closed after the test
 * file. Every instance of one file shares its `APP_ENV` unless given its own.
 */
export async function startPricing(
  env: Record<string, string> = {},
  appEnv = sharedAppEnv,
): Promise<PricingInstance> {
  const vars = serviceTestEnv(appEnv, SECRET, {
    // every test file has its own APP_ENV, so its own new group: replaying every catalog event ever published
    // on this broker would only delay the file's own events
    PRICING_PROJECTION_REPLAY: 'off',
    ...env,
  });
  return listenForTest(await createPricingApp(parseConfig(pricingConfigSchema, vars), { env: vars }));
}

export function newAppEnv(): string {
  return uniqueId('prc').replace(/-/g, '').slice(0, 30);
}

export const newTenant = () => uniqueId('t').slice(0, 40);

export function token(tenantId: string, roles: string[] = [], sub = 'user-1'): Promise<string> {
  return signDevToken({ secret: SECRET, tenantId, sub, roles });
}

export const admin = (tenantId: string) => token(tenantId, ['pricing:admin']);

export { call };

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
