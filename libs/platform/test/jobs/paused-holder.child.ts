// The holder of the paused-holder test, in its own process so that the test can really stop it (SIGSTOP): its
// event loop, its lease keeper and its connections all freeze, as in a long GC pause or a stalled VM.
// Started by paused-holder.test.ts with DATABASE_URL, REDIS_RATE_URL, SCHEMA, KEYS_ENV and JOB; talks over IPC.
import { createDatabase } from '../../src/database';
import { FencedJobRunner } from '../../src/jobs';
import { openRateConnection, testJobLeases } from './job-test-parts';

export type HolderMessage =
  | { type: 'holding'; fencingToken: string }
  | {
      type: 'done';
      ran: boolean;
      fencingToken?: string;
      deletedOutsideTransaction?: number;
      transactionError?: string;
    }
  | { type: 'failed'; error: string };

const send = (message: HolderMessage) => process.send!(message);

async function main(): Promise<void> {
  const env = (name: string) => process.env[name] ?? fail(`${name} is not set`);
  const [schema, job] = [env('SCHEMA'), env('JOB')];
  const connection = await openRateConnection(env('REDIS_RATE_URL'));
  const database = createDatabase<any>({ url: env('DATABASE_URL'), poolMax: 2 });
  const db = database.db;
  const go = new Promise((resolve) => process.once('message', resolve));
  try {
    const runner = new FencedJobRunner({ db, schema, leases: testJobLeases(connection, env('KEYS_ENV')) });
    const outcome = await runner.runOnce(job, { ttlMs: 1000 }, async (ctx) => {
      send({ type: 'holding', fencingToken: ctx.fencingToken.toString() });
      await go; // stopped here by the test until the lease has expired and another runner has run the job
      // The purge this holder had decided on, as a plain statement fenced in its WHERE ...
      const outside = await db
        .deleteFrom(`${schema}.drafts`)
        .where('job', '=', job)
        .where('expired', '=', true)
        .where(ctx.holdsFence)
        .executeTakeFirst();
      // ... and the same in ctx.transaction, which claims the fence first.
      const transactionError = await ctx
        .transaction((trx) =>
          trx.deleteFrom(`${schema}.drafts`).where('job', '=', job).where('expired', '=', true).execute(),
        )
        .then(
          () => undefined,
          (error: { code?: string }) => error.code ?? String(error),
        );
      return { deletedOutsideTransaction: Number(outside.numDeletedRows), transactionError };
    });
    send(
      outcome.ran
        ? { type: 'done', ran: true, fencingToken: outcome.fencingToken.toString(), ...outcome.value }
        : { type: 'done', ran: false },
    );
  } finally {
    await connection.close();
    await database.close();
  }
}

function fail(message: string): never {
  throw new Error(message);
}

main().then(
  () => process.disconnect(),
  (error: unknown) => {
    send({ type: 'failed', error: String(error) });
    process.disconnect();
  },
);
