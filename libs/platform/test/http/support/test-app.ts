import { PassThrough } from 'node:stream';
import { Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { z } from 'zod';
import {
  ApiOperation,
  createServiceApp,
  CurrentPrincipal,
  parseConfig,
  baseServiceConfigSchema,
  PublicRoute,
  registerProblemMapping,
  RequireRoles,
  signDevToken,
  ZodBody,
  ZodParams,
  ZodQuery,
  ProblemType,
  PUBLISH_BODY_LIMIT_BYTES,
  fastRoute,
  type HealthIndicator,
  type HealthStatus,
  type Principal,
} from './platform-http';

export const SECRET = 'test-secret-that-is-at-least-32-characters-long';

const tenantParams = z.object({ tenantId: z.string() });
export const thingBodySchema = z.object({
  name: z.string().min(1).max(50),
  quantity: z.number().int().min(1),
  tags: z.array(z.string()).optional(),
});
const thingResponse = z.object({ id: z.string(), name: z.string(), quantity: z.number().int() });
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });

class ThingLockedError extends Error {
  readonly code = 'TEST_THING_LOCKED';
}
registerProblemMapping(ThingLockedError, () => ({
  type: ProblemType.conflict,
  title: 'Conflict',
  status: 409,
  detail: 'The thing is locked.',
  headers: { 'Retry-After': '3' },
}));

/** Lets a test hold the slow route open until it decides: `started` resolves when the handler runs. */
export function armSlowGate(): { started: Promise<void>; release: () => void } {
  let markStarted!: () => void;
  let release!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  slowGate = { markStarted, released };
  return { started, release };
}
let slowGate = { markStarted: () => {}, released: Promise.resolve() };

@Controller('v1/ping')
class PingController {
  @PublicRoute()
  @Get()
  @ApiOperation({ summary: 'Public ping', responses: { 200: { description: 'pong' } } })
  ping() {
    return { pong: true };
  }
}

@Controller('v1/tenants/:tenantId/things')
class ThingsController {
  @Get()
  @RouteConfig({ keyFamily: 'test-cache' })
  @ApiOperation({ summary: 'List things', tags: ['things'], responses: { 200: { description: 'things' } } })
  list(@ZodParams(tenantParams) params: { tenantId: string }, @ZodQuery(listQuery) query: { limit: number }) {
    return { tenantId: params.tenantId, limit: query.limit };
  }

  @Post()
  @HttpCode(201)
  @RequireRoles('catalog:admin')
  @ApiOperation({
    summary: 'Create a thing',
    tags: ['things'],
    responses: {
      201: { description: 'created', schema: thingResponse, headers: { Location: 'the new thing' } },
    },
  })
  create(
    @ZodBody(thingBodySchema) body: z.infer<typeof thingBodySchema>,
    @CurrentPrincipal() principal: Principal,
  ) {
    return { id: 'thing-1', name: body.name, quantity: body.quantity, by: principal.sub };
  }

  /** Takes bodies up to 8 MiB, like the contract's two publish routes. */
  @Post('bulk')
  @HttpCode(201)
  @RouteConfig({ bodyLimit: PUBLISH_BODY_LIMIT_BYTES })
  @ApiOperation({ summary: 'Create many things', responses: { 201: { description: 'created' } } })
  bulk(@ZodBody(z.strictObject({ tags: z.array(z.string()) })) body: { tags: string[] }) {
    return { count: body.tags.length };
  }

  @Post('touch')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Touch the things (the body may be left out)',
    responses: { 204: { description: 'touched' } },
  })
  touch(@ZodBody(z.strictObject({ note: z.string().optional() }).optional()) _body: unknown) {}

  @Get('boom')
  boom(): never {
    throw new Error('secret internal detail at /srv/app');
  }

  @Get('locked')
  locked(): never {
    throw new ThingLockedError('locked');
  }

  @Get('slow')
  async slow() {
    slowGate.markStarted();
    await slowGate.released;
    return { slow: 'done' };
  }
}

/** A fast route with a body limit of its own (1 MiB). */
const fastBulk = fastRoute({
  method: 'POST',
  url: '/v1/tenants/:tenantId/fast-bulk',
  params: tenantParams,
  body: z.strictObject({ tags: z.array(z.string()) }),
  bodyLimit: 1024 * 1024,
  status: 201,
  openapi: { summary: 'Create many things, fast', responses: { 201: { description: 'created' } } },
  handle: ({ body }) => ({ count: body.tags.length }),
});

@Module({ controllers: [PingController, ThingsController] })
class TestFeatureModule {}

export class SwitchableIndicator implements HealthIndicator {
  status: HealthStatus = 'up';
  constructor(
    readonly name: string,
    readonly critical: boolean,
  ) {}
  async check() {
    return this.status;
  }
}

export interface TestApp {
  app: NestFastifyApplication;
  baseUrl: string;
  logLines: () => Array<Record<string, unknown>>;
  indicators: { postgres: SwitchableIndicator; redis: SwitchableIndicator };
  close: () => Promise<void>;
}

export async function startTestApp(): Promise<TestApp> {
  const config = parseConfig(baseServiceConfigSchema, {
    PORT: '0',
    AUTH_JWT_SECRET: SECRET,
    LOG_LEVEL: 'info',
  });
  const stream = new PassThrough();
  const lines: string[] = [];
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    lines.push(...parts.filter((line) => line.length > 0));
  });
  const indicators = {
    postgres: new SwitchableIndicator('postgres', true),
    redis: new SwitchableIndicator('redis-cache', false),
  };
  const app = await createServiceApp({
    service: 'test-service',
    module: TestFeatureModule,
    fastRoutes: [fastBulk],
    config,
    healthIndicators: [indicators.postgres, indicators.redis],
    logger: { stream },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  let closed = false;
  return {
    app,
    baseUrl: `http://127.0.0.1:${address.port}`,
    logLines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    indicators,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}

export function token(
  overrides: Partial<{
    tenantId: string;
    sub: string;
    roles: string[];
    ttlSeconds: number;
    secret: string;
  }> = {},
) {
  return signDevToken({
    secret: overrides.secret ?? SECRET,
    tenantId: overrides.tenantId ?? 't1',
    sub: overrides.sub ?? 'user-1',
    roles: overrides.roles ?? [],
    ttlSeconds: overrides.ttlSeconds ?? 600,
  });
}
