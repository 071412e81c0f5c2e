import { Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import {
  ApiOperation,
  CurrentPrincipal,
  RequireRoles,
  ZodBody,
  ZodParams,
  type Principal,
} from '@cpq/platform';
import { rateLimitHeaders, type RateLimiter } from '@cpq/redis-runtime';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { PriceBookPublisher } from '../application/price-book-publisher';
import type { PriceCalculator } from '../application/price-calculator.service';
import { checkPriceRateLimit, rateLimitProblem } from '../application/price-rate-limit';
import type { Price, PriceEntry, PublishedPriceBook } from '../domain/price-book';
import {
  calculateBodySchema,
  priceSchema,
  publishPriceBookBodySchema,
  publishedPriceBookSchema,
  tenantParamsSchema,
} from './pricing.schemas';

export const PRICE_BOOK_PUBLISHER = Symbol('PriceBookPublisher');
export const PRICE_CALCULATOR = Symbol('PriceCalculator');
export const PRICE_RATE_LIMITER = Symbol('PriceRateLimiter');

const problems = {
  400: { description: 'Invalid request (problem+json)' },
  401: { description: 'Missing, invalid or expired token' },
  403: { description: 'Token of another tenant, or missing role' },
};

@Controller('v1/tenants/:tenantId')
export class PricingController {
  constructor(
    @Inject(PRICE_BOOK_PUBLISHER) private readonly publisher: PriceBookPublisher,
    @Inject(PRICE_CALCULATOR) private readonly calculator: PriceCalculator,
    @Inject(PRICE_RATE_LIMITER) private readonly limiter: RateLimiter,
  ) {}

  @Post('pricebooks/versions')
  @HttpCode(201)
  @RequireRoles('pricing:admin')
  @ApiOperation({
    summary: 'Publish a price book as the next immutable version and make it current',
    tags: ['pricing'],
    responses: {
      201: { description: 'Published', schema: publishedPriceBookSchema },
      ...problems,
      413: { description: 'Body over 256 KiB' },
    },
  })
  async publish(
    @ZodParams(tenantParamsSchema) params: z.infer<typeof tenantParamsSchema>,
    @ZodBody(publishPriceBookBodySchema) body: z.infer<typeof publishPriceBookBodySchema>,
    @Req() request: FastifyRequest,
  ): Promise<Pick<PublishedPriceBook, 'priceBookVersion' | 'entryCount'>> {
    const published = await this.publisher.publish(
      params.tenantId,
      body.entries as PriceEntry[],
      String(request.id),
    );
    return { priceBookVersion: published.priceBookVersion, entryCount: published.entryCount };
  }

  /**
   * Rate limited per tenant and per user (one check, fail-closed). The limiter and the price-cache read start
   * together; the limiter is awaited first, and a rejected request discards the read and touches no PostgreSQL
   * table (the offer-status lookup waits for admission).
   */
  @Post('prices/calculate')
  @HttpCode(200)
  @ApiOperation({
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
      ...problems,
      404: { description: 'No price book, unknown version, or no price for the offer in this currency' },
      422: { description: 'The offer is retired or not in the catalog' },
      429: { description: 'Quota exceeded (Retry-After, violated-policies)' },
      503: { description: 'Rate limiter unavailable and local budget spent (Retry-After)' },
    },
  })
  async calculate(
    @ZodParams(tenantParamsSchema) params: z.infer<typeof tenantParamsSchema>,
    @ZodBody(calculateBodySchema) body: z.infer<typeof calculateBodySchema>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Price> {
    const { priceBookVersion, ...request } = body;
    const decision = checkPriceRateLimit(this.limiter, params.tenantId, principal.sub);
    const admitted = decision.then((d) => {
      if (!d.allowed) throw rateLimitProblem(d);
    });
    admitted.catch(() => undefined); // handled: calculate may fail (or still be resolving) before awaiting it
    const price = this.calculator.calculate(params.tenantId, request, priceBookVersion, admitted);
    price.catch(() => undefined); // a rejected request discards it
    const verdict = await decision;
    if (!verdict.allowed) throw rateLimitProblem(verdict);
    void reply.headers({ ...rateLimitHeaders(verdict) });
    return price;
  }
}
