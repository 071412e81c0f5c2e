import { serviceModule } from '@cpq/platform';
import type { Type } from '@nestjs/common';
import { CATALOG_PUBLISHER, CATALOG_READER, CatalogController } from './http/catalog.controller';
import type { CatalogRuntime } from './catalog-runtime';

/** The catalog module over an already built runtime (see `openCatalogRuntime`); it closes the runtime on shutdown. */
export function catalogModule(runtime: CatalogRuntime): Type<unknown> {
  return serviceModule(runtime, {
    controllers: [CatalogController],
    providers: [
      { provide: CATALOG_READER, useValue: runtime.reader },
      { provide: CATALOG_PUBLISHER, useValue: runtime.publisher },
    ],
  });
}
