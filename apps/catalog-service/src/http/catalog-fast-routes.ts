import { fastRoute, problemResponses, type FastRoute } from '@cpq/platform';
import type { CatalogReader, CurrentOffer } from '../application/catalog-reader';
import { offerParamsSchema, offerSchema, versionOfferParamsSchema } from './catalog.schemas';

/**
 * The two offer reads, the service's hottest routes, served by Fastify directly (same auth, validation,
 * problems, logs and metrics as the controller routes; see `FastRoute`).
 */
export function catalogFastRoutes(reader: CatalogReader): FastRoute[] {
  return [
    fastRoute({
      method: 'GET',
      url: '/v1/tenants/:tenantId/catalog/offers/:offerId',
      params: offerParamsSchema,
      keyFamily: 'catalog-offer',
      openapi: {
        summary: 'An offer of the current catalog version',
        tags: ['catalog'],
        responses: {
          200: {
            description: 'The offer',
            schema: offerSchema,
            headers: { 'Catalog-Version': 'The version it was read from' },
          },
          ...problemResponses,
          404: { description: 'No catalog published, or unknown offer' },
        },
      },
      handle({ params, reply }) {
        const answer = (current: CurrentOffer) => {
          void reply.header('Catalog-Version', String(current.catalogVersion));
          return current.offer;
        };
        const current = reader.currentOffer(params.tenantId, params.offerId);
        return current instanceof Promise ? current.then(answer) : answer(current);
      },
    }),
    fastRoute({
      method: 'GET',
      url: '/v1/tenants/:tenantId/catalog/versions/:version/offers/:offerId',
      params: versionOfferParamsSchema,
      keyFamily: 'catalog-offer',
      openapi: {
        summary: 'An offer of a given catalog version',
        tags: ['catalog'],
        responses: {
          200: { description: 'The offer', schema: offerSchema },
          ...problemResponses,
          404: { description: 'Unknown version or offer' },
        },
      },
      handle: ({ params }) => reader.offer(params.tenantId, params.version, params.offerId),
    }),
  ] as FastRoute[];
}
