import { signDevToken } from '@cpq/platform';
import { expect } from 'vitest';
import { SECRET } from './catalog-fixture';

/** A statement that reads (or writes) catalog data, as opposed to the relay's or the inbox's bookkeeping. */
export const readsCatalogData = (sql: string) =>
  /"catalog"\."(offers|tenant_catalogs|catalog_versions)"/.test(sql);

export async function waitUntil(
  condition: () => Promise<boolean>,
  timeoutMs: number,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A token signed with the right secret whose `exp` lies a minute in the past. */
export const expiredToken = (tenantId: string, roles: string[] = ['catalog:admin']) =>
  signDevToken({ secret: SECRET, tenantId, sub: 'user-1', roles, ttlSeconds: -60 });

/** The same claims signed with a secret the service does not know. */
export const foreignlySignedToken = (tenantId: string, roles: string[] = ['catalog:admin']) =>
  signDevToken({ secret: 'another-secret-another-secret-another-secret', tenantId, sub: 'user-1', roles });

export interface HttpResult {
  status: number;
  headers: Headers;
  body: any;
}

/** The contract's problem shape: problem+json, `type`, `title`, `status` equal to the HTTP status, `detail`. */
export function expectProblem(response: HttpResult, status: number, label = ''): void {
  const where = `${label} -> ${response.status} ${JSON.stringify(response.body)?.slice(0, 300)}`;
  expect(response.status, where).toBe(status);
  expect(response.headers.get('content-type'), where).toMatch(/^application\/problem\+json/);
  expect(response.body, where).toEqual(
    expect.objectContaining({
      type: expect.stringMatching(/^https?:\/\/\S+$/),
      title: expect.any(String),
      status,
      detail: expect.any(String),
    }),
  );
  expect(response.body.title.length, where).toBeGreaterThan(0);
  expect(response.body.detail.length, where).toBeGreaterThan(0);
}

/** A 400 validation problem whose `errors` name `pointer` (in the given request part). */
export function expectValidation(
  response: HttpResult,
  part: 'body' | 'params' | 'query',
  pointer: string,
  label = '',
): void {
  expectProblem(response, 400, label);
  const where = `${label} -> ${JSON.stringify(response.body)?.slice(0, 500)}`;
  expect(response.body.errors, where).toEqual(
    expect.arrayContaining([expect.objectContaining({ in: part, pointer })]),
  );
  for (const error of response.body.errors) expect(error.message, where).toEqual(expect.any(String));
}

/** The five catalog routes, for a tenant, a version and an offer of it. */
export function catalogRoutes(tenant: string, version = 1, offerId = 'offer-0000') {
  const base = `/v1/tenants/${tenant}/catalog`;
  return [
    { name: 'POST versions', method: 'POST', path: `${base}/versions`, write: true },
    { name: 'GET current', method: 'GET', path: base, write: false },
    {
      name: 'GET version offer',
      method: 'GET',
      path: `${base}/versions/${version}/offers/${offerId}`,
      write: false,
    },
    { name: 'GET current offer', method: 'GET', path: `${base}/offers/${offerId}`, write: false },
    {
      name: 'GET offer page',
      method: 'GET',
      path: `${base}/versions/${version}/offers?limit=2`,
      write: false,
    },
  ] as const;
}

/** A minimal valid offer. */
export const offer = (offerId: string, extra: Record<string, unknown> = {}) => ({
  offerId,
  displayName: `Offer ${offerId}`,
  status: 'ACTIVE',
  eligibleActions: ['ADD'],
  ...extra,
});
