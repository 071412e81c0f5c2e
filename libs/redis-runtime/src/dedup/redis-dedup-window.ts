import type { RedisConnection } from '../clients/redis-connection';
import { InvalidKeyFamilyError } from '../errors';
import type { KeyFamily } from '../keys/key-family';
import type { KeyFactory } from '../keys/key-factory';
import { assertTtlSeconds } from '../keys/key-family-registry';
import type { KeySegment } from '../keys/key-segment';
import { silentLogger, type RuntimeLogger } from '../observability/runtime-logger';
import type { DedupWindow } from './dedup-window';

export interface RedisDedupWindowOptions {
  /** The `session` workload connection. */
  connection: RedisConnection;
  keys: KeyFactory;
  /** A `marker` family, e.g. `order-event-dedup`. */
  family: string;
  /** How long an id counts as seen. @default the family's longest TTL */
  windowSeconds?: number;
  /** @default silentLogger */
  logger?: RuntimeLogger;
}

/** `DedupWindow` as one `SET key 1 NX EX window` per id: atomic, so concurrent callers get exactly one `true`. */
export class RedisDedupWindow implements DedupWindow {
  private readonly connection: RedisConnection;
  private readonly keys: KeyFactory;
  private readonly family: KeyFamily;
  private readonly windowSeconds: number;
  private readonly logger: RuntimeLogger;

  constructor(options: RedisDedupWindowOptions) {
    this.connection = options.connection;
    this.keys = options.keys;
    this.family = options.keys.familyOf(options.family);
    this.logger = options.logger ?? silentLogger;
    if (this.family.format !== 'marker') {
      throw new InvalidKeyFamilyError(`key family ${this.family.name} is not a marker family`, {
        family: this.family.name,
      });
    }
    this.windowSeconds = assertTtlSeconds(this.family, options.windowSeconds ?? this.family.ttlSeconds!.max);
  }

  async firstSeen(tenant: string, ...id: KeySegment[]): Promise<boolean | 'unknown'> {
    const key = this.keys.key(this.family.name, tenant, ...id);
    try {
      const reply = await this.connection.observe('set', this.family, (client) =>
        client.set(key.key, '1', 'EX', this.windowSeconds, 'NX'),
      );
      return reply === 'OK';
    } catch (error) {
      this.connection.metrics.cache(this.family.name, 'fallback');
      this.logger.warn(
        { family: this.family.name, code: (error as { code?: string }).code },
        'dedup window unavailable; treating the id as not seen',
      );
      return 'unknown';
    }
  }
}
