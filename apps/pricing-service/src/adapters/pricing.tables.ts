import type { ColumnType, Generated } from 'kysely';

/** Typed tables of the `pricing` schema (migrations/pricing). */
export interface PricingTables {
  'pricing.tenant_price_books': {
    tenant_id: string;
    current_version: number;
    published_at: ColumnType<Date, Date | string, Date | string>;
  };
  'pricing.price_book_versions': {
    tenant_id: string;
    version: number;
    published_at: ColumnType<Date, Date | string, never>;
    entry_count: number;
    request_id: string | null;
  };
  'pricing.price_entries': {
    tenant_id: string;
    price_book_version: number;
    offer_id: string;
    currency: string;
    body: ColumnType<unknown, string, never>;
  };
  'pricing.offer_status': {
    tenant_id: string;
    offer_id: string;
    status: string;
    catalog_version: number;
    updated_at: Generated<Date>;
  };
}
