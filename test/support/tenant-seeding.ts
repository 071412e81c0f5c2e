import fc from 'fast-check';
import { documentedValue } from './json-schema-arbitraries';
import { rawRequest, type RawResponse } from './hostile-requests';
import type { DocumentedRoute } from './openapi-routes';
import { jsonPayload, label, requestOf } from './route-requests';

/**
 * Gives a tenant data in every service without knowing the services: each POST route under the tenant alone
 * (`/v1/tenants/{tenantId}/<collection>`: publishes, sessions, orders) gets minimal documented bodies until one is
 * accepted. Services are seeded in the order given (catalog-service first: the others read it).
 */

export interface Created {
  route: DocumentedRoute;
  response: RawResponse;
  /** The last segment of `Location`, when the answer names the new resource. */
  id: string | undefined;
}

const isCollectionPost = (route: DocumentedRoute) =>
  route.method === 'POST' && route.parameters.every((p) => p.in !== 'path' || p.name === 'tenantId');

/** Minimal documented bodies of a route, deterministic per route. */
function minimalBodies(route: DocumentedRoute, count: number): unknown[] {
  if (!route.body) return [undefined];
  return fc.sample(documentedValue(route.body, 0, true), { numRuns: count, seed: 42 });
}

/** Creates one resource per collection route for the tenant; routes whose every attempt was refused are left out. */
export async function seedTenant(
  services: readonly { url: string; routes: readonly DocumentedRoute[] }[],
  tenant: string,
  authorization: string,
  headers: (attempt: number) => Record<string, string> = (attempt) => ({
    'idempotency-key': `seed-${attempt}`,
  }),
): Promise<Created[]> {
  const created: Created[] = [];
  for (const { url, routes } of services) {
    for (const route of routes.filter(isCollectionPost)) {
      const bodies = minimalBodies(route, 30);
      for (const [attempt, body] of bodies.entries()) {
        const response = await rawRequest(
          url,
          requestOf(route, {
            params: { tenantId: tenant },
            payload: jsonPayload(body),
            headers: headers(attempt),
            authorization,
          }),
        );
        if (response.status >= 200 && response.status < 300) {
          const location = response.headers['location'];
          created.push({ route, response, id: location ? location.split('/').pop() : undefined });
          break;
        }
      }
    }
  }
  return created;
}

export const describeCreated = (created: readonly Created[]) => created.map((c) => label(c.route));
