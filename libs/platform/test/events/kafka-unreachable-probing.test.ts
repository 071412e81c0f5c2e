import { createServer } from 'node:net';
import { newEnvelope, TOPICS } from '@cpq/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendToOutbox, KafkaEventConsumer, OutboxRelay } from '../../src/events';
import { freePort } from '../../../../test/support/bench-processes';
import { uniqueId } from '../../../../test/support/unique';
import { createTestSchema } from './events-fixture';

/**
 * A "broker" that accepts every connection and closes it at once, recording when: each connection is one attempt
 * to reach Kafka, so the gaps between them are the waits of the relay's or consumer's backoff.
 */
class RefusingBroker {
  readonly attempts: number[] = [];
  private readonly server = createServer((socket) => {
    this.attempts.push(Date.now());
    socket.on('error', () => undefined);
    socket.destroy();
  });
  private constructor(readonly port: number) {}

  static async start(): Promise<RefusingBroker> {
    const broker = new RefusingBroker(await freePort());
    await new Promise<void>((resolve) => broker.server.listen(broker.port, '127.0.0.1', resolve));
    return broker;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The connection attempts between `from` and `to`, and the longest quiet gap in that window. */
  cadence(from: number, to: number): { attempts: number; longestGapMs: number } {
    const within = this.attempts.filter((t) => t >= from && t <= to);
    let longestGapMs = 0;
    let previous = from;
    for (const t of [...within, to]) {
      longestGapMs = Math.max(longestGapMs, t - previous);
      previous = t;
    }
    return { attempts: within.length, longestGapMs };
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Long enough for the old backoffs (doubling up to 30 s) to wait several seconds between attempts. */
const DOWN_FOR_MS = 14_000;
/** The window measured: the end of the outage, when a recovery would have to be noticed. */
const WINDOW_MS = 6_000;

describe('while Kafka stays unreachable, the relay and the consumers probe about once a second', () => {
  let fixture: Awaited<ReturnType<typeof createTestSchema>>;
  beforeAll(async () => {
    fixture = await createTestSchema('it_probing');
  });
  afterAll(async () => {
    await fixture?.drop();
  });

  it('the relay: never more than ~1 s without a probe (so a returning broker is noticed within ~1 s), never hammering, notify() or not', async () => {
    const broker = await RefusingBroker.start();
    const relay = new OutboxRelay({
      db: fixture.database.db,
      schema: fixture.schema,
      kafka: { brokers: [broker.address], clientId: uniqueId('it-probing-relay') },
      pollIntervalMs: 100,
    });
    const event = newEnvelope({
      eventType: TOPICS.orderStatusChanged,
      tenantId: 'acme',
      aggregateId: uniqueId('agg'),
      payload: { orderId: 'o-1', from: 'CAPTURED', to: 'SUBMITTED', version: 2 },
    });
    await appendToOutbox(fixture.database.db, fixture.schema, event);
    // a busy service notifies after every commit: that must not turn into a probe per commit
    const notifying = setInterval(() => relay.notify(), 20);
    try {
      await relay.start();
      await sleep(DOWN_FOR_MS - WINDOW_MS);
      const from = Date.now();
      await sleep(WINDOW_MS);
      const { attempts, longestGapMs } = broker.cadence(from, Date.now());
      console.log(
        `relay: ${attempts} connection attempts in ${WINDOW_MS} ms, longest gap ${longestGapMs} ms`,
      );
      // before: 12.8-25.6 s between attempts by now (backoff doubling up to 30 s), so a broker returning in such
      // a gap waited that long for its backlog
      expect(longestGapMs).toBeLessThanOrEqual(1_600);
      expect(attempts).toBeGreaterThanOrEqual(WINDOW_MS / 1_600);
      expect(attempts).toBeLessThanOrEqual((2 * WINDOW_MS) / 1_000); // at most two connection attempts a second
    } finally {
      clearInterval(notifying);
      await relay.stop();
      await broker.close();
    }
  }, 60_000);

  it('a consumer that cannot start: never more than ~1 s without a probe, never hammering', async () => {
    const broker = await RefusingBroker.start();
    const consumer = new KafkaEventConsumer({
      mode: 'broadcast',
      kafka: { brokers: [broker.address], clientId: uniqueId('it-probing-consumer') },
      groupId: uniqueId('it-probing-group'),
      topics: [TOPICS.orderStatusChanged],
      handle: async () => undefined,
    });
    try {
      await consumer.start();
      await sleep(DOWN_FOR_MS - WINDOW_MS);
      const from = Date.now();
      await sleep(WINDOW_MS);
      const { attempts, longestGapMs } = broker.cadence(from, Date.now());
      console.log(
        `consumer: ${attempts} connection attempts in ${WINDOW_MS} ms, longest gap ${longestGapMs} ms`,
      );
      // before: 8-16 s between attempts by now (backoff from 1 s doubling up to 30 s)
      expect(longestGapMs).toBeLessThanOrEqual(1_600);
      expect(attempts).toBeGreaterThanOrEqual(WINDOW_MS / 1_600);
      expect(attempts).toBeLessThanOrEqual((2 * WINDOW_MS) / 1_000);
    } finally {
      await consumer.stop();
      await broker.close();
    }
  }, 60_000);
});
