import {
  etagOf,
  fastRoute,
  ifMatchVersion,
  problemResponses,
  ProblemError,
  ProblemType,
  type FastRoute,
} from '@cpq/platform';
import { rateLimitHeaders, type RateLimitDecision } from '@cpq/redis-runtime';
import type { ConfigSessions } from '../application/config-sessions';
import type { UpdateRateLimit } from '../application/update-rate-limit';
import type { SelectedOption } from '../domain/session';
import { callerOf } from './caller';
import { selectionsBodySchema, sessionParamsSchema, sessionSchema } from './config.schemas';

/**
 * The two routes a configuring user sends all the time, served by Fastify directly (same auth, validation,
 * problems, logs and metrics as the controller routes; see `FastRoute`): reading a session and replacing its
 * selection.
 */
export function configFastRoutes(sessions: ConfigSessions, rateLimit: UpdateRateLimit): FastRoute[] {
  return [
    fastRoute({
      method: 'GET',
      url: '/v1/tenants/:tenantId/config-sessions/:sessionId',
      params: sessionParamsSchema,
      keyFamily: 'config-session',
      openapi: {
        summary: 'A configuration session (slides its expiry)',
        tags: ['config-sessions'],
        responses: {
          200: { description: 'The session', schema: sessionSchema, headers: { ETag: '"<version>"' } },
          ...problemResponses,
          404: { description: 'Unknown, expired, or another user’s session' },
          503: {
            description:
              'PostgreSQL unavailable while Redis misses, or a session younger than the snapshot lag that a failed ' +
              'Redis may have lost (Retry-After)',
          },
        },
      },
      async handle({ params, principal, reply }) {
        const session = await sessions.get(
          callerOf(params.tenantId, principal, reply.request),
          params.sessionId,
        );
        void reply.header('ETag', etagOf(session.version));
        return session;
      },
    }),
    fastRoute({
      method: 'PUT',
      url: '/v1/tenants/:tenantId/config-sessions/:sessionId/selections',
      params: sessionParamsSchema,
      body: selectionsBodySchema,
      keyFamily: 'config-session',
      openapi: {
        summary: 'Replace the selection of a session (If-Match: the version it was made against)',
        tags: ['config-sessions'],
        responses: {
          200: {
            description: 'The session at its next version, validated against its catalog version',
            schema: sessionSchema,
            headers: {
              ETag: '"<version>"',
              'RateLimit-Policy': '"config-updates";q=<quota>;w=60',
              RateLimit: '"config-updates";r=<remaining>;t=<reset s>',
            },
          },
          ...problemResponses,
          404: { description: 'Unknown, expired, or another user’s session' },
          409: { description: 'The session is finalized, or a finalize of it is in progress' },
          412: { description: 'If-Match names another version than the stored one' },
          428: { description: 'If-Match missing' },
          429: { description: 'Quota exceeded (Retry-After, violated-policies)' },
          503: {
            description:
              'Session store or PostgreSQL unavailable, or a session younger than the snapshot lag that a failed ' +
              'Redis may have lost (Retry-After); nothing was changed',
          },
        },
      },
      async handle({ params, body, principal, reply }) {
        const ifMatch = ifMatchVersion(reply.request.headers['if-match']);
        const caller = callerOf(params.tenantId, principal, reply.request);
        const decision = rateLimit.check(params.tenantId, principal.sub);
        const admitted = decision.then((d) => {
          if (!d.allowed) throw quotaExceeded(d);
        });
        admitted.catch(() => undefined); // handled below; the use case may fail before it awaits it
        const updated = sessions.updateSelections(
          caller,
          params.sessionId,
          ifMatch,
          body.selectedOptions as SelectedOption[],
          admitted,
        );
        updated.catch(() => undefined); // a rejected request discards it
        const verdict = await decision;
        void reply.headers({ ...rateLimitHeaders(verdict) });
        if (!verdict.allowed) throw quotaExceeded(verdict);
        const session = await updated;
        void reply.header('ETag', etagOf(session.version));
        return session;
      },
    }),
  ] as FastRoute[];
}

/** 429 with the violated policy (the limiter is fail-open: Redis down never refuses). */
function quotaExceeded(decision: RateLimitDecision): ProblemError {
  return new ProblemError({
    type: ProblemType.quotaExceeded,
    title: 'Quota exceeded',
    status: 429,
    detail: `rate limit exceeded: ${decision.violated.join(', ')}`,
    extensions: { 'violated-policies': decision.violated },
    headers: { ...rateLimitHeaders(decision) } as Record<string, string>,
  });
}
