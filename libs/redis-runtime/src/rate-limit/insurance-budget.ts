/** Options of the local insurance budget. */
export interface InsuranceBudgetOptions {
  /**
   * Most subjects tracked at once; past it the oldest window is forgotten (that subject starts afresh), so an
   * outage with many distinct users cannot grow the map without bound.
   * @default 10_000
   */
  maxEntries?: number;
  /** Clock in ms; local time is fine here, the budget is per process. @default Date.now */
  now?: () => number;
}

export interface InsuranceVerdict {
  readonly allowed: boolean;
  /** Units left after this request when allowed, else left now. */
  readonly remaining: number;
  readonly resetMs: number;
}

interface Window {
  start: number;
  used: number;
}

/** One insurance check: a subject's budget of `limit` units per `windowMs`. */
export interface InsuranceClaim {
  readonly id: string;
  readonly limit: number;
  readonly windowMs: number;
}

/**
 * Per-process fixed-window budget that fail-closed policies spend while Redis is unavailable. Several claims
 * are decided together, all or nothing, like the Redis scripts.
 */
export class InsuranceBudget {
  private readonly windows = new Map<string, Window>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: InsuranceBudgetOptions = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Checks every claim, then consumes `cost` from all of them only if every one has room. */
  take(claims: readonly InsuranceClaim[], cost = 1): InsuranceVerdict[] {
    const now = this.now();
    const found: (Window | undefined)[] = [];
    let all = true;
    for (const claim of claims) {
      const w = this.windows.get(claim.id);
      const current = w && now - w.start < claim.windowMs ? w : undefined;
      found.push(current);
      if ((current?.used ?? 0) + cost > claim.limit) all = false;
    }
    return claims.map((claim, i) => {
      let w = found[i];
      const used = w?.used ?? 0;
      const resetMs = w ? w.start + claim.windowMs - now : claim.windowMs;
      if (!all) {
        const room = used + cost <= claim.limit;
        return { allowed: room, remaining: Math.max(0, claim.limit - used), resetMs };
      }
      if (!w) {
        w = { start: now, used: 0 };
        this.remember(claim.id, w);
      }
      w.used += cost;
      return { allowed: true, remaining: claim.limit - w.used, resetMs };
    });
  }

  get size(): number {
    return this.windows.size;
  }

  private remember(id: string, w: Window): void {
    this.windows.delete(id);
    if (this.windows.size >= this.maxEntries) {
      // Map iterates in insertion order: the first key is the window started longest ago.
      const oldest = this.windows.keys().next().value;
      if (oldest !== undefined) this.windows.delete(oldest);
    }
    this.windows.set(id, w);
  }
}
