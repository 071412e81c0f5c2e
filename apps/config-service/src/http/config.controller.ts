import { Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import {
  ApiOperation,
  CurrentPrincipal,
  etagOf,
  ifMatchVersion,
  problemResponses,
  ZodBody,
  ZodParams,
  type Principal,
} from '@cpq/platform';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { ConfigSessions } from '../application/config-sessions';
import type { ConfigurationReader } from '../application/configuration-reader';
import type { Configuration, FinalizedSession, Session } from '../domain/session';
import { callerOf } from './caller';
import {
  configurationParamsSchema,
  configurationSchema,
  createSessionBodySchema,
  finalizedSessionSchema,
  sessionParamsSchema,
  sessionSchema,
  tenantParamsSchema,
} from './config.schemas';

// Reading a session and replacing its selection are fast routes (config-fast-routes.ts).

export const CONFIG_SESSIONS = Symbol('ConfigSessions');
export const CONFIGURATION_READER = Symbol('ConfigurationReader');

@Controller('v1/tenants/:tenantId')
export class ConfigController {
  constructor(
    @Inject(CONFIG_SESSIONS) private readonly sessions: ConfigSessions,
    @Inject(CONFIGURATION_READER) private readonly configurations: ConfigurationReader,
  ) {}

  @Post('config-sessions')
  @HttpCode(201)
  @RouteConfig({ keyFamily: 'config-session' })
  @ApiOperation({
    summary: 'Start a configuration session on a catalog version (default: the current one)',
    tags: ['config-sessions'],
    responses: {
      201: {
        description: 'The new session, version 1',
        schema: sessionSchema,
        headers: { ETag: '"1"', Location: 'The session' },
      },
      ...problemResponses,
      422: { description: 'No catalog published, or no such catalog version' },
      503: { description: 'The catalog cannot be read (Retry-After)' },
    },
  })
  async create(
    @ZodParams(tenantParamsSchema) params: z.infer<typeof tenantParamsSchema>,
    @ZodBody(createSessionBodySchema) body: z.infer<typeof createSessionBodySchema>,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Session> {
    const session = await this.sessions.create(
      callerOf(params.tenantId, principal, request),
      body?.catalogVersion,
    );
    void reply.header('ETag', etagOf(session.version));
    void reply.header('Location', `/v1/tenants/${params.tenantId}/config-sessions/${session.sessionId}`);
    return session;
  }

  @Post('config-sessions/:sessionId/finalize')
  @HttpCode(200)
  @RouteConfig({ keyFamily: 'config-session' })
  @ApiOperation({
    summary:
      'Finalize a session (If-Match): re-validates, then stores the configuration and its event at once',
    tags: ['config-sessions'],
    responses: {
      200: { description: 'Finalized', schema: finalizedSessionSchema, headers: { ETag: '"<version>"' } },
      ...problemResponses,
      404: { description: 'Unknown, expired, or another user’s session' },
      409: { description: 'Not valid (validationSummary), empty, or already finalized (configurationId)' },
      412: { description: 'If-Match names another version than the stored one' },
      428: { description: 'If-Match missing' },
      503: { description: 'The catalog, the session store or PostgreSQL unavailable (Retry-After)' },
    },
  })
  async finalize(
    @ZodParams(sessionParamsSchema) params: z.infer<typeof sessionParamsSchema>,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<FinalizedSession> {
    const ifMatch = ifMatchVersion(request.headers['if-match']);
    const finalized = await this.sessions.finalize(
      callerOf(params.tenantId, principal, request),
      params.sessionId,
      ifMatch,
    );
    void reply.header('ETag', etagOf(finalized.version));
    return finalized;
  }

  @Get('configurations/:configurationId')
  @ApiOperation({
    summary: 'A finalized configuration (from PostgreSQL)',
    tags: ['configurations'],
    responses: {
      200: { description: 'The configuration', schema: configurationSchema },
      ...problemResponses,
      404: { description: 'No such configuration in this tenant' },
      503: { description: 'PostgreSQL unavailable (Retry-After)' },
    },
  })
  configuration(
    @ZodParams(configurationParamsSchema) params: z.infer<typeof configurationParamsSchema>,
  ): Promise<Configuration> {
    return this.configurations.get(params.tenantId, params.configurationId);
  }
}
