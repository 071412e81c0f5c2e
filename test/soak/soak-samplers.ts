// What the soak watches while its traffic runs: the three Redis servers (a key-family census, INFO), every service
// instance's /metrics (RSS, heap, event-loop delay), and the machine (load average, CPU busy, the soak's own share).
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import {
  censusOf,
  PLATFORM_KEY_FAMILIES,
  platformKeyFamilyRegistry,
  type RedisClient,
} from '@cpq/redis-runtime';
import { Redis } from 'ioredis';
import { cpuSeconds } from '../support/bench-processes';
import { median } from '../support/bench-report';
import type { PlatformStack, StackService } from '../support/platform-stack';
import type {
  SoakFamilyFigures,
  SoakServerFigures,
  SoakServiceSample,
  SoakWorkloadName,
} from '../support/soak-report';

/** `monitorEventLoopDelay` records the timer interval (10 ms in prom-client's set-up) plus the delay. */
const EVENT_LOOP_RESOLUTION_MS = 10;
/** Keys per family whose `MEMORY USAGE` is measured at each census. */
const SAMPLE_PER_FAMILY = 100;

export class RedisWatch {
  readonly clients: Record<SoakWorkloadName, Redis>;

  constructor(
    urls: Record<SoakWorkloadName, string>,
    private readonly env: string,
  ) {
    this.clients = {
      cache: new Redis(urls.cache, { lazyConnect: false, maxRetriesPerRequest: 2 }),
      rate: new Redis(urls.rate, { lazyConnect: false, maxRetriesPerRequest: 2 }),
      session: new Redis(urls.session, { lazyConnect: false, maxRetriesPerRequest: 2 }),
    };
  }

  /** A census of every server: per family keys, keys without TTL and estimated bytes; per server memory and INFO. */
  async census(): Promise<{ servers: SoakServerFigures[]; families: SoakFamilyFigures[] }> {
    const servers: SoakServerFigures[] = [];
    const families: SoakFamilyFigures[] = [];
    for (const workload of ['cache', 'rate', 'session'] as const) {
      const client = this.clients[workload];
      const census = await censusOf(client as unknown as RedisClient, {
        registry: platformKeyFamilyRegistry(),
        env: this.env,
        samplePerFamily: SAMPLE_PER_FAMILY,
      });
      const info = await client.info();
      const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
      const otherEnvs = Object.values(census.otherEnvs).reduce((n, k) => n + k, 0);
      servers.push({
        workload,
        usedMemoryBytes: field('used_memory'),
        keys: census.scanned,
        evictedKeys: field('evicted_keys'),
        strayKeys: census.unknown + otherEnvs,
        strayWithoutTtl: census.unknownWithoutTtl,
      });
      for (const f of census.families) {
        families.push({
          family: f.family,
          workload,
          keys: f.keys,
          withoutTtl: f.withoutTtl,
          estimatedBytes: f.estimatedBytes,
          ...(await this.largestSortedSet(client, f.family)),
        });
      }
    }
    return { servers, families };
  }

  /** CPU seconds of the three servers (`INFO cpu`: only the soak uses them). */
  async cpuSeconds(): Promise<number> {
    let total = 0;
    for (const client of Object.values(this.clients)) {
      const info = await client.info('cpu');
      const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
      total += field('used_cpu_sys') + field('used_cpu_user');
    }
    return total;
  }

  close(): void {
    for (const client of Object.values(this.clients)) client.disconnect();
  }

  /** Members of the family's largest key, for sorted-set families (a hot set must stay trimmed). */
  private async largestSortedSet(client: Redis, name: string): Promise<{ maxMembers?: number }> {
    const family = PLATFORM_KEY_FAMILIES.find((f) => f.name === name);
    if (family?.format !== 'sorted-set') return {};
    const pattern = `${this.env}:${family.owner}:*:${family.domain}:${family.purpose}:*`;
    let max = 0;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) max = Math.max(max, await client.zcard(key));
    } while (cursor !== '0');
    return { maxMembers: max };
  }
}

/** One scrape of an instance's /metrics. */
export async function scrapeInstance(
  stack: PlatformStack,
  service: StackService,
  i: number,
  atS: number,
): Promise<SoakServiceSample | undefined> {
  try {
    const page = await stack.metrics(service, i);
    const p99 = page.value('nodejs_eventloop_lag_p99_seconds') * 1000;
    return {
      atS,
      rssBytes: page.value('process_resident_memory_bytes'),
      heapUsedBytes: page.value('nodejs_heap_size_used_bytes'),
      heapTotalBytes: page.value('nodejs_heap_size_total_bytes'),
      externalBytes: page.value('nodejs_external_memory_bytes'),
      eventLoopDelayP99Ms: Math.max(0, p99 - EVENT_LOOP_RESOLUTION_MS),
    };
  } catch {
    return undefined;
  }
}

/** The machine: 1-minute load average samples, and CPU busy overall and by given processes (from /proc). */
export class MachineWatch {
  private readonly loads: number[] = [];
  private readonly startTotal = procStat();
  private readonly startOwn: number;

  constructor(private readonly ownPids: () => (number | undefined)[]) {
    this.startOwn = this.ownCpu();
  }

  sample(): void {
    this.loads.push(loadavg()[0]!);
  }

  summary(): {
    loadAvg1: { min: number; median: number; max: number };
    cpuBusyShare: number;
    soakProcessesCpuShare: number;
  } {
    const end = procStat();
    const total = end.total - this.startTotal.total;
    const busy = total - (end.idle - this.startTotal.idle);
    // /proc/stat counts jiffies of all CPUs; process CPU is in seconds (100 jiffies each).
    const own = (this.ownCpu() - this.startOwn) * 100;
    const round = (x: number) => Math.round(x * 100) / 100;
    return {
      loadAvg1: {
        min: round(Math.min(...this.loads)),
        median: round(median(this.loads)),
        max: round(Math.max(...this.loads)),
      },
      cpuBusyShare: round(busy / total),
      soakProcessesCpuShare: round(own / total),
    };
  }

  private ownCpu(): number {
    const self = process.cpuUsage();
    let total = (self.user + self.system) / 1e6;
    for (const pid of this.ownPids()) {
      const seconds = cpuSeconds(pid);
      if (Number.isFinite(seconds)) total += seconds;
    }
    return total;
  }
}

function procStat(): { total: number; idle: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  return { total: cpu.slice(0, 8).reduce((a, b) => a + b, 0), idle: cpu[3]! + cpu[4]! };
}
