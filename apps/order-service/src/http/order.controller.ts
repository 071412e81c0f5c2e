import { Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import {
  ApiOperation,
  CurrentPrincipal,
  etagOf,
  IDEMPOTENT_REPLAYED_HEADER,
  ifMatchVersion,
  problemResponses,
  requestHashOf,
  requiredIdempotencyKey,
  RequireRoles,
  ZodBody,
  ZodParams,
  ZodQuery,
  type Principal,
} from '@cpq/platform';
import { rateLimitHeaders } from '@cpq/redis-runtime';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { OrderList } from '../application/order-reader';
import type { Order } from '../domain/order';
import type { OrderRuntime } from '../order-runtime';
import {
  captureBodySchema,
  listQuerySchema,
  orderListSchema,
  orderParamsSchema,
  orderSchema,
  tenantParamsSchema,
  transitionBodySchema,
} from './order.schemas';
import { quotaExceededProblem } from './quota-exceeded-problem';

export const ORDER_RUNTIME = Symbol('OrderRuntime');

const orderPath = (tenantId: string, orderId: string) => `/v1/tenants/${tenantId}/orders/${orderId}`;

@Controller('v1/tenants/:tenantId/orders')
export class OrderController {
  constructor(@Inject(ORDER_RUNTIME) private readonly runtime: OrderRuntime) {}

  @Post()
  @ApiOperation({
    summary: 'Capture an order, exactly once per Idempotency-Key',
    description:
      'The same key and the same body (canonical JSON) answer the stored response again with ' +
      '`Idempotent-Replayed: true`; another body with the key answers 422; while the first attempt runs, a repeat ' +
      'waits for it up to 5 s, else 409 with `Retry-After`. Keys live 24 h. With `configurationId`, the ' +
      'configuration must be finalized (known from cpq.config.finalized.v1) and the lines must carry its selected ' +
      'options. Rate limited per API client (JWT `azp`, else `sub`), fail-open.',
    tags: ['orders'],
    headers: {
      'Idempotency-Key': {
        description: '1..255 printable ASCII characters, one per intended order',
        required: true,
      },
    },
    responses: {
      201: {
        description: 'Captured (or the stored answer of an earlier request with this key)',
        schema: orderSchema,
        headers: {
          Location: 'The order',
          ETag: 'The order version, "1"',
          'Idempotent-Replayed': '"true" on a stored answer',
          'RateLimit-Policy': '"order-capture";q=<quota>;w=60',
          RateLimit: '"order-capture";r=<remaining>;t=<reset s>',
        },
      },
      ...problemResponses,
      409: { description: 'The first request with this key is still running (Retry-After)' },
      413: { description: 'Body over 256 KiB' },
      422: {
        description:
          'Key reused with another body (IDEMPOTENCY_KEY_REUSED), configuration not finalized ' +
          '(ORDER_CONFIGURATION_NOT_FINALIZED), lines not matching it (ORDER_CONFIGURATION_MISMATCH), amount out of range',
      },
      429: { description: 'Quota exceeded (Retry-After, violated-policies)' },
    },
  })
  async capture(
    @ZodParams(tenantParamsSchema) params: z.infer<typeof tenantParamsSchema>,
    @ZodBody(captureBodySchema) body: z.infer<typeof captureBodySchema>,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { tenantId } = params;
    const decision = await this.runtime.captureRateLimit.check(tenantId, principal.azp ?? principal.sub);
    if (!decision.allowed) throw quotaExceededProblem(decision);
    void reply.headers({ ...rateLimitHeaders(decision) });
    const idempotencyKey = requiredIdempotencyKey(request.headers['idempotency-key']);
    const path = `/v1/tenants/${tenantId}/orders`;
    const { response, replayed } = await this.runtime.capture.capture({
      tenantId,
      idempotencyKey,
      requestHash: requestHashOf({ method: 'POST', path, body }),
      request: body,
      requestId: String(request.id),
    });
    const order = response.responseBody as Order;
    // The stored status and body as they are (a replay is byte-identical), with the headers they imply.
    void reply
      .status(response.httpStatus)
      .header('Location', orderPath(tenantId, response.resourceId ?? order.orderId))
      .header('ETag', etagOf(order.version));
    if (replayed) void reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
    await reply.send(order);
  }

  @Get()
  @ApiOperation({
    summary: 'Orders of the tenant, newest first',
    tags: ['orders'],
    responses: { 200: { description: 'A page', schema: orderListSchema }, ...problemResponses },
  })
  list(
    @ZodParams(tenantParamsSchema) params: z.infer<typeof tenantParamsSchema>,
    @ZodQuery(listQuerySchema) query: z.infer<typeof listQuerySchema>,
  ): Promise<OrderList> {
    return this.runtime.reader.list(params.tenantId, query);
  }

  // GET :orderId is a fast route (order-fast-routes.ts).

  @Post(':orderId/transitions')
  @HttpCode(200)
  @RequireRoles('order:agent')
  @ApiOperation({
    summary: 'Move an order along its lifecycle',
    description:
      'Allowed: CAPTURED→SUBMITTED, CAPTURED→CANCELLED, SUBMITTED→FULFILLED, SUBMITTED→CANCELLED. ' +
      'Emits oms.order.status-changed.v1.',
    tags: ['orders'],
    headers: {
      'If-Match': { description: 'The version the change was made against, "<version>"', required: true },
    },
    responses: {
      200: {
        description: 'The order after the transition',
        schema: orderSchema,
        headers: { ETag: 'Its version' },
      },
      ...problemResponses,
      404: { description: 'No such order in this tenant' },
      409: { description: 'Transition not allowed from the current status (ORDER_TRANSITION_NOT_ALLOWED)' },
      412: { description: 'The order changed since that version' },
      428: { description: 'If-Match missing' },
    },
  })
  async transition(
    @ZodParams(orderParamsSchema) params: z.infer<typeof orderParamsSchema>,
    @ZodBody(transitionBodySchema) body: z.infer<typeof transitionBodySchema>,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Order> {
    const expectedVersion = ifMatchVersion(request.headers['if-match']);
    const order = await this.runtime.transitions.transition({
      tenantId: params.tenantId,
      orderId: params.orderId,
      expectedVersion,
      to: body.to,
      requestId: String(request.id),
    });
    void reply.header('ETag', etagOf(order.version));
    return order;
  }
}
