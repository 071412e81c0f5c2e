import { Inject, Module, type OnApplicationShutdown, type Type } from '@nestjs/common';
import { CATALOG_PUBLISHER, CATALOG_READER, CatalogController } from './http/catalog.controller';
import type { CatalogRuntime } from './catalog-runtime';

export const CATALOG_RUNTIME = Symbol('CatalogRuntime');

/** Closes the runtime after Nest has drained in-flight requests: consumers, relay, Redis, PostgreSQL. */
class CatalogLifecycle implements OnApplicationShutdown {
  constructor(@Inject(CATALOG_RUNTIME) private readonly runtime: CatalogRuntime) {}

  async onApplicationShutdown(): Promise<void> {
    await this.runtime.close();
  }
}

/** The catalog module over an already built runtime (see `openCatalogRuntime`). */
export function catalogModule(runtime: CatalogRuntime): Type<unknown> {
  @Module({
    controllers: [CatalogController],
    providers: [
      { provide: CATALOG_RUNTIME, useValue: runtime },
      { provide: CATALOG_READER, useValue: runtime.reader },
      { provide: CATALOG_PUBLISHER, useValue: runtime.publisher },
      CatalogLifecycle,
    ],
  })
  class CatalogModule {}
  return CatalogModule;
}
