import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The contract's request body limit. */
export const BODY_LIMIT_BYTES = 256 * 1024;

/** The contract's limit of the two publish routes (catalog versions, price books): a 5,000-offer catalog fits. */
export const PUBLISH_BODY_LIMIT_BYTES = 8 * 1024 * 1024;

/** What a route may set in its Fastify route config (`@RouteConfig({ bodyLimit })`, or a fast route's `bodyLimit`). */
export interface BodyLimitRouteConfig {
  /** This route's body limit in bytes, instead of `BODY_LIMIT_BYTES`. */
  bodyLimit?: number;
}

/**
 * Lets a route raise (or lower) its body limit through its route config: Nest passes a controller method's
 * `@RouteConfig({...})` to Fastify as `config`, but has no way to set Fastify's own `bodyLimit` route option.
 * Registered before any route.
 */
export function registerRouteBodyLimits(instance: FastifyInstance): void {
  instance.addHook('onRoute', (route) => {
    const limit = (route.config as BodyLimitRouteConfig | undefined)?.bodyLimit;
    if (limit !== undefined) route.bodyLimit = limit;
  });
}

/** The body limit of the route a request matched (the server's default when it matched none). */
export function bodyLimitOf(request: FastifyRequest | undefined): number {
  return request?.routeOptions?.bodyLimit ?? BODY_LIMIT_BYTES;
}

/** `8 MiB`, `256 KiB`, `1000 bytes`: a limit as the 413 problem names it. */
export function formatByteLimit(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** The detail of a 413 problem. */
export function bodyTooLargeDetail(limitBytes: number): string {
  return `The request body exceeds the limit of ${formatByteLimit(limitBytes)}.`;
}
