import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hostileAuthorization,
  promiseBroken,
  rawRequest,
  tokenRecipe,
  type RawRequest,
} from '../support/hostile-requests';
import { infraEnv } from '../support/infra-env';
import { documentedRoutes, type DocumentedRoute } from '../support/openapi-routes';
import {
  CreatedIds,
  documentedBody,
  documentedParams,
  hostileHeaders,
  hostileParams,
  jsonPayload,
  label,
  noisePayload,
  refusedBody,
  requestOf,
} from '../support/route-requests';
import {
  newRunAppEnv,
  RUN_SECRET,
  runToken,
  servicesInApps,
  startEveryService,
  type ServiceUnderTest,
} from '../support/services-under-test';
import { footprintViolations, keysOfAppEnv, rowsOfTenants } from '../support/tenant-footprint';
import { uniqueId } from '../support/unique';

// Property-based hostile input over every route of every service in apps/ (routes from each service's own OpenAPI
// document): no answer is a 5xx, every 4xx is problem+json, and a tenant that only ever got refused requests has
// nothing written for it, in PostgreSQL or Redis; every Redis key of the run lies in the key space of a tenant the
// run had a token for. HOSTILE_RUNS (default 100) sets the runs per route and kind of request, HOSTILE_SEED replays
// a failure (fast-check prints the seed and the counterexample); HOSTILE_STATS=1 prints the answers by route and
// kind of request, to see how deep the requests went.

const SERVICES = servicesInApps();
const RUNS = Number(process.env['HOSTILE_RUNS'] ?? 100);
const SEED = process.env['HOSTILE_SEED'] !== undefined ? Number(process.env['HOSTILE_SEED']) : undefined;
const settings = { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true };

const run = uniqueId('hx').replace(/-/g, '').slice(0, 20);
/** Gets only requests that must be refused. */
const HOSTILE_TENANT = `${run}-h`;
/** Gets documented requests too: writes allowed, 5xx and non-problem 4xx not. */
const FUZZ_TENANT = `${run}-f`;
/** Well-formed tenants of this run that no valid token is ever issued for. */
const otherTenant = fc.stringMatching(/^[a-z0-9]{1,8}$/).map((s) => `${run}-o${s}`);
const OTHER_TENANT = `${run}-o`;

let appEnv: string;
let instances: Map<string, ServiceUnderTest>;
const routes = new Map<string, DocumentedRoute[]>();
let allRoles: string[] = [];
const tokens = new Map<string, string>();

/** A valid token of `tenant` with every role, for one of 40 users (rate limits are per user), 8 for the fuzz tenant. */
async function validToken(tenant: string, user: number): Promise<string> {
  // the fuzz tenant's users are few, so a request often comes from the owner of the session it names
  const sub = `user-${user % (tenant === FUZZ_TENANT ? 8 : 40)}`;
  const key = `${tenant}/${sub}`;
  let token = tokens.get(key);
  if (!token) tokens.set(key, (token = await runToken(tenant, sub, allRoles)));
  return token;
}

/** Sessions, orders, ... the fuzz tenant's documented requests created: later requests reuse their ids. */
const created = new CreatedIds();

/** Answers (status and problem type) by route and kind of request: printed after the run, to see how deep it went. */
const statuses = new Map<string, Map<string, number>>();

async function send(kind: string, route: DocumentedRoute, request: RawRequest) {
  const response = await rawRequest(instances.get(route.service)!.url, request);
  const location = response.headers['location'];
  created.record(route, response.status, typeof location === 'string' ? location : undefined);
  const key = `${label(route)} [${kind}]`;
  const tally = statuses.get(key) ?? new Map<string, number>();
  const type = (response.json as { type?: unknown } | undefined)?.type;
  const answer = `${response.status}${typeof type === 'string' ? ` ${type.replace(/^.*\//, '')}` : ''}`;
  statuses.set(key, tally.set(answer, (tally.get(answer) ?? 0) + 1));
  const broken = promiseBroken(response);
  if (broken) throw new Error(`${label(route)} ${request.method} ${request.path.slice(0, 200)}: ${broken}`);
  return response;
}

async function forEveryRoute(service: string, check: (route: DocumentedRoute) => Promise<void>) {
  const list = routes.get(service)!;
  expect(list.length).toBeGreaterThan(0);
  for (const route of list) await check(route);
}

beforeAll(async () => {
  appEnv = newRunAppEnv('sec');
  instances = await startEveryService(appEnv);
  for (const [service, instance] of instances)
    routes.set(service, await documentedRoutes(service, instance.url));
  allRoles = [...new Set([...routes.values()].flat().flatMap((r) => r.requiredRoles))];
}, 180_000);

afterAll(() => {
  if (!process.env['HOSTILE_STATS']) return;
  const lines = [...statuses].map(
    ([key, tally]) =>
      `${key}: ${[...tally]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([answer, n]) => `${answer} x${n}`)
        .join(', ')}`,
  );
  console.log(`answers by route and kind of request (seed ${SEED ?? 'random'}):\n${lines.join('\n')}`);
});

describe.each(SERVICES)('%s under hostile input', (service) => {
  it('refuses hostile bearer tokens on every route: 401, or 403 for a valid token of another tenant or without the role', async () => {
    await forEveryRoute(service, async (route) => {
      await fc.assert(
        fc.asyncProperty(
          fc.constant(label(route)),
          tokenRecipe,
          documentedParams(route, HOSTILE_TENANT),
          documentedBody(route),
          async (_route, recipe, params, body) => {
            const { authorization, expectedStatus } = hostileAuthorization(recipe, {
              secret: RUN_SECRET,
              pathTenant: HOSTILE_TENANT,
              otherTenant: OTHER_TENANT,
              routeRoles: route.requiredRoles,
              allRoles,
            });
            const response = await send(
              'jwt',
              route,
              requestOf(route, {
                params,
                payload: jsonPayload(body),
                ...(authorization !== undefined ? { authorization } : {}),
              }),
            );
            expect(response.status).toBe(expectedStatus);
          },
        ),
        settings,
      );
      // a header block over Node's 16 KiB limit is refused before any route runs, and still as a problem
      const oversize = await send(
        'jwt',
        route,
        requestOf(route, {
          params: { tenantId: HOSTILE_TENANT },
          authorization: `Bearer ${'a'.repeat(20_000)}`,
        }),
      );
      expect(oversize.status).toBe(431);
    });
  });

  it('answers bodies the documented schema refuses with a 400 or 413 problem on every route that takes a body', async () => {
    await forEveryRoute(service, async (route) => {
      if (!route.body) return;
      await fc.assert(
        fc.asyncProperty(
          fc.constant(label(route)),
          documentedParams(route, HOSTILE_TENANT),
          refusedBody(route),
          fc.nat(),
          async (_route, params, body, user) => {
            const response = await send(
              'refused-body',
              route,
              requestOf(route, {
                params,
                payload: jsonPayload(body),
                authorization: `Bearer ${await validToken(HOSTILE_TENANT, user)}`,
              }),
            );
            expect([400, 413]).toContain(response.status);
          },
        ),
        settings,
      );
      // over any body limit (the publish routes take up to 8 MiB)
      const huge = JSON.stringify({ padding: 'x'.repeat(9 * 1024 * 1024) });
      const tooLarge = await send(
        'refused-body',
        route,
        requestOf(route, {
          params: fc.sample(documentedParams(route, HOSTILE_TENANT), { numRuns: 1, seed: 1 })[0]!,
          payload: { contentType: 'application/json', body: huge },
          authorization: `Bearer ${await validToken(HOSTILE_TENANT, 0)}`,
        }),
      );
      expect(tooLarge.status).toBe(413);
    });
  });

  it('answers noise bodies and odd media types with problems, and refuses them wherever a body is required', async () => {
    await forEveryRoute(service, async (route) => {
      await fc.assert(
        fc.asyncProperty(
          fc.constant(label(route)),
          documentedParams(route, HOSTILE_TENANT),
          noisePayload(route),
          fc.nat(),
          async (_route, params, payload, user) => {
            const response = await send(
              'noise',
              route,
              requestOf(route, {
                params,
                payload,
                authorization: `Bearer ${await validToken(HOSTILE_TENANT, user)}`,
              }),
            );
            if (route.body) expect(response.status).toBeGreaterThanOrEqual(400);
          },
        ),
        settings,
      );
    });
  });

  it('answers the methods a path does not document with a 4xx problem', async () => {
    const list = routes.get(service)!;
    for (const path of new Set(list.map((r) => r.path))) {
      const documented = list.filter((r) => r.path === path).map((r) => r.method);
      const route = list.find((r) => r.path === path)!;
      const params = fc.sample(documentedParams(route, HOSTILE_TENANT), { numRuns: 1, seed: 3 })[0]!;
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND']) {
        if (documented.includes(method)) continue;
        const response = await send(
          'other-methods',
          { ...route, method },
          requestOf(
            { ...route, method },
            {
              params,
              payload: jsonPayload({}),
              authorization: `Bearer ${await validToken(HOSTILE_TENANT, 0)}`,
            },
          ),
        );
        expect(response.status).toBeGreaterThanOrEqual(400);
      }
    }
  });

  it('answers hostile path and query parameters with 4xx problems', async () => {
    await forEveryRoute(service, async (route) => {
      await fc.assert(
        fc.asyncProperty(
          fc.constant(label(route)),
          hostileParams(route, HOSTILE_TENANT, otherTenant),
          documentedBody(route),
          fc.nat(),
          async (_route, { params, raw }, body, user) => {
            const response = await send(
              'params',
              route,
              requestOf(route, {
                params,
                raw,
                payload: jsonPayload(body),
                authorization: `Bearer ${await validToken(HOSTILE_TENANT, user)}`,
              }),
            );
            expect(response.status).toBeGreaterThanOrEqual(400);
          },
        ),
        settings,
      );
    });
  });

  it('answers documented requests with hostile If-Match, Idempotency-Key and other headers without a 5xx', async () => {
    await forEveryRoute(service, async (route) => {
      await fc.assert(
        fc.asyncProperty(
          fc.constant(label(route)),
          documentedParams(route, FUZZ_TENANT, created),
          documentedBody(route),
          hostileHeaders,
          fc.nat(),
          async (_route, params, body, headers, user) => {
            await send(
              'headers',
              route,
              requestOf(route, {
                params,
                headers,
                payload: jsonPayload(body),
                authorization: `Bearer ${await validToken(FUZZ_TENANT, user)}`,
              }),
            );
          },
        ),
        settings,
      );
    });
  });

  it('answers documented requests (valid-ish bodies, parameters and preconditions) without a 5xx', async () => {
    await forEveryRoute(service, async (route) => {
      await fc.assert(
        fc.asyncProperty(
          fc.constant(label(route)),
          documentedParams(route, FUZZ_TENANT, created),
          documentedBody(route),
          fc.record(
            {
              'if-match': fc.constantFrom('"1"', '"2"', '"3"'),
              'idempotency-key': fc.constantFrom('k1', 'k2', 'k3'),
            },
            { requiredKeys: [] },
          ),
          fc.nat(),
          async (_route, params, body, headers, user) => {
            await send(
              'documented',
              route,
              requestOf(route, {
                params,
                headers,
                payload: jsonPayload(body),
                authorization: `Bearer ${await validToken(FUZZ_TENANT, user)}`,
              }),
            );
          },
        ),
        settings,
      );
    });
  });
});

describe('what the hostile run left behind', () => {
  it('wrote no PostgreSQL row (outbox included) for the tenants that only got refused requests', async () => {
    // the other tenants of hostile paths and tokens are run-prefixed: none of them may hold a row either
    const rows = await rowsOfTenants(infraEnv().databaseUrl, {
      equal: [HOSTILE_TENANT],
      like: [`${run}-o%`],
    });
    expect(rows).toEqual([]);
    // the fuzz tenant's documented requests did write: the query finds rows when there are some
    expect((await rowsOfTenants(infraEnv().databaseUrl, { equal: [FUZZ_TENANT] })).length).toBeGreaterThan(0);
  });

  it('left Redis keys only in the key space of tenants the run had tokens for, none without a TTL, and only rate counters and leases for the refused tenant', async () => {
    const infra = infraEnv();
    const keys = await keysOfAppEnv([infra.redisCacheUrl, infra.redisRateUrl, infra.redisSessionUrl], appEnv);
    // the documented requests of the fuzz tenant did reach Redis: the scan sees the run's keys
    expect(keys.some(({ key }) => key.includes(FUZZ_TENANT))).toBe(true);
    expect(
      footprintViolations(keys, {
        appEnv,
        tenantsWithAccess: new Set([HOSTILE_TENANT, FUZZ_TENANT]),
        refusedOnly: new Set([HOSTILE_TENANT]),
      }),
    ).toEqual([]);
  });
});
