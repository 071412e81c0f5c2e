import type { z } from 'zod';
import { CodedError } from '../errors/coded-error';

/** A configuration value is missing or wrong; `message` is the one line printed at start-up. */
export class ConfigError extends CodedError {
  readonly code = 'PLATFORM_CONFIG_INVALID';

  constructor(
    message: string,
    /** Every problem found, one per variable. */
    readonly issues: readonly string[],
  ) {
    super(message);
  }
}

type Env = Record<string, string | undefined>;

/** Parses `env` with `schema`; throws a `ConfigError` naming the first wrong or missing variable. */
export function parseConfig<S extends z.ZodType>(schema: S, env: Env = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => describeIssue(issue, env));
  throw new ConfigError(`config error: ${issues[0] ?? 'invalid configuration'}`, issues);
}

/**
 * Parses `env` with `schema`. On failure prints one line to stderr (`config error: PORT: expected a
 * number, got "abc"`) and exits with status 1: a service never starts on a half-valid configuration.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Env = process.env): z.infer<S> {
  try {
    return parseConfig(schema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

function describeIssue(issue: z.core.$ZodIssue, env: Env): string {
  const name = issue.path.map(String).join('.') || '(root)';
  const raw = typeof issue.path[0] === 'string' ? env[issue.path[0]] : undefined;
  if (raw === undefined || raw === '') return `${name}: required, not set`;
  // Secrets are never echoed back, only described.
  const shown = /SECRET|PASSWORD|TOKEN|KEY/i.test(name)
    ? `a value of ${raw.length} characters`
    : JSON.stringify(raw);
  return `${name}: ${lowerFirst(issue.message)}, got ${shown}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
