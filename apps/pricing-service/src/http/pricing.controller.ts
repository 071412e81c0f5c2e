import { Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import {
  ApiOperation,
  problemResponses,
  PUBLISH_BODY_LIMIT_BYTES,
  RequireRoles,
  ZodBody,
  ZodParams,
} from '@cpq/platform';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { PriceBookPublisher } from '../application/price-book-publisher';
import type { PriceEntry, PublishedPriceBook } from '../domain/price-book';
import { publishPriceBookBodySchema, publishedPriceBookSchema, tenantParamsSchema } from './pricing.schemas';

export const PRICE_BOOK_PUBLISHER = Symbol('PriceBookPublisher');

@Controller('v1/tenants/:tenantId')
export class PricingController {
  constructor(@Inject(PRICE_BOOK_PUBLISHER) private readonly publisher: PriceBookPublisher) {}

  @Post('pricebooks/versions')
  @HttpCode(201)
  @RequireRoles('pricing:admin')
  @RouteConfig({ bodyLimit: PUBLISH_BODY_LIMIT_BYTES })
  @ApiOperation({
    summary: 'Publish a price book as the next immutable version and make it current',
    tags: ['pricing'],
    responses: {
      201: { description: 'Published', schema: publishedPriceBookSchema },
      ...problemResponses,
      413: { description: 'Body over 8 MiB' },
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
}
