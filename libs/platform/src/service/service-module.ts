import {
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
  type Provider,
  type Type,
} from '@nestjs/common';

const SERVICE_RUNTIME = Symbol('ServiceRuntime');

/** Closes the runtime after Nest has drained in-flight requests: its own parts, consumers, relay, Redis, PostgreSQL. */
@Injectable()
class ServiceLifecycle implements OnApplicationShutdown {
  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: { close(): Promise<void> }) {}

  async onApplicationShutdown(): Promise<void> {
    await this.runtime.close();
  }
}

export interface ServiceModuleOptions {
  controllers: Type<unknown>[];
  /** What the controllers inject, usually parts of the runtime: `{ provide: CATALOG_READER, useValue: runtime.reader }`. */
  providers?: Provider[];
}

/**
 * A service's Nest module over its already built runtime (`createService`'s `module`): the controllers, the
 * providers they inject, and the shutdown hook that closes the runtime.
 */
export function serviceModule(
  runtime: { close(): Promise<void> },
  options: ServiceModuleOptions,
): Type<unknown> {
  @Module({
    controllers: options.controllers,
    providers: [
      { provide: SERVICE_RUNTIME, useValue: runtime },
      ...(options.providers ?? []),
      ServiceLifecycle,
    ],
  })
  class ServiceModule {}
  return ServiceModule;
}
