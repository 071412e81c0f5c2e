import { describe, expect, it } from 'vitest';
import { baseServiceConfigSchema } from './base-service-config';
import { ConfigError, parseConfig } from './config-loader';

const SECRET = 'x'.repeat(32);

function errorOf(env: Record<string, string>): ConfigError {
  try {
    parseConfig(baseServiceConfigSchema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig with the base service schema', () => {
  it('applies the defaults and parses lists and numbers', () => {
    expect(
      parseConfig(baseServiceConfigSchema, {
        PORT: '3001',
        AUTH_JWT_SECRET: SECRET,
        KAFKA_BROKERS: 'a:1, b:2',
      }),
    ).toEqual({
      APP_ENV: 'dev',
      HOST: '127.0.0.1',
      PORT: 3001,
      LOG_LEVEL: 'info',
      AUTH_JWT_SECRET: SECRET,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/cpq',
      DATABASE_POOL_MAX: 10,
      DATABASE_CONNECT_TIMEOUT_MS: 5000,
      DATABASE_STATEMENT_TIMEOUT_MS: 5000,
      OUTBOX_RETENTION_HOURS: 168,
      INBOX_RETENTION_HOURS: 336,
      EVENT_RETENTION_INTERVAL_MS: 600000,
      EVENT_RETENTION_BATCH: 1000,
      EVENT_RETENTION_MAX_ROWS: 100000,
      KAFKA_BROKERS: ['a:1', 'b:2'],
    });
  });

  it('bounds the database budgets', () => {
    expect(errorOf({ PORT: '1', AUTH_JWT_SECRET: SECRET, DATABASE_CONNECT_TIMEOUT_MS: '0' }).message).toMatch(
      /^config error: DATABASE_CONNECT_TIMEOUT_MS: /,
    );
    expect(
      errorOf({ PORT: '1', AUTH_JWT_SECRET: SECRET, DATABASE_STATEMENT_TIMEOUT_MS: 'soon' }).message,
    ).toMatch(/^config error: DATABASE_STATEMENT_TIMEOUT_MS: /);
    expect(errorOf({ PORT: '1', AUTH_JWT_SECRET: SECRET, DATABASE_POOL_MAX: '0' }).message).toMatch(
      /^config error: DATABASE_POOL_MAX: /,
    );
    // an inbox kept less than a day would forget events Kafka can still deliver again
    expect(errorOf({ PORT: '1', AUTH_JWT_SECRET: SECRET, INBOX_RETENTION_HOURS: '12' }).message).toMatch(
      /^config error: INBOX_RETENTION_HOURS: /,
    );
  });

  it('names a wrong number in one line', () => {
    const error = errorOf({ PORT: 'abc', AUTH_JWT_SECRET: SECRET });
    expect(error.message).toBe('config error: PORT: expected a number, got "abc"');
    expect(error.message).not.toContain('\n');
  });

  it('names a missing required variable', () => {
    expect(errorOf({ PORT: '1' }).message).toBe('config error: AUTH_JWT_SECRET: required, not set');
  });

  it('describes a short secret without printing it', () => {
    const error = errorOf({ PORT: '1', AUTH_JWT_SECRET: 'short-secret' });
    expect(error.message).toBe(
      'config error: AUTH_JWT_SECRET: expected at least 32 characters, got a value of 12 characters',
    );
  });

  it('rejects an APP_ENV that is not a key segment', () => {
    expect(errorOf({ PORT: '1', AUTH_JWT_SECRET: SECRET, APP_ENV: 'Prod:1' }).message).toMatch(
      /^config error: APP_ENV: /,
    );
  });

  it('can be extended by an app', () => {
    const schema = baseServiceConfigSchema.extend({ CACHE_TTL_S: baseServiceConfigSchema.shape.PORT });
    expect(parseConfig(schema, { PORT: '1', AUTH_JWT_SECRET: SECRET, CACHE_TTL_S: '60' }).CACHE_TTL_S).toBe(
      60,
    );
  });
});
