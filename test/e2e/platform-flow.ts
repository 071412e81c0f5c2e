// The end-to-end flow of one tenant through a stack: the walkthrough's steps with their checks, a sweep of
// cross-tenant reads after every step, the follow-up of version 2 timed, the order events seen on Kafka.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import type { PlatformStack, StackService } from '../support/platform-stack';
import type { PlainConsumer } from './plain-consumer';
import { type RecordedAnswer, request, runStep } from './walkthrough-runner';
import { type Answer, ORDER_BODY, PLAIN_VARS, STEPS, TOKENS, type TokenVar } from './walkthrough-steps';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** A tenant of the test: every identifier a long random string, so the log scan can look for it. */
export interface FlowTenant {
  id: string;
  subs: Record<TokenVar | 'POLLER', string>;
  key: string;
  key2: string;
  customer: string;
  /** Filled by the flow: the ids it created (sessions, the configuration, the orders). */
  created: { sessions: string[]; configurations: string[]; orders: string[] };
  tokens: string[];
}

export function newFlowTenant(name: string): FlowTenant {
  const sub = (prefix: string) => `${prefix}-${hex(12)}`;
  return {
    id: `${name}-${hex(12)}`,
    subs: {
      ADMIN: sub(TOKENS.ADMIN.sub),
      ALICE: sub(TOKENS.ALICE.sub),
      AGENT: sub(TOKENS.AGENT.sub),
      OTHER: sub(TOKENS.OTHER.sub),
      POLLER: sub('poller'),
    },
    key: `key-${hex(16)}`,
    key2: `key-${hex(16)}`,
    customer: `cust-${hex(12)}`,
    created: { sessions: [], configurations: [], orders: [] },
    tokens: [],
  };
}

/**
 * How a service followed the publish of version 2, from the publish's answer: when the first answer that said
 * version 2 arrived (an upper bound: it includes that request's own latency), and when the last request that still
 * got the old version was sent (null: none did). The second is what the 1 s budget is checked on: a request sent
 * later than 1 s after the publish must never see the old version, however slow a busy machine makes the answers.
 */
export interface Follow {
  answeredMs: number;
  lastStaleSentMs: number | null;
}
export type FollowTimes = Record<string, Follow>;

export interface FlowResult {
  recorded: Record<string, RecordedAnswer>;
  follow: FollowTimes;
  events: { topic: string; key: string; value: unknown }[];
}

export interface FlowOptions {
  stack: PlatformStack;
  tenant: FlowTenant;
  other: FlowTenant;
  events: PlainConsumer;
  instances: Record<StackService, number>;
}

/** Runs the whole flow for `tenant`; `other` is the tenant whose token tries to read it. */
export async function runFlow(options: FlowOptions): Promise<FlowResult> {
  const { stack, tenant, other } = options;
  const token = (as: TokenVar, owner: FlowTenant) =>
    stack.token({ tenant: owner.id, sub: owner.subs[as], roles: TOKENS[as].roles });
  const tokens = {
    ADMIN: await token('ADMIN', tenant),
    ALICE: await token('ALICE', tenant),
    AGENT: await token('AGENT', tenant),
    OTHER: await stack.token({ tenant: other.id, sub: other.subs.OTHER, roles: TOKENS.OTHER.roles }),
  };
  const poller = await stack.token({ tenant: tenant.id, sub: tenant.subs.POLLER, roles: [] });
  tenant.tokens.push(...Object.values(tokens), poller);
  const vars: Record<string, string> = {
    T1: tenant.id,
    T2: other.id,
    KEY: tenant.key,
    KEY2: tenant.key2,
    CUSTOMER: tenant.customer,
  };
  const recorded: Record<string, RecordedAnswer> = {};
  const answers: Record<string, Answer> = {};
  let follow: Promise<FollowTimes> | undefined;
  let catalogFollow: Promise<FollowTimes> | undefined;
  let finalizedAt = 0;
  const follows: FollowTimes = {};

  for (const step of STEPS) {
    const {
      answer,
      recorded: record,
      answeredAt,
      lastLagSentAt,
    } = await runStep(step, { stack, vars, tokens });
    expect({ step: step.id, status: answer.status, body: answer.body }).toMatchObject({
      step: step.id,
      status: step.status,
    });
    recorded[step.id] = record;
    answers[step.id] = answer;
    CHECKS[step.id]?.(answer, { tenant, answers });
    if (vars.SESSION && !tenant.created.sessions.includes(vars.SESSION))
      tenant.created.sessions.push(vars.SESSION);
    if (vars.SESSION2 && !tenant.created.sessions.includes(vars.SESSION2))
      tenant.created.sessions.push(vars.SESSION2);
    for (const name of ['CONFIGURATION', 'CONFIGURATION2'])
      if (vars[name] && !tenant.created.configurations.includes(vars[name]!))
        tenant.created.configurations.push(vars[name]!);
    for (const name of ['ORDER', 'ORDER2'])
      if (vars[name] && !tenant.created.orders.includes(vars[name]!)) tenant.created.orders.push(vars[name]!);

    if (step.id === 'publish-catalog-v2') {
      catalogFollow = followCatalog(options, poller, answeredAt);
    }
    if (step.id === 'publish-price-book-v2') {
      follow = followPriceBook(options, poller, answeredAt);
      Object.assign(follows, await catalogFollow, await follow);
    }
    if (step.id === 'finalize-v2') finalizedAt = answeredAt;
    if (step.id === 'capture-v2')
      follows['order-service: captures an order of a configuration of version 2'] = {
        answeredMs: answeredAt - finalizedAt,
        lastStaleSentMs: lastLagSentAt === undefined ? null : lastLagSentAt - finalizedAt,
      };

    await crossTenantSweep(stack, tenant, other, tokens.OTHER);
    await crossTenantSweep(stack, other, tenant, tokens.ADMIN);
  }

  // The captured and status-changed events of the first order, once each, keyed <tenant>:<order>
  const orderId = vars.ORDER!;
  const key = `${tenant.id}:${orderId}`;
  const captured = await options.events.waitFor((m) => m.topic === 'oms.order.captured.v1' && m.key === key);
  const changed = await options.events.waitFor(
    (m) => m.topic === 'oms.order.status-changed.v1' && m.key === key,
  );
  const order = answers.capture!.body;
  expect(captured.value).toMatchObject({
    eventType: 'oms.order.captured.v1',
    schemaVersion: 1,
    tenantId: tenant.id,
    aggregateId: orderId,
    payload: {
      orderId,
      orderNumber: order.orderNumber,
      currency: 'EUR',
      totalAmountMinor: order.totalAmountMinor,
      configurationId: vars.CONFIGURATION,
    },
  });
  expect(changed.value).toMatchObject({
    eventType: 'oms.order.status-changed.v1',
    tenantId: tenant.id,
    aggregateId: orderId,
    payload: { orderId, from: 'CAPTURED', to: 'SUBMITTED', version: 2 },
  });
  await options.events.waitFor(
    (m) => m.topic === 'oms.order.captured.v1' && m.key === `${tenant.id}:${vars.ORDER2}`,
  );
  await sleep(500); // a duplicate of the replayed capture would have arrived by now
  const mine = options.events.messages.filter((m) => m.key.startsWith(`${tenant.id}:`));
  expect(
    mine
      .filter((m) => m.topic === 'oms.order.captured.v1')
      .map((m) => m.key)
      .sort(),
  ).toEqual([key, `${tenant.id}:${vars.ORDER2}`].sort());
  for (const message of mine) expect(message.value.tenantId).toBe(tenant.id);

  return { recorded, follow: follows, events: [captured, changed] };
}

interface CheckContext {
  tenant: FlowTenant;
  answers: Record<string, Answer>;
}

const lineUnit = (offerId: string) =>
  ORDER_BODY.lines.find((line) => line.offerId === offerId)!.unitAmountMinor;

/** What each step's answer must say, beyond its status. */
const CHECKS: Record<string, (answer: Answer, context: CheckContext) => void> = {
  'publish-catalog': (a) => expect(a.body).toMatchObject({ catalogVersion: 1, offerCount: 3 }),
  'publish-price-book': (a) => expect(a.body).toMatchObject({ priceBookVersion: 1, entryCount: 3 }),
  'create-session': (a) => {
    expect(a.headers.get('etag')).toBe('"1"');
    expect(a.body).toMatchObject({ version: 1, status: 'DRAFT', catalogVersion: 1, selectedOptions: [] });
  },
  'tab-a': (a) => {
    expect(a.headers.get('etag')).toBe('"2"');
    expect(a.body.validationSummary).toMatchObject({ valid: false, errors: [{ code: 'REQUIRES_MISSING' }] });
  },
  'tab-b-stale': (a) => expect(a.headers.get('content-type')).toMatch(/^application\/problem\+json/),
  'tab-b-reread': (a) => expect(a.body).toMatchObject({ version: 2 }),
  'tab-b': (a) => expect(a.body).toMatchObject({ version: 3, validationSummary: { valid: true } }),
  finalize: (a) => expect(a.body).toMatchObject({ status: 'FINALIZED', version: 4 }),
  // the order's lines carry the unit prices pricing answered
  'price-fiber': (a) =>
    expect(a.body).toMatchObject({ priceBookVersion: 1, unitAmountMinor: lineUnit('fiber-1g') }),
  'price-router': (a) =>
    expect(a.body).toMatchObject({ priceBookVersion: 1, unitAmountMinor: lineUnit('router') }),
  capture: (a, { tenant }) =>
    expect(a.body).toMatchObject({
      orderNumber: expect.stringMatching(/^SO-\d{4}-0*1$/),
      status: 'CAPTURED',
      version: 1,
      customerRef: tenant.customer,
      totalAmountMinor: lineUnit('fiber-1g') + lineUnit('router'),
    }),
  replay: (a, { answers }) => {
    expect(a.text).toBe(answers.capture!.text);
    expect(a.headers.get('idempotent-replayed')).toBe('true');
  },
  submit: (a) => expect(a.body).toMatchObject({ status: 'SUBMITTED', version: 2 }),
  'publish-catalog-v2': (a) => expect(a.body).toMatchObject({ catalogVersion: 2, offerCount: 4 }),
  'publish-price-book-v2': (a) => expect(a.body).toMatchObject({ priceBookVersion: 2 }),
  'catalog-v2': (a) => expect(a.body).toMatchObject({ currentVersion: 2 }),
  'price-v2': (a) => expect(a.body).toMatchObject({ priceBookVersion: 2, unitAmountMinor: 8091 }),
  'create-session-v2': (a) => expect(a.body).toMatchObject({ catalogVersion: 2 }),
  'select-v2': (a) => expect(a.body.validationSummary).toMatchObject({ valid: true }),
  'capture-v2': (a) => expect(a.body).toMatchObject({ status: 'CAPTURED', totalAmountMinor: 8091 + 450 }),
};

/** Polls `probe` every `intervalMs` until it holds (NaN after 30 s), timed from `since`. */
async function timeUntil(since: number, probe: () => Promise<boolean>, intervalMs = 25): Promise<Follow> {
  const deadline = since + 30_000;
  let lastStaleSentMs: number | null = null;
  while (Date.now() < deadline) {
    const sent = Date.now();
    if (await probe()) return { answeredMs: Date.now() - since, lastStaleSentMs };
    lastStaleSentMs = sent - since;
    await sleep(intervalMs);
  }
  return { answeredMs: Number.NaN, lastStaleSentMs };
}

const priceOf = (offerId: string) => ({
  offerId,
  currency: 'EUR',
  termMonths: 24,
  quantity: 1,
  segment: 'smb',
  region: 'eu-west',
});

/** After the catalog's version 2: every catalog instance, pricing's view of the offers, config-service's default. */
function followCatalog(options: FlowOptions, token: string, since: number): Promise<FollowTimes> {
  const { stack, tenant, instances } = options;
  const probes: Record<string, () => Promise<boolean>> = {};
  for (let i = 0; i < instances['catalog-service']; i++)
    probes[`catalog-service #${i}: current version 2`] = async () =>
      (await request(`${stack.url('catalog-service', i)}/v1/tenants/${tenant.id}/catalog`, 'GET', token)).body
        ?.currentVersion === 2;
  for (let i = 0; i < instances['pricing-service']; i++) {
    const calculate = (offerId: string) =>
      request(`${stack.url('pricing-service', i)}/v1/tenants/${tenant.id}/prices/calculate`, 'POST', token, {
        headers: { 'content-type': 'application/json' },
        body: priceOf(offerId),
      });
    // 404 (no price yet) means the projection has the offer; 200 once the price book has it too
    probes[`pricing-service #${i}: knows the new offer`] = async () =>
      (await calculate('fiber-10g')).status !== 422;
    probes[`pricing-service #${i}: refuses the retired offer`] = async () =>
      (await calculate('static-ip')).status === 422;
  }
  for (let i = 0; i < instances['config-service']; i++)
    probes[`config-service #${i}: new session at version 2`] = async () => {
      const created = await request(
        `${stack.url('config-service', i)}/v1/tenants/${tenant.id}/config-sessions`,
        'POST',
        token,
        { headers: { 'content-type': 'application/json' }, body: {} },
      );
      if (typeof created.body?.sessionId === 'string') tenant.created.sessions.push(created.body.sessionId);
      return created.body?.catalogVersion === 2;
    };
  return timeAll(since, probes);
}

/** After the price book's version 2: every pricing instance prices at it. */
function followPriceBook(options: FlowOptions, token: string, since: number): Promise<FollowTimes> {
  const { stack, tenant, instances } = options;
  const probes: Record<string, () => Promise<boolean>> = {};
  for (let i = 0; i < instances['pricing-service']; i++)
    probes[`pricing-service #${i}: price book version 2`] = async () =>
      (
        await request(
          `${stack.url('pricing-service', i)}/v1/tenants/${tenant.id}/prices/calculate`,
          'POST',
          token,
          {
            headers: { 'content-type': 'application/json' },
            body: priceOf('router'),
          },
        )
      ).body?.priceBookVersion === 2;
  return timeAll(since, probes);
}

async function timeAll(since: number, probes: Record<string, () => Promise<boolean>>): Promise<FollowTimes> {
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]) => [name, await timeUntil(since, probe)] as const),
  );
  return Object.fromEntries(entries);
}

/**
 * Every read of `tenant`'s data with `other`'s token: on `tenant`'s paths 403; on `other`'s own paths with
 * `tenant`'s ids 404; `other`'s order list never holds `tenant`'s orders.
 */
async function crossTenantSweep(
  stack: PlatformStack,
  tenant: FlowTenant,
  other: FlowTenant,
  otherToken: string,
): Promise<void> {
  const reads: { service: StackService; method: string; path: (t: string) => string; body?: unknown }[] = [
    { service: 'catalog-service', method: 'GET', path: (t) => `/v1/tenants/${t}/catalog` },
    { service: 'catalog-service', method: 'GET', path: (t) => `/v1/tenants/${t}/catalog/offers/router` },
    { service: 'catalog-service', method: 'GET', path: (t) => `/v1/tenants/${t}/catalog/versions/1/offers` },
    {
      service: 'pricing-service',
      method: 'POST',
      path: (t) => `/v1/tenants/${t}/prices/calculate`,
      body: priceOf('router'),
    },
    { service: 'order-service', method: 'GET', path: (t) => `/v1/tenants/${t}/orders` },
  ];
  const byId: { service: StackService; path: (t: string) => string }[] = [
    ...tenant.created.sessions.map((id) => ({
      service: 'config-service' as const,
      path: (t: string) => `/v1/tenants/${t}/config-sessions/${id}`,
    })),
    ...tenant.created.configurations.map((id) => ({
      service: 'config-service' as const,
      path: (t: string) => `/v1/tenants/${t}/configurations/${id}`,
    })),
    ...tenant.created.orders.map((id) => ({
      service: 'order-service' as const,
      path: (t: string) => `/v1/tenants/${t}/orders/${id}`,
    })),
  ];
  const outcomes: string[] = [];
  const attempt = async (
    service: StackService,
    method: string,
    path: string,
    expected: number,
    body?: unknown,
  ) => {
    const answer = await request(stack.url(service) + path, method, otherToken, {
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body }),
    });
    if (answer.status !== expected)
      outcomes.push(`${method} ${path}: ${answer.status}, expected ${expected}`);
    return answer;
  };
  const attempts = [
    ...reads.map((read) => () => attempt(read.service, read.method, read.path(tenant.id), 403, read.body)),
    ...byId.map((read) => () => attempt(read.service, 'GET', read.path(tenant.id), 403)),
    ...byId.map((read) => () => attempt(read.service, 'GET', read.path(other.id), 404)),
  ];
  // four at a time: a burst would take more PostgreSQL connections than a shared test server may have to spare
  for (let i = 0; i < attempts.length; i += 4)
    await Promise.all(attempts.slice(i, i + 4).map((run) => run()));
  const list = await request(
    `${stack.url('order-service')}/v1/tenants/${other.id}/orders`,
    'GET',
    otherToken,
  );
  const listed = JSON.stringify(list.body ?? '');
  for (const id of tenant.created.orders)
    if (listed.includes(id)) outcomes.push(`the order list of ${other.id} holds ${id}`);
  expect(outcomes).toEqual([]);
}

/** What the document shows instead of the test's random values. */
export function displayNames(tenant: FlowTenant, other: FlowTenant): Record<string, string> {
  return {
    [tenant.id]: PLAIN_VARS.T1,
    [other.id]: PLAIN_VARS.T2,
    [tenant.key]: PLAIN_VARS.KEY,
    [tenant.key2]: PLAIN_VARS.KEY2,
    [tenant.customer]: PLAIN_VARS.CUSTOMER,
    [tenant.subs.ADMIN]: TOKENS.ADMIN.sub,
    [tenant.subs.ALICE]: TOKENS.ALICE.sub,
    [tenant.subs.AGENT]: TOKENS.AGENT.sub,
    [other.subs.OTHER]: TOKENS.OTHER.sub,
  };
}
