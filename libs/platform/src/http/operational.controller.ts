import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import { PublicRoute } from '../auth/auth.decorators';
import { HEALTH_INDICATORS, type HealthIndicatorRegistry } from '../observability/health-indicators';
import { METRICS_REGISTRY } from '../observability/http-metrics';
import { OpenApiDocumentBuilder } from './openapi-document';
import { PROBLEM_CONTENT_TYPE, ProblemError, ProblemType } from './problem';
import { DATABASE_RETRY_AFTER_SECONDS } from './problem-mappings';

export const PLATFORM_SERVICE_NAME = Symbol('PLATFORM_SERVICE_NAME');

const SWAGGER_ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js']);

/** `/health/*`, `/metrics`, `/docs`: no authentication, no tenant. */
@PublicRoute()
@Controller()
export class OperationalController {
  private openApiJson: string | undefined;

  constructor(
    @Inject(HEALTH_INDICATORS) private readonly health: HealthIndicatorRegistry,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(PLATFORM_SERVICE_NAME) private readonly service: string,
    private readonly openApi: OpenApiDocumentBuilder,
  ) {}

  @Get('health/live')
  live(): { status: 'up' } {
    return { status: 'up' };
  }

  @Get('health/ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    const report = await this.health.readiness();
    if (report.status !== 'down') return report;
    // a load balancer or client polling readiness: the database's retry hint (PostgreSQL is the critical dependency)
    void reply
      .status(503)
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .header('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
    return new ProblemError({
      type: ProblemType.serviceUnavailable,
      title: 'Service Unavailable',
      status: 503,
      detail: 'A critical dependency is down.',
      extensions: { checks: report.checks },
    }).toProblem();
  }

  @Get('metrics')
  async metrics(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    void reply.header('content-type', this.registry.contentType);
    return this.registry.metrics();
  }

  @Get('docs/openapi.json')
  openApiDocument(@Res({ passthrough: true }) reply: FastifyReply): string {
    // Built once, on first use: every controller is registered by then.
    this.openApiJson ??= JSON.stringify(this.openApi.build({ title: this.service, version: '1' }));
    void reply.header('content-type', 'application/json; charset=utf-8');
    return this.openApiJson;
  }

  @Get('docs')
  docs(@Res({ passthrough: true }) reply: FastifyReply): string {
    void reply.header('content-type', 'text/html; charset=utf-8');
    return swaggerHtml(this.service);
  }

  @Get('docs/assets/:file')
  async docsAsset(
    @Param('file') file: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    if (!SWAGGER_ASSETS.has(file)) throw ProblemError.notFound('No such documentation asset.');
    const dir = path.dirname(require.resolve('swagger-ui-dist/package.json'));
    void reply.header('content-type', file.endsWith('.css') ? 'text/css' : 'text/javascript');
    return readFile(path.join(dir, file));
  }
}

function swaggerHtml(service: string): string {
  const title = service.replace(/[^a-z0-9 _-]/gi, '');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${title} API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({ url: '/docs/openapi.json', dom_id: '#swagger-ui', deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });
  </script>
</body>
</html>`;
}
