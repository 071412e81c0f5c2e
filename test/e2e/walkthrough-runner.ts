// Runs the walkthrough's steps over HTTP with a binding of its variables, and records what they answered.
import { setTimeout as sleep } from 'node:timers/promises';
import type { PlatformStack } from '../support/platform-stack';
import { type Answer, SERVICE_VARS, type ServiceVar, type Step, type TokenVar } from './walkthrough-steps';

/** `$NAME` (upper case, digits, underscores), as in the steps and the shell. */
const VARIABLE = /\$([A-Z][A-Z0-9_]*)/g;

export function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(VARIABLE, (whole, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`${whole} is not bound`);
    return value;
  });
}

/** A step's body with every string's variables bound. */
export function bindBody(body: unknown, vars: Record<string, string>): unknown {
  if (typeof body === 'string') return substitute(body, vars);
  if (Array.isArray(body)) return body.map((item) => bindBody(item, vars));
  if (body !== null && typeof body === 'object')
    return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, bindBody(v, vars)]));
  return body;
}

export async function request(
  url: string,
  method: string,
  token: string,
  options: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<Answer & { statusText: string }> {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...options.headers },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: response.status, statusText: response.statusText, headers: response.headers, text, body };
}

/** What one step answered, as the document shows it. */
export interface RecordedAnswer {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  text: string;
  /** How long the test repeated the call until the answer stopped being a projection lag (`until`). */
  waitedMs: number;
}

export interface StepBinding {
  stack: PlatformStack;
  vars: Record<string, string>;
  tokens: Record<TokenVar, string>;
  /** Which instance of each service the steps call. @default 0 */
  instance?: Partial<Record<ServiceVar, number>>;
}

/** Runs a step (repeating it while `until` says the answer is a lag, up to `deadlineMs`); captures its variables. */
export async function runStep(
  step: Step,
  binding: StepBinding,
  deadlineMs = 60_000,
): Promise<{ answer: Answer; recorded: RecordedAnswer; answeredAt: number; lastLagSentAt?: number }> {
  const { stack, vars } = binding;
  const url =
    stack.url(SERVICE_VARS[step.service], binding.instance?.[step.service] ?? 0) +
    substitute(step.path, vars);
  const headers = Object.fromEntries(
    Object.entries(step.headers ?? {}).map(([name, value]) => [name, substitute(value, vars)]),
  );
  const body = step.body === undefined ? undefined : bindBody(step.body, vars);
  const started = Date.now();
  let answer: Answer & { statusText: string };
  let answeredAt: number;
  let lastLagSentAt: number | undefined;
  // backing off (50 ms, x1.5, at most 1 s): a projection replaying a long topic must not spend the user's rate quota
  for (let delay = 50; ; delay = Math.min(1_000, delay * 1.5)) {
    const sent = Date.now();
    answer = await request(url, step.method, binding.tokens[step.as], { headers, body });
    answeredAt = Date.now();
    if (!step.until || step.until(answer) || Date.now() - started > deadlineMs) break;
    lastLagSentAt = sent;
    await sleep(delay);
  }
  for (const [name, field] of Object.entries(step.capture ?? {})) {
    const value = (answer.body as Record<string, unknown> | undefined)?.[field];
    if (typeof value === 'string') vars[name] = value;
  }
  const shown: Record<string, string> = {};
  for (const name of step.show ?? []) {
    const value = answer.headers.get(name);
    if (value !== null) shown[name] = value;
  }
  const recorded = {
    status: answer.status,
    statusText: answer.statusText,
    headers: shown,
    text: answer.text,
    waitedMs: step.until ? Date.now() - started : 0,
  };
  return { answer, recorded, answeredAt, ...(lastLagSentAt === undefined ? {} : { lastLagSentAt }) };
}
