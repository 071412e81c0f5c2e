/**
 * The fields of a PostgreSQL error (node-postgres `DatabaseError`) that name things, never row values. Left out on
 * purpose: `detail` (`Key (customer_ref)=(...) already exists.`, `Failing row contains (...)`), `where` (the PL/pgSQL
 * context, with parameter values), `hint`, `internalQuery`, `position` and `internalPosition`.
 */
const POSTGRES_SAFE_FIELDS = [
  'code',
  'severity',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'routine',
];

/** Causes deeper than this are left out (a cycle, or a chain no reader follows). */
const MAX_CAUSE_DEPTH = 5;

type ErrorLike = Error & Record<string, unknown>;

function isErrorLike(value: unknown): value is ErrorLike {
  return typeof value === 'object' && value !== null && typeof (value as Error).message === 'string';
}

/** A PostgreSQL server error: a five-character SQLSTATE and a severity. */
function isPostgresError(error: ErrorLike): boolean {
  return (
    typeof error['code'] === 'string' &&
    /^[0-9A-Z]{5}$/.test(error['code']) &&
    typeof error['severity'] === 'string'
  );
}

/**
 * A PostgreSQL message names objects (constraints, columns, types), except in class 22 (data exceptions), whose
 * messages quote the offending input (`invalid input syntax for type uuid: "..."`).
 */
function postgresMessage(error: ErrorLike): string {
  const code = error['code'] as string;
  return code.startsWith('22') ? error.message.replace(/"[^"]*"/g, '"[redacted]"') : error.message;
}

function serialize(error: ErrorLike, depth: number, seen: Set<unknown>): Record<string, unknown> {
  seen.add(error);
  let out: Record<string, unknown>;
  if (isPostgresError(error)) {
    const message = postgresMessage(error);
    out = { type: typeName(error), message };
    for (const field of POSTGRES_SAFE_FIELDS) if (error[field] !== undefined) out[field] = error[field];
    // The stack's first line repeats the message.
    out['stack'] = error.stack?.replace(error.message, message);
  } else {
    // What pino's own serializer writes (type, message, stack, every enumerable field), except that causes stay
    // apart instead of being folded into the message and the stack: each is serialized below by these rules.
    out = { type: typeName(error), message: error.message, stack: error.stack };
    for (const key in error) {
      if (key === 'cause' || out[key] !== undefined) continue;
      const value = error[key];
      out[key] = !isErrorLike(value)
        ? value
        : seen.has(value)
          ? '[circular]'
          : serialize(value, depth + 1, seen);
    }
    if (Array.isArray(error['errors'])) {
      out['aggregateErrors'] = error['errors'].map((inner: unknown) =>
        isErrorLike(inner) && !seen.has(inner) ? serialize(inner, depth + 1, seen) : inner,
      );
    }
  }
  const cause = error.cause;
  if (isErrorLike(cause) && depth < MAX_CAUSE_DEPTH && !seen.has(cause)) {
    out['cause'] = serialize(cause, depth + 1, seen);
  }
  return out;
}

function typeName(error: ErrorLike): string {
  return typeof error.constructor === 'function' ? error.constructor.name : error.name;
}

/**
 * The `err` serializer of every service logger: pino's, except that a PostgreSQL error keeps only its type, message,
 * SQLSTATE, severity, the names of the objects involved and its stack, never the row values PostgreSQL puts in
 * `detail` and `where` (tenant ids, customer references, idempotency keys); causes are serialized by the same rules.
 * Also takes what pino-http's wrapper passes (pino's serialized form, the error as its `raw`).
 */
export function errorSerializer(value: unknown): unknown {
  const raw = isErrorLike(value) ? (value as { raw?: unknown }).raw : undefined;
  const error = isErrorLike(raw) ? raw : value;
  return isErrorLike(error) ? serialize(error, 0, new Set()) : error;
}
