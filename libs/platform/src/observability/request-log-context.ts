import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';

/** Where the per-request log fields live on the raw request, filled as the request goes through. */
export const LOG_CONTEXT = Symbol('LOG_CONTEXT');

/** The fields every request log line carries; identifiers only as `hashForLog` digests. */
export interface RequestLogContext {
  requestId: string;
  /** The route pattern (`/v1/tenants/:tenantId/orders`), never the raw URL. */
  route: string;
  method: string;
  /** `hashForLog(tenant_id)` once the caller is authenticated. */
  tenant?: string;
  /** `hashForLog(sub)` once the caller is authenticated. */
  user?: string;
  /** A Redis key family the request touched, set by the code that knows it. */
  keyFamily?: string;
}

export type RawRequestWithLogContext = IncomingMessage & { [LOG_CONTEXT]?: RequestLogContext };

export function logContextOf(raw: IncomingMessage): RequestLogContext | undefined {
  return (raw as RawRequestWithLogContext)[LOG_CONTEXT];
}

/** Routes Fastify did not match are grouped under one label, so unknown URLs cannot blow up cardinality. */
export const UNMATCHED_ROUTE = 'unmatched';

/** The log context of the request being handled, for log lines written outside the request's own objects. */
export const requestContext = new AsyncLocalStorage<RequestLogContext>();
