import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from './principal';

export const PUBLIC_ROUTE = Symbol('PUBLIC_ROUTE');
export const REQUIRED_ROLES = Symbol('REQUIRED_ROLES');

/** No authentication: operational routes and anything deliberately open. */
export const PublicRoute = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

/** The caller needs every one of these roles (403 otherwise). */
export const RequireRoles = (...roles: string[]): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_ROLES, roles);

/** Where the auth guard leaves the verified principal on the request. */
export const PRINCIPAL = Symbol('PRINCIPAL');

export type RequestWithPrincipal = FastifyRequest & { [PRINCIPAL]?: Principal };

/** The verified caller of a protected route. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const principal = context.switchToHttp().getRequest<RequestWithPrincipal>()[PRINCIPAL];
    // A public route asking for a principal is a programming error, not a client error.
    if (!principal) throw new Error('@CurrentPrincipal() used on a route without authentication');
    return principal;
  },
);
