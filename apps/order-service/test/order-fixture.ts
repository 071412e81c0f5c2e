import { parseConfig, signDevToken } from '@cpq/platform';
import { createOrderApp, type OrderApp } from '../src/order-app';
import { orderConfigSchema } from '../src/config';
import {
  call,
  listenForTest,
  serviceTestEnv,
  type CallResult,
  type ListeningInstance,
} from '../../../test/support/service-instance';
import { uniqueId } from '../../../test/support/unique';

export const SECRET = 'order-test-secret-order-test-secret';

export type OrderInstance = OrderApp & ListeningInstance;

const sharedAppEnv = uniqueId('ord').replace(/-/g, '').slice(0, 30);

/**
 * One order-service instance listening on a free port, against the test infrastructure (or the URLs in `env`).
 * Closed after the test file. Every instance of one file shares its `APP_ENV` unless given its own.
 */
export async function startOrder(
  env: Record<string, string> = {},
  appEnv = sharedAppEnv,
): Promise<OrderInstance> {
  const vars = serviceTestEnv(appEnv, SECRET, {
    // every test file has its own APP_ENV, so its own new groups: replaying every configuration ever finalized on
    // this broker would only delay the file's own events
    ORDER_PROJECTION_REPLAY: 'off',
    ...env,
  });
  return listenForTest(await createOrderApp(parseConfig(orderConfigSchema, vars), { env: vars }));
}

export function newAppEnv(): string {
  return uniqueId('ord').replace(/-/g, '').slice(0, 30);
}

export const newTenant = () => uniqueId('t').slice(0, 40);

export function token(tenantId: string, roles: string[] = [], sub = 'user-1', azp?: string): Promise<string> {
  return signDevToken({ secret: SECRET, tenantId, sub, roles, ...(azp ? { azp } : {}) });
}

export const agent = (tenantId: string) => token(tenantId, ['order:agent'], 'agent-1');

export { call, type CallResult };

/** `count` lines of distinct offers. */
export function lines(count: number, unitAmountMinor = 1_000): object[] {
  return Array.from({ length: count }, (_, i) => ({
    offerId: `offer-${String(i).padStart(4, '0')}`,
    quantity: i + 1,
    unitAmountMinor,
    termMonths: 24,
  }));
}

export const orderBody = (extra: Record<string, unknown> = {}) => ({
  currency: 'EUR',
  customerRef: 'cust-42',
  lines: lines(2),
  ...extra,
});

/** `POST /orders` with an Idempotency-Key (none when `key` is undefined). */
export async function capture(
  base: string,
  tenantId: string,
  body: unknown,
  key: string | undefined,
  options: { token?: string; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<CallResult & { text: string }> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${options.token ?? (await token(tenantId))}`,
    'content-type': 'application/json',
    ...(key === undefined ? {} : { 'idempotency-key': key }),
    ...options.headers,
  };
  const response = await fetch(`${base}/v1/tenants/${tenantId}/orders`, {
    method: 'POST',
    headers,
    body: options.rawBody ?? JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

export async function getOrder(base: string, tenantId: string, orderId: string): Promise<CallResult> {
  return call(base, 'GET', `/v1/tenants/${tenantId}/orders/${orderId}`, { token: await token(tenantId) });
}

export async function transition(
  base: string,
  tenantId: string,
  orderId: string,
  to: string,
  ifMatch: string | undefined,
): Promise<CallResult> {
  return call(base, 'POST', `/v1/tenants/${tenantId}/orders/${orderId}/transitions`, {
    token: await agent(tenantId),
    body: { to },
    ...(ifMatch === undefined ? {} : { headers: { 'if-match': ifMatch } }),
  });
}

export async function waitUntil(
  condition: () => Promise<boolean>,
  timeoutMs: number,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
