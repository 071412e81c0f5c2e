import { type Kysely, sql } from 'kysely';

// Migrations are frozen in time: they take Kysely<any>, never the app's current table types.
/* eslint-disable @typescript-eslint/no-explicit-any */

// order-service's schema. An order, its lines, its number, its idempotency record and its captured event are
// written in one transaction; a transition updates the order guarded by status and version and writes its event in
// the same transaction. Order numbers come from one counter row per (tenant, year), taken with the row lock until
// the capture commits: gap-free and increasing. `configurations` is order-service's projection of
// cpq.config.finalized.v1 (only finalized configurations ever arrive). `job_fences` holds the fencing token of the
// last run of each fenced job (the retention purge), per the platform's fenced job runner.
const STATEMENTS = [
  `create table ordering.orders (
    tenant_id text not null,
    order_id uuid not null,
    order_number text not null,
    status text not null check (status in ('CAPTURED', 'SUBMITTED', 'CANCELLED', 'FULFILLED')),
    version integer not null check (version >= 1),
    currency text not null,
    customer_ref text,
    configuration_id text,
    total_amount_minor bigint not null check (total_amount_minor >= 0),
    seq bigint generated always as identity,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    primary key (tenant_id, order_id),
    unique (tenant_id, order_number)
  )`,
  `create index orders_list_idx on ordering.orders (tenant_id, seq desc)`,
  `create index orders_status_list_idx on ordering.orders (tenant_id, status, seq desc)`,
  `create table ordering.order_lines (
    tenant_id text not null,
    order_id uuid not null,
    line_no integer not null,
    offer_id text not null,
    quantity integer not null check (quantity >= 1),
    unit_amount_minor bigint not null check (unit_amount_minor >= 0),
    term_months integer not null,
    amount_minor bigint not null check (amount_minor >= 0),
    primary key (tenant_id, order_id, line_no),
    foreign key (tenant_id, order_id) references ordering.orders (tenant_id, order_id)
  )`,
  `create table ordering.order_number_counters (
    tenant_id text not null,
    year integer not null,
    last_value bigint not null,
    primary key (tenant_id, year)
  )`,
  `create table ordering.configurations (
    tenant_id text not null,
    configuration_id text not null,
    session_id text not null,
    owner_sub text not null,
    catalog_version integer not null,
    selected_options jsonb not null,
    status text not null default 'FINALIZED',
    event_id uuid not null,
    finalized_at timestamptz not null,
    received_at timestamptz not null default now(),
    primary key (tenant_id, configuration_id)
  )`,
  `create table ordering.idempotency_keys (
    tenant_id text not null,
    key_hash text not null,
    request_hash text not null,
    http_status int,
    response_body json,
    resource_id text,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    primary key (tenant_id, key_hash)
  )`,
  `create index idempotency_keys_expiry_idx on ordering.idempotency_keys (expires_at)`,
  `create table ordering.outbox (
    event_id uuid primary key,
    topic text not null,
    message_key text not null,
    event_type text not null,
    envelope jsonb not null,
    request_id text,
    created_at timestamptz not null default now(),
    published_at timestamptz,
    attempts int not null default 0,
    last_error text
  )`,
  `create index outbox_pending_idx on ordering.outbox (created_at) where published_at is null`,
  `create table ordering.inbox (
    consumer_group text not null,
    event_id uuid not null,
    event_type text not null,
    received_at timestamptz not null default now(),
    primary key (consumer_group, event_id)
  )`,
  `create table ordering.job_fences (
    job_name text primary key,
    fencing_token bigint not null,
    claimed_at timestamptz not null default now()
  )`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'job_fences',
    'inbox',
    'outbox',
    'idempotency_keys',
    'configurations',
    'order_number_counters',
    'order_lines',
    'orders',
  ]) {
    await sql.raw(`drop table ordering.${table}`).execute(db);
  }
}
