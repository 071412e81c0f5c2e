import { createHmac } from 'node:crypto';
import http from 'node:http';
import fc from 'fast-check';
import { HOSTILE_STRINGS } from './json-schema-arbitraries';

/**
 * Raw HTTP requests (bodies on any method, any bytes, any header a client can put on the wire), hostile bearer
 * tokens with the answer the contract expects for each, and the check every answer must pass.
 */

export interface RawRequest {
  method: string;
  /** Already encoded as it goes on the wire. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: unknown;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/** Sends the request as is; the connection closing without an answer is an error, not a status. */
export function rawRequest(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const body = request.body;
    const headers: Record<string, string> = { ...request.headers };
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: request.path,
        headers,
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Why an answer breaks the platform's promise, or `undefined`: never a 5xx, never a dropped connection, and every
 * 4xx an `application/problem+json` with `type`, `title` and the same `status`.
 */
export function promiseBroken(response: RawResponse): string | undefined {
  if (response.status >= 500) return `answered ${response.status}: ${response.text.slice(0, 300)}`;
  if (response.status < 400) return undefined;
  const contentType = String(response.headers['content-type'] ?? '');
  if (!contentType.startsWith('application/problem+json'))
    return `a ${response.status} as ${contentType || 'no content type'}, not problem+json: ${response.text.slice(0, 200)}`;
  const problem = response.json as Record<string, unknown> | undefined;
  if (
    typeof problem !== 'object' ||
    problem === null ||
    typeof problem['type'] !== 'string' ||
    typeof problem['title'] !== 'string' ||
    problem['status'] !== response.status
  )
    return `a ${response.status} problem without type, title or the same status: ${response.text.slice(0, 200)}`;
  return undefined;
}

/** Header values Node puts on the wire (latin-1 without control characters). */
export const isWireSafe = (value: string): boolean => /^[\t\x20-\x7e\x80-\xff]*$/.test(value);

const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** What a hostile token is made of; `expectedStatus` says what the contract answers to it. */
export interface TokenRecipe {
  scheme: 'Bearer ' | 'bearer ' | 'Basic ' | 'Bearer  ' | '' | 'none';
  alg: string | undefined;
  extraHeader: Record<string, unknown>;
  key: 'right' | 'wrong' | 'empty' | 'garbage' | 'unsigned';
  exp: 'future' | 'past' | 'absent' | 'string' | 'far-future' | 'fraction';
  nbf: 'absent' | 'past' | 'future';
  sub: 'valid' | 'absent' | 'empty' | 'number' | 'big' | string;
  tenant: 'path' | 'other' | 'absent' | 'upper' | 'number' | 'hostile';
  roles: 'all' | 'none' | 'absent' | 'string' | 'numbers' | 'many';
  payloadShape: 'object' | 'array' | 'not-json';
  tamper: boolean;
}

/** A token every service admits (for the path's tenant); the recipes below break it in zero to three places. */
const INTACT: TokenRecipe = {
  scheme: 'Bearer ',
  alg: 'HS256',
  extraHeader: {},
  key: 'right',
  exp: 'future',
  nbf: 'absent',
  sub: 'valid',
  tenant: 'path',
  roles: 'all',
  payloadShape: 'object',
  tamper: false,
};

/** One change to the intact token: most break it, some (`bearer`, `nbf` past, a `kid`) must not. */
const tokenChange: fc.Arbitrary<Partial<TokenRecipe>> = fc.oneof(
  fc
    .constantFrom<TokenRecipe['scheme']>('bearer ', 'Basic ', 'Bearer  ', '', 'none')
    .map((scheme) => ({ scheme })),
  fc.constantFrom('none', 'None', 'HS512', 'RS256', 'hs256', undefined).map((alg) => ({ alg })),
  fc
    .constantFrom<Record<string, unknown>>(
      { typ: 'JWT' },
      { kid: '../../etc/passwd' },
      { jku: 'http://127.0.0.1:1/keys' },
      { crit: ['exp'] },
      { crit: ['x-unknown'], 'x-unknown': 1 },
      { b64: false, crit: ['b64'] },
    )
    .map((extraHeader) => ({ extraHeader })),
  fc.constantFrom<TokenRecipe['key']>('wrong', 'empty', 'garbage', 'unsigned').map((key) => ({ key })),
  fc
    .constantFrom<TokenRecipe['exp']>('past', 'absent', 'string', 'far-future', 'fraction')
    .map((exp) => ({ exp })),
  fc.constantFrom<TokenRecipe['nbf']>('past', 'future').map((nbf) => ({ nbf })),
  fc
    .oneof(
      fc.constantFrom('absent', 'empty', 'number', 'big'),
      fc.constantFrom(...HOSTILE_STRINGS.filter((s) => s.length > 0 && s.length < 1000)),
    )
    .map((sub) => ({ sub })),
  fc
    .constantFrom<TokenRecipe['tenant']>('other', 'absent', 'upper', 'number', 'hostile')
    .map((tenant) => ({ tenant })),
  fc
    .constantFrom<TokenRecipe['roles']>('none', 'absent', 'string', 'numbers', 'many')
    .map((roles) => ({ roles })),
  fc.constantFrom<TokenRecipe['payloadShape']>('array', 'not-json').map((payloadShape) => ({ payloadShape })),
  fc.constant({ tamper: true }),
);

export const tokenRecipe: fc.Arbitrary<TokenRecipe> = fc
  .array(tokenChange, { maxLength: 3 })
  .map((changes) => Object.assign({ ...INTACT }, ...changes) as TokenRecipe);

export interface TokenContext {
  secret: string;
  pathTenant: string;
  /** A tenant id of the right shape that is not the path's. */
  otherTenant: string;
  /** The roles the route requires. */
  routeRoles: string[];
  /** Every role any route requires (the `all` recipe). */
  allRoles: string[];
}

/**
 * The `Authorization` header of a recipe (undefined: none) and the status the contract requires for it: 401 for
 * anything but an intact HS256 token with every claim right, 403 for such a token of another tenant or without
 * the route's role. A recipe that would be admitted is turned into another tenant's token, so every request of
 * this kind must be refused.
 */
export function hostileAuthorization(
  recipe: TokenRecipe,
  ctx: TokenContext,
): { authorization: string | undefined; expectedStatus: 401 | 403 } {
  const now = Math.floor(Date.now() / 1000);
  const claimsValid = !['absent', 'empty', 'number'].includes(recipe.sub);
  const tenantValid = recipe.tenant === 'path' || recipe.tenant === 'other';
  const rolesValid = ['all', 'none', 'many'].includes(recipe.roles);
  const expValid = ['future', 'far-future', 'fraction'].includes(recipe.exp);
  const signatureValid =
    recipe.alg === 'HS256' &&
    !('crit' in recipe.extraHeader) &&
    recipe.key === 'right' &&
    !recipe.tamper &&
    recipe.payloadShape === 'object';
  const schemeValid = recipe.scheme === 'Bearer ' || recipe.scheme === 'bearer ';
  const admitted =
    schemeValid &&
    signatureValid &&
    expValid &&
    recipe.nbf !== 'future' &&
    claimsValid &&
    tenantValid &&
    rolesValid;
  let tenant = recipe.tenant;
  let expectedStatus: 401 | 403 = 401;
  if (admitted) {
    expectedStatus = 403;
    const lacksRole = recipe.roles === 'none' && ctx.routeRoles.length > 0;
    if (tenant === 'path' && !lacksRole) tenant = 'other';
  }
  if (recipe.scheme === 'none') return { authorization: undefined, expectedStatus };
  const payload: Record<string, unknown> = {};
  const subs: Record<string, unknown> = { valid: 'user-1', number: 42, empty: '', big: 'u'.repeat(6_000) };
  if (recipe.sub !== 'absent')
    payload['sub'] = Object.hasOwn(subs, recipe.sub) ? subs[recipe.sub] : recipe.sub;
  const tenants: Record<string, unknown> = {
    path: ctx.pathTenant,
    other: ctx.otherTenant,
    upper: ctx.pathTenant.toUpperCase(),
    number: 7,
    hostile: `${ctx.pathTenant}:x`,
  };
  if (tenant !== 'absent') payload['tenant_id'] = tenants[tenant];
  const roles: Record<string, unknown> = {
    all: ctx.allRoles,
    none: [],
    string: ctx.allRoles.join(','),
    numbers: [1, 2],
    many: [...ctx.allRoles, ...Array.from({ length: 300 }, (_, i) => `role:${i}`)],
  };
  if (recipe.roles !== 'absent') payload['roles'] = roles[recipe.roles];
  const exps: Record<string, unknown> = {
    future: now + 3600,
    past: now - 3600,
    string: String(now + 3600),
    'far-future': now + 100 * 365 * 86400,
    fraction: now + 3600.5,
  };
  if (recipe.exp !== 'absent') payload['exp'] = exps[recipe.exp];
  if (recipe.nbf !== 'absent') payload['nbf'] = recipe.nbf === 'past' ? now - 60 : now + 3600;
  const header = { ...(recipe.alg !== undefined ? { alg: recipe.alg } : {}), ...recipe.extraHeader };
  const payloadText =
    recipe.payloadShape === 'object'
      ? JSON.stringify(payload)
      : recipe.payloadShape === 'array'
        ? JSON.stringify([payload])
        : '{"sub":';
  const signingInput = `${b64(JSON.stringify(header))}.${b64(payloadText)}`;
  const keys: Record<TokenRecipe['key'], string> = {
    right: b64(
      createHmac(recipe.alg === 'HS512' ? 'sha512' : 'sha256', ctx.secret)
        .update(signingInput)
        .digest(),
    ),
    wrong: b64(createHmac('sha256', `${ctx.secret}-not`).update(signingInput).digest()),
    empty: '',
    garbage: '!!not-base64!!',
    unsigned: '',
  };
  let token = recipe.key === 'unsigned' ? `${signingInput}.` : `${signingInput}.${keys[recipe.key]}`;
  if (recipe.tamper) {
    const [h, p, s] = token.split('.') as [string, string, string];
    token = `${h}.${b64(
      Buffer.from(p, 'base64url')
        .toString('utf8')
        .replace(/"[a-z_]+"/, '"tenant_id"'),
    )}x.${s}`;
  }
  return { authorization: `${recipe.scheme}${token}`, expectedStatus };
}
