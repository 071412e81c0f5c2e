// Regenerates the key-family table in docs/redis-key-families.md from the registry in libs/redis-runtime
// (`npm run docs:key-families`). Only the text between the `key-families` markers changes.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLATFORM_KEY_FAMILIES, replaceKeyFamilyTable } from '@cpq/redis-runtime';

/** Where the table lives; the spec beside the renderer (key-family-table.spec.ts) reads the same file. */
const doc = join(__dirname, '..', 'docs', 'redis-key-families.md');
const updated = replaceKeyFamilyTable(readFileSync(doc, 'utf8'), PLATFORM_KEY_FAMILIES);
writeFileSync(doc, updated);
console.log(`docs/redis-key-families.md: ${PLATFORM_KEY_FAMILIES.length} key families`);
