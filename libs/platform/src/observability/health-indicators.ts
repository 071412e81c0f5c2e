import type { RedisRuntime } from '@cpq/redis-runtime';

export type HealthStatus = 'up' | 'down' | 'degraded';

/** One dependency `/health/ready` checks. */
export interface HealthIndicator {
  name: string;
  check(): Promise<HealthStatus>;
  /** A critical dependency down makes the service not ready (503); others only degrade it. */
  critical: boolean;
}

export const HEALTH_INDICATORS = Symbol('HEALTH_INDICATORS');

export interface ReadinessReport {
  status: 'up' | 'degraded' | 'down';
  checks: Record<string, HealthStatus>;
}

/** @default budget of one check before it counts as down */
const CHECK_TIMEOUT_MS = 2_000;

/** The indicators registered by the app's modules (`register` in a constructor or `onModuleInit`). */
export class HealthIndicatorRegistry {
  private readonly indicators = new Map<string, HealthIndicator>();

  constructor(initial: readonly HealthIndicator[] = []) {
    initial.forEach((indicator) => this.register(indicator));
  }

  register(indicator: HealthIndicator): void {
    this.indicators.set(indicator.name, indicator);
  }

  async readiness(timeoutMs = CHECK_TIMEOUT_MS): Promise<ReadinessReport> {
    const results = await Promise.all(
      [...this.indicators.values()].map(
        async (indicator) => [indicator, await checkWithin(indicator, timeoutMs)] as const,
      ),
    );
    let status: ReadinessReport['status'] = 'up';
    for (const [indicator, result] of results) {
      if (result === 'up') continue;
      if (indicator.critical && result === 'down') status = 'down';
      else if (status === 'up') status = 'degraded';
    }
    return {
      status,
      checks: Object.fromEntries(results.map(([indicator, result]) => [indicator.name, result])),
    };
  }
}

async function checkWithin(indicator: HealthIndicator, timeoutMs: number): Promise<HealthStatus> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HealthStatus>((resolve) => {
    timer = setTimeout(() => resolve('down'), timeoutMs);
  });
  try {
    return await Promise.race([indicator.check().catch((): HealthStatus => 'down'), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** One non-critical indicator per Redis workload (`redis-cache`, `redis-rate`, `redis-session`): down = degraded. */
export function redisHealthIndicators(runtime: RedisRuntime): HealthIndicator[] {
  return (['cache', 'rate', 'session'] as const).map((workload) => ({
    name: `redis-${workload}`,
    critical: false,
    check: async () => {
      try {
        await runtime.connection(workload).observe('ping', undefined, (client) => client.ping());
        return 'up' as const;
      } catch {
        return 'degraded' as const;
      }
    },
  }));
}
