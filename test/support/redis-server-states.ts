import { Redis } from 'ioredis';
import { startRedisProcess, type RedisProcess } from './redis-process';

/**
 * Puts PRIVATE redis-servers (`startRedisProcess`) into the states in which Redis answers commands with an error
 * about itself rather than about the command: OOM, READONLY, LOADING, NOSCRIPT. Each returns a function that
 * puts the server back. Never point these at the shared servers.
 */
export class RedisServerStates {
  private readonly admins = new Map<RedisProcess, Redis>();
  private master: RedisProcess | undefined;

  /** An admin connection to a private server (kept for the next calls; closed by `close`). */
  admin(server: RedisProcess): Redis {
    let admin = this.admins.get(server);
    if (!admin) {
      admin = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
      admin.on('error', () => undefined);
      this.admins.set(server, admin);
    }
    return admin;
  }

  /** `noeviction` with `maxmemory` below what the server uses: every write is refused with OOM. */
  async outOfMemory(server: RedisProcess): Promise<() => Promise<void>> {
    const admin = this.admin(server);
    const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', String(Math.floor(used / 2)));
    return async () => {
      await admin.config('SET', 'maxmemory', '0');
    };
  }

  /**
   * A replica of an empty private master, once in sync: read-only, so every write is refused with READONLY
   * (reads still answer).
   */
  async readOnly(servers: RedisProcess[]): Promise<() => Promise<void>> {
    const master = await this.emptyMaster();
    await Promise.all(servers.map((s) => this.admin(s).call('REPLICAOF', '127.0.0.1', String(master.port))));
    await Promise.all(servers.map((s) => this.waitFor(s, 'replication', /master_link_status:up/)));
    return () => this.detach(servers);
  }

  /**
   * Replicas of a master holding `keys` keys, in the middle of loading the full resync's RDB: every command but
   * a few (INFO) is answered LOADING. The load is stretched (`key-load-delay`, events served every KiB) so that a
   * small dataset keeps them loading for about `keys` x 150 µs; `loaded` waits for the end and detaches them.
   */
  async loading(servers: RedisProcess[], keys = 20_000): Promise<{ loaded: () => Promise<void> }> {
    const master = await this.emptyMaster();
    const masterAdmin = this.admin(master);
    const value = 'v'.repeat(64);
    for (let start = 0; start < keys; start += 1000) {
      const batch = masterAdmin.pipeline();
      for (let i = start; i < Math.min(keys, start + 1000); i++) batch.set(`load:${i}`, value);
      await batch.exec();
    }
    for (const server of servers) {
      await this.admin(server).config('SET', 'key-load-delay', '100');
      await this.admin(server).config('SET', 'loading-process-events-interval-bytes', '1024');
    }
    await Promise.all(servers.map((s) => this.admin(s).call('REPLICAOF', '127.0.0.1', String(master.port))));
    await Promise.all(servers.map((s) => this.waitFor(s, 'persistence', /^loading:1\r?$/m)));
    return {
      loaded: async () => {
        await Promise.all(servers.map((s) => this.waitFor(s, 'persistence', /^loading:0\r?$/m, 60_000)));
        for (const server of servers) await this.admin(server).config('SET', 'key-load-delay', '0');
        await this.detach(servers);
        await Promise.all(servers.map((s) => this.admin(s).flushall()));
        await masterAdmin.flushall();
      },
    };
  }

  /** Whether a server is still loading (INFO answers while it does). */
  async isLoading(server: RedisProcess): Promise<boolean> {
    return /^loading:1\r?$/m.test(await this.admin(server).info('persistence'));
  }

  /** Drops the server's script cache: the next EVALSHA of every script is answered NOSCRIPT. */
  async flushScripts(server: RedisProcess): Promise<void> {
    await this.admin(server).script('FLUSH');
  }

  async close(): Promise<void> {
    for (const admin of this.admins.values()) admin.disconnect();
    await this.master?.stop();
  }

  private async emptyMaster(): Promise<RedisProcess> {
    if (!this.master) {
      this.master = await startRedisProcess({ args: ['--repl-diskless-sync-delay', '0'] });
    }
    await this.admin(this.master).flushall();
    return this.master;
  }

  private async detach(servers: RedisProcess[]): Promise<void> {
    await Promise.all(servers.map((s) => this.admin(s).call('REPLICAOF', 'NO', 'ONE')));
  }

  private async waitFor(server: RedisProcess, section: string, pattern: RegExp, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(await this.admin(server).info(section))) {
      if (Date.now() > deadline) throw new Error(`redis-server ${server.port}: ${pattern} not seen in time`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
