import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisConnection } from '../clients/redis-connection';
import { InvalidKeyFamilyError, LeaseContendedError, MissingTtlError } from '../errors';
import type { KeyFamily, LeaseKeyRole } from '../keys/key-family';
import type { KeyFactory, RedisKey } from '../keys/key-factory';
import { assertTtlSeconds } from '../keys/key-family-registry';
import type { KeySegment } from '../keys/key-segment';
import { hashForLog, silentLogger, type RuntimeLogger } from '../observability/runtime-logger';
import { HeldLease } from './held-lease';
import { keepLease } from './lease-keeper';
import type {
  AcquireOptions,
  AcquireResult,
  Lease,
  LeaseManager,
  LeaseResource,
  LeaseWork,
  WithLeaseOptions,
} from './lease-manager';
import { decodeLeaseReply, LeaseReplyCode } from './lease-reply';
import { retryDelayMs } from './lease-timing';

export interface RedisLeaseManagerOptions {
  /** The `rate` workload connection (`noeviction`). */
  connection: RedisConnection;
  keys: KeyFactory;
  /** A `lease-token` family with the `tenant` hash tag, e.g. `pricing-prewarm-lease`. */
  family: string;
  /** @default silentLogger */
  logger?: RuntimeLogger;
}

const DEFAULT_TTL_MS = 10_000;

/** `LeaseManager` on one Redis (standalone or Cluster): `SET NX PX` plus token-checked Lua for extend and release. */
export class RedisLeaseManager implements LeaseManager {
  private readonly connection: RedisConnection;
  private readonly keys: KeyFactory;
  private readonly family: KeyFamily;
  private readonly logger: RuntimeLogger;
  private readonly fenceTtlMs: number;

  constructor(options: RedisLeaseManagerOptions) {
    this.connection = options.connection;
    this.keys = options.keys;
    this.family = options.keys.familyOf(options.family);
    this.logger = options.logger ?? silentLogger;
    const { format, hashTag, workload } = this.family;
    // The lease and fence keys go to one script, so they must share a cluster slot.
    if (format !== 'lease-token' || hashTag !== 'tenant' || workload !== this.connection.workload) {
      throw new InvalidKeyFamilyError(
        `key family ${this.family.name} is not a tenant-tagged lease-token family of the ${this.connection.workload} workload`,
        { family: this.family.name },
      );
    }
    // The counter outlives any lease; even when it expires, the Redis TIME floor keeps tokens increasing.
    this.fenceTtlMs = this.family.ttlSeconds!.max * 1000;
  }

  async acquire(resource: LeaseResource, options: AcquireOptions = {}): Promise<AcquireResult> {
    const ttlMs = this.ttlMs(options.ttlMs);
    const waitMs = options.waitMs ?? 0;
    const token = randomBytes(16).toString('base64url');
    const [leaseKey, fenceKey] = [this.leaseKey(resource), this.fenceKey(resource)];
    const startedAt = performance.now();
    const waited = () => (performance.now() - startedAt) / 1000;
    for (let attempt = 0; ; attempt++) {
      const sentAt = performance.now();
      // A command sent on a ready connection may run even when its reply never comes (timeout, dropped socket).
      const mayRun = this.connection.ready;
      let reply;
      try {
        const raw = await this.connection.script(
          'acquireLease',
          [leaseKey, fenceKey],
          [token, ttlMs, this.fenceTtlMs],
        );
        reply = decodeLeaseReply('acquireLease', raw);
      } catch (error) {
        this.connection.metrics.lease(this.family.name, 'error', waited());
        if (mayRun) this.releaseAbandoned(resource, leaseKey, token, ttlMs);
        throw error;
      }
      if (reply.code === LeaseReplyCode.Ok) {
        this.connection.metrics.lease(this.family.name, 'acquired', waited());
        const lease = new HeldLease(resource, token, reply.fencingToken!, ttlMs, sentAt, reply.pttlMs);
        return { acquired: true, lease };
      }
      const remainingWaitMs = waitMs - (performance.now() - startedAt);
      if (remainingWaitMs <= 0) {
        this.connection.metrics.lease(this.family.name, 'contended', waited());
        return { acquired: false, holderTtlMs: Math.max(0, reply.pttlMs) };
      }
      await sleep(retryDelayMs(attempt, reply.pttlMs, remainingWaitMs));
    }
  }

  async extend(lease: Lease, ttlMs: number = lease.ttlMs): Promise<boolean> {
    const ttl = this.ttlMs(ttlMs);
    const sentAt = performance.now();
    const raw = await this.connection.script(
      'extendLease',
      [this.leaseKey(lease.resource)],
      [lease.token, ttl],
    );
    const reply = decodeLeaseReply('extendLease', raw);
    if (lease instanceof HeldLease) {
      if (reply.code === LeaseReplyCode.Ok) lease.renewed(sentAt, reply.pttlMs, ttl);
      else lease.expire();
    }
    return reply.code === LeaseReplyCode.Ok;
  }

  async release(lease: Pick<Lease, 'resource' | 'token'>): Promise<boolean> {
    const raw = await this.connection.script('releaseLease', [this.leaseKey(lease.resource)], [lease.token]);
    if (lease instanceof HeldLease) lease.expire();
    return decodeLeaseReply('releaseLease', raw).code === LeaseReplyCode.Ok;
  }

  async withLease<T>(resource: LeaseResource, options: WithLeaseOptions, work: LeaseWork<T>): Promise<T> {
    const result = await this.acquire(resource, options);
    const context = { family: this.family.name, tenant: hashForLog(resource.tenant) };
    if (!result.acquired) {
      throw new LeaseContendedError(`lease of ${this.family.name} is held by another holder`, {
        ...context,
        holderTtlMs: result.holderTtlMs,
      });
    }
    const { lease } = result;
    const keeper = keepLease(lease, {
      everyMs: options.extendEveryMs ?? Math.max(1, Math.floor(lease.ttlMs / 3)),
      extend: () => this.extend(lease),
      onLost: (why) => {
        this.connection.metrics.leaseLostEvent(this.family.name);
        this.logger.warn({ ...context, why }, 'lease lost while its work was running');
      },
      context,
    });
    try {
      return await work(lease, keeper.signal);
    } finally {
      keeper.stop();
      // Never let a failed release hide the work's outcome: the lease then simply expires by its TTL.
      await this.release(lease).catch((error: unknown) =>
        this.logger.warn(
          { ...context, error: (error as Error).message },
          'lease release failed; it expires by TTL',
        ),
      );
    }
  }

  /**
   * An acquire the caller gave up on may still run on the server (it was sent; only the reply was lost) and leave
   * a lease nobody holds, blocking the resource until its TTL. Its token is released in the background: on the
   * same connection the release runs after the acquire, and a release that fails is retried until the TTL would
   * have freed the lease anyway. A release of a lease that was never taken is a harmless no-op.
   */
  private releaseAbandoned(resource: LeaseResource, leaseKey: RedisKey, token: string, ttlMs: number): void {
    const giveUpAt = performance.now() + ttlMs;
    const attempt = (n: number): void => {
      this.connection
        .script('releaseLease', [leaseKey], [token])
        .then(
          (raw) => {
            if (decodeLeaseReply('releaseLease', raw).code !== LeaseReplyCode.Ok) return;
            this.logger.warn(
              { family: this.family.name, tenant: hashForLog(resource.tenant) },
              'released a lease taken by an acquire whose reply was lost',
            );
          },
          () => {
            const delay = retryDelayMs(n, -1, giveUpAt - performance.now());
            if (performance.now() + delay < giveUpAt) setTimeout(() => attempt(n + 1), delay).unref();
          },
        )
        .catch(() => undefined); // an unreadable reply: the lease, if any, expires by its TTL
    };
    attempt(0);
  }

  private ttlMs(ttlMs: number | undefined): number {
    const range = this.family.ttlSeconds!;
    const ms = ttlMs ?? Math.min(Math.max(DEFAULT_TTL_MS, range.min * 1000), range.max * 1000);
    if (!Number.isSafeInteger(ms)) {
      throw new MissingTtlError(`lease TTL must be whole milliseconds`, { family: this.family.name });
    }
    assertTtlSeconds(this.family, ms / 1000);
    return ms;
  }

  private leaseKey(resource: LeaseResource): RedisKey {
    return this.keyOf(resource, 'holder');
  }

  private fenceKey(resource: LeaseResource): RedisKey {
    return this.keyOf(resource, 'fence');
  }

  /** The role as the last segment (see `LEASE_KEY_ROLES`). */
  private keyOf(resource: LeaseResource, role: LeaseKeyRole): RedisKey {
    return this.keys.key(this.family.name, resource.tenant, ...ids(resource), role);
  }
}

function ids(resource: LeaseResource): readonly KeySegment[] {
  const { id } = resource;
  return typeof id === 'string' || typeof id === 'number' ? [id] : id;
}
