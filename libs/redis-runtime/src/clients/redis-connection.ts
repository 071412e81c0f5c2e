import { performance } from 'node:perf_hooks';
import { LuaScriptError, RedisTimeoutError, RedisUnavailableError } from '../errors';
import type { KeyFamily, Workload } from '../keys/key-family';
import type { RedisKey } from '../keys/key-factory';
import { RuntimeMetrics } from '../observability/runtime-metrics';
import { RUNTIME_SCRIPTS, type ScriptDefinition } from '../scripts/script-registry';
import { DeadlineExceeded, DeadlineQueue } from './deadline-queue';
import { closeClient, connectClient, createRedisClient, type RedisClient } from './redis-client-factory';
import { DEFAULT_TIMEOUTS, type RedisWorkloadConfig } from './redis-config';

export type ScriptArg = string | number;

type ScriptCommand = (...args: ScriptArg[]) => Promise<unknown>;

export interface RedisConnectionOptions {
  /** @default a new RuntimeMetrics */
  metrics?: RuntimeMetrics;
  /** Budget of one operation; past it the caller gets `RedisTimeoutError`. @default the workload's budget */
  commandTimeoutMs?: number;
  /** @default the library's scripts */
  scripts?: ReadonlyMap<string, ScriptDefinition>;
}

/**
 * One workload's client with the library's scripts registered on it, and the single choke point through which
 * every command is timed, counted and turned into a typed error. Runtime components talk to Redis only
 * through this class.
 */
export class RedisConnection {
  private readonly scripts: ReadonlyMap<string, ScriptDefinition>;
  private readonly deadlines: DeadlineQueue;
  readonly metrics: RuntimeMetrics;

  constructor(
    readonly workload: Workload,
    readonly client: RedisClient,
    options: RedisConnectionOptions = {},
  ) {
    this.metrics = options.metrics ?? new RuntimeMetrics();
    this.scripts = options.scripts ?? RUNTIME_SCRIPTS;
    this.deadlines = new DeadlineQueue(options.commandTimeoutMs ?? DEFAULT_TIMEOUTS[workload].commandTimeoutMs);
    for (const def of this.scripts.values()) {
      client.defineCommand(def.command, {
        lua: def.lua,
        ...(def.numberOfKeys === undefined ? {} : { numberOfKeys: def.numberOfKeys }),
      });
    }
  }

  /** Creates and connects a workload's client; a Redis that is down leaves it reconnecting in the background. */
  static async open(
    workload: Workload,
    config: RedisWorkloadConfig,
    metrics?: RuntimeMetrics,
    name = `cpq-${workload}`,
  ): Promise<RedisConnection> {
    const connection = new RedisConnection(workload, createRedisClient(config, name), {
      ...(metrics ? { metrics } : {}),
      commandTimeoutMs: config.commandTimeoutMs,
    });
    await connectClient(connection.client, config.connectTimeoutMs);
    return connection;
  }

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /** Runs one registered script. Keys come only as `RedisKey`s of declared families, so cluster routing works. */
  async script(name: string, keys: readonly RedisKey[], args: readonly ScriptArg[]): Promise<unknown> {
    const def = this.scripts.get(name);
    if (!def) throw new LuaScriptError(`script ${name} is not registered`, { script: name });
    if (def.numberOfKeys !== undefined && def.numberOfKeys !== keys.length) {
      throw new LuaScriptError(`script ${name} takes ${def.numberOfKeys} keys, got ${keys.length}`, { script: name });
    }
    const family = keys[0]?.family;
    const run = (this.client as unknown as Record<string, ScriptCommand>)[def.command]!;
    const keyNames = keys.map((k) => k.key);
    const callArgs: ScriptArg[] =
      def.numberOfKeys === undefined ? [keyNames.length, ...keyNames, ...args] : [...keyNames, ...args];
    return this.observe(`script:${name}`, family, () => run.apply(this.client, callArgs), name);
  }

  /**
   * Times one operation for the latency histogram and maps failures: a timeout becomes `RedisTimeoutError`,
   * a script error `LuaScriptError`, anything else `RedisUnavailableError`. The cause is kept.
   */
  async observe<T>(
    command: string,
    family: KeyFamily | undefined,
    run: (client: RedisClient) => Promise<T>,
    script?: string,
  ): Promise<T> {
    const started = performance.now();
    const familyName = family?.name ?? 'none';
    try {
      const result = await this.deadlines.guard(run(this.client));
      this.metrics.command(command, familyName, this.workload, 'ok', (performance.now() - started) / 1000);
      return result;
    } catch (error) {
      this.metrics.command(command, familyName, this.workload, 'error', (performance.now() - started) / 1000);
      throw this.classify(error, command, familyName, script);
    }
  }

  async close(): Promise<void> {
    this.deadlines.close();
    await closeClient(this.client);
  }

  private classify(error: unknown, command: string, family: string, script: string | undefined): Error {
    const message = error instanceof Error ? error.message : String(error);
    const context = { command, family, workload: this.workload };
    if (error instanceof DeadlineExceeded) {
      this.metrics.timeout(family, this.workload);
      return new RedisTimeoutError(`Redis ${this.workload} did not answer ${command} in time`, context, { cause: error });
    }
    if (script && /user_script|running script|lua/i.test(message)) {
      this.metrics.luaError(script);
      return new LuaScriptError(`script ${script} failed: ${message}`, context, { cause: error });
    }
    return new RedisUnavailableError(`Redis ${this.workload} failed on ${command}: ${message}`, context, { cause: error });
  }
}
