import { InvalidKeyFamilyError, MissingTtlError, UnknownKeyFamilyError } from '../errors';
import { defineKeyFamily, type KeyFamily } from './key-family';

/** The set of declared key families. Building a key or writing to a family not in here throws. */
export class KeyFamilyRegistry {
  private readonly families = new Map<string, KeyFamily>();

  constructor(families: readonly KeyFamily[] = []) {
    for (const family of families) this.declare(family);
  }

  declare(family: KeyFamily): KeyFamily {
    if (this.families.has(family.name)) {
      throw new InvalidKeyFamilyError(`key family ${family.name} is declared twice`, { family: family.name });
    }
    const defined = defineKeyFamily(family);
    this.families.set(defined.name, defined);
    return defined;
  }

  get(name: string): KeyFamily {
    const family = this.families.get(name);
    if (!family) throw new UnknownKeyFamilyError(`key family ${name} is not declared`, { family: name });
    return family;
  }

  has(name: string): boolean {
    return this.families.has(name);
  }

  all(): KeyFamily[] {
    return [...this.families.values()];
  }
}

/**
 * Checks a write's TTL against its family's declared range and returns it in whole seconds.
 * A write without a TTL, or outside the range, is a programming error and throws.
 */
export function assertTtlSeconds(family: KeyFamily, ttlSeconds: number | undefined): number {
  const range = family.ttlSeconds;
  if (!range) throw new MissingTtlError(`key family ${family.name} holds no keys`, { family: family.name });
  if (ttlSeconds === undefined || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new MissingTtlError(`write to ${family.name} without a TTL`, { family: family.name });
  }
  const seconds = Math.ceil(ttlSeconds);
  if (seconds < range.min || seconds > range.max) {
    throw new MissingTtlError(
      `TTL ${seconds}s is outside ${family.name}'s range ${range.min}..${range.max}s`,
      {
        family: family.name,
        ttlSeconds: seconds,
      },
    );
  }
  return seconds;
}
