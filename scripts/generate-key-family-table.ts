// Regenerates the key-family table in README.md from the registry in libs/redis-runtime.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLATFORM_KEY_FAMILIES, replaceKeyFamilyTable } from '@cpq/redis-runtime';

const readme = join(__dirname, '..', 'README.md');
const updated = replaceKeyFamilyTable(readFileSync(readme, 'utf8'), PLATFORM_KEY_FAMILIES);
writeFileSync(readme, updated);
console.log(`README.md: ${PLATFORM_KEY_FAMILIES.length} key families`);
