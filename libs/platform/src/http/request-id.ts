import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import {
  LOG_CONTEXT,
  requestContext,
  UNMATCHED_ROUTE,
  type RawRequestWithLogContext,
} from '../observability/request-log-context';

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * Fastify route config the request log reads: the Redis key family the route is served from. Fast routes set it
 * with `keyFamily`; controller routes with `@RouteConfig({ keyFamily: '...' })` from `@nestjs/platform-fastify`.
 */
export interface RouteLogConfig {
  keyFamily?: string;
}

/**
 * A caller's id is kept when it is a plain token; anything else (or nothing) gets a fresh UUID (v4: node draws it
 * from a buffer of random bytes; a v7 per request showed up at about 5 % of a cached read).
 */
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && ACCEPTED_REQUEST_ID.test(given) ? given : randomUUID();
}

/** Echoes the request id on every response and opens the request's log context. */
export function registerRequestContext(instance: FastifyInstance): void {
  instance.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    const keyFamily = (request.routeOptions.config as RouteLogConfig | undefined)?.keyFamily;
    const context = {
      requestId: request.id,
      method: request.method,
      route: request.routeOptions.url ?? UNMATCHED_ROUTE,
      ...(keyFamily ? { keyFamily } : {}),
    };
    (request.raw as RawRequestWithLogContext)[LOG_CONTEXT] = context;
    // Everything the request runs from here on (hooks, guard, handler, the libraries it calls) logs with its id.
    requestContext.run(context, done);
  });
}
