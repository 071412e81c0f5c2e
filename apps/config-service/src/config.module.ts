import { serviceModule } from '@cpq/platform';
import type { Type } from '@nestjs/common';
import { CONFIG_SESSIONS, CONFIGURATION_READER, ConfigController } from './http/config.controller';
import type { ConfigRuntime } from './config-runtime';

/** The config module over an already built runtime (see `openConfigRuntime`); it closes the runtime on shutdown. */
export function configModule(runtime: ConfigRuntime): Type<unknown> {
  return serviceModule(runtime, {
    controllers: [ConfigController],
    providers: [
      { provide: CONFIG_SESSIONS, useValue: runtime.sessions },
      { provide: CONFIGURATION_READER, useValue: runtime.configurations },
    ],
  });
}
