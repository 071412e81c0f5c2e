import { Controller, Get, HttpCode, Inject, Post, Req } from '@nestjs/common';
import {
  ApiOperation,
  problemResponses,
  PUBLISH_BODY_LIMIT_BYTES,
  RequireRoles,
  ZodBody,
  ZodParams,
  ZodQuery,
} from '@cpq/platform';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { CatalogPublisher } from '../application/catalog-publisher';
import type { CatalogReader } from '../application/catalog-reader';
import type { CurrentCatalog, Offer, OfferPage, PublishedCatalog } from '../domain/offer';

// The two offer reads are fast routes (catalog-fast-routes.ts).
import {
  currentCatalogSchema,
  offerPageQuerySchema,
  offerPageSchema,
  publishCatalogBodySchema,
  publishedCatalogSchema,
  tenantParamsSchema,
  versionParamsSchema,
} from './catalog.schemas';

export const CATALOG_READER = Symbol('CatalogReader');
export const CATALOG_PUBLISHER = Symbol('CatalogPublisher');

@Controller('v1/tenants/:tenantId/catalog')
export class CatalogController {
  constructor(
    @Inject(CATALOG_READER) private readonly reader: CatalogReader,
    @Inject(CATALOG_PUBLISHER) private readonly publisher: CatalogPublisher,
  ) {}

  @Post('versions')
  @HttpCode(201)
  @RequireRoles('catalog:admin')
  @RouteConfig({ bodyLimit: PUBLISH_BODY_LIMIT_BYTES })
  @ApiOperation({
    summary: 'Publish a catalog as the next immutable version and make it current',
    tags: ['catalog'],
    responses: {
      201: { description: 'Published', schema: publishedCatalogSchema },
      ...problemResponses,
      413: { description: 'Body over 8 MiB' },
    },
  })
  publish(
    @ZodParams(tenantParamsSchema) params: z.infer<typeof tenantParamsSchema>,
    @ZodBody(publishCatalogBodySchema) body: z.infer<typeof publishCatalogBodySchema>,
    @Req() request: FastifyRequest,
  ): Promise<PublishedCatalog> {
    return this.publisher.publish(params.tenantId, body.offers as Offer[], String(request.id));
  }

  @Get()
  @RouteConfig({ keyFamily: 'catalog-current' })
  @ApiOperation({
    summary: 'The current catalog version',
    tags: ['catalog'],
    responses: {
      200: { description: 'Current version', schema: currentCatalogSchema },
      ...problemResponses,
      404: { description: 'None published' },
    },
  })
  current(
    @ZodParams(tenantParamsSchema) params: z.infer<typeof tenantParamsSchema>,
  ): Promise<CurrentCatalog> {
    return this.reader.current(params.tenantId);
  }

  @Get('versions/:version/offers')
  @RouteConfig({ keyFamily: 'catalog-offer-page' })
  @ApiOperation({
    summary: 'A page of offers of a catalog version, ordered by offerId',
    tags: ['catalog'],
    responses: {
      200: { description: 'The page', schema: offerPageSchema },
      ...problemResponses,
      404: { description: 'Unknown version' },
    },
  })
  page(
    @ZodParams(versionParamsSchema) params: z.infer<typeof versionParamsSchema>,
    @ZodQuery(offerPageQuerySchema) query: z.infer<typeof offerPageQuerySchema>,
  ): Promise<OfferPage> {
    return this.reader.page(params.tenantId, params.version, query.limit, query.cursor);
  }
}
