/**
 * JSON values with a `schemaVersion`. Decoding never throws: corrupt JSON, a value without the expected
 * schemaVersion or one rejected by the caller's validator comes back as a typed failure, which cache code turns
 * into a miss plus a metric. No class serialization: what Redis holds is readable by any client.
 */
export type DecodeFailure = 'corrupt' | 'schema-version' | 'invalid';

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; reason: DecodeFailure };

export interface JsonCodecOptions<T> {
  /** The schemaVersion written, and the only one accepted when reading. */
  schemaVersion: number;
  /** Optional structural check of a decoded value (e.g. a zod schema's `safeParse(v).success`). */
  validate?: (value: unknown) => value is T;
}

export class JsonCodec<T> {
  constructor(private readonly options: JsonCodecOptions<T>) {}

  get schemaVersion(): number {
    return this.options.schemaVersion;
  }

  /** Wraps a value as `{schemaVersion, ...meta, payload}` and serializes it. */
  encode(payload: T, meta: Record<string, unknown> = {}): string {
    return JSON.stringify({ schemaVersion: this.options.schemaVersion, ...meta, payload });
  }

  decode(raw: string): DecodeResult<{ payload: T; meta: Record<string, unknown> }> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return { ok: false, reason: 'corrupt' };
    }
    if (typeof parsed !== 'object' || parsed === null || !('payload' in parsed))
      return { ok: false, reason: 'corrupt' };
    const record = parsed as Record<string, unknown>;
    if (record.schemaVersion !== this.options.schemaVersion) return { ok: false, reason: 'schema-version' };
    const payload = record.payload;
    if (this.options.validate && !this.options.validate(payload)) return { ok: false, reason: 'invalid' };
    // `meta` is the whole record (schemaVersion and payload included): not copying it keeps a cache hit cheap.
    return { ok: true, value: { payload: payload as T, meta: record } };
  }
}
