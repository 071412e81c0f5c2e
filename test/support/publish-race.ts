/**
 * Tools for tests that race a publish against a read in flight: hold a repository call after it has read
 * PostgreSQL (a slow load, made deterministic), and watch which version every instance answers over time.
 */

/** What `holdNextCall` hands back: `ran` once the held call has its result, `release()` lets it return. */
export interface HeldCall {
  readonly ran: Promise<void>;
  release(): void;
  restore(): void;
}

/**
 * Wraps `target[method]` so that its next call runs as usual and then holds its result until `release()`: a load
 * that has read the old value and is slow to hand it back. Later calls run unchanged. A test hook through the
 * repository port: production code is untouched.
 */
export function holdNextCall<T extends object>(target: T, method: keyof T & string): HeldCall {
  const original = target[method] as unknown as (...args: unknown[]) => Promise<unknown>;
  const own = Object.prototype.hasOwnProperty.call(target, method);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let markRan!: () => void;
  const ran = new Promise<void>((resolve) => (markRan = resolve));
  let armed = true;
  (target as Record<string, unknown>)[method] = async function held(this: unknown, ...args: unknown[]) {
    if (!armed) return original.apply(this, args);
    armed = false;
    const result = await original.apply(this, args);
    markRan();
    await gate;
    return result;
  };
  return {
    ran,
    release,
    restore() {
      release();
      if (own) (target as Record<string, unknown>)[method] = original;
      else delete (target as Record<string, unknown>)[method];
    },
  };
}

export interface VersionAnswer {
  instance: string;
  version: number;
  /** When the answer arrived (ms since epoch). */
  at: number;
}

/** Reads every instance's answer in a loop, recording the version each answer carries, until `stop()`. */
export function watchVersions(readers: Record<string, () => Promise<number>>, everyMs = 25) {
  const answers: VersionAnswer[] = [];
  let running = true;
  const loops = Object.entries(readers).map(async ([instance, read]) => {
    while (running) {
      answers.push({ instance, version: await read(), at: Date.now() });
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  });
  return {
    answers,
    /** Records the answer of a request started elsewhere (e.g. the one in flight across the publish). */
    record(instance: string, answer: Promise<number>): Promise<void> {
      return answer.then((version) => {
        answers.push({ instance, version, at: Date.now() });
      });
    },
    /** Whether `instance` has answered `version` yet. */
    answered: (instance: string, version: number) =>
      answers.some((a) => a.instance === instance && a.version === version),
    async stop(): Promise<void> {
      running = false;
      await Promise.all(loops);
    },
  };
}

/**
 * What broke the promise "after a publish returns, no instance answers an older version once it has answered the
 * new one, and every instance answers the new one within `withinMs`", as readable lines (empty when kept).
 */
export function versionRaceViolations(
  answers: readonly VersionAnswer[],
  newVersion: number,
  publishedAt: number,
  withinMs: number,
): string[] {
  const violations: string[] = [];
  const instances = [...new Set(answers.map((a) => a.instance))];
  for (const instance of instances) {
    const own = answers
      .filter((a) => a.instance === instance && a.at >= publishedAt)
      .sort((x, y) => x.at - y.at);
    const firstNew = own.findIndex((a) => a.version >= newVersion);
    if (firstNew < 0) {
      violations.push(
        `${instance} never answered v${newVersion} (answers: ${own.map((a) => a.version).join(',')})`,
      );
      continue;
    }
    const after = own[firstNew]!.at - publishedAt;
    if (after > withinMs)
      violations.push(`${instance} first answered v${newVersion} ${after} ms after the publish`);
    const older = own.slice(firstNew).filter((a) => a.version < newVersion);
    if (older.length > 0)
      violations.push(
        `${instance} answered v${older[0]!.version} ${older[0]!.at - own[firstNew]!.at} ms after answering v${newVersion}`,
      );
  }
  return violations;
}
