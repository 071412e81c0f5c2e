/** Metadata stored next to every cached payload; what stale-while-revalidate and XFetch decide on. */
export interface EntryMeta {
  /** Epoch ms after which the value is stale (still served during the grace period). */
  freshUntil: number;
  /** How long the last load took, in ms: XFetch refreshes expensive values earlier. */
  delta: number;
  /**
   * Epoch ms after which the entry is not served at all (fresh + grace). Redis may keep it longer, only as the
   * carrier of an invalidation's fence (see `writeCacheEntry-1.lua`). Absent in entries of older releases.
   */
  expiresAt: number | undefined;
  /** The fence of the last invalidation its writer had seen (0: none). */
  fence: number;
}

export function readMeta(meta: Record<string, unknown>): EntryMeta | undefined {
  const { freshUntil, delta, expiresAt, fence } = meta;
  if (typeof freshUntil !== 'number' || typeof delta !== 'number') return undefined;
  return {
    freshUntil,
    delta,
    expiresAt: typeof expiresAt === 'number' ? expiresAt : undefined,
    fence: typeof fence === 'number' ? fence : 0,
  };
}

/**
 * Probabilistic early expiration (XFetch, Vattani, Chierichetti and Lowenstein, VLDB 2015): refresh when
 * `now - delta * beta * ln(random) >= expiry`. The chance rises smoothly as expiry nears and with the cost
 * of a reload, so one caller among many refreshes a hot key before it expires, without any lock.
 * @param beta above 1 favours earlier refreshes; 0 disables.
 */
export function shouldRefreshEarly(
  meta: Pick<EntryMeta, 'freshUntil' | 'delta'>,
  now: number,
  beta: number,
  random: () => number = Math.random,
): boolean {
  if (beta <= 0) return false;
  return now - meta.delta * beta * Math.log(random()) >= meta.freshUntil;
}

/** TTL with multiplicative jitter in [ttl, ttl * (1 + ratio)], clamped to the family's range. */
export function jitteredTtlSeconds(
  ttlSeconds: number,
  ratio: number,
  max: number,
  random: () => number = Math.random,
): number {
  return Math.min(max, Math.max(1, Math.round(ttlSeconds * (1 + ratio * random()))));
}
