import { beforeAll, describe, expect, it } from 'vitest';
import { cacheEventsOf } from '../../../test/support/service-instance';
import { holdNextCall, versionRaceViolations, watchVersions } from '../../../test/support/publish-race';
import {
  baseRequest,
  calculate,
  newTenant,
  publishBook,
  setOfferStatus,
  startPricing,
  type PricingInstance,
} from './pricing-fixture';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const book = (basePriceMinor: number) => [{ offerId: 'fiber-1g', currency: 'USD', basePriceMinor }];

describe('a price book publish racing a pointer fill (two instances)', () => {
  let a: PricingInstance;
  let b: PricingInstance;

  beforeAll(async () => {
    // the test polls both instances every 25 ms: well within these quotas
    const env = { PRICING_USER_LIMIT_PER_MIN: '100000', PRICING_TENANT_LIMIT_PER_MIN: '100000' };
    [a, b] = await Promise.all([startPricing(env), startPricing(env)]);
  });

  it('after the publish returns, no instance goes back to the old version, and all answer the new one within 1 s', async () => {
    const tenant = newTenant();
    const versionOf = (instance: PricingInstance) => async () => {
      const answer = await calculate(instance.url, tenant, baseRequest);
      if (answer.status !== 200)
        throw new Error(`calculate: ${answer.status} ${JSON.stringify(answer.body)}`);
      const { priceBookVersion, unitAmountMinor } = answer.body as {
        priceBookVersion: number;
        unitAmountMinor: number;
      };
      // each version has its own price: the answer's version and its amount must agree
      expect(unitAmountMinor).toBe(priceBookVersion * 1000);
      return priceBookVersion;
    };
    await setOfferStatus(a, tenant, { 'fiber-1g': 'ACTIVE' });
    await publishBook(a.url, tenant, book(1000));

    // A misses the pointer and reads version 1 from PostgreSQL, but is slow to hand it back.
    const slow = holdNextCall(a.runtime.repository, 'findCurrent');
    try {
      const inFlight = versionOf(a)();
      await slow.ran;
      await publishBook(b.url, tenant, book(2000));
      const publishedAt = Date.now();
      const polls = watchVersions({ a: versionOf(a), b: versionOf(b) });
      const recorded = polls.record('a', inFlight);
      const deadline = publishedAt + 1_200;
      while (!(polls.answered('a', 2) && polls.answered('b', 2)) && Date.now() < deadline) await sleep(20);
      slow.release(); // the slow load of version 1 finishes after the publish
      await recorded;
      // past the pointer's near-cache TTL (2 s): B's next reads come from Redis again
      await sleep(2_600);
      await polls.stop();

      expect(versionRaceViolations(polls.answers, 2, publishedAt, 1_000)).toEqual([]);
      // the race did happen: A's slow fill of version 1 reached Redis after the publish, and was refused there
      expect((await cacheEventsOf(a.url, 'pricebook-current')).write_refused).toBeGreaterThanOrEqual(1);
      const stored = await a.runtime.redis.connection('cache').client.get(a.runtime.keys.current(tenant).key);
      expect(stored && JSON.parse(stored).payload).toMatchObject({ currentVersion: 2 });
    } finally {
      slow.restore();
    }
  });
});
