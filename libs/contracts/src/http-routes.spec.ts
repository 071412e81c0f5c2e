import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTRACT_ROUTES } from './http-routes';

// The contract lives beside the repository (`shared/CONTRACT.md`, or CPQ_CONTRACT_FILE), not in it.
function contractFile(): string | undefined {
  const fromEnv = process.env['CPQ_CONTRACT_FILE'];
  if (fromEnv) return fromEnv;
  for (let dir = path.resolve(__dirname, '../../..'); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'shared', 'CONTRACT.md');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Every `| \`METHOD /path\` | role |` row of the contract's `## <name>-service` sections. */
function routesOf(text: string) {
  const rows: { service: string; method: string; path: string; role: string }[] = [];
  let service: string | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('## ')) service = /^## ([a-z]+-service)\s*$/.exec(line)?.[1];
    const row = /^\|\s*`(GET|POST|PUT|PATCH|DELETE) ([^`]+)`\s*\|\s*([^|]+?)\s*\|/.exec(line);
    if (row && service) rows.push({ service, method: row[1]!, path: row[2]!, role: row[3]!.replace(/`/g, '') });
  }
  return rows;
}

const file = contractFile();

describe('CONTRACT_ROUTES', () => {
  it('names each route once', () => {
    const ids = CONTRACT_ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  // Skipped only where the contract file is not beside the checkout (a clone elsewhere): there is nothing to compare.
  it.skipIf(file === undefined)('is the contract file\'s route tables, row for row', () => {
    expect(CONTRACT_ROUTES.map((r) => ({ ...r }))).toEqual(routesOf(readFileSync(file!, 'utf8')));
  });
});
