/** What the server-stats gauges show of one workload's Redis, summed over a Cluster's masters. */
export interface RedisServerInfo {
  usedMemoryBytes: number;
  maxMemoryBytes: number;
  evictedKeys: number;
  expiredKeys: number;
  connectedClients: number;
  maxMemoryPolicy: string;
  version: string;
}

const number = (fields: Map<string, string>, name: string) => {
  const value = Number(fields.get(name));
  return Number.isFinite(value) ? value : 0;
};

/** Reads the fields the gauges need from `INFO` text (`name:value` lines, `#` section headers). */
export function parseRedisInfo(text: string): RedisServerInfo {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return {
    usedMemoryBytes: number(fields, 'used_memory'),
    maxMemoryBytes: number(fields, 'maxmemory'),
    evictedKeys: number(fields, 'evicted_keys'),
    expiredKeys: number(fields, 'expired_keys'),
    connectedClients: number(fields, 'connected_clients'),
    maxMemoryPolicy: fields.get('maxmemory_policy') ?? 'unknown',
    version: fields.get('redis_version') ?? 'unknown',
  };
}

/** A Cluster's masters as one server: sizes and counters add up; policy and version are the first master's. */
export function sumRedisInfo(nodes: readonly RedisServerInfo[]): RedisServerInfo | undefined {
  const [first] = nodes;
  if (!first) return undefined;
  const total = (pick: (info: RedisServerInfo) => number) => nodes.reduce((sum, n) => sum + pick(n), 0);
  return {
    usedMemoryBytes: total((n) => n.usedMemoryBytes),
    maxMemoryBytes: total((n) => n.maxMemoryBytes),
    evictedKeys: total((n) => n.evictedKeys),
    expiredKeys: total((n) => n.expiredKeys),
    connectedClients: total((n) => n.connectedClients),
    maxMemoryPolicy: first.maxMemoryPolicy,
    version: first.version,
  };
}
