import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { hashForLog } from '@cpq/redis-runtime';
import { ProblemError, ProblemType } from '../http/problem';
import { LOG_CONTEXT, type RequestLogContext } from '../observability/request-log-context';
import { PRINCIPAL, PUBLIC_ROUTE, REQUIRED_ROLES, type RequestWithPrincipal } from './auth.decorators';
import { InvalidTokenError, JWT_VERIFIER, type TokenVerifier } from './jwt-verifier';
import { TENANT_ID_PATTERN } from './principal';

/**
 * Global guard: every route needs a valid bearer token unless marked `@PublicRoute()`. Order of checks:
 * a malformed path tenant is 400 (nothing to authorize against), then 401 for the token, then 403 for a
 * foreign tenant and for missing roles.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(JWT_VERIFIER) private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const request = context.switchToHttp().getRequest<RequestWithPrincipal>();
    const pathTenant = (request.params as Record<string, string> | undefined)?.['tenantId'];
    if (pathTenant !== undefined && !TENANT_ID_PATTERN.test(pathTenant)) {
      throw ProblemError.validation('The tenant id in the path is malformed.', [
        { in: 'params', pointer: '/tenantId', message: `must match ${TENANT_ID_PATTERN.source}` },
      ]);
    }

    const principal = await this.authenticate(request.headers.authorization);
    request[PRINCIPAL] = principal;
    const logContext = (request.raw as { [LOG_CONTEXT]?: RequestLogContext })[LOG_CONTEXT];
    if (logContext) {
      const digests = digestsOf(principal);
      logContext.tenant = digests.tenant;
      logContext.user = digests.user;
    }

    if (pathTenant !== undefined && principal.tenantId !== pathTenant) {
      throw ProblemError.forbidden('The token does not grant access to this tenant.');
    }
    const required = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_ROLES, targets) ?? [];
    const missing = required.filter((role) => !principal.roles.includes(role));
    if (missing.length > 0) {
      throw new ProblemError({
        type: ProblemType.forbidden,
        title: 'Forbidden',
        status: 403,
        detail: `This operation needs the role ${missing.join(', ')}.`,
        extensions: { 'required-roles': required },
      });
    }
    return true;
  }

  private async authenticate(header: string | undefined) {
    const match = header ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim()) : null;
    if (!match?.[1]) throw ProblemError.unauthorized('A bearer token is required.');
    try {
      return await this.verifier.verify(match[1]);
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        throw ProblemError.unauthorized(
          error.reason === 'expired' ? 'The bearer token has expired.' : 'The bearer token is invalid.',
        );
      }
      throw error;
    }
  }
}

/** Log digests per principal: a cached token yields the same principal object, so each is hashed once. */
const principalDigests = new WeakMap<object, { tenant: string; user: string }>();
function digestsOf(principal: { tenantId: string; sub: string }): { tenant: string; user: string } {
  let digests = principalDigests.get(principal);
  if (digests === undefined) {
    digests = { tenant: hashForLog(principal.tenantId), user: hashForLog(principal.sub) };
    principalDigests.set(principal, digests);
  }
  return digests;
}
