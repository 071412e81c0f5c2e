import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scanLogs } from './log-scan';

const dir = mkdtempSync(join(tmpdir(), 'log-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scanLogs', () => {
  it('names the file, the line and what leaked, with the value masked; hashed forms pass', () => {
    const file = join(dir, 'order-service-0.log');
    writeFileSync(
      file,
      [
        '{"msg":"request completed 200","tenant":"6e00b35523da"}',
        '{"msg":"capture failed","key":"key-0123456789abcdef"}',
      ].join('\n'),
    );
    expect(
      scanLogs(
        [file],
        [
          { what: 'tenant id', value: 'acme-5f2a9c' },
          { what: 'idempotency key', value: 'key-0123456789abcdef' },
        ],
      ),
    ).toEqual([
      'order-service-0.log:2: idempotency key in {"msg":"capture failed","key":"<idempotency key>"}',
    ]);
  });
});
