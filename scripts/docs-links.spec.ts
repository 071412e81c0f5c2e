// Keeps the documentation navigable: every relative link of the README, docs/ and the libraries' READMEs points at
// a file that exists (and at a heading that exists, for links into Markdown), the README stays a front page, and
// docs/configuration.md names every variable the services read. Reads files only, so it runs in the unit project
// (which picks up scripts/**/*.spec.ts).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..');
const README_MAX_LINES = 160;

function markdownFiles(): string[] {
  const inDir = (dir: string) =>
    existsSync(join(ROOT, dir))
      ? readdirSync(join(ROOT, dir))
          .filter((name) => name.endsWith('.md'))
          .map((name) => join(dir, name))
      : [];
  const libReadmes = readdirSync(join(ROOT, 'libs')).map((lib) => join('libs', lib, 'README.md'));
  const platformReadmes = readdirSync(join(ROOT, 'libs/platform/src')).map((part) =>
    join('libs/platform/src', part, 'README.md'),
  );
  return ['README.md', ...inDir('docs'), ...libReadmes, ...platformReadmes].filter((file) =>
    existsSync(join(ROOT, file)),
  );
}

/** The text outside fenced code blocks and inline code spans, where a `[x](y)` is a link. */
function proseOf(markdown: string): string {
  return markdown
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
    .replace(/`[^`\n]*`/g, (span) => ' '.repeat(span.length));
}

/** Inline links and images `[text](target)` and reference definitions `[ref]: target`. */
function linkTargets(markdown: string): string[] {
  const prose = proseOf(markdown);
  const inline = [...prose.matchAll(/!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(
    (m) => m[1]!,
  );
  const references = [...prose.matchAll(/^\s{0,3}\[[^\]\n]+\]:\s+<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map(
    (m) => m[1]!,
  );
  return [...inline, ...references];
}

/** GitHub's heading anchors: lower case, punctuation dropped, each space a hyphen, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of markdown
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
    .matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = match[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/`/g, '');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

interface BrokenLink {
  file: string;
  target: string;
  why: string;
}

function brokenLinks(file: string): BrokenLink[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const broken: BrokenLink[] = [];
  for (const target of linkTargets(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:: not ours to check
    const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
    const path = decodeURIComponent(pathPart);
    const resolved = path === '' ? join(ROOT, file) : resolve(dirname(join(ROOT, file)), path);
    // The contract lives beside the repository (shared/CONTRACT.md), not in it: a clone may not have it.
    if (relative(ROOT, resolved).startsWith('..')) continue;
    if (!existsSync(resolved)) {
      broken.push({ file, target, why: 'no such file' });
      continue;
    }
    if (anchor && statSync(resolved).isFile() && resolved.endsWith('.md')) {
      if (!anchorsOf(readFileSync(resolved, 'utf8')).has(anchor.toLowerCase()))
        broken.push({ file, target, why: 'no such heading' });
    }
  }
  return broken;
}

/** The environment variables a zod schema declares: `  NAME: z...` lines of the file. */
function declaredVariables(file: string): string[] {
  return [...readFileSync(join(ROOT, file), 'utf8').matchAll(/^\s{2}([A-Z][A-Z0-9_]+):\s/gm)].map(
    (m) => m[1]!,
  );
}

describe('documentation', () => {
  const files = markdownFiles();

  it('finds the pages it checks', () => {
    expect(files).toContain('README.md');
    expect(files).toContain('docs/api.md');
    expect(files).toContain('libs/redis-runtime/README.md');
  });

  it('links only to files and headings that exist', () => {
    expect(files.flatMap(brokenLinks)).toEqual([]);
  });

  it(`keeps README.md a front page (at most ${README_MAX_LINES} lines)`, () => {
    const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').trimEnd().split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it('names every variable the services read in docs/configuration.md', () => {
    const configuration = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8');
    const schemas = [
      'libs/platform/src/config/base-service-config.ts',
      'libs/redis-runtime/src/clients/redis-config.ts',
      ...readdirSync(join(ROOT, 'apps'))
        .map((app) => join('apps', app, 'src/config.ts'))
        .filter((file) => existsSync(join(ROOT, file))),
    ];
    const variables = schemas.flatMap(declaredVariables);
    expect(variables).toContain('CATALOG_CACHE');
    expect(variables).toContain('REDIS_TLS_CA_FILE');
    expect(variables.filter((name) => !configuration.includes(`\`${name}\``))).toEqual([]);
  });
});

describe('the link checker', () => {
  it('reads inline links and reference definitions, not code', () => {
    const text = [
      'See [a](docs/a.md#x) and ![b](b.png "title").',
      '`[not](a-link.md)` and',
      '```',
      '[nor](this.md)',
      '```',
      '[ref]: ../c.md',
    ].join('\n');
    expect(linkTargets(text)).toEqual(['docs/a.md#x', 'b.png', '../c.md']);
  });

  it("makes GitHub's anchors", () => {
    const anchors = anchorsOf(
      '# Title\n## `NOPERM` from Redis\n## Metrics (prom-client)\n## Title\n```\n# not a heading\n```\n',
    );
    expect([...anchors]).toEqual(['title', 'noperm-from-redis', 'metrics-prom-client', 'title-1']);
  });
});
