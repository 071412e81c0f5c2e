import 'reflect-metadata';
import { Controller, Inject } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import { serviceModule } from './service-module';

const GREETER = Symbol('Greeter');

@Controller('greetings')
class GreetingController {
  constructor(@Inject(GREETER) readonly greeter: { greet(): string }) {}
}

describe('serviceModule', () => {
  it('gives the controllers their providers and closes the runtime once when the app shuts down', async () => {
    let closes = 0;
    const runtime = {
      greeter: { greet: () => 'hello' },
      close: async () => {
        closes++;
      },
    };
    const module = serviceModule(runtime, {
      controllers: [GreetingController],
      providers: [{ provide: GREETER, useValue: runtime.greeter }],
    });
    const app = await NestFactory.createApplicationContext(module, { logger: false });
    expect(app.get(GreetingController).greeter.greet()).toBe('hello');
    expect(closes).toBe(0);
    await app.close();
    expect(closes).toBe(1);
  });
});
