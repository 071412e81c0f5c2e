import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const { files } = JSON.parse(readFileSync(resolve(__dirname, 'long-files-first.json'), 'utf8')) as { files: string[] };

describe('the files vitest starts first (long-files-first.json)', () => {
  it('are integration test files that exist, each listed once (a renamed file would silently lose its place)', () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((file) => !existsSync(resolve(ROOT, file)) || !file.endsWith('.test.ts'))).toEqual([]);
    expect(new Set(files).size).toBe(files.length);
  });
});
