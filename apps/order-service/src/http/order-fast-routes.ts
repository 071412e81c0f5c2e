import { etagOf, fastRoute, problemResponses, type FastRoute } from '@cpq/platform';
import type { OrderReader } from '../application/order-reader';
import type { Order } from '../domain/order';
import { orderParamsSchema, orderSchema } from './order.schemas';

/**
 * `GET /orders/{id}`, the service's hottest read, served by Fastify directly (same auth, validation, problems, logs
 * and metrics as the controller routes; see `FastRoute`): a cached view costs one Redis GET and little else.
 */
export function orderFastRoutes(reader: OrderReader): FastRoute[] {
  return [
    fastRoute({
      method: 'GET',
      url: '/v1/tenants/:tenantId/orders/:orderId',
      params: orderParamsSchema,
      keyFamily: 'order-view',
      openapi: {
        summary: 'One order',
        tags: ['orders'],
        responses: {
          200: { description: 'The order', schema: orderSchema, headers: { ETag: 'The order version' } },
          ...problemResponses,
          404: { description: 'No such order in this tenant' },
        },
      },
      handle: ({ params, reply }) =>
        reader.get(params.tenantId, params.orderId).then((order: Order) => {
          void reply.header('ETag', etagOf(order.version));
          return order;
        }),
    }),
  ] as FastRoute[];
}
