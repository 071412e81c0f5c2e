import { describe, expect, it } from 'vitest';
import { JsonCodec } from './json-codec';

const codec = new JsonCodec<{ n: number }>({
  schemaVersion: 2,
  validate: (v): v is { n: number } => typeof (v as { n?: unknown })?.n === 'number',
});

describe('JsonCodec', () => {
  it('round-trips a value with its schemaVersion and metadata', () => {
    const raw = codec.encode({ n: 1 }, { cachedAt: 5 });
    expect(JSON.parse(raw)).toEqual({ schemaVersion: 2, cachedAt: 5, payload: { n: 1 } });
    expect(codec.decode(raw)).toMatchObject({
      ok: true,
      value: { payload: { n: 1 }, meta: { cachedAt: 5 } },
    });
  });

  it.each([
    ['{not json', 'corrupt'],
    ['"a string"', 'corrupt'],
    ['{"schemaVersion":2}', 'corrupt'],
    ['{"schemaVersion":1,"payload":{"n":1}}', 'schema-version'],
    ['{"payload":{"n":1}}', 'schema-version'],
    ['{"schemaVersion":2,"payload":{"n":"x"}}', 'invalid'],
  ])('turns %s into a %s failure instead of throwing', (raw, reason) => {
    expect(codec.decode(raw)).toEqual({ ok: false, reason });
  });
});
