import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLATFORM_KEY_FAMILIES } from './platform-key-families';
import { renderKeyFamilyTable } from './key-family-table';

describe('key-family table', () => {
  it('has one row per declared family', () => {
    const table = renderKeyFamilyTable(PLATFORM_KEY_FAMILIES);
    const rows = table.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows).toHaveLength(PLATFORM_KEY_FAMILIES.length);
    expect(table).toContain('`<env>:catalog-service:<tenant>:catalog:offer:v<catalogVersion>:<offerId>`');
    expect(table).toContain('`<env>:pricing-service:{<tenant>}:rate:limit:');
  });

  it('is the one in docs/redis-key-families.md (run `npm run docs:key-families` after changing the registry)', () => {
    const doc = readFileSync(join(__dirname, '../../../../docs/redis-key-families.md'), 'utf8');
    expect(doc).toContain(renderKeyFamilyTable(PLATFORM_KEY_FAMILIES));
  });
});
