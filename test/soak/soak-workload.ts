// The soak's traffic: a weighted mix of every public route of the four services over a few tenants, driven by what
// earlier answers returned (a session's ETag, an order's version), plus what the workload has touched so far (the
// ledger), from which the soak bounds each Redis key family. Deterministic for a seed, apart from answer timing.
import type { StackService } from '../support/platform-stack';
import type { LedgerCounts } from '../support/soak-family-bounds';
import type { SoakRequest } from './soak-client';

export interface SoakTenant {
  id: string;
  /** Users of the tenant (pricing and config limits are per user), each with its token. */
  users: { sub: string; token: string }[];
  catalogAdmin: string;
  pricingAdmin: string;
  agent: string;
}

/** What the workload has touched, per tenant (counted when a request is built, so never behind Redis). */
export interface TenantLedger {
  catalogPublishes: number;
  priceBookPublishes: number;
  /** Offers read from catalog-service (directly, in a page, or by config-service validating a selection). */
  offersTouched: Set<string>;
  /** `v:limit:cursor` of every page requested. */
  pages: Set<string>;
  /** Every distinct calculation input (offer, currency, term, segment, region, quantity). */
  priceInputs: Set<string>;
  /** `offer:currency` of every calculation. */
  priceEntries: Set<string>;
  pricingUsers: Set<string>;
  configUsers: Set<string>;
  captureSubjects: Set<string>;
  /** Offers selected in a session (config-service caches their catalog answers per version). */
  configOffers: Set<string>;
  sessionsCreated: number;
  finalizes: number;
  captureKeys: number;
}

export interface WorkloadOptions {
  tenants: SoakTenant[];
  offersPerTenant: number;
  origin: (service: StackService) => string;
  seed: number;
}

/** One kind of request in the mix (its share is in MIX): how to build it from the current state. */
interface Operation {
  name: string;
  /** Undefined when the state allows none right now (e.g. no idle session); `fallback` is tried instead. */
  build: (tenant: TenantState) => SoakRequest | undefined;
  fallback?: string;
}

interface SessionState {
  id: string;
  userIndex: number;
  version: number;
  catalogVersion: number;
  updatesLeft: number;
  finalize: boolean;
  busy: boolean;
  selected: { offerId: string; quantity: number }[];
}

interface OrderState {
  id: string;
  version: number;
  status: 'CAPTURED' | 'SUBMITTED' | 'FULFILLED' | 'CANCELLED';
  busy: boolean;
  key: string;
  body: unknown;
  userIndex: number;
}

interface TenantState {
  tenant: SoakTenant;
  ledger: TenantLedger;
  /** The current versions, as the publishes' answers said. */
  catalogVersion: number;
  priceBookVersion: number;
  offers: string[];
  /** Known cursors of each `v:limit` walk: index i holds the cursor of page i (page 0 has none). */
  cursors: Map<string, (string | undefined)[]>;
  sessions: SessionState[];
  /** Sessions finalized, read back now and then (most recent last, bounded). */
  recentSessions: { id: string; userIndex: number }[];
  /** Finalized configurations not ordered yet, with when they were finalized. */
  configurations: {
    id: string;
    selected: { offerId: string; quantity: number }[];
    at: number;
    userIndex: number;
  }[];
  orders: OrderState[];
  nextKey: number;
}

const CURRENCIES = ['EUR', 'USD'];
const TERMS = [12, 24, 36];
const SEGMENTS = ['smb', 'enterprise'];
const REGIONS = ['eu-west', 'us-east'];
const PAGE_LIMITS = [20, 50];
/** Configurations are ordered this long after their finalize (the order-service projection is fed by Kafka). */
const CONFIGURATION_ORDER_DELAY_MS = 15_000;
/** Sessions in progress at once per tenant, and finalized ones remembered for reads. */
const MAX_OPEN_SESSIONS = 200;
const MAX_RECENT_SESSIONS = 200;

/** The mix, in requests per 100. */
const MIX: readonly [name: string, weight: number][] = [
  ['catalog: current offer', 22],
  ['catalog: versioned offer', 8],
  ['catalog: offer page', 5],
  ['catalog: current version', 2],
  ['pricing: calculate', 25],
  ['config: create session', 2.5],
  ['config: update selections', 8.8],
  ['config: read session', 3],
  ['config: finalize', 1.2],
  ['order: capture (new key)', 4],
  ['order: capture (replay)', 3],
  ['order: read', 10],
  ['order: list', 2],
  ['order: transition', 3.5],
];

export const offerIdOf = (i: number) => `off-${String(i).padStart(4, '0')}`;

export class SoakWorkload {
  private readonly states: TenantState[];
  private readonly operations = new Map<string, Operation>();
  private readonly cumulative: { op: Operation; upTo: number }[] = [];
  private readonly random: () => number;
  /** Requests built per operation (after fallbacks). */
  readonly built = new Map<string, number>();

  constructor(private readonly options: WorkloadOptions) {
    this.random = mulberry32(options.seed);
    this.states = options.tenants.map((tenant) => ({
      tenant,
      ledger: newLedger(),
      catalogVersion: 0,
      priceBookVersion: 0,
      offers: Array.from({ length: options.offersPerTenant }, (_, i) => offerIdOf(i)),
      cursors: new Map(),
      sessions: [],
      recentSessions: [],
      configurations: [],
      orders: [],
      nextKey: 0,
    }));
    for (const op of this.allOperations()) this.operations.set(op.name, op);
    let upTo = 0;
    for (const [name, weight] of MIX) {
      upTo += weight;
      this.cumulative.push({ op: this.operations.get(name)!, upTo });
    }
  }

  /** The mix as `name share%`, for the report's method. */
  static mixDescription(): string {
    const total = MIX.reduce((n, [, w]) => n + w, 0);
    return MIX.map(([name, w]) => `${name} ${((100 * w) / total).toFixed(1)} %`).join(', ');
  }

  /** The next request of the mix, for a random tenant. */
  next(): SoakRequest | undefined {
    const state = this.states[Math.floor(this.random() * this.states.length)]!;
    const total = this.cumulative[this.cumulative.length - 1]!.upTo;
    const r = this.random() * total;
    let op: Operation | undefined = this.cumulative.find((c) => r < c.upTo)!.op;
    for (let hops = 0; op && hops < 4; hops++) {
      const request = op.build(state);
      if (request) {
        this.built.set(op.name, (this.built.get(op.name) ?? 0) + 1);
        return request;
      }
      op = op.fallback ? this.operations.get(op.fallback) : undefined;
    }
    return undefined;
  }

  /** A catalog publish of the next version for tenant `i` (every offer ACTIVE, new display names). */
  publishCatalog(i: number): SoakRequest {
    const state = this.states[i]!;
    const version = state.catalogVersion + 1;
    state.ledger.catalogPublishes++;
    return {
      route: 'POST /v1/tenants/{t}/catalog/versions',
      origin: this.options.origin('catalog-service'),
      method: 'POST',
      path: `/v1/tenants/${state.tenant.id}/catalog/versions`,
      headers: auth(state.tenant.catalogAdmin),
      body: { offers: state.offers.map((offerId, n) => catalogOffer(offerId, n, version)) },
      onResponse: (status, body) => {
        if (status === 201)
          state.catalogVersion = (JSON.parse(body) as { catalogVersion: number }).catalogVersion;
      },
    };
  }

  /** A price book publish of the next version for tenant `i` (every offer in both currencies). */
  publishPriceBook(i: number): SoakRequest {
    const state = this.states[i]!;
    const version = state.priceBookVersion + 1;
    state.ledger.priceBookPublishes++;
    return {
      route: 'POST /v1/tenants/{t}/pricebooks/versions',
      origin: this.options.origin('pricing-service'),
      method: 'POST',
      path: `/v1/tenants/${state.tenant.id}/pricebooks/versions`,
      headers: auth(state.tenant.pricingAdmin),
      body: {
        entries: state.offers.flatMap((offerId, n) =>
          CURRENCIES.map((currency) => priceEntry(offerId, currency, n, version)),
        ),
      },
      onResponse: (status, body) => {
        if (status === 201)
          state.priceBookVersion = (JSON.parse(body) as { priceBookVersion: number }).priceBookVersion;
      },
    };
  }

  /** One calculation of tenant `i`'s first offer (the set-up waits until pricing knows the catalog). */
  probePrice(i: number): SoakRequest {
    const state = this.states[i]!;
    return this.price(state, state.offers[0]!, 'EUR', 12, 1, 'smb', 'eu-west');
  }

  ledgers(): { tenant: string; ledger: TenantLedger }[] {
    return this.states.map((s) => ({ tenant: s.tenant.id, ledger: s.ledger }));
  }

  counts(): LedgerCounts {
    const sum = (f: (l: TenantLedger) => number) => this.states.reduce((n, s) => n + f(s.ledger), 0);
    return {
      tenants: this.states.length,
      catalogPublishes: sum((l) => l.catalogPublishes),
      priceBookPublishes: sum((l) => l.priceBookPublishes),
      offerVersionPairs: sum((l) => l.offersTouched.size * l.catalogPublishes),
      pages: sum((l) => l.pages.size),
      priceInputVersionPairs: sum((l) => l.priceInputs.size * l.priceBookPublishes),
      priceEntryVersionPairs: sum((l) => l.priceEntries.size * l.priceBookPublishes),
      configOfferVersionPairs: sum((l) => l.configOffers.size * l.catalogPublishes),
      pricingSubjects: this.states.length + sum((l) => l.pricingUsers.size),
      configUsers: sum((l) => l.configUsers.size),
      captureSubjects: sum((l) => l.captureSubjects.size),
      sessionsCreated: sum((l) => l.sessionsCreated),
      finalizes: sum((l) => l.finalizes),
      captureKeys: sum((l) => l.captureKeys),
    };
  }

  // ---- the operations ------------------------------------------------------------------------------------------

  private allOperations(): Operation[] {
    return [
      { name: 'catalog: current offer', build: (s) => this.currentOffer(s) },
      { name: 'catalog: versioned offer', build: (s) => this.versionedOffer(s) },
      { name: 'catalog: offer page', build: (s) => this.offerPage(s) },
      { name: 'catalog: current version', build: (s) => this.currentVersion(s) },
      { name: 'pricing: calculate', build: (s) => this.calculate(s) },
      { name: 'config: create session', build: (s) => this.createSession(s) },
      {
        name: 'config: update selections',
        build: (s) => this.updateSelections(s),
        fallback: 'config: create session',
      },
      {
        name: 'config: read session',
        build: (s) => this.readSession(s),
        fallback: 'config: create session',
      },
      {
        name: 'config: finalize',
        build: (s) => this.finalize(s),
        fallback: 'config: update selections',
      },
      { name: 'order: capture (new key)', build: (s) => this.capture(s) },
      {
        name: 'order: capture (replay)',
        build: (s) => this.replay(s),
        fallback: 'order: capture (new key)',
      },
      { name: 'order: read', build: (s) => this.readOrder(s), fallback: 'order: capture (new key)' },
      { name: 'order: list', build: (s) => this.listOrders(s) },
      {
        name: 'order: transition',
        build: (s) => this.transition(s),
        fallback: 'order: read',
      },
    ];
  }

  private user(s: TenantState): number {
    return Math.floor(this.random() * s.tenant.users.length);
  }

  /** An offer index skewed towards the first offers (u²): a hot head and a long tail, like real catalogs. */
  private skewedOffer(s: TenantState): string {
    const u = this.random();
    return s.offers[Math.floor(u * u * s.offers.length)]!;
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  private currentOffer(s: TenantState): SoakRequest {
    const offerId = this.skewedOffer(s);
    s.ledger.offersTouched.add(offerId);
    const u = this.user(s);
    return {
      route: 'GET /v1/tenants/{t}/catalog/offers/{offerId}',
      origin: this.options.origin('catalog-service'),
      method: 'GET',
      path: `/v1/tenants/${s.tenant.id}/catalog/offers/${offerId}`,
      headers: auth(s.tenant.users[u]!.token),
    };
  }

  private versionedOffer(s: TenantState): SoakRequest {
    const offerId = this.skewedOffer(s);
    s.ledger.offersTouched.add(offerId);
    const version = 1 + Math.floor(this.random() * s.catalogVersion);
    return {
      route: 'GET /v1/tenants/{t}/catalog/versions/{v}/offers/{offerId}',
      origin: this.options.origin('catalog-service'),
      method: 'GET',
      path: `/v1/tenants/${s.tenant.id}/catalog/versions/${version}/offers/${offerId}`,
      headers: auth(s.tenant.users[this.user(s)]!.token),
    };
  }

  private offerPage(s: TenantState): SoakRequest {
    // Mostly the current version, sometimes an older one.
    const version = this.random() < 0.7 ? s.catalogVersion : 1 + Math.floor(this.random() * s.catalogVersion);
    const limit = this.pick(PAGE_LIMITS);
    const walk = `${version}:${limit}`;
    let cursors = s.cursors.get(walk);
    if (!cursors) s.cursors.set(walk, (cursors = [undefined]));
    const index = Math.floor(this.random() * cursors.length);
    const cursor = cursors[index];
    s.ledger.pages.add(`${walk}:${cursor ?? 'start'}`);
    const query = `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    return {
      route: 'GET /v1/tenants/{t}/catalog/versions/{v}/offers',
      origin: this.options.origin('catalog-service'),
      method: 'GET',
      path: `/v1/tenants/${s.tenant.id}/catalog/versions/${version}/offers?${query}`,
      headers: auth(s.tenant.users[this.user(s)]!.token),
      onResponse: (status, body) => {
        if (status !== 200) return;
        const page = JSON.parse(body) as { items: { offerId: string }[]; nextCursor: string | null };
        for (const item of page.items) s.ledger.offersTouched.add(item.offerId);
        if (page.nextCursor && cursors.length === index + 1) cursors.push(page.nextCursor);
      },
    };
  }

  private currentVersion(s: TenantState): SoakRequest {
    return {
      route: 'GET /v1/tenants/{t}/catalog',
      origin: this.options.origin('catalog-service'),
      method: 'GET',
      path: `/v1/tenants/${s.tenant.id}/catalog`,
      headers: auth(s.tenant.users[this.user(s)]!.token),
    };
  }

  private calculate(s: TenantState): SoakRequest {
    const offerId = this.skewedOffer(s);
    const quantity = 1 + Math.floor(this.random() * 4);
    return this.price(
      s,
      offerId,
      this.pick(CURRENCIES),
      this.pick(TERMS),
      quantity,
      this.pick(SEGMENTS),
      this.pick(REGIONS),
    );
  }

  private price(
    s: TenantState,
    offerId: string,
    currency: string,
    termMonths: number,
    quantity: number,
    segment: string,
    region: string,
  ): SoakRequest {
    const u = this.user(s);
    s.ledger.priceInputs.add(`${offerId}:${currency}:${termMonths}:${segment}:${region}:${quantity}`);
    s.ledger.priceEntries.add(`${offerId}:${currency}`);
    s.ledger.pricingUsers.add(s.tenant.users[u]!.sub);
    return {
      route: 'POST /v1/tenants/{t}/prices/calculate',
      origin: this.options.origin('pricing-service'),
      method: 'POST',
      path: `/v1/tenants/${s.tenant.id}/prices/calculate`,
      headers: auth(s.tenant.users[u]!.token),
      body: { offerId, currency, termMonths, quantity, segment, region },
    };
  }

  private createSession(s: TenantState): SoakRequest | undefined {
    if (s.sessions.length >= MAX_OPEN_SESSIONS) return undefined;
    const u = this.user(s);
    s.ledger.sessionsCreated++;
    return {
      route: 'POST /v1/tenants/{t}/config-sessions',
      origin: this.options.origin('config-service'),
      method: 'POST',
      path: `/v1/tenants/${s.tenant.id}/config-sessions`,
      headers: auth(s.tenant.users[u]!.token),
      onResponse: (status, body) => {
        if (status !== 201) return;
        const session = JSON.parse(body) as { sessionId: string; version: number; catalogVersion: number };
        s.sessions.push({
          id: session.sessionId,
          userIndex: u,
          version: session.version,
          catalogVersion: session.catalogVersion,
          updatesLeft: 2 + Math.floor(this.random() * 4),
          finalize: this.random() < 0.4,
          busy: false,
          selected: [],
        });
      },
    };
  }

  private updateSelections(s: TenantState): SoakRequest | undefined {
    const session = s.sessions.find((x) => !x.busy && x.updatesLeft > 0);
    if (!session) return undefined;
    session.busy = true;
    const count = 1 + Math.floor(this.random() * 6);
    const chosen = new Set<string>();
    while (chosen.size < count) chosen.add(this.skewedOffer(s));
    const selected = [...chosen].map((offerId) => ({ offerId, quantity: 1 + Math.floor(this.random() * 3) }));
    for (const { offerId } of selected) {
      s.ledger.configOffers.add(offerId);
      s.ledger.offersTouched.add(offerId);
    }
    const user = s.tenant.users[session.userIndex]!;
    s.ledger.configUsers.add(user.sub);
    return {
      route: 'PUT /v1/tenants/{t}/config-sessions/{id}/selections',
      origin: this.options.origin('config-service'),
      method: 'PUT',
      path: `/v1/tenants/${s.tenant.id}/config-sessions/${session.id}/selections`,
      headers: { ...auth(user.token), 'if-match': `"${session.version}"` },
      body: { selectedOptions: selected },
      onResponse: (status, body) => {
        session.busy = false;
        if (status !== 200) return this.drop(s, session);
        session.version = (JSON.parse(body) as { version: number }).version;
        session.selected = selected;
        session.updatesLeft--;
        if (session.updatesLeft === 0 && !session.finalize) this.drop(s, session);
      },
    };
  }

  private finalize(s: TenantState): SoakRequest | undefined {
    const session = s.sessions.find((x) => !x.busy && x.updatesLeft === 0 && x.finalize);
    if (!session) return undefined;
    session.busy = true;
    s.ledger.finalizes++;
    const user = s.tenant.users[session.userIndex]!;
    return {
      route: 'POST /v1/tenants/{t}/config-sessions/{id}/finalize',
      origin: this.options.origin('config-service'),
      method: 'POST',
      path: `/v1/tenants/${s.tenant.id}/config-sessions/${session.id}/finalize`,
      headers: { ...auth(user.token), 'if-match': `"${session.version}"` },
      onResponse: (status, body) => {
        this.drop(s, session);
        if (status !== 200) return;
        const { configurationId } = JSON.parse(body) as { configurationId: string };
        s.configurations.push({
          id: configurationId,
          selected: session.selected,
          at: Date.now(),
          userIndex: session.userIndex,
        });
        s.recentSessions.push({ id: session.id, userIndex: session.userIndex });
        if (s.recentSessions.length > MAX_RECENT_SESSIONS) s.recentSessions.shift();
      },
    };
  }

  private readSession(s: TenantState): SoakRequest | undefined {
    // Sessions in progress (not being written right now) and finalized ones.
    const open = s.sessions.filter((x) => !x.busy);
    const pool = [...open.map((x) => ({ id: x.id, userIndex: x.userIndex })), ...s.recentSessions];
    if (pool.length === 0) return undefined;
    const { id, userIndex } = this.pick(pool);
    return {
      route: 'GET /v1/tenants/{t}/config-sessions/{id}',
      origin: this.options.origin('config-service'),
      method: 'GET',
      path: `/v1/tenants/${s.tenant.id}/config-sessions/${id}`,
      headers: auth(s.tenant.users[userIndex]!.token),
    };
  }

  private drop(s: TenantState, session: SessionState): void {
    const i = s.sessions.indexOf(session);
    if (i >= 0) s.sessions.splice(i, 1);
  }

  private capture(s: TenantState): SoakRequest {
    // A finalized configuration old enough for the order-service projection to know it, else a free-form order.
    const ready = s.configurations.findIndex((c) => Date.now() - c.at >= CONFIGURATION_ORDER_DELAY_MS);
    const configuration = ready >= 0 ? s.configurations.splice(ready, 1)[0] : undefined;
    const u = configuration?.userIndex ?? this.user(s);
    const lines = (
      configuration?.selected ??
      Array.from({ length: 1 + Math.floor(this.random() * 5) }, (_, i) => ({
        offerId: s.offers[i * 7]!,
        quantity: 1 + Math.floor(this.random() * 3),
      }))
    ).map(({ offerId, quantity }) => ({ offerId, quantity, unitAmountMinor: 4_990, termMonths: 24 }));
    const body = {
      ...(configuration ? { configurationId: configuration.id } : {}),
      currency: 'EUR',
      customerRef: `soak-customer-${u}`,
      lines,
    };
    const key = `soak-${s.tenant.id}-${s.nextKey++}`;
    const user = s.tenant.users[u]!;
    s.ledger.captureKeys++;
    s.ledger.captureSubjects.add(user.sub);
    return {
      route: 'POST /v1/tenants/{t}/orders',
      origin: this.options.origin('order-service'),
      method: 'POST',
      path: `/v1/tenants/${s.tenant.id}/orders`,
      headers: { ...auth(user.token), 'idempotency-key': key },
      body,
      onResponse: (status, text) => {
        if (status !== 201) return;
        const order = JSON.parse(text) as { orderId: string; version: number };
        s.orders.push({
          id: order.orderId,
          version: order.version,
          status: 'CAPTURED',
          busy: false,
          key,
          body,
          userIndex: u,
        });
      },
    };
  }

  private replay(s: TenantState): SoakRequest | undefined {
    if (s.orders.length === 0) return undefined;
    const order = this.pick(s.orders);
    const user = s.tenant.users[order.userIndex]!;
    return {
      route: 'POST /v1/tenants/{t}/orders (replay)',
      origin: this.options.origin('order-service'),
      method: 'POST',
      path: `/v1/tenants/${s.tenant.id}/orders`,
      headers: { ...auth(user.token), 'idempotency-key': order.key },
      body: order.body,
    };
  }

  private readOrder(s: TenantState): SoakRequest | undefined {
    if (s.orders.length === 0) return undefined;
    // Recent orders are read more often than old ones.
    const u = this.random();
    const order = s.orders[s.orders.length - 1 - Math.floor(u * u * s.orders.length)]!;
    return {
      route: 'GET /v1/tenants/{t}/orders/{orderId}',
      origin: this.options.origin('order-service'),
      method: 'GET',
      path: `/v1/tenants/${s.tenant.id}/orders/${order.id}`,
      headers: auth(s.tenant.users[this.user(s)]!.token),
    };
  }

  private listOrders(s: TenantState): SoakRequest {
    const status = this.pick(['', 'CAPTURED', 'SUBMITTED']);
    return {
      route: 'GET /v1/tenants/{t}/orders',
      origin: this.options.origin('order-service'),
      method: 'GET',
      path: `/v1/tenants/${s.tenant.id}/orders?limit=20${status ? `&status=${status}` : ''}`,
      headers: auth(s.tenant.users[this.user(s)]!.token),
    };
  }

  private transition(s: TenantState): SoakRequest | undefined {
    const candidates = s.orders.filter(
      (o) => !o.busy && (o.status === 'CAPTURED' || o.status === 'SUBMITTED'),
    );
    if (candidates.length === 0) return undefined;
    const order = this.pick(candidates);
    const to =
      order.status === 'CAPTURED'
        ? this.random() < 0.8
          ? 'SUBMITTED'
          : 'CANCELLED'
        : this.random() < 0.8
          ? 'FULFILLED'
          : 'CANCELLED';
    order.busy = true;
    return {
      route: 'POST /v1/tenants/{t}/orders/{orderId}/transitions',
      origin: this.options.origin('order-service'),
      method: 'POST',
      path: `/v1/tenants/${s.tenant.id}/orders/${order.id}/transitions`,
      headers: { ...auth(s.tenant.agent), 'if-match': `"${order.version}"` },
      body: { to },
      onResponse: (status, body) => {
        order.busy = false;
        if (status !== 200) return;
        const next = JSON.parse(body) as { version: number; status: OrderState['status'] };
        order.version = next.version;
        order.status = next.status;
      },
    };
  }
}

function newLedger(): TenantLedger {
  return {
    catalogPublishes: 0,
    priceBookPublishes: 0,
    offersTouched: new Set(),
    pages: new Set(),
    priceInputs: new Set(),
    priceEntries: new Set(),
    pricingUsers: new Set(),
    configUsers: new Set(),
    captureSubjects: new Set(),
    configOffers: new Set(),
    sessionsCreated: 0,
    finalizes: 0,
    captureKeys: 0,
  };
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

function catalogOffer(offerId: string, n: number, version: number) {
  return {
    offerId,
    displayName: `Offer ${n} (catalog v${version})`,
    status: 'ACTIVE',
    eligibleActions: ['ADD', 'CHANGE'],
    attributes: { speedMbps: 100 * (1 + (n % 10)), family: `family-${n % 7}` },
    ...(n % 20 === 0 ? { rules: { maxQuantity: 10 } } : {}),
  };
}

function priceEntry(offerId: string, currency: string, n: number, version: number) {
  return {
    offerId,
    currency,
    basePriceMinor: 1_000 + 10 * n + version,
    termDiscountsBps: { '24': 500, '36': 1_000 },
    segmentAdjustmentsBps: { enterprise: -300 },
    regionAdjustmentsBps: { 'us-east': 200 },
    quantityTiers: [{ minQuantity: 3, discountBps: 250 }],
  };
}

/** A small seeded PRNG (mulberry32): the same seed gives the same mix. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
