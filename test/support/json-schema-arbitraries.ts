import fc from 'fast-check';
import { z } from 'zod';
import type { JsonSchema } from './openapi-routes';

/**
 * fast-check arbitraries from the JSON Schemas of the services' OpenAPI documents: values the schema accepts
 * (`documentedValue`), the same values broken in one to three places (`mutatedValue`), and hostile scalars. A
 * valid-ish body mutated reaches far deeper into a service than noise does: past the JSON parser, often past the
 * validator, into the domain, the cache keys and the SQL.
 */

/** Values that valid strings are drawn from half the time, so generated requests meet each other's data. */
const COMMON_STRINGS = [
  'offer-1',
  'offer-2',
  'fiber-1g',
  'router',
  'a',
  'EUR',
  'USD',
  'eur',
  'enterprise',
  'smb',
  'eu',
  'us',
  '1',
  '2',
  '36',
  '0190b3a0-0000-7000-8000-000000000001',
];

const MAX_ARRAY = 4;
const MAX_INT32 = 0x7fffffff;

/** Whether a value is one the schema accepts (the services validate with the zod schemas it was made from). */
export function documentedValidator(schema: JsonSchema): (value: unknown) => boolean {
  const validator = z.fromJSONSchema(schema as never);
  return (value) => validator.safeParse(value).success;
}

/**
 * Values the schema accepts, small and biased towards common ids and boundaries. `minimal`: required properties
 * only and arrays at their minimum length, the values most likely to pass a service's own rules as well (to set up
 * data).
 */
export function documentedValue(schema: JsonSchema, depth = 0, minimal = false): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices) return fc.oneof(...choices.map((s) => documentedValue(s, depth + 1, minimal)));
  if (schema.allOf?.[0]) return documentedValue(schema.allOf[0], depth + 1, minimal);
  const type = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (type.length > 1)
    return fc.oneof(...type.map((t) => documentedValue({ ...schema, type: t }, depth + 1, minimal)));
  switch (type[0]) {
    case 'string':
      return stringOf(schema);
    case 'integer':
      return integerOf(schema);
    case 'number':
      return fc.double({
        noNaN: true,
        noDefaultInfinity: true,
        min: schema.minimum ?? schema.exclusiveMinimum ?? -1e9,
        max: schema.maximum ?? schema.exclusiveMaximum ?? 1e9,
        minExcluded: schema.exclusiveMinimum !== undefined,
        maxExcluded: schema.exclusiveMaximum !== undefined,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = schema.minItems ?? 0;
      const maxLength = minimal
        ? minLength
        : Math.max(minLength, Math.min(schema.maxItems ?? MAX_ARRAY, minLength + MAX_ARRAY));
      const items = documentedValue(schema.items ?? {}, depth + 1, minimal);
      // items with a required `...Id` are usually unique by it (offers, entries): keep most arrays so
      const id = schema.items?.required?.find((name) => /Id$/.test(name));
      if (!id) return fc.array(items, { minLength, maxLength });
      const unique = fc.uniqueArray(items, {
        minLength,
        maxLength,
        selector: (item) => (item as Record<string, unknown>)[id],
      });
      return fc.oneof({ weight: 3, arbitrary: unique }, fc.array(items, { minLength, maxLength }));
    }
    case 'object':
      return objectOf(schema, depth, minimal);
    default:
      return depth > 3 ? fc.constant(null) : fc.jsonValue({ maxDepth: 2 });
  }
}

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? 64;
  const fits = (s: string) =>
    s.length >= min && s.length <= max && (!schema.pattern || new RegExp(schema.pattern).test(s));
  let free: fc.Arbitrary<string>;
  if (schema.format === 'uuid') free = fc.uuid({ version: 7 });
  else if (schema.format === 'date-time') free = fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
  else if (schema.pattern) free = fc.stringMatching(new RegExp(schema.pattern));
  else free = fc.string({ minLength: min, maxLength: Math.min(max, min + 40) });
  free = free.filter(fits);
  const common = COMMON_STRINGS.filter(fits);
  return common.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...common) }, free) : free;
}

function integerOf(schema: JsonSchema): fc.Arbitrary<number> {
  const min = schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : (schema.minimum ?? -1e6);
  const max = schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : (schema.maximum ?? 1e6);
  const lowEnd = Math.max(min, -MAX_INT32);
  const small = fc.integer({ min: lowEnd, max: Math.min(max, lowEnd + 1000, MAX_INT32) });
  const wide = fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map(Number);
  return fc.oneof({ weight: 4, arbitrary: small }, fc.constantFrom(min, max), wide);
}

function objectOf(
  schema: JsonSchema,
  depth: number,
  minimal: boolean,
): fc.Arbitrary<Record<string, unknown>> {
  const required = schema.required ?? [];
  const properties = Object.fromEntries(
    Object.entries(schema.properties ?? {}).filter(([key]) => !minimal || required.includes(key)),
  );
  const known = fc.record(
    Object.fromEntries(
      Object.entries(properties).map(([key, s]) => [key, documentedValue(s, depth + 1, minimal)]),
    ),
    { requiredKeys: required.filter((key) => key in properties) },
  ) as fc.Arbitrary<Record<string, unknown>>;
  const extra = schema.additionalProperties;
  if (minimal || !extra || typeof extra !== 'object') return known;
  const keys = schema.propertyNames
    ? (documentedValue(schema.propertyNames) as fc.Arbitrary<string>)
    : fc.string({ minLength: 1, maxLength: 20 });
  return fc
    .tuple(
      known,
      fc.dictionary(
        keys.filter((k) => !(k in properties) && k !== '__proto__'),
        documentedValue(extra, depth + 1, minimal),
        { maxKeys: 3 },
      ),
    )
    .map(([a, b]) => ({ ...b, ...a }));
}

/** Strings that have broken parsers, key builders, SQL and logs before. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  'a'.repeat(300),
  'x'.repeat(70_000),
  'a:b',
  'a:b:c:d:e:f',
  '{tenant}',
  '}{',
  '*',
  '?',
  '[a]',
  '..',
  '../..',
  '/',
  '\\',
  '%',
  '%00',
  '%2F',
  '%ZZ',
  '\u0000',
  '\n',
  '\r\nX-Injected: 1',
  '\t',
  "' or '1'='1",
  '"; drop table x; --',
  '$(id)',
  '${jndi:ldap://x}',
  '<script>',
  '__proto__',
  'constructor',
  'prototype',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e400',
  '9007199254740993',
  '99999999999999999999999',
  '0x10',
  ' 1',
  '1 ',
  '١٢٣',
  'Ω≈ç√',
  '🔥'.repeat(10),
  '\u202e',
  '\ud800',
  'ACME',
  'acme:other',
  'all',
];

/** Any JSON value at all, hostile ones weighted up. */
export function hostileJsonValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom<unknown>(
      null,
      true,
      false,
      0,
      -1,
      -0,
      1.5,
      2 ** 31,
      2 ** 53,
      2 ** 53 + 2,
      -(2 ** 63),
      1e308,
      -1e308,
      5e-324,
      [],
      {},
      [null],
      { '': null },
      nested(200),
    ),
    fc.constantFrom(...HOSTILE_STRINGS),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.jsonValue({ maxDepth: 3 }),
  );
}

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

type Mutation =
  | { kind: 'replace'; value: unknown }
  | { kind: 'delete' }
  | { kind: 'add'; key: string; value: unknown }
  | { kind: 'stringify' }
  | { kind: 'wrap' };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: hostileJsonValue().map((value) => ({ kind: 'replace' as const, value })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'delete' as const }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.oneof(
          fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra', 'tenantId', '$where'),
          fc.string({ maxLength: 10 }),
        ),
        hostileJsonValue(),
      )
      .map(([key, value]) => ({ kind: 'add' as const, key, value })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'stringify' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'wrap' as const }) },
);

/** A documented value broken by one to three mutations at random places (possibly still valid: check). */
export function mutatedValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  return fc
    .tuple(documentedValue(schema), fc.array(fc.tuple(mutationArb, fc.nat()), { minLength: 1, maxLength: 3 }))
    .map(([value, mutations]) => mutations.reduce((v, [m, at]) => mutate(v, m, at), structuredClone(value)));
}

type Slot = { parent: Record<string, unknown> | unknown[]; key: string | number } | { parent: undefined };

function slotsOf(value: unknown): Slot[] {
  const slots: Slot[] = [{ parent: undefined }];
  const walk = (v: unknown, depth: number) => {
    if (depth > 6 || typeof v !== 'object' || v === null) return;
    for (const [key, child] of Object.entries(v)) {
      slots.push({ parent: v as Record<string, unknown>, key: Array.isArray(v) ? Number(key) : key });
      walk(child, depth + 1);
    }
  };
  walk(value, 0);
  return slots;
}

/**
 * Applies one mutation in place. A mutation's value is copied in: the arbitraries hand out shared instances (a
 * `constantFrom` array, say), and placing one instance twice can put it inside itself (a cycle JSON cannot encode)
 * or let a later mutation change the constant for every later run.
 */
function mutate(root: unknown, mutation: Mutation, at: number): unknown {
  const slots = slotsOf(root);
  const slot = slots[at % slots.length]!;
  const current =
    slot.parent === undefined ? root : (slot.parent as Record<string | number, unknown>)[slot.key];
  const replaced = (next: unknown): unknown => {
    if (slot.parent === undefined) return next;
    (slot.parent as Record<string | number, unknown>)[slot.key] = next;
    return root;
  };
  switch (mutation.kind) {
    case 'replace':
      return replaced(structuredClone(mutation.value));
    case 'stringify':
      return replaced(JSON.stringify(current) ?? 'undefined');
    case 'wrap':
      return replaced([current]);
    case 'delete':
      if (slot.parent === undefined) return undefined;
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else delete slot.parent[slot.key as string];
      return root;
    case 'add':
      if (typeof current !== 'object' || current === null || Array.isArray(current))
        return replaced({ [mutation.key]: structuredClone(mutation.value) });
      Object.defineProperty(current, mutation.key, {
        value: structuredClone(mutation.value),
        enumerable: true,
        configurable: true,
        writable: true,
      });
      return root;
  }
}
