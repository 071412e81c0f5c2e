import { RequestMethod } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { REQUIRED_ROLES } from '../auth/auth.decorators';
import { authorize } from '../auth/authorize';
import type { TokenVerifier } from '../auth/jwt-verifier';
import type { Principal } from '../auth/principal';
import type { ApiOperationSpec } from './api-operation.decorator';
import { sendProblem } from './problem-exception.filter';
import { ReplyBatching } from './reply-batching';
import { ZOD_SCHEMAS, ZodValidationPipe } from './zod-validation';

/**
 * A hot route served by Fastify directly, outside Nest's router, guard and pipe chain, with the same
 * contract: the shared `authorize` rules, zod validation into 400 problems, problem+json errors through the same
 * mappings, and the platform's request-id, log and metrics hooks (those are Fastify hooks and apply to every
 * route). Profiling showed Nest's per-request machinery as the largest cost left on a cached read; use this only
 * for such routes and keep everything else in controllers.
 */
export interface FastRoute<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: 'GET' | 'POST' | 'PUT';
  /** Fastify path syntax, e.g. `/v1/tenants/:tenantId/catalog/offers/:offerId`. */
  url: string;
  params: P;
  query?: Q;
  /** The JSON body (POST and PUT); parsed by Fastify within `bodyLimit`, then validated like `@ZodBody`. */
  body?: B;
  /** The route's body limit in bytes. @default BODY_LIMIT_BYTES (256 KiB) */
  bodyLimit?: number;
  /** Status of a successful answer. @default 200 */
  status?: number;
  /** The Redis key family the route is served from, on its request log lines. */
  keyFamily?: string;
  roles?: string[];
  /** What `/docs/openapi.json` says about the route. */
  openapi: ApiOperationSpec;
  /** The answer, or a promise of it; a ready answer skips the promise machinery (the near-cache hit path). */
  handle(input: {
    params: z.infer<P>;
    query: z.infer<Q>;
    body: z.infer<B>;
    principal: Principal;
    reply: FastifyReply;
  }): unknown;
}

/** Typing helper: infers the handler's input from the schemas. */
export function fastRoute<
  P extends z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
>(route: FastRoute<P, Q, B>): FastRoute<P, Q, B> {
  return route;
}

export function registerFastRoutes(
  instance: FastifyInstance,
  routes: readonly FastRoute[],
  verifier: TokenVerifier,
): void {
  const batching = new ReplyBatching();
  for (const route of routes) {
    const params = new ZodValidationPipe(route.params, 'params');
    const query = route.query ? new ZodValidationPipe(route.query, 'query') : undefined;
    const body = route.body ? new ZodValidationPipe(route.body, 'body') : undefined;
    const requiredRoles = route.roles ?? [];
    const status = route.status ?? 200;
    const inputOf = (request: FastifyRequest, reply: FastifyReply, principal: Principal) => ({
      params: params.transform(request.params),
      query: query ? query.transform(request.query) : undefined,
      body: body ? body.transform(request.body) : undefined,
      principal,
      reply,
    });
    const answer = (request: FastifyRequest, reply: FastifyReply, result: unknown) => {
      try {
        if (status !== 200) void reply.status(status);
        void reply.send(result);
      } catch (error) {
        sendProblem(request, reply, error);
      }
    };
    instance.route({
      method: route.method,
      url: route.url,
      ...(route.keyFamily ? { config: { keyFamily: route.keyFamily } } : {}),
      ...(route.bodyLimit !== undefined ? { bodyLimit: route.bodyLimit } : {}),
      // Errors before the handler (malformed JSON, a body over the limit, a wrong media type) as problems too.
      errorHandler: (error, request, reply) => {
        sendProblem(request, reply, error);
      },
      handler: (request, reply) => {
        const turn = batching.begin();
        let outcome: unknown;
        try {
          const authorized = authorize(verifier, {
            authorization: request.headers.authorization,
            pathTenant: (request.params as Record<string, string>)['tenantId'],
            requiredRoles,
            raw: request.raw,
          });
          outcome =
            authorized instanceof Promise
              ? authorized.then((principal) => route.handle(inputOf(request, reply, principal)))
              : route.handle(inputOf(request, reply, authorized));
        } catch (error) {
          sendProblem(request, reply, error);
          return;
        }
        // A ready answer (a near-cache hit) leaves with the other replies of its turn, without a promise turn.
        if (outcome instanceof Promise) {
          outcome.then(
            (result) => batching.defer(turn, () => answer(request, reply, result)),
            (error: unknown) => sendProblem(request, reply, error),
          );
        } else {
          batching.defer(turn, () => answer(request, reply, outcome));
        }
      },
    });
  }
}

/**
 * A stand-in handler carrying the metadata a controller method would have, so the OpenAPI builder documents a
 * fast route exactly like a controller route.
 */
export function documentedHandlerOf(route: FastRoute): { handler: object; method: string; path: string } {
  const handler = function fastRouteHandler() {};
  Reflect.defineMetadata(
    ZOD_SCHEMAS,
    {
      params: route.params,
      ...(route.query ? { query: route.query } : {}),
      ...(route.body ? { body: route.body } : {}),
    },
    handler,
  );
  if (route.roles?.length) Reflect.defineMetadata(REQUIRED_ROLES, route.roles, handler);
  return {
    handler,
    method: RequestMethod[RequestMethod[route.method]].toLowerCase(),
    path: route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}'),
  };
}
