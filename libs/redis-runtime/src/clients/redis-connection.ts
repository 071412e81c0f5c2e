import { performance } from 'node:perf_hooks';
import { Cluster } from 'ioredis';
import { LuaScriptError, RedisAccessDeniedError, RedisTimeoutError, RedisUnavailableError } from '../errors';
import type { KeyFamily, Workload } from '../keys/key-family';
import type { RedisKey } from '../keys/key-factory';
import { RuntimeMetrics } from '../observability/runtime-metrics';
import { RUNTIME_SCRIPTS, type ScriptDefinition } from '../scripts/script-registry';
import { TIMED_OUT, withSoftTimeout } from '../util/with-timeout';
import { CommandDeadlineSweeper, DeadlineExceeded } from './command-deadline-sweeper';
import { WriteCoalescer, type WriteFlush } from './write-coalescer';
import { closeClient, connectClient, createRedisClient, type RedisClient } from './redis-client-factory';
import { DEFAULT_TIMEOUTS, type RedisWorkloadConfig } from './redis-config';

export type ScriptArg = string | number;

type EvalCommand = (...args: ScriptArg[]) => Promise<unknown>;

/** Error replies that describe the server's state, not the command: treated as Redis being unavailable. */
const SERVER_STATE_ERROR = /^(OOM|BUSY|LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS)\b/;

export interface ObserveOptions {
  /**
   * This operation's budget, whatever its family declares or the connection overrides (e.g. INFO's). On a
   * standalone connection a hung server is dropped after 1 s (or ten budgets) without a reply, which cuts a longer
   * budget short; on a Cluster a budget longer than the workload's is cut to it.
   */
  timeoutMs?: number;
}

const NO_OPTIONS: ObserveOptions = {};

export interface RedisConnectionOptions {
  /** @default a new RuntimeMetrics */
  metrics?: RuntimeMetrics;
  /**
   * One budget for every command on this connection, past which the caller gets `RedisTimeoutError`; it
   * overrides the key families' declared budgets (tests, a slow network: `REDIS_<WORKLOAD>_TIMEOUT_MS`).
   * @default each family's `timeoutMs` for its commands, the workload's budget (`DEFAULT_TIMEOUTS`) for the rest
   */
  commandTimeoutMs?: number;
  /** Coalesce the commands of one event-loop turn into one socket write (standalone only). @default true */
  coalesceWrites?: boolean;
  /** When a coalesced batch is written (see `WriteFlush`). @default 'tick' */
  writeFlush?: WriteFlush;
  /**
   * Connection-level errors (refused connects while Redis is down, resets). Commands report their own failures;
   * this only keeps ioredis from printing "Unhandled error event" outside the structured log.
   * @default ignore
   */
  onConnectionError?: (error: Error) => void;
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
  private readonly deadlines: CommandDeadlineSweeper | undefined;
  private readonly coalescer: WriteCoalescer | undefined;
  /** The budget of commands outside a family, or of every command when overridden. */
  private readonly budgetMs: number;
  /** Whether a family's declared budget applies to its commands (no override). */
  private readonly familyBudgets: boolean;
  readonly metrics: RuntimeMetrics;

  constructor(
    readonly workload: Workload,
    readonly client: RedisClient,
    options: RedisConnectionOptions = {},
  ) {
    this.metrics = options.metrics ?? new RuntimeMetrics();
    const onError = options.onConnectionError ?? (() => undefined);
    client.on('error', onError);
    this.scripts = options.scripts ?? RUNTIME_SCRIPTS;
    this.familyBudgets = options.commandTimeoutMs === undefined;
    this.budgetMs = options.commandTimeoutMs ?? DEFAULT_TIMEOUTS[workload].commandTimeoutMs;
    // A Cluster client routes through several node connections and redirections: it keeps ioredis' own
    // per-command timeout (set by createRedisClient); a standalone client gets the cheaper sweeper.
    this.deadlines =
      client instanceof Cluster ? undefined : new CommandDeadlineSweeper(client, this.budgetMs);
    this.coalescer =
      client instanceof Cluster || options.coalesceWrites === false
        ? undefined
        : new WriteCoalescer(client, options.writeFlush);
  }

  /** Creates and connects a workload's client; a Redis that is down leaves it reconnecting in the background. */
  static async open(
    workload: Workload,
    config: RedisWorkloadConfig,
    metrics?: RuntimeMetrics,
    name = `cpq-${workload}`,
    onConnectionError?: (error: Error) => void,
  ): Promise<RedisConnection> {
    // A Cluster's nodes time every command with ioredis' own timer: the workload's budget unless overridden.
    const commandTimeoutMs = config.commandTimeoutMs ?? DEFAULT_TIMEOUTS[workload].commandTimeoutMs;
    const connection = new RedisConnection(
      workload,
      createRedisClient({ ...config, commandTimeoutMs }, name),
      {
        ...(metrics ? { metrics } : {}),
        ...(onConnectionError ? { onConnectionError } : {}),
        ...(config.commandTimeoutMs !== undefined ? { commandTimeoutMs: config.commandTimeoutMs } : {}),
        ...(config.writeFlush ? { writeFlush: config.writeFlush } : {}),
      },
    );
    await connectClient(connection.client, config.connectTimeoutMs);
    return connection;
  }

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /**
   * Runs one registered script by EVALSHA. A server that does not know it (first use, `SCRIPT FLUSH`, a fresh
   * replica after failover) answers NOSCRIPT; the script then goes once by EVAL, which caches it there, on the
   * node the keys route to. Keys come only as `RedisKey`s of declared families, so cluster routing works.
   * Not ioredis' `defineCommand`: its wrapper costs a promise and an argument copy per call on the hot path.
   */
  script(name: string, keys: readonly RedisKey[], args: readonly ScriptArg[]): Promise<unknown> {
    const def = this.scripts.get(name);
    if (!def) return Promise.reject(new LuaScriptError(`script ${name} is not registered`, { script: name }));
    if (def.numberOfKeys !== undefined && def.numberOfKeys !== keys.length) {
      return Promise.reject(
        new LuaScriptError(`script ${name} takes ${def.numberOfKeys} keys, got ${keys.length}`, {
          script: name,
        }),
      );
    }
    const callArgs: ScriptArg[] = [def.sha, keys.length];
    for (const key of keys) callArgs.push(key.key);
    for (const arg of args) callArgs.push(arg);
    const client = this.client as unknown as { evalsha: EvalCommand; eval: EvalCommand };
    const family = keys[0]?.family;
    const familyName = family === undefined ? 'none' : family.name;
    const budgetMs = this.familyBudgets && family !== undefined ? family.timeoutMs : this.budgetMs;
    const started = performance.now();
    let pending: Promise<unknown>;
    this.coalescer?.hold();
    try {
      pending =
        budgetMs === this.budgetMs
          ? client.evalsha(...callArgs)
          : this.sendWithin(budgetMs, started, () => client.evalsha(...callArgs));
    } catch (error) {
      pending = Promise.reject(error);
    }
    // One `.then` for the metric and the NOSCRIPT retry: this is the rate limiter's hot path.
    return pending.then(
      (value) => {
        this.metrics.command(
          def.metricName,
          familyName,
          this.workload,
          'ok',
          (performance.now() - started) / 1000,
        );
        return value;
      },
      (error: unknown) => {
        if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
          callArgs[0] = def.lua;
          return this.run(def.metricName, family, budgetMs, () => client.eval(...callArgs), name);
        }
        this.metrics.command(
          def.metricName,
          familyName,
          this.workload,
          'error',
          (performance.now() - started) / 1000,
        );
        throw this.classify(error, def.metricName, familyName, name);
      },
    );
  }

  /**
   * Times one operation for the latency histogram, enforces its budget and maps failures: past the budget
   * `RedisTimeoutError`, a refusal by the ACL user `RedisAccessDeniedError` (a `RedisUnavailableError`), a
   * script error `LuaScriptError`, anything else `RedisUnavailableError`, cause kept. The budget is the family's
   * declared `timeoutMs` (or the connection's override, or `options.timeoutMs`); it covers the commands `run`
   * sends before it returns.
   */
  observe<T>(
    command: string,
    family: KeyFamily | undefined,
    run: (client: RedisClient) => Promise<T>,
    options: ObserveOptions = NO_OPTIONS,
  ): Promise<T> {
    const budgetMs =
      options.timeoutMs ?? (this.familyBudgets && family !== undefined ? family.timeoutMs : this.budgetMs);
    return this.run(command, family, budgetMs, run);
  }

  private run<T>(
    command: string,
    family: KeyFamily | undefined,
    budgetMs: number,
    send: (client: RedisClient) => Promise<T>,
    script?: string,
  ): Promise<T> {
    const started = performance.now();
    const familyName = family === undefined ? 'none' : family.name;
    let pending: Promise<T>;
    this.coalescer?.hold();
    try {
      pending =
        budgetMs === this.budgetMs
          ? send(this.client)
          : this.sendWithin(budgetMs, started, () => send(this.client));
    } catch (error) {
      pending = Promise.reject(error);
    }
    return pending.then(
      (value) => {
        this.metrics.command(command, familyName, this.workload, 'ok', (performance.now() - started) / 1000);
        return value;
      },
      (error: unknown) => {
        this.metrics.command(
          command,
          familyName,
          this.workload,
          'error',
          (performance.now() - started) / 1000,
        );
        throw this.classify(error, command, familyName, script);
      },
    );
  }

  /**
   * Sends with a budget other than the connection's: the sweeper keeps a deadline for the commands `send`
   * queued. A Cluster client's nodes time every command with the connection's budget already; a shorter one
   * gets a timer of its own, a longer one is capped by theirs.
   */
  private sendWithin<T>(budgetMs: number, sentAt: number, send: () => Promise<T>): Promise<T> {
    const deadlines = this.deadlines;
    if (deadlines) {
      const mark = deadlines.mark();
      const pending = send();
      deadlines.ownBudget(mark, budgetMs, sentAt);
      return pending;
    }
    if (budgetMs > this.budgetMs) return send();
    return withSoftTimeout(send(), budgetMs).then((value) => {
      if (value === TIMED_OUT) throw new DeadlineExceeded();
      return value;
    });
  }

  async close(): Promise<void> {
    this.deadlines?.close();
    await closeClient(this.client);
  }

  private classify(error: unknown, command: string, family: string, script: string | undefined): Error {
    const message = error instanceof Error ? error.message : String(error);
    const context = { command, family, workload: this.workload };
    if (error instanceof DeadlineExceeded || /timed out|Socket timeout/i.test(message)) {
      this.metrics.timeout(family, this.workload);
      return new RedisTimeoutError(`Redis ${this.workload} did not answer ${command} in time`, context, {
        cause: error,
      });
    }
    // The ACL user may not run this command or touch this key: not the script's fault, not an outage.
    if (/^NOPERM\b/.test(message)) {
      this.metrics.accessDenied(command, this.workload);
      return new RedisAccessDeniedError(
        `Redis ${this.workload} refused ${command} to this user: ${message}`,
        context,
        {
          cause: error,
        },
      );
    }
    // A server error reply to a script is the script's fault, unless the server itself is not serving.
    if (script && (error as Error)?.name === 'ReplyError' && !SERVER_STATE_ERROR.test(message)) {
      this.metrics.luaError(script);
      return new LuaScriptError(`script ${script} failed: ${message}`, context, { cause: error });
    }
    return new RedisUnavailableError(`Redis ${this.workload} failed on ${command}: ${message}`, context, {
      cause: error,
    });
  }
}
