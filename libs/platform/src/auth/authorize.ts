import type { IncomingMessage } from 'node:http';
import { hashForLog } from '@cpq/redis-runtime';
import { ProblemError, ProblemType } from '../http/problem';
import { LOG_CONTEXT, type RequestLogContext } from '../observability/request-log-context';
import { InvalidTokenError, type TokenVerifier } from './jwt-verifier';
import { TENANT_ID_PATTERN, type Principal } from './principal';

export interface AuthorizationInput {
  authorization: string | undefined;
  /** The `tenantId` path parameter, when the route has one. */
  pathTenant: string | undefined;
  requiredRoles: readonly string[];
  raw: IncomingMessage;
}

/**
 * The contract's authorization rules, framework-free (the Nest guard and plain Fastify routes share it):
 * a malformed path tenant is 400, a missing/invalid/expired token 401, another tenant's token or a missing
 * role 403. Also records the hashed tenant and user on the request's log context.
 *
 * A token the verifier has seen before is answered synchronously (a client sends the same token on every
 * request): the hottest reads then spend no promise turns on authorization. Problems are thrown, or rejected when
 * the token had to be verified; callers `await` either way.
 */
export function authorize(
  verifier: TokenVerifier,
  input: AuthorizationInput,
): Principal | Promise<Principal> {
  const { pathTenant } = input;
  if (pathTenant !== undefined && !TENANT_ID_PATTERN.test(pathTenant)) {
    throw ProblemError.validation('The tenant id in the path is malformed.', [
      { in: 'params', pointer: '/tenantId', message: `must match ${TENANT_ID_PATTERN.source}` },
    ]);
  }
  // The verifier only remembers tokens it verified, so a remembered one needs no format check first.
  const header = input.authorization;
  const known =
    verifier.cached && header?.startsWith(BEARER_PREFIX)
      ? verifier.cached(header.slice(BEARER_PREFIX.length))
      : undefined;
  if (known !== undefined) return admit(known, input);
  const token = bearerTokenOf(header);
  return verify(verifier, token).then((principal) => admit(principal, input));
}

function admit(principal: Principal, input: AuthorizationInput): Principal {
  const logContext = (input.raw as { [LOG_CONTEXT]?: RequestLogContext })[LOG_CONTEXT];
  if (logContext) {
    const digests = digestsOf(principal);
    logContext.tenant = digests.tenant;
    logContext.user = digests.user;
  }
  if (input.pathTenant !== undefined && principal.tenantId !== input.pathTenant) {
    throw ProblemError.forbidden('The token does not grant access to this tenant.');
  }
  if (input.requiredRoles.length === 0) return principal;
  const missing = input.requiredRoles.filter((role) => !principal.roles.includes(role));
  if (missing.length > 0) {
    throw new ProblemError({
      type: ProblemType.forbidden,
      title: 'Forbidden',
      status: 403,
      detail: `This operation needs the role ${missing.join(', ')}.`,
      extensions: { 'required-roles': input.requiredRoles },
    });
  }
  return principal;
}

const BEARER_PREFIX = 'Bearer ';
const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i;

function bearerTokenOf(header: string | undefined): string {
  const match = header ? BEARER.exec(header.trim()) : null;
  if (!match?.[1]) throw ProblemError.unauthorized('A bearer token is required.');
  return match[1];
}

async function verify(verifier: TokenVerifier, token: string): Promise<Principal> {
  try {
    return await verifier.verify(token);
  } catch (error) {
    if (error instanceof InvalidTokenError) {
      throw ProblemError.unauthorized(
        error.reason === 'expired' ? 'The bearer token has expired.' : 'The bearer token is invalid.',
      );
    }
    throw error;
  }
}

/** Log digests per principal: a cached token yields the same principal object, so each is hashed once. */
const principalDigests = new WeakMap<object, { tenant: string; user: string }>();
function digestsOf(principal: Principal): { tenant: string; user: string } {
  let digests = principalDigests.get(principal);
  if (digests === undefined) {
    digests = { tenant: hashForLog(principal.tenantId), user: hashForLog(principal.sub) };
    principalDigests.set(principal, digests);
  }
  return digests;
}
