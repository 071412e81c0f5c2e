// The soak workload's set-up, shared by the soak and the fault campaign: tenants with their users' tokens, then a
// first catalog and price book per tenant, until every tenant can calculate a price.
import { setTimeout as sleep } from 'node:timers/promises';
import type { PlatformStack } from '../support/platform-stack';
import type { SoakClient } from './soak-client';
import type { SoakTenant, SoakWorkload } from './soak-workload';

export async function soakTenants(
  stack: PlatformStack,
  options: { idPrefix: string; count: number; usersPerTenant: number; ttlSeconds: number },
): Promise<SoakTenant[]> {
  const tenants: SoakTenant[] = [];
  for (let t = 0; t < options.count; t++) {
    const id = `${options.idPrefix}-t${t}`;
    const token = (sub: string, roles: string[] = []) =>
      stack.token({ tenant: id, sub, roles, ttlSeconds: options.ttlSeconds });
    tenants.push({
      id,
      users: await Promise.all(
        Array.from({ length: options.usersPerTenant }, async (_, u) => ({
          sub: `user-${u}`,
          token: await token(`user-${u}`),
        })),
      ),
      catalogAdmin: await token('catalog-admin', ['catalog:admin']),
      pricingAdmin: await token('pricing-admin', ['pricing:admin']),
      agent: await token('agent', ['order:agent']),
    });
  }
  return tenants;
}

/**
 * Publishes a catalog and a price book for each of the `count` tenants, then waits until each can calculate a price
 * (pricing-service learns the offers' statuses from the catalog event, through Kafka).
 */
export async function publishFirstVersions(
  client: SoakClient,
  workload: SoakWorkload,
  count: number,
  timeoutMs = 120_000,
): Promise<void> {
  for (let t = 0; t < count; t++) {
    for (const request of [workload.publishCatalog(t), workload.publishPriceBook(t)]) {
      const status = await client.send(request);
      if (status !== 201) throw new Error(`set-up: ${request.route} answered ${status}`);
    }
  }
  for (let t = 0; t < count; t++) {
    const deadline = Date.now() + timeoutMs;
    while ((await client.send(workload.probePrice(t))) !== 200) {
      if (Date.now() > deadline)
        throw new Error(`set-up: tenant ${t} cannot calculate a price after ${timeoutMs / 1000} s`);
      await sleep(500);
    }
  }
}
