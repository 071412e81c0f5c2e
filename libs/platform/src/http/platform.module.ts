import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { Registry } from 'prom-client';
import { AuthGuard } from '../auth/auth.guard';
import { Hs256TokenVerifier, JWT_VERIFIER, type TokenVerifier } from '../auth/jwt-verifier';
import type { FastRoute } from './fast-route';
import type { BaseServiceConfig } from '../config/base-service-config';
import {
  HEALTH_INDICATORS,
  HealthIndicatorRegistry,
  type HealthIndicator,
} from '../observability/health-indicators';
import { METRICS_REGISTRY } from '../observability/http-metrics';
import { loggerParams } from '../observability/logger-options';
import { FAST_ROUTES, OpenApiDocumentBuilder } from './openapi-document';
import { OperationalController, PLATFORM_SERVICE_NAME } from './operational.controller';

export const PLATFORM_CONFIG = Symbol('PLATFORM_CONFIG');

export interface PlatformModuleOptions {
  service: string;
  config: BaseServiceConfig;
  /** Shared by the HTTP histogram, redis-runtime's `RuntimeMetrics` and the app's own metrics. */
  registry: Registry;
  /** Indicators known up front; modules can add more through `HEALTH_INDICATORS`. */
  healthIndicators?: HealthIndicator[];
  /** @default an `Hs256TokenVerifier` of `AUTH_JWT_SECRET` */
  verifier?: TokenVerifier;
  /** Routes served by Fastify directly (documented here too). */
  fastRoutes?: readonly FastRoute[];
  /** Where log lines go. @default stdout */
  logStream?: NodeJS.WritableStream;
}

/**
 * Everything every service shares, global: logger, metrics registry, token verifier, the auth guard,
 * health indicators and the operational routes. `createServiceApp` imports it; apps do not.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformModuleOptions): DynamicModule {
    return {
      module: PlatformModule,
      imports: [
        DiscoveryModule,
        LoggerModule.forRoot(
          loggerParams({
            service: options.service,
            level: options.config.LOG_LEVEL,
            stream: options.logStream,
          }),
        ),
      ],
      controllers: [OperationalController],
      providers: [
        { provide: PLATFORM_SERVICE_NAME, useValue: options.service },
        { provide: PLATFORM_CONFIG, useValue: options.config },
        { provide: METRICS_REGISTRY, useValue: options.registry },
        {
          provide: JWT_VERIFIER,
          useValue: options.verifier ?? new Hs256TokenVerifier(options.config.AUTH_JWT_SECRET),
        },
        { provide: FAST_ROUTES, useValue: options.fastRoutes ?? [] },
        { provide: HEALTH_INDICATORS, useValue: new HealthIndicatorRegistry(options.healthIndicators) },
        { provide: APP_GUARD, useClass: AuthGuard },
        OpenApiDocumentBuilder,
      ],
      exports: [PLATFORM_SERVICE_NAME, PLATFORM_CONFIG, METRICS_REGISTRY, JWT_VERIFIER, HEALTH_INDICATORS],
    };
  }
}
