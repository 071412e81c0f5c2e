import { randomUUID } from 'node:crypto';
import type { RedisConnection } from '../clients/redis-connection';
import { connectClient, closeClient, type RedisClient } from '../clients/redis-client-factory';
import type { RedisKey } from '../keys/key-factory';
import { silentLogger, type RuntimeLogger } from '../observability/runtime-logger';

export interface InvalidationMessage {
  /** Exact cache keys to drop. */
  keys?: string[];
  /** Key prefixes to drop (e.g. one tenant's current-version entries). */
  prefixes?: string[];
}

type Handler = (message: InvalidationMessage) => void;

const SCHEMA_VERSION = 1;

/**
 * Near-cache invalidation hints over Redis Pub/Sub. Delivery is at most once: a missed message is bounded by
 * the near-cache TTL, and after a reconnect the subscriber reports `{prefixes: ['']}` (drop everything) because
 * messages sent while it was away are lost. Durable invalidation travels on Kafka; this only makes it faster.
 */
export class NearCacheInvalidationBus {
  private readonly handlers = new Set<Handler>();
  private readonly origin = randomUUID();
  private wasDisconnected = false;
  private subscribed = false;
  private subscribing: Promise<void> | undefined;

  private constructor(
    private readonly publisher: RedisConnection,
    private readonly subscriber: RedisClient,
    private readonly channel: RedisKey,
    private readonly logger: RuntimeLogger,
  ) {}

  /** Opens a dedicated subscriber connection (Pub/Sub needs its own) on the channel of a `channel` family. */
  static async open(publisher: RedisConnection, channel: RedisKey, logger: RuntimeLogger = silentLogger) {
    const subscriber = publisher.client.duplicate();
    const bus = new NearCacheInvalidationBus(publisher, subscriber, channel, logger);
    subscriber.on('message', (ch: string, raw: string) => {
      if (ch === channel.key) bus.receive(raw);
    });
    subscriber.on('close', () => {
      bus.wasDisconnected = true;
    });
    subscriber.on('ready', () => {
      // A bus opened while Redis was down subscribes on its first connect; after that ioredis re-subscribes
      // by itself on every reconnect.
      void bus.subscribe();
      if (!bus.wasDisconnected) return;
      bus.wasDisconnected = false;
      bus.emit({ prefixes: [''] });
    });
    subscriber.on('error', () => undefined);
    if (await connectClient(subscriber, 1000)) await bus.subscribe();
    return bus;
  }

  /** Subscribes to the channel unless already subscribed (or subscribing); failures wait for the next connect. */
  private subscribe(): Promise<void> {
    if (this.subscribed) return Promise.resolve();
    this.subscribing ??= this.subscriber
      .subscribe(this.channel.key)
      .then(
        () => {
          this.subscribed = true;
        },
        (error: unknown) => {
          this.logger.warn(
            { family: this.channel.family.name, err: String(error) },
            'near-cache invalidation subscribe failed; retried on the next connect',
          );
        },
      )
      .finally(() => {
        this.subscribing = undefined;
      });
    return this.subscribing;
  }

  onInvalidate(handler: Handler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Publishes a hint to every other instance; failures are logged and swallowed (TTL bounds staleness). */
  async publish(message: InvalidationMessage): Promise<boolean> {
    const payload = JSON.stringify({ schemaVersion: SCHEMA_VERSION, origin: this.origin, ...message });
    try {
      await this.publisher.observe('publish', this.channel.family, (c) =>
        c.publish(this.channel.key, payload),
      );
      return true;
    } catch (error) {
      this.logger.warn(
        { family: this.channel.family.name, err: String(error) },
        'near-cache invalidation publish failed',
      );
      return false;
    }
  }

  async close(): Promise<void> {
    this.handlers.clear();
    await closeClient(this.subscriber);
  }

  private receive(raw: string): void {
    try {
      const message = JSON.parse(raw) as InvalidationMessage & { schemaVersion?: number; origin?: string };
      if (message.schemaVersion !== SCHEMA_VERSION || message.origin === this.origin) return;
      this.emit({ keys: message.keys ?? [], prefixes: message.prefixes ?? [] });
    } catch {
      this.logger.warn(
        { family: this.channel.family.name },
        'ignored a corrupt near-cache invalidation message',
      );
    }
  }

  private emit(message: InvalidationMessage): void {
    for (const handler of this.handlers) handler(message);
  }
}
