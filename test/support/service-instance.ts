import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll } from 'vitest';
import { infraEnv } from './infra-env';

/**
 * The environment of a service instance in a test: the test infrastructure, a silent log, and Redis budgets roomier
 * than production's (20-30 ms), so a starved event loop on a busy 2-core machine does not turn cache reads into
 * fallbacks and make assertions about timing instead of design. `overrides` win.
 */
export function serviceTestEnv(
  appEnv: string,
  secret: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  const infra = infraEnv();
  return {
    APP_ENV: appEnv,
    PORT: '0',
    LOG_LEVEL: 'silent',
    AUTH_JWT_SECRET: secret,
    DATABASE_URL: infra.databaseUrl,
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    REDIS_CACHE_URL: infra.redisCacheUrl,
    REDIS_RATE_URL: infra.redisRateUrl,
    REDIS_SESSION_URL: infra.redisSessionUrl,
    REDIS_CACHE_TIMEOUT_MS: '250',
    REDIS_RATE_TIMEOUT_MS: '250',
    REDIS_SESSION_TIMEOUT_MS: '250',
    ...overrides,
  };
}

export interface ListeningInstance {
  url: string;
  /** Idempotent; also run after the test file. */
  close(): Promise<void>;
}

/** Listens on a free loopback port; the instance is closed after the test file. */
export async function listenForTest<A extends { app: NestFastifyApplication }>(
  built: A,
): Promise<A & ListeningInstance> {
  await built.app.listen({ host: '127.0.0.1', port: 0 });
  const address = built.app.getHttpServer().address() as { port: number };
  let closed = false;
  const instance = {
    ...built,
    url: `http://127.0.0.1:${address.port}`,
    async close() {
      if (closed) return;
      closed = true;
      await built.app.close();
    },
  };
  afterAll(() => instance.close(), 30_000);
  return instance;
}

export interface CallResult {
  status: number;
  headers: Headers;
  body: any;
}

/** One HTTP call: JSON in (`body`) or raw text (`rawBody`), the body parsed as JSON when it is JSON. */
export async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let payload: string | undefined;
  if (options.rawBody !== undefined) payload = options.rawBody;
  else if (options.body !== undefined) payload = JSON.stringify(options.body);
  if (payload !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(base + path, {
    method,
    headers,
    ...(payload !== undefined ? { body: payload } : {}),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // keep the text
  }
  return { status: response.status, headers: response.headers, body };
}

/** `redis_runtime_cache_events_total{family}` by event (`hit`, `near_hit`, `miss`, ...), from an instance's /metrics. */
export async function cacheEventsOf(url: string, family: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const events: Record<string, number> = {};
  const pattern = new RegExp(
    `^redis_runtime_cache_events_total\\{family="${family}",event="(\\w+)"\\} (\\d+)`,
    'gm',
  );
  for (const m of text.matchAll(pattern)) events[m[1]!] = Number(m[2]);
  return events;
}

/** Redis commands the instance has sent for these key families (its runtime's command histogram). */
export async function redisCommandsOf(url: string, families: string[]): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let total = 0;
  for (const m of text.matchAll(/^redis_runtime_command_duration_seconds_count\{([^}]*)\} (\d+)/gm)) {
    const family = /family="([^"]+)"/.exec(m[1]!)?.[1];
    if (family !== undefined && families.includes(family)) total += Number(m[2]);
  }
  return total;
}
