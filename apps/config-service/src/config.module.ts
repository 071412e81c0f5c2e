import { Inject, Module, type OnApplicationShutdown, type Type } from '@nestjs/common';
import { CONFIG_SESSIONS, CONFIGURATION_READER, ConfigController } from './http/config.controller';
import type { ConfigRuntime } from './config-runtime';

export const CONFIG_RUNTIME = Symbol('ConfigRuntime');

/** Closes the runtime after Nest has drained in-flight requests: purge, pending snapshots, relay, Redis, PostgreSQL. */
class ConfigLifecycle implements OnApplicationShutdown {
  constructor(@Inject(CONFIG_RUNTIME) private readonly runtime: ConfigRuntime) {}

  async onApplicationShutdown(): Promise<void> {
    await this.runtime.close();
  }
}

/** The config module over an already built runtime (see `openConfigRuntime`). */
export function configModule(runtime: ConfigRuntime): Type<unknown> {
  @Module({
    controllers: [ConfigController],
    providers: [
      { provide: CONFIG_RUNTIME, useValue: runtime },
      { provide: CONFIG_SESSIONS, useValue: runtime.sessions },
      { provide: CONFIGURATION_READER, useValue: runtime.configurations },
      ConfigLifecycle,
    ],
  })
  class ConfigModule {}
  return ConfigModule;
}
