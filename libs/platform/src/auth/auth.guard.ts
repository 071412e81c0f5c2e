import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PRINCIPAL, PUBLIC_ROUTE, REQUIRED_ROLES, type RequestWithPrincipal } from './auth.decorators';
import { authorize } from './authorize';
import { JWT_VERIFIER, type TokenVerifier } from './jwt-verifier';

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
    request[PRINCIPAL] = await authorize(this.verifier, {
      authorization: request.headers.authorization,
      pathTenant: (request.params as Record<string, string> | undefined)?.['tenantId'],
      requiredRoles: this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_ROLES, targets) ?? [],
      raw: request.raw,
    });
    return true;
  }
}
