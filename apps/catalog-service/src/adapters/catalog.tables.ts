import type { ColumnType } from 'kysely';

/** Typed tables of the `catalog` schema (migrations/catalog). */
export interface CatalogTables {
  'catalog.tenant_catalogs': {
    tenant_id: string;
    current_version: number;
    published_at: ColumnType<Date, Date | string, Date | string>;
  };
  'catalog.catalog_versions': {
    tenant_id: string;
    version: number;
    published_at: ColumnType<Date, Date | string, never>;
    offer_count: number;
    request_id: string | null;
  };
  'catalog.offers': {
    tenant_id: string;
    catalog_version: number;
    offer_id: string;
    status: string;
    body: ColumnType<unknown, string, never>;
  };
}
