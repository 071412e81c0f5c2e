import type { Kysely, LogEvent } from 'kysely';
import type { Pool } from 'pg';

/** Counts the SQL statements a database handle sends; for tests ("a cache hit issues no query"). */
export interface QueryCounter {
  /** Statements sent since creation or the last `reset()`, failed ones included. */
  readonly count: number;
  /** Their SQL text, in order. */
  readonly statements: readonly string[];
  reset(): void;
  /** Stops counting. */
  stop(): void;
}

type QueryListener = (sql: string) => void;

/** Listeners per handle; `createDatabase` registers its Kysely instance and pool here. */
const listenersByHandle = new WeakMap<object, Set<QueryListener>>();

/**
 * A kysely `log` hook that reports every executed statement to the counters of the handles it is
 * registered for. Returns the hook and a function registering more handles under the same listeners.
 * @internal used by `createDatabase`
 */
export function queryCountingLog(): {
  log: (event: LogEvent) => void;
  register: (...handles: object[]) => void;
} {
  const listeners = new Set<QueryListener>();
  return {
    log: (event) => {
      for (const listener of listeners) listener(event.query.sql);
    },
    register: (...handles) => {
      for (const handle of handles) listenersByHandle.set(handle, listeners);
    },
  };
}

/**
 * Starts counting the statements sent through a handle made by `createDatabase`: its `Kysely` instance, its
 * `pg.Pool`, or the `Database` itself (not a derived `withSchema()`/`withPlugin()` instance). Counts every
 * statement issued through kysely, from any derived instance or transaction; raw `pool.query()` calls are not seen.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function countQueries(target: Kysely<any> | Pool | { db: Kysely<any> }): QueryCounter {
  const handle = 'db' in target ? target.db : target;
  const listeners = listenersByHandle.get(handle);
  if (!listeners) throw new Error('countQueries: the handle was not created by createDatabase');
  const statements: string[] = [];
  const listener: QueryListener = (sql) => statements.push(sql);
  listeners.add(listener);
  return {
    get count() {
      return statements.length;
    },
    get statements() {
      return statements;
    },
    reset: () => void statements.splice(0),
    stop: () => void listeners.delete(listener),
  };
}
