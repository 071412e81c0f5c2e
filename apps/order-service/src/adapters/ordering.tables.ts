import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** PostgreSQL bigint comes back as a string (exact); written from a number or string. */
type BigIntColumn = ColumnType<string, number | string | bigint, number | string | bigint>;

/** Typed tables of the `ordering` schema (migrations/ordering). */
export interface OrderingTables {
  'ordering.orders': {
    tenant_id: string;
    order_id: string;
    order_number: string;
    status: string;
    version: number;
    currency: string;
    customer_ref: string | null;
    configuration_id: string | null;
    total_amount_minor: BigIntColumn;
    seq: ColumnType<string, never, never>;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  'ordering.order_lines': {
    tenant_id: string;
    order_id: string;
    line_no: number;
    offer_id: string;
    quantity: number;
    unit_amount_minor: BigIntColumn;
    term_months: number;
    amount_minor: BigIntColumn;
  };
  'ordering.order_number_counters': {
    tenant_id: string;
    year: number;
    last_value: BigIntColumn;
  };
  'ordering.configurations': {
    tenant_id: string;
    configuration_id: string;
    session_id: string;
    owner_sub: string;
    catalog_version: number;
    selected_options: ColumnType<unknown, string, string>;
    status: Generated<string>;
    event_id: string;
    finalized_at: Timestamp;
    received_at: Generated<Date>;
  };
  'ordering.job_fences': {
    job_name: string;
    fencing_token: BigIntColumn;
    claimed_at: Generated<Date>;
  };
}
