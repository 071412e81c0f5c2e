import type { Admin } from 'kafkajs';
import { createKafkaClient, type KafkaConnectionOptions } from './kafka-client';
import { silentEventsLogger, type EventsLogger } from './events-logger';

/** The subset of the platform's `HealthIndicator` this returns (kept structural: events do not import http). */
export interface KafkaHealthIndicator {
  name: 'kafka';
  critical: boolean;
  check(): Promise<'up' | 'degraded'>;
  close(): Promise<void>;
}

/**
 * Kafka reachability for `/health/ready`. Not critical: with the broker down, writes still commit their events to
 * the outbox and the relay delivers them later, so the service stays ready (degraded).
 */
export function kafkaHealthIndicator(
  kafka: KafkaConnectionOptions,
  { timeoutMs = 1_000, logger = silentEventsLogger }: { timeoutMs?: number; logger?: EventsLogger } = {},
): KafkaHealthIndicator {
  let admin: Admin | undefined;
  const client = createKafkaClient(
    { ...kafka, connectionTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs, retry: { retries: 0 } },
    logger,
  );
  const probe = async (): Promise<'up'> => {
    admin ??= client.admin();
    await admin.connect();
    await admin.describeCluster();
    return 'up';
  };
  return {
    name: 'kafka',
    critical: false,
    async check() {
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([
          probe(),
          new Promise<'degraded'>((resolve) => {
            timer = setTimeout(resolve, timeoutMs, 'degraded');
          }),
        ]);
      } catch {
        const stale = admin;
        admin = undefined;
        await stale?.disconnect().catch(() => undefined);
        return 'degraded';
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await admin?.disconnect().catch(() => undefined);
    },
  };
}
