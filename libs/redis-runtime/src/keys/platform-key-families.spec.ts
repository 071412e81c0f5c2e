import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLATFORM_KEY_FAMILIES } from './platform-key-families';

const ROOT = join(__dirname, '../../../..');

/** Every TypeScript source of a folder (specs left out: a family only a test names is still unused). */
function sourcesOf(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
    .map((file) => readFileSync(join(dir, file), 'utf8'));
}

describe('platform key families', () => {
  // A family declared but never used still widens its owner's generated Redis ACL user and the documented key
  // layout: each one must be named (as a string literal) by its owner's code.
  it.each(PLATFORM_KEY_FAMILIES.map((family) => [family.name, family.owner]))(
    '%s is used by its owner, %s',
    (name, owner) => {
      const sources = sourcesOf(join(ROOT, 'apps', owner, 'src'));
      expect(sources.length, `apps/${owner}/src`).toBeGreaterThan(0);
      expect(sources.some((source) => source.includes(`'${name}'`))).toBe(true);
    },
  );
});
