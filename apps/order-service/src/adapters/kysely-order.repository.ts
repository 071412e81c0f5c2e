import { appendToOutbox, retryableTransaction } from '@cpq/platform';
import { messageKey, type ConfigFinalizedPayload, type EventEnvelope } from '@cpq/contracts';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type {
  FinalizedConfiguration,
  OrderPage,
  OrderRepository,
  ReservedNumber,
  TransitionResult,
  Tx,
} from '../application/order.repository';
import type { SelectedOption } from '../domain/configuration-match';
import { orderView, type Order, type OrderLine, type OrderStatus } from '../domain/order';
import { formatOrderNumber } from '../domain/order-number';
import type { OrderingTables } from './ordering.tables';

/** An order row with its lines aggregated as JSON (see `VIEW_COLUMNS`). */
interface OrderRow {
  order_id: string;
  order_number: string;
  status: string;
  version: number;
  currency: string;
  customer_ref: string | null;
  configuration_id: string | null;
  total_amount_minor: string;
  created_at: Date;
  updated_at: Date;
  seq: string;
  lines: {
    offerId: string;
    quantity: number;
    unitAmountMinor: number;
    termMonths: number;
    amountMinor: number;
  }[];
}

/** The columns of the order view, lines included, of an `ordering.orders` row aliased `o`. */
const VIEW_COLUMNS = sql`o.order_id, o.order_number, o.status, o.version, o.currency, o.customer_ref,
  o.configuration_id, o.total_amount_minor, o.created_at, o.updated_at, o.seq,
  (select coalesce(json_agg(json_build_object('offerId', l.offer_id, 'quantity', l.quantity,
      'unitAmountMinor', l.unit_amount_minor, 'termMonths', l.term_months, 'amountMinor', l.amount_minor)
      order by l.line_no), '[]'::json)
   from ordering.order_lines l where l.tenant_id = o.tenant_id and l.order_id = o.order_id) as lines`;

type Db = Kysely<OrderingTables>;
const trxOf = (tx: Tx) => tx as unknown as Transaction<OrderingTables>;

export class KyselyOrderRepository implements OrderRepository {
  constructor(private readonly db: Db) {}

  async findConfiguration(
    tx: Tx,
    tenantId: string,
    configurationId: string,
  ): Promise<FinalizedConfiguration | undefined> {
    const row = await trxOf(tx)
      .selectFrom('ordering.configurations')
      .select(['catalog_version', 'selected_options'])
      .where('tenant_id', '=', tenantId)
      .where('configuration_id', '=', configurationId)
      .where('status', '=', 'FINALIZED')
      .executeTakeFirst();
    return (
      row && {
        configurationId,
        catalogVersion: row.catalog_version,
        selectedOptions: row.selected_options as SelectedOption[],
      }
    );
  }

  async reserveOrderNumber(tx: Tx, tenantId: string): Promise<ReservedNumber> {
    // The counter row stays locked until the capture commits: numbers are gap-free and follow commit order.
    const { rows } = await sql<{ year: number; last_value: string; created_at: Date }>`
      insert into ordering.order_number_counters as c (tenant_id, year, last_value)
      values (${tenantId}, extract(year from now() at time zone 'UTC')::int, 1)
      on conflict (tenant_id, year) do update set last_value = c.last_value + 1
      returning c.year, c.last_value, now() as created_at`.execute(trxOf(tx));
    const row = rows[0]!;
    return {
      orderNumber: formatOrderNumber(row.year, Number(row.last_value)),
      createdAt: row.created_at.toISOString(),
    };
  }

  async insertCaptured(
    tx: Tx,
    tenantId: string,
    order: Order,
    event: EventEnvelope,
    requestId?: string,
  ): Promise<void> {
    const lines = order.lines;
    // One statement: the order, its lines (arrays unnested: five parameters whatever the line count) and the
    // captured event's outbox row.
    await sql`
      with o as (
        insert into ordering.orders (tenant_id, order_id, order_number, status, version, currency, customer_ref,
          configuration_id, total_amount_minor, created_at, updated_at)
        values (${tenantId}, ${order.orderId}, ${order.orderNumber}, ${order.status}, ${order.version},
          ${order.currency}, ${order.customerRef ?? null}, ${order.configurationId ?? null},
          ${order.totalAmountMinor}, ${order.createdAt}, ${order.updatedAt})
      ),
      l as (
        insert into ordering.order_lines (tenant_id, order_id, line_no, offer_id, quantity, unit_amount_minor,
          term_months, amount_minor)
        select ${tenantId}, ${order.orderId}, t.line_no, t.offer_id, t.quantity, t.unit_amount_minor,
          t.term_months, t.amount_minor
        from unnest(${lines.map((l) => l.offerId)}::text[], ${lines.map((l) => l.quantity)}::int[],
          ${lines.map((l) => l.unitAmountMinor)}::bigint[], ${lines.map((l) => l.termMonths)}::int[],
          ${lines.map((l) => l.amountMinor)}::bigint[])
          with ordinality as t(offer_id, quantity, unit_amount_minor, term_months, amount_minor, line_no)
      )
      insert into ordering.outbox (event_id, topic, message_key, event_type, envelope, request_id)
      values (${event.eventId}, ${event.eventType}, ${messageKey(event)}, ${event.eventType},
        ${JSON.stringify(event)}::jsonb, ${requestId ?? null})`.execute(trxOf(tx));
  }

  transition(
    tenantId: string,
    orderId: string,
    expectedVersion: number,
    to: OrderStatus,
    from: readonly OrderStatus[],
    event: (changed: { order: Order; from: OrderStatus }) => EventEnvelope,
    requestId?: string,
  ): Promise<TransitionResult> {
    return retryableTransaction(this.db, async (trx) => {
      // The guard is in the WHERE: the version the client read and a status the transition starts from. `cur`
      // locks the row first, so `from` is the status this update replaced even under concurrent transitions.
      const { rows } = await sql<OrderRow & { from_status: OrderStatus }>`
        with cur as (
          select order_id, status from ordering.orders
          where tenant_id = ${tenantId} and order_id = ${orderId}
          for update
        ),
        o as (
          update ordering.orders u set status = ${to}, version = u.version + 1, updated_at = now()
          from cur
          where u.tenant_id = ${tenantId} and u.order_id = cur.order_id and u.version = ${expectedVersion}
            and cur.status = any(${[...from]}::text[])
          returning u.*, cur.status as from_status
        )
        select ${VIEW_COLUMNS}, o.from_status from o`.execute(trx);
      const changed = rows[0];
      if (!changed) {
        const current = await trx
          .selectFrom('ordering.orders')
          .select(['status', 'version'])
          .where('tenant_id', '=', tenantId)
          .where('order_id', '=', orderId)
          .executeTakeFirst();
        if (!current) return { kind: 'not-found' };
        return { kind: 'refused', status: current.status as OrderStatus, version: current.version };
      }
      const order = toOrder(changed);
      await appendToOutbox(trx, 'ordering', event({ order, from: changed.from_status }), requestId);
      return { kind: 'changed', order, from: changed.from_status };
    });
  }

  async findOrder(tenantId: string, orderId: string): Promise<Order | undefined> {
    const { rows } = await sql<OrderRow>`
      select ${VIEW_COLUMNS} from ordering.orders o
      where o.tenant_id = ${tenantId} and o.order_id = ${orderId}`.execute(this.db);
    return rows[0] && toOrder(rows[0]);
  }

  async listOrders(
    tenantId: string,
    options: { status?: OrderStatus; limit: number; after?: number },
  ): Promise<OrderPage> {
    const conditions: RawBuilder<unknown>[] = [sql`o.tenant_id = ${tenantId}`];
    if (options.status !== undefined) conditions.push(sql`o.status = ${options.status}`);
    if (options.after !== undefined) conditions.push(sql`o.seq < ${options.after}`);
    const { rows } = await sql<OrderRow>`
      select ${VIEW_COLUMNS} from ordering.orders o
      where ${sql.join(conditions, sql` and `)}
      order by o.seq desc
      limit ${options.limit + 1}`.execute(this.db);
    const page = rows.slice(0, options.limit);
    const more = rows.length > options.limit;
    return {
      orders: page.map(toOrder),
      ...(more ? { next: Number(page[page.length - 1]!.seq) } : {}),
    };
  }

  async recordConfiguration(
    tx: Tx,
    tenantId: string,
    payload: ConfigFinalizedPayload,
    event: { eventId: string; occurredAt: string },
  ): Promise<void> {
    await trxOf(tx)
      .insertInto('ordering.configurations')
      .values({
        tenant_id: tenantId,
        configuration_id: payload.configurationId,
        session_id: payload.sessionId,
        owner_sub: payload.ownerSub,
        catalog_version: payload.catalogVersion,
        selected_options: JSON.stringify(
          payload.selectedOptions.map((o) => ({
            offerId: o.offerId,
            quantity: o.quantity,
            ...(o.attributes === undefined ? {} : { attributes: o.attributes }),
          })),
        ),
        event_id: event.eventId,
        finalized_at: event.occurredAt,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'configuration_id']).doNothing())
      .execute();
  }
}

function toOrder(row: OrderRow): Order {
  return orderView({
    orderId: row.order_id,
    orderNumber: row.order_number,
    status: row.status as OrderStatus,
    version: row.version,
    currency: row.currency,
    ...(row.customer_ref === null ? {} : { customerRef: row.customer_ref }),
    ...(row.configuration_id === null ? {} : { configurationId: row.configuration_id }),
    lines: row.lines as OrderLine[],
    totalAmountMinor: Number(row.total_amount_minor),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  });
}
