import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { promiseBroken, rawRequest, type RawResponse } from '../support/hostile-requests';
import { infraEnv } from '../support/infra-env';
import {
  contractRoutes,
  documentedRoutes,
  isNamedRole,
  routeShape,
  type DocumentedRoute,
} from '../support/openapi-routes';
import {
  documentedBody,
  documentedParams,
  jsonPayload,
  label,
  requestOf,
  type Params,
} from '../support/route-requests';
import {
  newRunAppEnv,
  runToken,
  servicesInApps,
  startEveryService,
  type ServiceUnderTest,
} from '../support/services-under-test';
import { footprintViolations, keysOfAppEnv, rowsOfTenants } from '../support/tenant-footprint';
import { seedTenant, type Created } from '../support/tenant-seeding';
import { uniqueId } from '../support/unique';

// Every route and method of every service in apps/ (from its own OpenAPI document), with tenant A's token (every
// role) against tenant B: 403, and nothing written for B. Routes the contract marks `owner`: another user of the
// same tenant gets 404 (existence not revealed). And the routes each service documents are exactly the contract's.

const SERVICES = servicesInApps();
const run = uniqueId('iso').replace(/-/g, '').slice(0, 20);
const TENANT_A = `${run}-a`;
const TENANT_B = `${run}-b`;
const OWNER = 'owner-user';
const OTHER_USER = 'other-user';
/** Sent on every request, so routes that need them get past them (order capture, versioned writes). */
const WRITE_HEADERS = { 'if-match': '"1"', 'idempotency-key': 'isolation-1' };

let appEnv: string;
let instances: Map<string, ServiceUnderTest>;
const routes = new Map<string, DocumentedRoute[]>();
let allRoles: string[] = [];
const token = (tenant: string, sub = OWNER) => runToken(tenant, sub, allRoles);

beforeAll(async () => {
  appEnv = newRunAppEnv('iso');
  instances = await startEveryService(appEnv);
  for (const [service, instance] of instances)
    routes.set(service, await documentedRoutes(service, instance.url));
  allRoles = [...new Set([...routes.values()].flat().flatMap((r) => r.requiredRoles))];
}, 180_000);

const everyRoute = () => [...routes.values()].flat();
const sample = <T>(arb: fc.Arbitrary<T>): T => fc.sample(arb, { numRuns: 1, seed: 7 })[0]!;

async function send(route: DocumentedRoute, params: Params, authorization: string): Promise<RawResponse> {
  const response = await rawRequest(
    instances.get(route.service)!.url,
    requestOf(route, {
      params,
      headers: WRITE_HEADERS,
      payload: jsonPayload(sample(documentedBody(route))),
      authorization,
    }),
  );
  const broken = promiseBroken(response);
  if (broken) throw new Error(`${label(route)}: ${broken}`);
  return response;
}

/** The first non-tenant path parameter of a route, set to the id of a resource created under its collection. */
function withCreatedId(route: DocumentedRoute, params: Params, created: readonly Created[]): Params {
  const param = route.parameters.find((p) => p.in === 'path' && p.name !== 'tenantId');
  if (!param) return params;
  const collection = route.path.slice(0, route.path.indexOf(`/{${param.name}}`));
  const resource = created.find((c) => c.route.service === route.service && c.route.path === collection);
  return resource?.id ? { ...params, [param.name]: resource.id } : params;
}

describe('the routes each service documents', () => {
  it.each(SERVICES)(
    '%s documents exactly the routes of its contract table, with the roles it names',
    (service) => {
      const contract = contractRoutes().filter((r) => r.service === service);
      expect(contract.length).toBeGreaterThan(0);
      const documented = routes.get(service)!;
      expect(documented.map((r) => routeShape(r.method, r.path)).sort()).toEqual(
        contract.map((r) => r.shape).sort(),
      );
      for (const row of contract) {
        const route = documented.find((r) => routeShape(r.method, r.path) === row.shape)!;
        expect({ route: row.shape, roles: route.requiredRoles }).toEqual({
          route: row.shape,
          roles: isNamedRole(row.role) ? [row.role] : [],
        });
        expect({ route: row.shape, secured: route.secured }).toEqual({ route: row.shape, secured: true });
      }
    },
  );
});

describe('tenant isolation sweep', () => {
  let created: Created[] = [];

  it("answers 403 on every route and method to tenant A's token against tenant B, and writes nothing for B", async () => {
    const asA = `Bearer ${await token(TENANT_A)}`;
    const answers: string[] = [];
    for (const route of everyRoute()) {
      const response = await send(route, sample(documentedParams(route, TENANT_B)), asA);
      answers.push(`${label(route)}: ${response.status}`);
    }
    expect(answers).toEqual(everyRoute().map((route) => `${label(route)}: 403`));
    expect(await rowsOfTenants(infraEnv().databaseUrl, { equal: [TENANT_B] })).toEqual([]);
    const infra = infraEnv();
    const keys = await keysOfAppEnv([infra.redisCacheUrl, infra.redisRateUrl, infra.redisSessionUrl], appEnv);
    expect(keys.filter(({ key }) => key.includes(TENANT_B))).toEqual([]);
  });

  it("answers tenant B's own token on every route past authorization (the sweep's 403 is the tenant's, not the request's)", async () => {
    const asB = `Bearer ${await token(TENANT_B)}`;
    created = await seedTenant(
      [...instances.values()].map((instance) => ({
        url: instance.url,
        routes: routes.get(instance.service)!,
      })),
      TENANT_B,
      asB,
    );
    // at least the catalog exists for B (the other services' creations depend on their rules)
    expect(created.map((c) => label(c.route))).toContain(
      'catalog-service POST /v1/tenants/{tenantId}/catalog/versions',
    );
    for (const route of everyRoute()) {
      const params = withCreatedId(route, sample(documentedParams(route, TENANT_B)), created);
      const response = await send(route, params, asB);
      expect([401, 403], label(route)).not.toContain(response.status);
    }
  });

  it("answers 403 to tenant A's token on B's existing resources too, and keeps every key in its tenant's key space", async () => {
    const asA = `Bearer ${await token(TENANT_A)}`;
    for (const route of everyRoute()) {
      const params = withCreatedId(route, sample(documentedParams(route, TENANT_B)), created);
      const response = await send(route, params, asA);
      expect({ route: label(route), status: response.status }).toEqual({ route: label(route), status: 403 });
    }
    const infra = infraEnv();
    const keys = await keysOfAppEnv([infra.redisCacheUrl, infra.redisRateUrl, infra.redisSessionUrl], appEnv);
    expect(
      footprintViolations(keys, { appEnv, tenantsWithAccess: new Set([TENANT_B]), refusedOnly: new Set() }),
    ).toEqual([]);
  });

  const ownerRows = contractRoutes().filter((r) => SERVICES.includes(r.service) && r.role === 'owner');

  it.skipIf(ownerRows.length === 0)(
    'answers 404 to another user of the same tenant on every owner route (existence not revealed), and the owner past it',
    async () => {
      const ownerRoutes = everyRoute()
        .filter((route) =>
          ownerRows.some(
            (row) => row.service === route.service && row.shape === routeShape(route.method, route.path),
          ),
        )
        .sort((a, b) => Number(a.method !== 'GET') - Number(b.method !== 'GET'));
      expect(ownerRoutes.length).toBe(ownerRows.length);
      const asOther = `Bearer ${await token(TENANT_B, OTHER_USER)}`;
      const asOwner = `Bearer ${await token(TENANT_B, OWNER)}`;
      for (const route of ownerRoutes) {
        const params = withCreatedId(route, sample(documentedParams(route, TENANT_B)), created);
        const ids = created.map((c) => c.id).filter((id) => id !== undefined);
        expect(
          Object.values(params).some((value) => ids.includes(value)),
          `${label(route)}: an owned resource`,
        ).toBe(true);
        const response = await send(route, params, asOther);
        expect({ route: label(route), status: response.status }).toEqual({
          route: label(route),
          status: 404,
        });
      }
      for (const route of ownerRoutes) {
        const params = withCreatedId(route, sample(documentedParams(route, TENANT_B)), created);
        const response = await send(route, params, asOwner);
        expect({ route: label(route), status: response.status }).not.toEqual({
          route: label(route),
          status: 404,
        });
      }
    },
  );
});
