import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, retryableTransaction, TransactionConflictError } from '../../src/database';
import { infraEnv } from '../../../../test/support/infra-env';
import { uniqueId } from '../../../../test/support/unique';

const schema = uniqueId('it_retry').replace(/-/g, '_');
const database = createDatabase<any>({ url: infraEnv().databaseUrl, schema, poolMax: 4 });
const db = database.db as Kysely<any>;

beforeAll(async () => {
  await sql`create schema ${sql.id(schema)}`.execute(db);
  await sql`create table ${sql.id(schema, 'items')} (id int primary key, n int not null)`.execute(db);
});
beforeEach(async () => {
  await sql`truncate items`.execute(db);
  await sql`insert into items (id, n) values (1, 0), (2, 0)`.execute(db);
});
afterAll(async () => {
  await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
  await database.close();
});

const valueOf = async (id: number) =>
  (await sql<{ n: number }>`select n from items where id = ${id}`.execute(db)).rows[0]!.n;

/** A promise and the function that resolves it. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}

/**
 * Bumps the two rows in the given order; on its first attempt it waits, holding the first row's lock, until the other
 * transaction holds its own first row: two such transactions in opposite orders deadlock for certain.
 */
function bumpInOrder(order: [number, number], mine: ReturnType<typeof signal>, theirs: Promise<void>) {
  let attempts = 0;
  const done = retryableTransaction(db, async (trx) => {
    attempts++;
    await sql`update items set n = n + 1 where id = ${order[0]}`.execute(trx);
    if (attempts === 1) {
      mine.fire();
      await theirs;
    }
    await sql`update items set n = n + 1 where id = ${order[1]}`.execute(trx);
  });
  return { done, attempts: () => attempts };
}

/** A REPEATABLE READ increment whose row another connection changes after its snapshot: SQLSTATE 40001. */
function incrementAgainstWriter(options: { conflictingAttempts: number; maxAttempts?: number }) {
  let attempts = 0;
  const done = retryableTransaction(
    db,
    async (trx) => {
      attempts++;
      await sql`select n from items where id = 1`.execute(trx); // the snapshot is taken here
      if (attempts <= options.conflictingAttempts) {
        await sql`update items set n = n + 100 where id = 1`.execute(db); // another connection, committed
      }
      await sql`update items set n = n + 1 where id = 1`.execute(trx);
    },
    {
      isolationLevel: 'repeatable read',
      ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    },
  );
  return { done, attempts: () => attempts };
}

describe('retryableTransaction', () => {
  it('runs the deadlock victim again: both transactions of a real deadlock (40P01) commit', async () => {
    const first = signal();
    const second = signal();
    const a = bumpInOrder([1, 2], first, second.promise);
    const b = bumpInOrder([2, 1], second, first.promise);
    await Promise.all([a.done, b.done]);
    // One of them was chosen as the victim and ran once more; each bumped both rows exactly once.
    expect(a.attempts() + b.attempts()).toBe(3);
    expect([await valueOf(1), await valueOf(2)]).toEqual([2, 2]);
  });

  it('runs a transaction again after a serialization failure (40001), on a fresh snapshot', async () => {
    const run = incrementAgainstWriter({ conflictingAttempts: 1 });
    await run.done;
    expect(run.attempts()).toBe(2);
    expect(await valueOf(1)).toBe(101);
  });

  it('gives up after maxAttempts with TransactionConflictError, having committed nothing', async () => {
    const run = incrementAgainstWriter({ conflictingAttempts: Infinity, maxAttempts: 2 });
    const error = await run.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionConflictError);
    expect(error).toMatchObject({
      code: 'PLATFORM_DATABASE_TRANSACTION_CONFLICT',
      sqlState: '40001',
      attempts: 2,
      cause: { code: '40001' },
    });
    expect(run.attempts()).toBe(2);
    expect(await valueOf(1)).toBe(200); // the other connection's two updates only
  });

  it('does not run again after any other error', async () => {
    let attempts = 0;
    const error = await retryableTransaction(db, async (trx) => {
      attempts++;
      await sql`insert into items (id, n) values (1, 0)`.execute(trx);
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '23505' });
    expect(attempts).toBe(1);
  });
});
