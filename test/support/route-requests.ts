import fc from 'fast-check';
import {
  documentedValidator,
  documentedValue,
  HOSTILE_STRINGS,
  mutatedValue,
} from './json-schema-arbitraries';
import type { DocumentedRoute, RouteParameter } from './openapi-routes';
import type { RawRequest } from './hostile-requests';
import { isWireSafe } from './hostile-requests';

/**
 * Requests for one documented route, as fast-check arbitraries: documented parameters and bodies, the same with
 * hostile parameters, mutated or noise bodies, and hostile headers. Each generated case carries the route's label,
 * so a counterexample names what it was sent to.
 */

export type Params = Record<string, string>;

export const label = (route: DocumentedRoute) => `${route.service} ${route.method} ${route.path}`;

const nonTenantPathParams = (route: DocumentedRoute) =>
  route.parameters.filter((p) => p.in === 'path' && p.name !== 'tenantId');
const queryParams = (route: DocumentedRoute) => route.parameters.filter((p) => p.in === 'query');

/**
 * Percent-encodes the UTF-8 bytes of `value` (a lone surrogate as U+FFFD, as any client would send it), all but
 * unreserved characters, or with `raw` only what the wire cannot carry: `/`, `?`, `#`, `%` then reach the router.
 */
function percentEncoded(value: string, raw: boolean): string {
  const keep = raw ? /[\x21-\x7e]/ : /[A-Za-z0-9\-._~]/;
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += byte < 0x80 && keep.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The wire path: each parameter percent-encoded unless `raw` (then only what the wire cannot carry). */
export function pathOf(route: DocumentedRoute, params: Params, raw = false): string {
  const encode = (value: string) => percentEncoded(value, raw);
  let out = route.path.replace(/\{([^}]+)\}/g, (_, name: string) => encode(params[name] ?? ''));
  const query = queryParams(route)
    .filter((p) => params[p.name] !== undefined)
    .map((p) => `${encodeURIComponent(p.name)}=${encode(params[p.name]!)}`);
  if (query.length > 0) out += `?${query.join('&')}`;
  return out;
}

/**
 * Ids of resources created during a run, by the collection route that created them (`Location` of a 2xx), so
 * generated requests reach real sessions and orders, not only unknown ids (ids are made by the server).
 */
export class CreatedIds {
  private readonly byCollection = new Map<string, string[]>();

  /** Records the id a 2xx answer's `Location` names, under the route that created it. */
  record(route: DocumentedRoute, status: number, location: string | undefined): void {
    if (status < 200 || status >= 300 || !location) return;
    const id = location.split('?')[0]!.split('/').pop();
    if (!id) return;
    const key = `${route.service} ${route.path}`;
    const ids = this.byCollection.get(key) ?? [];
    if (ids.length < 200) ids.push(decodeURIComponent(id));
    this.byCollection.set(key, ids);
  }

  /** The ids created under the collection of `route`'s parameter `name` (the path before `/{name}`). */
  of(route: DocumentedRoute, name: string): readonly string[] {
    const at = route.path.indexOf(`/{${name}}`);
    return at < 0 ? [] : (this.byCollection.get(`${route.service} ${route.path.slice(0, at)}`) ?? []);
  }
}

/**
 * Parameters the document accepts (optional query parameters sometimes left out), for `tenant`; with `created`,
 * path parameters are half the time the id of a resource the run created.
 */
export function documentedParams(
  route: DocumentedRoute,
  tenant: string,
  created?: CreatedIds,
): fc.Arbitrary<Params> {
  const model: Record<string, fc.Arbitrary<string | undefined>> = {};
  for (const p of nonTenantPathParams(route)) {
    const documented = paramValue(p);
    model[p.name] = created
      ? fc.tuple(documented, fc.nat(), fc.boolean()).map(([value, i, reuse]) => {
          const ids = created.of(route, p.name);
          return reuse && ids.length > 0 ? ids[i % ids.length]! : value;
        })
      : documented;
  }
  for (const p of queryParams(route))
    model[p.name] = p.required ? paramValue(p) : fc.option(paramValue(p), { nil: undefined });
  return fc.record(model).map((values) => {
    const params: Params = { tenantId: tenant };
    for (const [name, value] of Object.entries(values)) if (value !== undefined) params[name] = value;
    return params;
  });
}

function paramValue(p: RouteParameter): fc.Arbitrary<string> {
  return documentedValue(p.schema).map((v) => String(v));
}

const hostileString = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
);

/**
 * Parameters with at least one the token or the document refuses: a hostile tenant (malformed, or one of
 * `otherTenants`: well-formed but not the token's) or a hostile value for another parameter.
 */
export function hostileParams(
  route: DocumentedRoute,
  tenant: string,
  otherTenants: fc.Arbitrary<string>,
): fc.Arbitrary<{ params: Params; raw: boolean }> {
  const others = [...nonTenantPathParams(route), ...queryParams(route)];
  const validators = new Map(others.map((p) => [p.name, documentedValidator(p.schema)]));
  return fc
    .record({
      base: documentedParams(route, tenant),
      tenant: fc.oneof({ weight: 2, arbitrary: fc.constant(tenant) }, hostileString, otherTenants),
      overrides: fc.array(fc.tuple(fc.nat(), hostileString), {
        minLength: others.length > 0 ? 1 : 0,
        maxLength: 2,
      }),
      raw: fc.boolean(),
    })
    .map(({ base, tenant: pathTenant, overrides, raw }) => {
      const params: Params = { ...base, tenantId: pathTenant };
      for (const [at, value] of overrides)
        if (others.length > 0) params[others[at % others.length]!.name] = value;
      return { params, raw };
    })
    .filter(({ params }) => {
      if (params['tenantId'] !== tenant) return true;
      return others.some((p) => params[p.name] !== undefined && !validators.get(p.name)!(params[p.name]));
    });
}

/** A JSON body the document accepts (`undefined` for routes without one). */
export function documentedBody(route: DocumentedRoute): fc.Arbitrary<unknown> {
  return route.body ? documentedValue(route.body) : fc.constant(undefined);
}

/** A JSON body the document refuses: a documented one broken in one to three places (or left out, if required). */
export function refusedBody(route: DocumentedRoute): fc.Arbitrary<unknown> {
  const valid = documentedValidator(route.body!);
  return mutatedValue(route.body!).filter((value) =>
    value === undefined ? route.bodyRequired : !valid(value),
  );
}

export interface Payload {
  contentType: string | undefined;
  body: string | Buffer | undefined;
}

export const jsonPayload = (value: unknown): Payload => ({
  contentType: 'application/json',
  body: value === undefined ? undefined : JSON.stringify(value),
});

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json; charset=utf-16',
  'application/json;;',
  'application/problem+json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'text/plain',
  'application/octet-stream',
  '*/*',
  '',
  'application/json, text/plain',
];

const nestedText = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const SPECIAL_BODIES = [
  '',
  ' ',
  'null',
  '[',
  '{',
  '"',
  '{"a":1,"a":2}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '\ufeff{}',
  nestedText(5_000),
  nestedText(60_000),
  '{"a":'.repeat(10_000),
  '1'.repeat(5_000),
  '"\\ud800"',
  '[1,]',
  "{'a':1}",
  'NaN',
];

/** Noise: any JSON value, broken JSON, bytes, odd media types; what the document accepts left out. */
export function noisePayload(route: DocumentedRoute): fc.Arbitrary<Payload> {
  const valid = route.body ? documentedValidator(route.body) : () => false;
  const body: fc.Arbitrary<string | Buffer> = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    fc.constantFrom(...SPECIAL_BODIES),
    fc.string({ maxLength: 60 }),
    fc.uint8Array({ maxLength: 80 }).map((bytes) => Buffer.from(bytes)),
    ...(route.body ? [mutatedValue(route.body).map((v) => (JSON.stringify(v) ?? '').slice(0, -1))] : []),
  );
  return fc
    .record({
      contentType: fc.oneof(
        { weight: 3, arbitrary: fc.constant('application/json') },
        fc.constantFrom(...CONTENT_TYPES),
      ),
      body: fc.option(body, { nil: undefined, freq: 8 }),
    })
    .filter(({ contentType, body: b }) => {
      // no body at all is what a route with an optional body accepts
      if (route.body && !route.bodyRequired && (b === undefined || b.length === 0)) return false;
      if (!contentType?.toLowerCase().startsWith('application/json') || typeof b !== 'string') return true;
      try {
        return !valid(JSON.parse(b));
      } catch {
        return true;
      }
    });
}

/** Headers the routes read or the platform handles, with hostile values. */
export const hostileHeaders: fc.Arbitrary<Record<string, string>> = fc
  .record(
    {
      'if-match': fc.oneof(
        fc.constantFrom(
          '*',
          '"1"',
          '"2"',
          'W/"1"',
          '"0"',
          '"-1"',
          '1',
          '"abc"',
          '""',
          '"1", "2"',
          '"1",',
          '"99999999999999999999"',
          '"9007199254740993"',
          ' "1" ',
          '"1"x',
        ),
        hostileString,
      ),
      'idempotency-key': fc.oneof(
        fc.constantFrom('', ' ', 'k'.repeat(255), 'k'.repeat(256), 'ü', 'key\x7f', 'a\tb'),
        fc.string({ minLength: 1, maxLength: 40 }),
        hostileString,
      ),
      'x-request-id': fc.oneof(fc.constantFrom('', 'r'.repeat(10_000), '../../x', '%0d%0a'), hostileString),
      accept: fc.constantFrom('application/xml', 'text/html', '*/*', '', 'application/problem+json;q=0'),
      'content-encoding': fc.constantFrom('gzip', 'br', 'identity', 'x-unknown'),
      'accept-encoding': fc.constantFrom('gzip', 'br;q=1, *;q=0', 'x'),
    },
    { requiredKeys: [] },
  )
  .map((headers) => Object.fromEntries(Object.entries(headers).filter(([, v]) => isWireSafe(v))));

/** The request: the route's method and path, the payload, headers and an Authorization header if any. */
export function requestOf(
  route: DocumentedRoute,
  options: {
    params: Params;
    raw?: boolean;
    payload?: Payload;
    headers?: Record<string, string>;
    authorization?: string;
  },
): RawRequest {
  const headers: Record<string, string> = { ...options.headers };
  if (options.authorization !== undefined) headers['authorization'] = options.authorization;
  const payload = options.payload;
  if (payload?.contentType !== undefined && payload.body !== undefined)
    headers['content-type'] ??= payload.contentType;
  return {
    method: route.method,
    path: pathOf(route, options.params, options.raw ?? false),
    headers,
    ...(payload?.body !== undefined ? { body: payload.body } : {}),
  };
}
