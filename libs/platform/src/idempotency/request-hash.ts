import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level: two bodies that differ only in key order hash the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The digest that tells "the same request again" from "another request reusing the key": method, route and the
 * parsed body (key order ignored), as `sha256:<hex>`.
 */
export function requestHashOf(request: { method: string; path: string; body: unknown }): string {
  const digest = createHash('sha256')
    .update(`${request.method.toUpperCase()} ${request.path}\n${canonicalJson(request.body)}`)
    .digest('hex');
  return `sha256:${digest}`;
}
