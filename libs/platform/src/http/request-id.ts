import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { v7 as uuidv7 } from 'uuid';
import {
  LOG_CONTEXT,
  UNMATCHED_ROUTE,
  type RawRequestWithLogContext,
} from '../observability/request-log-context';

export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller's id is kept when it is a plain token; anything else (or nothing) gets a fresh UUIDv7. */
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && ACCEPTED_REQUEST_ID.test(given) ? given : uuidv7();
}

/** Echoes the request id on every response and opens the request's log context. */
export function registerRequestContext(instance: FastifyInstance): void {
  instance.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    (request.raw as RawRequestWithLogContext)[LOG_CONTEXT] = {
      requestId: request.id,
      method: request.method,
      route: request.routeOptions.url ?? UNMATCHED_ROUTE,
    };
    done();
  });
}
