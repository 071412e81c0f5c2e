/**
 * An interruptible sleep for polling loops: `sleep(ms)` resolves after `ms`, or at once on `wake()` when the
 * sleep is wakeable. A `wake()` that finds no wakeable sleep is remembered: the next wakeable sleep returns
 * immediately. `interrupt()` ends any sleep (used by `stop()`).
 */
export class WakeTimer {
  private pendingWake = false;
  private current: { wakeable: boolean; finish: () => void } | undefined;

  sleep(ms: number, options: { wakeable?: boolean } = {}): Promise<void> {
    const wakeable = options.wakeable ?? true;
    if (wakeable && this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const entry = {
        wakeable,
        finish: () => {
          clearTimeout(timer);
          if (this.current === entry) this.current = undefined;
          resolve();
        },
      };
      const timer = setTimeout(entry.finish, ms);
      this.current = entry;
    });
  }

  wake(): void {
    if (this.current?.wakeable) this.current.finish();
    else this.pendingWake = true;
  }

  interrupt(): void {
    this.current?.finish();
  }
}
