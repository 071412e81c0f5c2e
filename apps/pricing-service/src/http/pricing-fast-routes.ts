import { fastRoute, problemResponses, type FastRoute } from '@cpq/platform';
import { rateLimitHeaders } from '@cpq/redis-runtime';
import type { PriceCalculator } from '../application/price-calculator.service';
import type { PricingRateLimiters } from '../application/price-rate-limit';
import { calculateBodySchema, priceSchema, tenantParamsSchema } from './pricing.schemas';
import { rateLimitProblem } from './rate-limit-problem';

/**
 * The calculate route, the service's hottest, served by Fastify directly (same auth, validation, problems, logs
 * and metrics as the controller routes; see `FastRoute`).
 *
 * Rate limited per tenant and per user in one check, fail-closed. The limiter and the price-cache read start
 * together, so a cached answer waits for one Redis round trip; the decision is awaited first, and a rejected
 * request discards the read and touches no PostgreSQL table (the calculator waits for admission before it does).
 */
export function pricingFastRoutes(calculator: PriceCalculator, rateLimits: PricingRateLimiters): FastRoute[] {
  return [
    fastRoute({
      method: 'POST',
      url: '/v1/tenants/:tenantId/prices/calculate',
      params: tenantParamsSchema,
      body: calculateBodySchema,
      keyFamily: 'price',
      openapi: {
        summary: 'Calculate the price of an offer',
        tags: ['pricing'],
        responses: {
          200: {
            description: 'The price',
            schema: priceSchema,
            headers: {
              'RateLimit-Policy': 'The most restrictive policy: "<name>";q=<quota>;w=<window s>',
              RateLimit: 'Its state: "<name>";r=<remaining>;t=<reset s>',
            },
          },
          ...problemResponses,
          404: { description: 'No price book, unknown version, or no price for the offer in this currency' },
          422: { description: 'The offer is retired or not in the catalog' },
          429: { description: 'Quota exceeded (Retry-After, violated-policies)' },
          503: {
            description:
              'Rate limiter unavailable and local budget spent, or PostgreSQL unavailable (Retry-After)',
          },
        },
      },
      async handle({ params, body, principal, reply }) {
        const { priceBookVersion, ...request } = body;
        const decision = rateLimits.check(params.tenantId, principal.sub);
        const admitted = decision.then((d) => {
          if (!d.allowed) throw rateLimitProblem(d);
        });
        admitted.catch(() => undefined); // handled: calculate may fail (or still be resolving) before awaiting it
        const price = calculator.calculate(params.tenantId, request, priceBookVersion, admitted);
        price.catch(() => undefined); // a rejected request discards it
        const verdict = await decision;
        if (!verdict.allowed) throw rateLimitProblem(verdict);
        void reply.headers({ ...rateLimitHeaders(verdict) });
        return price;
      },
    }),
  ] as FastRoute[];
}
