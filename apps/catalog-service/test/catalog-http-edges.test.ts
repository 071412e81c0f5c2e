import { signDevToken } from '@cpq/platform';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { uniqueId } from '../../../test/support/unique';
import {
  admin,
  call,
  offers,
  publish,
  SECRET,
  startCatalog,
  token,
  type CatalogInstance,
} from './catalog-fixture';
import {
  catalogRoutes,
  expectProblem,
  expectValidation,
  expiredToken,
  foreignlySignedToken,
  offer,
  type HttpResult,
} from './edge-cases';

const newTenant = () => uniqueId('t').slice(0, 40);

describe('catalog-service HTTP edges (auth, problems, input validation; real PostgreSQL, Redis, Kafka)', () => {
  let svc: CatalogInstance;
  /** Has v1 with offers(3): reads answer 200 with a valid token. */
  let published: string;
  /** Never gets a catalog: every write attempt on it must be rejected. */
  let empty: string;

  const validBody = { offers: offers(2) };

  beforeAll(async () => {
    svc = await startCatalog();
    published = newTenant();
    empty = newTenant();
    await publish(svc.url, published, offers(3));
  });

  /** Sends a publish body to the tenant that must stay empty. */
  const publishTo = async (
    body: unknown,
    options: { rawBody?: string; headers?: Record<string, string> } = {},
  ) =>
    call(svc.url, 'POST', `/v1/tenants/${empty}/catalog/versions`, {
      token: await admin(empty),
      ...(options.rawBody !== undefined ? { rawBody: options.rawBody } : { body }),
      ...(options.headers ? { headers: options.headers } : {}),
    });

  const send = (
    route: { method: string; path: string; write: boolean },
    auth: { token?: string; headers?: Record<string, string> },
  ) => call(svc.url, route.method, route.path, { ...auth, ...(route.write ? { body: validBody } : {}) });

  describe('authentication and authorization', () => {
    it('answers 401 on every route without a token, with a garbage token and with a malformed header', async () => {
      for (const tenant of [published, empty]) {
        for (const route of catalogRoutes(tenant)) {
          const label = `${route.name} ${tenant}`;
          const none = await send(route, {});
          expectProblem(none, 401, `${label} no token`);
          expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
          expect(none.body.type).toMatch(/unauthorized$/);
          expectProblem(await send(route, { token: 'garbage' }), 401, `${label} garbage`);
          expectProblem(await send(route, { token: 'a.b.c' }), 401, `${label} a.b.c`);
          expectProblem(
            await send(route, { headers: { authorization: `Basic ${btoa('u:p')}` } }),
            401,
            `${label} basic`,
          );
          expectProblem(
            await send(route, { headers: { authorization: 'Bearer' } }),
            401,
            `${label} empty bearer`,
          );
        }
      }
    });

    it('answers 401 on every route with an expired token and with a token signed by another secret', async () => {
      for (const tenant of [published, empty]) {
        for (const route of catalogRoutes(tenant)) {
          const expired = await send(route, { token: await expiredToken(tenant) });
          expectProblem(expired, 401, `${route.name} expired`);
          expect(expired.body.detail).toMatch(/expired/i);
          const forged = await send(route, { token: await foreignlySignedToken(tenant) });
          expectProblem(forged, 401, `${route.name} foreign secret`);
          expect(forged.body.detail).not.toMatch(/expired/i);
        }
      }
    });

    it('answers 401 for a token with alg none or with claims of the wrong shape', async () => {
      const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      const exp = Math.floor(Date.now() / 1000) + 600;
      const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'u', tenant_id: published, roles: ['catalog:admin'], exp })}.`;
      const key = new TextEncoder().encode(SECRET);
      const noRolesArray = await new SignJWT({ tenant_id: published, roles: 'catalog:admin' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('u')
        .setExpirationTime(exp)
        .sign(key);
      const noExp = await new SignJWT({ tenant_id: published, roles: [] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('u')
        .sign(key);
      const badTenantClaim = await signDevToken({ secret: SECRET, tenantId: 'Bad!', sub: 'u', roles: [] });
      for (const route of catalogRoutes(published)) {
        for (const [label, bad] of Object.entries({ unsigned, noRolesArray, noExp, badTenantClaim })) {
          expectProblem(await send(route, { token: bad }), 401, `${route.name} ${label}`);
        }
      }
    });

    it('answers 403 on every route with a valid token of another tenant, even with catalog:admin', async () => {
      const other = newTenant();
      for (const tenant of [published, empty]) {
        for (const route of catalogRoutes(tenant)) {
          for (const roles of [[], ['catalog:admin']]) {
            const response = await send(route, { token: await token(other, roles) });
            expectProblem(response, 403, `${route.name} of ${tenant} with a token of ${other} ${roles}`);
            expect(response.body.type).toMatch(/forbidden$/);
          }
        }
      }
    });

    it('answers 403 on the publish without catalog:admin, naming the role, and stores nothing', async () => {
      for (const roles of [[], ['catalog:read'], ['CATALOG:ADMIN'], ['catalog:admin ']]) {
        const response = await call(svc.url, 'POST', `/v1/tenants/${empty}/catalog/versions`, {
          token: await token(empty, roles),
          body: validBody,
        });
        expectProblem(response, 403, `roles ${JSON.stringify(roles)}`);
        expect(response.body.detail).toContain('catalog:admin');
      }
      expectProblem(
        await call(svc.url, 'GET', `/v1/tenants/${empty}/catalog`, { token: await token(empty) }),
        404,
      );
    });

    it('serves reads with any role or none (200 for what exists, 404 for what does not)', async () => {
      for (const roles of [[], ['something-else'], ['catalog:admin']]) {
        const reader = await token(published, roles, `reader-${roles.length}`);
        const base = `/v1/tenants/${published}/catalog`;
        const current = await call(svc.url, 'GET', base, { token: reader });
        expect(current.status).toBe(200);
        expect(current.body.currentVersion).toBe(1);
        const byVersion = await call(svc.url, 'GET', `${base}/versions/1/offers/offer-0001`, {
          token: reader,
        });
        expect(byVersion.status).toBe(200);
        expect(byVersion.body).toMatchObject({ offerId: 'offer-0001', displayName: 'Offer 1' });
        const currentOffer = await call(svc.url, 'GET', `${base}/offers/offer-0002`, { token: reader });
        expect(currentOffer.status).toBe(200);
        expect(currentOffer.headers.get('catalog-version')).toBe('1');
        const page = await call(svc.url, 'GET', `${base}/versions/1/offers?limit=2`, { token: reader });
        expect(page.status).toBe(200);
        expect(page.body.items).toHaveLength(2);
        expectProblem(
          await call(svc.url, 'GET', `${base}/versions/1/offers/offer-9999`, { token: reader }),
          404,
        );
        expectProblem(await call(svc.url, 'GET', `${base}/offers/offer-9999`, { token: reader }), 404);
        expectProblem(await call(svc.url, 'GET', `${base}/versions/2/offers`, { token: reader }), 404);
        const emptyReader = await token(empty, roles);
        expectProblem(
          await call(svc.url, 'GET', `/v1/tenants/${empty}/catalog`, { token: emptyReader }),
          404,
        );
      }
    });

    it('echoes X-Request-Id on a problem response, and generates one when none (or a bad one) is sent', async () => {
      const given = `edge-${Date.now()}`;
      const unauthorized = await call(svc.url, 'GET', `/v1/tenants/${published}/catalog`, {
        headers: { 'x-request-id': given },
      });
      expectProblem(unauthorized, 401);
      expect(unauthorized.headers.get('x-request-id')).toBe(given);
      const invalid = await publishTo({ offers: [] }, { headers: { 'x-request-id': `${given}-400` } });
      expectProblem(invalid, 400);
      expect(invalid.headers.get('x-request-id')).toBe(`${given}-400`);
      const generated = await call(svc.url, 'GET', `/v1/tenants/${published}/catalog`, {
        headers: { 'x-request-id': 'has spaces & <tags>' },
      });
      expectProblem(generated, 401);
      expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('bad input is a 4xx problem, never a 5xx, and changes nothing', () => {
    it('rejects malformed, empty and non-object JSON bodies', async () => {
      const malformed = await publishTo(undefined, { rawBody: '{"offers": [' });
      expectProblem(malformed, 400, 'malformed');
      expect(malformed.body.type).toMatch(/malformed-request$/);
      expectProblem(await publishTo(undefined, { rawBody: "{'offers': []}" }), 400, 'single quotes');
      expectProblem(await publishTo(undefined, { rawBody: '' }), 400, 'empty body');
      for (const raw of ['[]', 'null', '"offers"', '42', 'true']) {
        const response = await publishTo(undefined, { rawBody: raw });
        expect(response.status, raw).toBeGreaterThanOrEqual(400);
        expect(response.status, raw).toBeLessThan(500);
        expectProblem(response, response.status, raw);
      }
      const noContentType = await call(svc.url, 'POST', `/v1/tenants/${empty}/catalog/versions`, {
        token: await admin(empty),
        rawBody: JSON.stringify(validBody),
        headers: { 'content-type': 'text/plain' },
      });
      // a text/plain body is parsed as a string: a 400 (not an object) or a 415 are both a client error
      expect([400, 415]).toContain(noContentType.status);
      expectProblem(noContentType, noContentType.status, 'text/plain');
    });

    it('rejects wrong types with a pointer to the field', async () => {
      expectValidation(await publishTo({ offers: 'x' }), 'body', '/offers', 'offers: "x"');
      expectValidation(
        await publishTo({ offers: [offer('a', { status: 'ON' })] }),
        'body',
        '/offers/0/status',
        'status ON',
      );
      expectValidation(
        await publishTo({ offers: [offer('a', { eligibleActions: ['FLY'] })] }),
        'body',
        '/offers/0/eligibleActions/0',
        'FLY',
      );
      expectValidation(
        await publishTo({ offers: [offer('a', { eligibleActions: 'ADD' })] }),
        'body',
        '/offers/0/eligibleActions',
        'actions string',
      );
      expectValidation(
        await publishTo({ offers: [offer('a', { displayName: 42 })] }),
        'body',
        '/offers/0/displayName',
        'displayName number',
      );
      expectValidation(
        await publishTo({ offers: [offer('a', { displayName: '' })] }),
        'body',
        '/offers/0/displayName',
        'displayName empty',
      );
      expectValidation(
        await publishTo({ offers: [offer('a', { attributes: { speed: { nested: 1 } } })] }),
        'body',
        '/offers/0/attributes/speed',
        'attr object',
      );
      expectValidation(
        await publishTo({ offers: [offer('a', { attributes: [1] })] }),
        'body',
        '/offers/0/attributes',
        'attr array',
      );
      expectValidation(
        await publishTo({ offers: [offer('a', { rules: { minQuantity: 1.5 } })] }),
        'body',
        '/offers/0/rules/minQuantity',
        'min 1.5',
      );
      expectValidation(
        await publishTo({ offers: [offer('a', { rules: { maxQuantity: 0 } })] }),
        'body',
        '/offers/0/rules/maxQuantity',
        'max 0',
      );
      expectValidation(
        await publishTo({ offers: [offer('a', { rules: { requires: 'b' } })] }),
        'body',
        '/offers/0/rules/requires',
        'requires string',
      );
      expectValidation(
        await publishTo({ offers: [{ displayName: 'x', status: 'ACTIVE', eligibleActions: [] }] }),
        'body',
        '/offers/0/offerId',
        'no offerId',
      );
    });

    it('rejects unknown top-level and nested fields, listing each pointer', async () => {
      expectValidation(await publishTo({ ...validBody, extra: 1 }), 'body', '/extra', 'top-level');
      const nested = await publishTo({
        offers: [offer('a', { price: 10 }), offer('b', { rules: { requires: ['a'], sometimes: true } })],
      });
      expectValidation(nested, 'body', '/offers/0/price', 'offer field');
      expectValidation(nested, 'body', '/offers/1/rules/sometimes', 'rules field');
      expect(
        nested.body.errors.find((e: { pointer: string }) => e.pointer === '/offers/0/price').message,
      ).toMatch(/unknown/);
    });

    it('rejects 0 offers, and more than 5000 offers', async () => {
      expectValidation(await publishTo({ offers: [] }), 'body', '/offers', '0 offers');
      // ~70 bytes of JSON each: within the publish route's 8 MiB, refused by the count
      const tooMany = Array.from({ length: 5001 }, (_, i) => ({
        offerId: `o${i}`,
        displayName: 'x',
        status: 'ACTIVE',
        eligibleActions: [],
      }));
      expectValidation(await publishTo({ offers: tooMany }), 'body', '/offers', '5001 offers');
    });

    it('publishes a catalog of 5000 offers: over 256 KiB, within the publish limit of 8 MiB', async () => {
      const tenant = newTenant();
      const body = { offers: offers(5000) };
      expect(JSON.stringify(body).length).toBeGreaterThan(256 * 1024); // before: 413, like any other route
      const response = await call(svc.url, 'POST', `/v1/tenants/${tenant}/catalog/versions`, {
        token: await admin(tenant),
        body,
      });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      expect(response.body).toMatchObject({ catalogVersion: 1, offerCount: 5000 });
    });

    it('rejects a displayName of 201 chars, bad offerIds, and oversize attributes', async () => {
      expectValidation(
        await publishTo({ offers: [offer('a', { displayName: 'x'.repeat(201) })] }),
        'body',
        '/offers/0/displayName',
        '201 chars',
      );
      for (const bad of ['Fiber-1G', '-lead', '_lead', 'a b', 'a.b', `a${'b'.repeat(64)}`, '']) {
        expectValidation(
          await publishTo({ offers: [offer(bad)] }),
          'body',
          '/offers/0/offerId',
          `offerId ${JSON.stringify(bad)}`,
        );
      }
      expectValidation(
        await publishTo({ offers: [offer('a', { rules: { requires: ['Bad!'] } })] }),
        'body',
        '/offers/0/rules/requires/0',
        'rule ref',
      );
      expectValidation(
        await publishTo({ offers: [offer('a', { attributes: { k: 'v'.repeat(1001) } })] }),
        'body',
        '/offers/0/attributes/k',
        'attr value',
      );
      expectValidation(
        await publishTo({ offers: [offer('a', { eligibleActions: ['ADD', 'CHANGE', 'REMOVE', 'ADD'] })] }),
        'body',
        '/offers/0/eligibleActions',
        '4 actions',
      );
    });

    it('rejects duplicate offerIds, dangling rules, self-references and minQuantity > maxQuantity with pointers', async () => {
      const duplicates = await publishTo({ offers: [offer('a'), offer('b'), offer('a')] });
      expectValidation(duplicates, 'body', '/offers/2/offerId', 'duplicates');
      expect(duplicates.body.errors).toHaveLength(1);
      expect(duplicates.body.errors[0].message).toContain('/offers/0');
      expectValidation(
        await publishTo({ offers: [offer('a', { rules: { requires: ['zzz'] } })] }),
        'body',
        '/offers/0/rules/requires/0',
        'dangling requires',
      );
      expectValidation(
        await publishTo({ offers: [offer('a'), offer('b', { rules: { excludes: ['a', 'nope'] } })] }),
        'body',
        '/offers/1/rules/excludes/1',
        'dangling excludes',
      );
      expectValidation(
        await publishTo({ offers: [offer('a', { rules: { requires: ['a'] } })] }),
        'body',
        '/offers/0/rules/requires/0',
        'self',
      );
      const minMax = await publishTo({ offers: [offer('a', { rules: { minQuantity: 5, maxQuantity: 2 } })] });
      expectValidation(minMax, 'body', '/offers/0/rules/minQuantity', 'min > max');
      const all = await publishTo({
        offers: [offer('a', { rules: { minQuantity: 5, maxQuantity: 2, requires: ['zzz'] } }), offer('a')],
      });
      expect(all.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(
        ['/offers/0/rules/minQuantity', '/offers/0/rules/requires/0', '/offers/1/offerId'].sort(),
      );
    });

    it('rejects a body over the publish limit of 8 MiB with a 413 naming that limit', async () => {
      const pads = { pad1: 'x'.repeat(1000), pad2: 'x'.repeat(1000) };
      const each = JSON.stringify(offer('o0', { attributes: pads })).length; // the shortest id: a lower bound
      const count = Math.ceil((8 * 1024 * 1024) / each) + 5;
      const body = { offers: Array.from({ length: count }, (_, i) => offer(`o${i}`, { attributes: pads })) };
      expect(JSON.stringify(body).length).toBeGreaterThan(8 * 1024 * 1024);
      expect(count).toBeLessThan(5000);
      const response = await publishTo(body);
      expectProblem(response, 413, 'oversize');
      expect(response.body.type).toMatch(/payload-too-large$/);
      expect(response.body.detail).toBe('The request body exceeds the limit of 8 MiB.');
      const raw = await publishTo(undefined, {
        rawBody: `{"offers":[],"pad":"${'x'.repeat(8 * 1024 * 1024)}"}`,
      });
      expectProblem(raw, 413, 'oversize raw');
    });

    it('rejects bad path parameters with 400 on every route they appear in', async () => {
      const reader = await token(published);
      const responses: [string, HttpResult][] = [];
      for (const route of catalogRoutes('Bad!')) {
        responses.push([`tenant Bad! ${route.name}`, await send(route, { token: await admin(published) })]);
      }
      for (const route of catalogRoutes(`a${'b'.repeat(63)}`)) {
        responses.push([
          `tenant of 64 chars ${route.name}`,
          await send(route, { token: await admin(published) }),
        ]);
      }
      // non-canonical spellings of 1 are not version 1
      for (const version of [
        '0',
        '-1',
        'abc',
        '99999999999',
        '2147483648',
        '1.5',
        '%20',
        '01',
        '1e0',
        '0x1',
        '%2B1',
      ]) {
        for (const path of [`versions/${version}/offers/offer-0000`, `versions/${version}/offers`]) {
          responses.push([
            `version ${version} ${path}`,
            await call(svc.url, 'GET', `/v1/tenants/${published}/catalog/${path}`, { token: reader }),
          ]);
        }
      }
      for (const offerId of ['Offer-0000', `o${'x'.repeat(64)}`, '-x', 'a%21b']) {
        for (const path of [`versions/1/offers/${offerId}`, `offers/${offerId}`]) {
          responses.push([
            `offerId ${offerId} ${path}`,
            await call(svc.url, 'GET', `/v1/tenants/${published}/catalog/${path}`, { token: reader }),
          ]);
        }
      }
      for (const [label, response] of responses) {
        expectProblem(response, 400, label);
        expect(response.body.errors?.length, label).toBeGreaterThan(0);
        expect(
          response.body.errors.every((e: { in: string }) => e.in === 'params'),
          label,
        ).toBe(true);
      }
      // a 64-char offerId is the longest valid one: 404 (not in the catalog), not 400
      expectProblem(
        await call(svc.url, 'GET', `/v1/tenants/${published}/catalog/offers/o${'x'.repeat(63)}`, {
          token: reader,
        }),
        404,
      );
    });

    it('rejects bad query parameters of the page with 400 and a query pointer', async () => {
      const reader = await token(published);
      const page = `/v1/tenants/${published}/catalog/versions/1/offers`;
      const cases: [string, string][] = [
        ['limit=0', '/limit'],
        ['limit=201', '/limit'],
        ['limit=abc', '/limit'],
        ['limit=-5', '/limit'],
        ['limit=2.5', '/limit'],
        ['limit=2e0', '/limit'],
        ['limit=0x2', '/limit'],
        ['limit=', '/limit'],
        ['foo=1', '/foo'],
        ['limit=2&offset=3', '/offset'],
        ['cursor=a!b', '/cursor'],
        ['cursor=%24%24', '/cursor'],
        ['cursor=Offer-0001', '/cursor'],
        [`cursor=o${'x'.repeat(64)}`, '/cursor'],
      ];
      for (const [query, pointer] of cases) {
        expectValidation(
          await call(svc.url, 'GET', `${page}?${query}`, { token: reader }),
          'query',
          pointer,
          query,
        );
      }
      // the boundaries are accepted
      expect((await call(svc.url, 'GET', `${page}?limit=1`, { token: reader })).body.items).toHaveLength(1);
      const max = await call(svc.url, 'GET', `${page}?limit=200&cursor=offer-0000`, { token: reader });
      expect(max.status).toBe(200);
      expect(max.body).toEqual({
        items: [
          expect.objectContaining({ offerId: 'offer-0001' }),
          expect.objectContaining({ offerId: 'offer-0002' }),
        ],
        nextCursor: null,
      });
    });

    it('still has no catalog for the tenant after every rejected publish', async () => {
      const reader = await token(empty);
      expectProblem(await call(svc.url, 'GET', `/v1/tenants/${empty}/catalog`, { token: reader }), 404);
      expectProblem(
        await call(svc.url, 'GET', `/v1/tenants/${empty}/catalog/versions/1/offers`, { token: reader }),
        404,
      );
      expectProblem(
        await call(svc.url, 'GET', `/v1/tenants/${empty}/catalog/offers/a`, { token: reader }),
        404,
      );
      // and the next valid publish is version 1: no rejected attempt consumed a version number
      const first = await publish(svc.url, empty, [offer('a')]);
      expect(first).toMatchObject({ catalogVersion: 1, offerCount: 1 });
      // the published tenant is untouched by all of the above
      expect(
        (await call(svc.url, 'GET', `/v1/tenants/${published}/catalog`, { token: await token(published) }))
          .body.currentVersion,
      ).toBe(1);
    });

    it('accepts the boundary values (displayName of 200 chars, offerId of 64 chars, every attribute type)', async () => {
      const tenant = newTenant();
      const longId = `a${'b'.repeat(63)}`;
      const body = {
        offers: [
          offer(longId, {
            displayName: 'x'.repeat(200),
            attributes: { s: 'v'.repeat(1000), n: 1.5, b: false },
          }),
          offer('0', {
            eligibleActions: [],
            status: 'RETIRED',
            rules: { requires: [longId], minQuantity: 2, maxQuantity: 2 },
          }),
        ],
      };
      const response = await call(svc.url, 'POST', `/v1/tenants/${tenant}/catalog/versions`, {
        token: await admin(tenant),
        body,
      });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      const read = await call(svc.url, 'GET', `/v1/tenants/${tenant}/catalog/versions/1/offers/${longId}`, {
        token: await token(tenant),
      });
      expect(read.body).toEqual(body.offers[0]);
      const zero = await call(svc.url, 'GET', `/v1/tenants/${tenant}/catalog/offers/0`, {
        token: await token(tenant),
      });
      expect(zero.body).toEqual(body.offers[1]);
    });
  });

  it('documents all five catalog paths and the publish body schema in /docs/openapi.json', async () => {
    const response = await call(svc.url, 'GET', '/docs/openapi.json');
    expect(response.status).toBe(200);
    const doc = response.body;
    const paths = {
      '/v1/tenants/{tenantId}/catalog/versions': ['post'],
      '/v1/tenants/{tenantId}/catalog': ['get'],
      '/v1/tenants/{tenantId}/catalog/versions/{version}/offers/{offerId}': ['get'],
      '/v1/tenants/{tenantId}/catalog/offers/{offerId}': ['get'],
      '/v1/tenants/{tenantId}/catalog/versions/{version}/offers': ['get'],
    };
    for (const [path, methods] of Object.entries(paths)) {
      expect(doc.paths[path], path).toBeDefined();
      for (const method of methods) expect(doc.paths[path][method], `${method} ${path}`).toBeDefined();
    }
    const post = doc.paths['/v1/tenants/{tenantId}/catalog/versions'].post;
    const schema = post.requestBody.content['application/json'].schema;
    expect(schema.required).toContain('offers');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.offers).toMatchObject({ type: 'array', minItems: 1, maxItems: 5000 });
    const item = schema.properties.offers.items;
    expect(item.additionalProperties).toBe(false);
    expect(item.required).toEqual(
      expect.arrayContaining(['offerId', 'displayName', 'status', 'eligibleActions']),
    );
    expect(item.properties.offerId.pattern).toBe('^[a-z0-9][a-z0-9_-]{0,63}$');
    expect(item.properties.status.enum).toEqual(['ACTIVE', 'RETIRED']);
    expect(item.properties.displayName).toMatchObject({ minLength: 1, maxLength: 200 });
    for (const status of ['201', '400', '401', '403', '413'])
      expect(post.responses[status], `publish ${status}`).toBeDefined();
    const page = doc.paths['/v1/tenants/{tenantId}/catalog/versions/{version}/offers'].get;
    const params = page.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
    expect(params).toEqual(
      expect.arrayContaining(['path:tenantId', 'path:version', 'query:limit', 'query:cursor']),
    );
  });
});
