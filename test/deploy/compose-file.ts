// Reads docker-compose.yml the way `docker compose config` would for what the tests look at: variables interpolated
// (`${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `$$`), YAML merge keys (`<<: *anchor`) applied.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './service-env';

export interface ComposeService {
  image?: string;
  build?: { context: string; target?: string };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | { target: number; published?: string | number })[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string | string[]; disable?: boolean };
  restart?: string;
  profiles?: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
}

const VARIABLE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

export function interpolate(text: string, vars: Record<string, string | undefined>): string {
  return text.replace(VARIABLE, (match, braced?: string, op?: string, arg?: string, bare?: string) => {
    if (match === '$$') return '$';
    const name = (braced ?? bare)!;
    const value = vars[name];
    const unset = op?.startsWith(':') ? !value : value === undefined;
    if (!op || !unset) return value ?? '';
    if (op.endsWith('?')) throw new Error(`compose: ${name} is required: ${arg}`);
    return arg ?? '';
  });
}

export function readCompose(vars: Record<string, string | undefined>): ComposeFile {
  const text = interpolate(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), vars);
  return parse(text, { merge: true, maxAliasCount: -1 }) as ComposeFile;
}

/** A service's environment as strings (map or `KEY=value` list form). */
export function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => [entry.split('=')[0]!, entry.slice(entry.indexOf('=') + 1)]),
    );
  }
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => [name, value === null ? '' : String(value)]),
  );
}

/** `[published, container]` port pairs of a service. */
export function portsOf(service: ComposeService): [number, number][] {
  return (service.ports ?? []).map((entry) => {
    if (typeof entry !== 'string') return [Number(entry.published ?? entry.target), entry.target];
    const parts = entry.split('/')[0]!.split(':');
    const container = Number(parts.at(-1));
    return [parts.length > 1 ? Number(parts.at(-2)) : container, container];
  });
}

/** The Dockerfile's stages: `FROM <image> AS <name>` names, and each stage's instructions. */
export function dockerfileStages(): Map<string, string[]> {
  const stages = new Map<string, string[]>();
  let current: string[] | undefined;
  const lines = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  for (const line of lines) {
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      current = [line];
      if (from[1]) stages.set(from[1], current);
    } else current?.push(line);
  }
  return stages;
}

/** The stage chain of a target, the target first: `catalog-service` -> runtime -> base. */
export function stageChain(stages: Map<string, string[]>, target: string): string[][] {
  const chain: string[][] = [];
  let name: string | undefined = target;
  while (name && stages.has(name)) {
    const stage: string[] = stages.get(name)!;
    chain.push(stage);
    name = /^FROM\s+(\S+)/i.exec(stage[0]!)?.[1];
  }
  return chain;
}
