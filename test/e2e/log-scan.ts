// Looks for raw identifiers in captured service logs: every occurrence of a value the test knows to be sensitive
// (tenant and user ids, idempotency keys, customer references, session ids, JWTs and their signatures).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { FlowTenant } from './platform-flow';

export interface Sensitive {
  what: string;
  value: string;
}

export function sensitiveValuesOf(tenants: FlowTenant[]): Sensitive[] {
  return tenants.flatMap((tenant) => [
    { what: 'tenant id', value: tenant.id },
    ...Object.values(tenant.subs).map((value) => ({ what: 'user id', value })),
    { what: 'idempotency key', value: tenant.key },
    { what: 'idempotency key', value: tenant.key2 },
    { what: 'customer reference', value: tenant.customer },
    ...tenant.created.sessions.map((value) => ({ what: 'session id', value })),
    ...tenant.tokens.flatMap((token) => [
      { what: 'JWT', value: token },
      { what: 'JWT signature', value: token.split('.')[2]! },
    ]),
  ]);
}

/** `<file>:<line>: <what> in <the line, the value replaced by <what>>` for every occurrence. */
export function scanLogs(files: string[], sensitive: Sensitive[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, index) => {
      for (const { what, value } of sensitive) {
        if (!line.includes(value)) continue;
        const shown = line.split(value).join(`<${what}>`).slice(0, 400);
        found.push(`${basename(file)}:${index + 1}: ${what} in ${shown}`);
      }
    });
  }
  return found;
}
