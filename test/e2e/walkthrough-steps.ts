// The guided tour as data: every HTTP call of the end-to-end flow, in order. The e2e test (platform-flow.test.ts)
// runs these calls against a stack; docs/walkthrough.md shows them as curl commands (walkthrough-doc.ts renders
// both the commands and the outputs of a recorded run), so the document and the test cannot drift apart.
//
// `$NAME` in a path, a header or a string of a body is a variable: a shell variable in the document, a value the
// test binds (its tenants, users, keys and customer references are long random strings there, so the log scan can
// find them; the document shows the names below instead).

import type { StackService } from '../support/platform-stack';

export type ServiceVar = 'CATALOG' | 'PRICING' | 'CONFIG' | 'ORDERS';

export const SERVICE_VARS: Record<ServiceVar, StackService> = {
  CATALOG: 'catalog-service',
  PRICING: 'pricing-service',
  CONFIG: 'config-service',
  ORDERS: 'order-service',
};

/** Variables the reader sets at the start: the document's values (the test binds random ones). */
export const PLAIN_VARS = {
  T1: 'acme',
  T2: 'globex',
  KEY: 'order-acme-0001',
  KEY2: 'order-acme-0002',
  CUSTOMER: 'cust-4711',
};
export type PlainVar = keyof typeof PLAIN_VARS;

/** Development tokens (`npm run token`); `tenant` names a tenant variable. */
export interface TokenDef {
  tenant: 'T1' | 'T2';
  sub: string;
  roles: string[];
}
export const TOKENS = {
  ADMIN: { tenant: 'T1', sub: 'admin-1', roles: ['catalog:admin', 'pricing:admin'] },
  ALICE: { tenant: 'T1', sub: 'alice', roles: [] },
  AGENT: { tenant: 'T1', sub: 'agent-1', roles: ['order:agent'] },
  OTHER: { tenant: 'T2', sub: 'mallory', roles: ['catalog:admin', 'pricing:admin', 'order:agent'] },
} satisfies Record<string, TokenDef>;
export type TokenVar = keyof typeof TOKENS;

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export interface Step {
  id: string;
  /** What the step shows, a `#` comment above the command in the document. */
  say: string;
  as: TokenVar;
  service: ServiceVar;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  status: number;
  /** Response headers the document shows. */
  show?: string[];
  /** Variables set from the answer (the document sets them with jq). */
  capture?: Record<string, string>;
  /**
   * The test repeats the call while this holds (an event-fed projection that has not caught up yet); the time
   * it took is recorded. The document shows the final answer.
   */
  until?: (answer: Answer) => boolean;
  /** What the reader does about that lag, a `#` comment below the command. */
  untilSay?: string;
}

export interface Part {
  title: string;
  text: string;
  steps: Step[];
}

const offer = (offerId: string, displayName: string, rules?: object, status = 'ACTIVE') => ({
  offerId,
  displayName,
  status,
  eligibleActions: ['ADD', 'CHANGE', 'REMOVE'],
  ...(rules ? { rules } : {}),
});

const CATALOG_V1 = {
  offers: [
    offer('router', 'Router', { maxQuantity: 1 }),
    offer('fiber-1g', 'Fiber 1 Gbit/s', { requires: ['router'], maxQuantity: 1 }),
    offer('static-ip', 'Static IPv4 address'),
  ],
};
const CATALOG_V2 = {
  offers: [
    offer('router', 'Router', { maxQuantity: 1 }),
    offer('fiber-1g', 'Fiber 1 Gbit/s', { requires: ['router'], excludes: ['fiber-10g'], maxQuantity: 1 }),
    offer('fiber-10g', 'Fiber 10 Gbit/s', { requires: ['router'], excludes: ['fiber-1g'], maxQuantity: 1 }),
    offer('static-ip', 'Static IPv4 address', undefined, 'RETIRED'),
  ],
};
const entry = (offerId: string, basePriceMinor: number) => ({
  offerId,
  currency: 'EUR',
  basePriceMinor,
  termDiscountsBps: { '24': 1000 },
});
const PRICE_BOOK_V1 = { entries: [entry('router', 500), entry('fiber-1g', 4990), entry('static-ip', 300)] };
const PRICE_BOOK_V2 = {
  entries: [entry('router', 500), entry('fiber-1g', 4790), entry('fiber-10g', 8990), entry('static-ip', 300)],
};
const calculation = (offerId: string) => ({
  offerId,
  currency: 'EUR',
  termMonths: 24,
  quantity: 1,
  segment: 'smb',
  region: 'eu-west',
});

/** The order of the finalized configuration, at the unit prices pricing answered (the test checks they agree). */
export const ORDER_BODY = {
  configurationId: '$CONFIGURATION',
  currency: 'EUR',
  customerRef: '$CUSTOMER',
  lines: [
    { offerId: 'fiber-1g', quantity: 1, unitAmountMinor: 4491, termMonths: 24 },
    { offerId: 'router', quantity: 1, unitAmountMinor: 450, termMonths: 24 },
  ],
};
const ORDER_BODY_V2 = {
  configurationId: '$CONFIGURATION2',
  currency: 'EUR',
  customerRef: '$CUSTOMER',
  lines: [
    { offerId: 'fiber-10g', quantity: 1, unitAmountMinor: 8091, termMonths: 24 },
    { offerId: 'router', quantity: 1, unitAmountMinor: 450, termMonths: 24 },
  ],
};

const session = '/v1/tenants/$T1/config-sessions/$SESSION';
const json = { 'content-type': 'application/json' };
/** order-service learns finalized configurations from cpq.config.finalized.v1: 422 until it has. */
const configurationKnown = (answer: Answer) => answer.body?.code !== 'ORDER_CONFIGURATION_NOT_FINALIZED';
/** pricing learns offers from cpq.catalog.published.v1: 422 until it has. */
const offerKnown = (answer: Answer) => answer.status !== 422;

export const PARTS: Part[] = [
  {
    title: 'Publish a catalog and a price book',
    text:
      'catalog-service stores version 1 and emits `cpq.catalog.published.v1`; pricing-service learns the offers ' +
      "from that event. Another tenant's token is refused on every route of this tenant.",
    steps: [
      {
        id: 'publish-catalog',
        say: 'catalog version 1: three offers, the fiber line needs the router',
        as: 'ADMIN',
        service: 'CATALOG',
        method: 'POST',
        path: '/v1/tenants/$T1/catalog/versions',
        headers: json,
        body: CATALOG_V1,
        status: 201,
      },
      {
        id: 'publish-price-book',
        say: 'price book version 1 (EUR, 10 % off for a 24-month term)',
        as: 'ADMIN',
        service: 'PRICING',
        method: 'POST',
        path: '/v1/tenants/$T1/pricebooks/versions',
        headers: json,
        body: PRICE_BOOK_V1,
        status: 201,
      },
      {
        id: 'other-tenant-catalog',
        say: "another tenant's token, even with every role, reads nothing of this tenant",
        as: 'OTHER',
        service: 'CATALOG',
        method: 'GET',
        path: '/v1/tenants/$T1/catalog',
        status: 403,
      },
    ],
  },
  {
    title: 'Configure in two tabs',
    text:
      'A configuration session is a draft in Redis with a version: every update names the version it read ' +
      '(`If-Match`), so a second tab working on an old version gets 412 instead of overwriting the first.',
    steps: [
      {
        id: 'create-session',
        say: 'a session at the current catalog version',
        as: 'ALICE',
        service: 'CONFIG',
        method: 'POST',
        path: '/v1/tenants/$T1/config-sessions',
        headers: json,
        body: {},
        status: 201,
        show: ['etag', 'location'],
        capture: { SESSION: 'sessionId' },
      },
      {
        id: 'tab-a',
        say: 'tab A (it read version 1) selects the fiber line: stored as version 2, with what is missing',
        as: 'ALICE',
        service: 'CONFIG',
        method: 'PUT',
        path: `${session}/selections`,
        headers: { ...json, 'if-match': '"1"' },
        body: { selectedOptions: [{ offerId: 'fiber-1g', quantity: 1 }] },
        status: 200,
        show: ['etag'],
      },
      {
        id: 'tab-b-stale',
        say: "tab B still shows version 1: its update would overwrite tab A's, so it is refused",
        as: 'ALICE',
        service: 'CONFIG',
        method: 'PUT',
        path: `${session}/selections`,
        headers: { ...json, 'if-match': '"1"' },
        body: { selectedOptions: [{ offerId: 'router', quantity: 1 }] },
        status: 412,
      },
      {
        id: 'tab-b-reread',
        say: 'tab B reads the session again',
        as: 'ALICE',
        service: 'CONFIG',
        method: 'GET',
        path: session,
        status: 200,
        show: ['etag'],
      },
      {
        id: 'tab-b',
        say: 'and adds the router to what it now sees: valid',
        as: 'ALICE',
        service: 'CONFIG',
        method: 'PUT',
        path: `${session}/selections`,
        headers: { ...json, 'if-match': '"2"' },
        body: {
          selectedOptions: [
            { offerId: 'fiber-1g', quantity: 1 },
            { offerId: 'router', quantity: 1 },
          ],
        },
        status: 200,
        show: ['etag'],
      },
      {
        id: 'other-tenant-session',
        say: "the other tenant cannot find the session, not even under its own tenant's path",
        as: 'OTHER',
        service: 'CONFIG',
        method: 'GET',
        path: '/v1/tenants/$T2/config-sessions/$SESSION',
        status: 404,
      },
      {
        id: 'finalize',
        say: 'finalize: one PostgreSQL transaction writes the configuration and its cpq.config.finalized.v1 event',
        as: 'ALICE',
        service: 'CONFIG',
        method: 'POST',
        path: `${session}/finalize`,
        headers: { 'if-match': '"3"' },
        status: 200,
        capture: { CONFIGURATION: 'configurationId' },
      },
    ],
  },
  {
    title: 'Price the lines',
    text: 'Each selected offer is priced for a 24-month term; the explanation lists every step.',
    steps: [
      {
        id: 'price-fiber',
        say: 'the fiber line',
        as: 'ALICE',
        service: 'PRICING',
        method: 'POST',
        path: '/v1/tenants/$T1/prices/calculate',
        headers: json,
        body: calculation('fiber-1g'),
        status: 200,
        until: offerKnown,
        untilSay:
          'a 422 right after the publish means pricing has not read the catalog event yet: send it again',
      },
      {
        id: 'price-router',
        say: 'the router',
        as: 'ALICE',
        service: 'PRICING',
        method: 'POST',
        path: '/v1/tenants/$T1/prices/calculate',
        headers: json,
        body: calculation('router'),
        status: 200,
        until: offerKnown,
      },
    ],
  },
  {
    title: 'Capture the order, replay it, submit it',
    text:
      'The order names the configuration: order-service checks the lines against it (it learned the ' +
      'configuration from `cpq.config.finalized.v1`). The `Idempotency-Key` makes a retry safe: the same request ' +
      'gets the stored answer, and no second order.',
    steps: [
      {
        id: 'capture',
        say: 'capture, with an idempotency key',
        as: 'ALICE',
        service: 'ORDERS',
        method: 'POST',
        path: '/v1/tenants/$T1/orders',
        headers: { ...json, 'idempotency-key': '$KEY' },
        body: ORDER_BODY,
        status: 201,
        show: ['location', 'etag'],
        capture: { ORDER: 'orderId' },
        until: configurationKnown,
        untilSay:
          'a 422 ORDER_CONFIGURATION_NOT_FINALIZED right after finalizing means order-service has not read the ' +
          'configuration event yet: send it again (same key)',
      },
      {
        id: 'replay',
        say: 'the same request again (a client retry): the stored answer, byte for byte',
        as: 'ALICE',
        service: 'ORDERS',
        method: 'POST',
        path: '/v1/tenants/$T1/orders',
        headers: { ...json, 'idempotency-key': '$KEY' },
        body: ORDER_BODY,
        status: 201,
        show: ['idempotent-replayed'],
      },
      {
        id: 'other-tenant-order',
        say: 'the other tenant cannot read the order',
        as: 'OTHER',
        service: 'ORDERS',
        method: 'GET',
        path: '/v1/tenants/$T2/orders/$ORDER',
        status: 404,
      },
      {
        id: 'submit',
        say: 'an agent submits it',
        as: 'AGENT',
        service: 'ORDERS',
        method: 'POST',
        path: '/v1/tenants/$T1/orders/$ORDER/transitions',
        headers: { ...json, 'if-match': '"1"' },
        body: { to: 'SUBMITTED' },
        status: 200,
        show: ['etag'],
      },
    ],
  },
  {
    title: 'Version 2: every service follows',
    text:
      'Catalog version 2 adds a 10 Gbit/s line and retires the static IP; price book version 2 prices the new ' +
      'line. Right after the two publishes, catalog-service answers version 2, pricing-service prices at price ' +
      'book version 2 and knows the new and the retired offer, a new configuration session starts at catalog ' +
      'version 2, and an order of a configuration of version 2 is captured.',
    steps: [
      {
        id: 'publish-catalog-v2',
        say: 'catalog version 2',
        as: 'ADMIN',
        service: 'CATALOG',
        method: 'POST',
        path: '/v1/tenants/$T1/catalog/versions',
        headers: json,
        body: CATALOG_V2,
        status: 201,
      },
      {
        id: 'publish-price-book-v2',
        say: 'price book version 2',
        as: 'ADMIN',
        service: 'PRICING',
        method: 'POST',
        path: '/v1/tenants/$T1/pricebooks/versions',
        headers: json,
        body: PRICE_BOOK_V2,
        status: 201,
      },
      {
        id: 'catalog-v2',
        say: 'catalog-service: version 2 is current',
        as: 'ALICE',
        service: 'CATALOG',
        method: 'GET',
        path: '/v1/tenants/$T1/catalog',
        status: 200,
      },
      {
        id: 'price-v2',
        say: 'pricing-service: the new offer, at price book version 2',
        as: 'ALICE',
        service: 'PRICING',
        method: 'POST',
        path: '/v1/tenants/$T1/prices/calculate',
        headers: json,
        body: calculation('fiber-10g'),
        status: 200,
      },
      {
        id: 'price-retired',
        say: 'and the retired one is no longer priced',
        as: 'ALICE',
        service: 'PRICING',
        method: 'POST',
        path: '/v1/tenants/$T1/prices/calculate',
        headers: json,
        body: calculation('static-ip'),
        status: 422,
      },
      {
        id: 'create-session-v2',
        say: 'config-service: a new session starts at catalog version 2',
        as: 'ALICE',
        service: 'CONFIG',
        method: 'POST',
        path: '/v1/tenants/$T1/config-sessions',
        headers: json,
        body: {},
        status: 201,
        capture: { SESSION2: 'sessionId' },
      },
      {
        id: 'select-v2',
        say: 'the new line is valid there',
        as: 'ALICE',
        service: 'CONFIG',
        method: 'PUT',
        path: '/v1/tenants/$T1/config-sessions/$SESSION2/selections',
        headers: { ...json, 'if-match': '"1"' },
        body: {
          selectedOptions: [
            { offerId: 'fiber-10g', quantity: 1 },
            { offerId: 'router', quantity: 1 },
          ],
        },
        status: 200,
        show: ['etag'],
      },
      {
        id: 'finalize-v2',
        say: 'finalize it',
        as: 'ALICE',
        service: 'CONFIG',
        method: 'POST',
        path: '/v1/tenants/$T1/config-sessions/$SESSION2/finalize',
        headers: { 'if-match': '"2"' },
        status: 200,
        capture: { CONFIGURATION2: 'configurationId' },
      },
      {
        id: 'capture-v2',
        say: 'order-service: the order of that configuration',
        as: 'ALICE',
        service: 'ORDERS',
        method: 'POST',
        path: '/v1/tenants/$T1/orders',
        headers: { ...json, 'idempotency-key': '$KEY2' },
        body: ORDER_BODY_V2,
        status: 201,
        capture: { ORDER2: 'orderId' },
        until: configurationKnown,
        untilSay: 'as above, a 422 ORDER_CONFIGURATION_NOT_FINALIZED may come first',
      },
    ],
  },
];

export const STEPS: Step[] = PARTS.flatMap((part) => part.steps);
