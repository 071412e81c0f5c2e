import { describe, expect, it } from 'vitest';
import { WakeTimer } from './wake-timer';

describe('WakeTimer', () => {
  it('wake() ends a wakeable sleep early', async () => {
    const timer = new WakeTimer();
    const started = Date.now();
    const sleeping = timer.sleep(5000);
    timer.wake();
    await sleeping;
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('remembers a wake() that came before the sleep', async () => {
    const timer = new WakeTimer();
    timer.wake();
    const started = Date.now();
    await timer.sleep(5000);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('wake() does not end a non-wakeable sleep, interrupt() does', async () => {
    const timer = new WakeTimer();
    let done = false;
    const sleeping = timer.sleep(5000, { wakeable: false }).then(() => (done = true));
    timer.wake();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(done).toBe(false);
    timer.interrupt();
    await sleeping;
    expect(done).toBe(true);
  });
});
