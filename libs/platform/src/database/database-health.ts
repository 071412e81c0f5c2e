import { type Kysely, sql } from 'kysely';

/** Options of `databaseHealth`. */
export interface DatabaseHealthOptions {
  /** Answer 'down' when `select 1` has not returned within this time. @default 1000 */
  timeoutMs?: number;
}

/** `'up'` when PostgreSQL answers `select 1` within the timeout, else `'down'`; never throws. */
export async function databaseHealth(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>,
  options: DatabaseHealthOptions = {},
): Promise<'up' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'down'>((resolve) => {
    timer = setTimeout(() => resolve('down'), options.timeoutMs ?? 1000);
  });
  const probe = sql`select 1`.execute(db).then(
    () => 'up' as const,
    () => 'down' as const,
  );
  try {
    return await Promise.race([probe, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
