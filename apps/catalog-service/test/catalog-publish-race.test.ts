import { beforeAll, describe, expect, it } from 'vitest';
import { cacheEventsOf } from '../../../test/support/service-instance';
import { holdNextCall, versionRaceViolations, watchVersions } from '../../../test/support/publish-race';
import { uniqueId } from '../../../test/support/unique';
import { call, offers, publish, startCatalog, token, type CatalogInstance } from './catalog-fixture';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a catalog publish racing a pointer fill (two instances)', () => {
  let a: CatalogInstance;
  let b: CatalogInstance;

  beforeAll(async () => {
    [a, b] = await Promise.all([startCatalog(), startCatalog()]);
  });

  it('after the publish returns, no instance goes back to the old version, and all answer the new one within 1 s', async () => {
    const tenant = uniqueId('t').slice(0, 40);
    const reader = await token(tenant);
    const currentOf = (instance: CatalogInstance) => async () => {
      const answer = await call(instance.url, 'GET', `/v1/tenants/${tenant}/catalog`, { token: reader });
      if (answer.status !== 200) throw new Error(`GET catalog: ${answer.status}`);
      return answer.body.currentVersion as number;
    };
    await publish(a.url, tenant, offers(1));

    // A misses the pointer and reads version 1 from PostgreSQL, but is slow to hand it back.
    const slow = holdNextCall(a.runtime.repository, 'findCurrent');
    try {
      const inFlight = currentOf(a)();
      await slow.ran;
      await publish(b.url, tenant, offers(1));
      const publishedAt = Date.now();
      const polls = watchVersions({ a: currentOf(a), b: currentOf(b) });
      const recorded = polls.record('a', inFlight);
      const deadline = publishedAt + 1_200;
      while (!(polls.answered('a', 2) && polls.answered('b', 2)) && Date.now() < deadline) await sleep(20);
      slow.release(); // the slow load of version 1 finishes after the publish
      await recorded;
      // past the near-cache TTL (2 s): B's next reads come from Redis again, and show what the slow fill left there
      await sleep(2_600);
      await polls.stop();

      expect(versionRaceViolations(polls.answers, 2, publishedAt, 1_000)).toEqual([]);
      // the race did happen: A's slow fill of version 1 reached Redis after the publish, and was refused there
      expect((await cacheEventsOf(a.url, 'catalog-current')).write_refused).toBeGreaterThanOrEqual(1);
      const stored = await a.runtime.redis
        .connection('cache')
        .client.get(a.runtime.redis.keys.key('catalog-current', tenant, 'version').key);
      expect(stored && JSON.parse(stored).payload).toMatchObject({ currentVersion: 2 });
    } finally {
      slow.restore();
    }
  });
});
