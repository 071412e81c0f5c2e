import { describe, expect, it } from 'vitest';
import { RequestLineWriter, type RequestLineLevel } from './request-line';

function writerWith(level: RequestLineLevel) {
  const chunks: string[] = [];
  return {
    chunks,
    writer: new RequestLineWriter('catalog-service', level, { write: (c: string) => chunks.push(c) }),
  };
}

const context = {
  requestId: 'req-1',
  method: 'GET',
  route: '/v1/tenants/:tenantId/catalog/offers/:offerId',
  keyFamily: 'catalog-offer',
  tenant: '65f32f90ce38',
  user: 'd5f7da03ecfd',
};

describe('RequestLineWriter', () => {
  it('writes one newline-terminated JSON line in pino shape with every request field', () => {
    const { chunks, writer } = writerWith('info');
    const before = Date.now();
    writer.write(context, 200, 3);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.endsWith('}\n')).toBe(true);
    expect(chunks[0]!.indexOf('\n')).toBe(chunks[0]!.length - 1);
    const line = JSON.parse(chunks[0]!) as Record<string, unknown>;
    expect(line).toEqual({
      level: 30,
      time: expect.any(Number),
      service: 'catalog-service',
      requestId: 'req-1',
      method: 'GET',
      route: '/v1/tenants/:tenantId/catalog/offers/:offerId',
      keyFamily: 'catalog-offer',
      tenant: '65f32f90ce38',
      user: 'd5f7da03ecfd',
      res: { statusCode: 200 },
      durationMs: 3,
      msg: 'request completed 200',
    });
    expect(line['time']).toBeGreaterThanOrEqual(before);
  });

  it('uses warn for 4xx and error for 5xx, and leaves out what the context does not have', () => {
    const { chunks, writer } = writerWith('info');
    writer.write({ requestId: 'r', method: 'POST', route: 'unmatched' }, 404, 0);
    writer.write(undefined, 503, 12);
    const [notFound, failed] = chunks.map((c) => JSON.parse(c) as Record<string, unknown>);
    expect(notFound).toMatchObject({ level: 40, msg: 'request completed 404', route: 'unmatched' });
    expect(Object.keys(notFound!)).not.toContain('tenant');
    expect(Object.keys(notFound!)).not.toContain('keyFamily');
    expect(failed).toEqual({
      level: 50,
      time: expect.any(Number),
      service: 'catalog-service',
      res: { statusCode: 503 },
      durationMs: 12,
      msg: 'request failed 503',
    });
  });

  it('escapes what it writes, so a field can never break the line', () => {
    const { chunks, writer } = writerWith('info');
    writer.write({ ...context, route: '/a"b\\c\n', method: 'G"ET' }, 200, 1);
    const line = JSON.parse(chunks[0]!) as Record<string, unknown>;
    expect(line['route']).toBe('/a"b\\c\n');
    expect(line['method']).toBe('G"ET');
  });

  it('honours the level threshold like pino', () => {
    const warn = writerWith('warn');
    warn.writer.write(context, 200, 1);
    warn.writer.write(context, 409, 1);
    expect(warn.chunks.map((c) => (JSON.parse(c) as { level: number }).level)).toEqual([40]);
    const silent = writerWith('silent');
    silent.writer.write(context, 500, 1);
    expect(silent.chunks).toEqual([]);
    const debug = writerWith('debug');
    debug.writer.write(context, 200, 1);
    expect(debug.chunks).toHaveLength(1);
  });
});
