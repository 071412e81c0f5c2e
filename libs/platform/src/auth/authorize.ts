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
 */
export async function authorize(verifier: TokenVerifier, input: AuthorizationInput): Promise<Principal> {
  const { pathTenant } = input;
  if (pathTenant !== undefined && !TENANT_ID_PATTERN.test(pathTenant)) {
    throw ProblemError.validation('The tenant id in the path is malformed.', [
      { in: 'params', pointer: '/tenantId', message: `must match ${TENANT_ID_PATTERN.source}` },
    ]);
  }
  const principal = await authenticate(verifier, input.authorization);
  const logContext = (input.raw as { [LOG_CONTEXT]?: RequestLogContext })[LOG_CONTEXT];
  if (logContext) {
    const digests = digestsOf(principal);
    logContext.tenant = digests.tenant;
    logContext.user = digests.user;
  }
  if (pathTenant !== undefined && principal.tenantId !== pathTenant) {
    throw ProblemError.forbidden('The token does not grant access to this tenant.');
  }
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

async function authenticate(verifier: TokenVerifier, header: string | undefined): Promise<Principal> {
  const match = header ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim()) : null;
  if (!match?.[1]) throw ProblemError.unauthorized('A bearer token is required.');
  try {
    return await verifier.verify(match[1]);
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
