import type { Principal } from '@cpq/platform';
import type { FastifyRequest } from 'fastify';
import type { Caller } from '../application/config-sessions';

/** Who calls, and what is forwarded to catalog-service on their behalf. */
export function callerOf(tenantId: string, principal: Principal, request: FastifyRequest): Caller {
  return {
    tenantId,
    sub: principal.sub,
    authorization: request.headers.authorization ?? '',
    requestId: String(request.id),
  };
}
