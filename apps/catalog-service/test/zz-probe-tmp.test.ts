import { it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { uniqueId } from '../../../test/support/unique';
import { call, offers, publish, startCatalog, token } from './catalog-fixture';
it('probe', async () => {
  const out: string[] = [];
  const svc = await startCatalog();
  const t = uniqueId('t').slice(0, 40);
  await publish(svc.url, t, offers(3));
  const r = await token(t);
  for (const v of ['1e0', '0x1', '%201', '1%20', '01', '1.0', '0b1', '+1']) {
    const a = await call(svc.url, 'GET', `/v1/tenants/${t}/catalog/versions/${v}/offers/offer-0000`, { token: r });
    out.push(`version ${v} ${a.status}`);
  }
  for (const q of ['limit=0x2', 'limit=%202', 'limit=2e0', 'limit=2&limit=3', 'cursor=a&cursor=b', 'cursor=']) {
    const a = await call(svc.url, 'GET', `/v1/tenants/${t}/catalog/versions/1/offers?${q}`, { token: r });
    out.push(`query ${q} ${a.status} ${JSON.stringify(a.body).slice(0, 200)}`);
  }
  writeFileSync('/tmp/probe.txt', out.join('\n'));
});
