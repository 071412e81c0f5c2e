import { describe, expect, it } from 'vitest';
import type { ServiceName } from './key-family';
import { KeyFactory } from './key-factory';
import { platformKeyFamilyRegistry } from './platform-key-families';
import { aclRulesFor } from './redis-acl';

const registry = platformKeyFamilyRegistry();
const keys = new KeyFactory(registry, 'prod');
const SERVICES: ServiceName[] = ['catalog-service', 'pricing-service', 'config-service', 'order-service'];

/** Redis glob (as ACL key patterns use it, `*` only) to a RegExp. */
const globToRegExp = (glob: string) =>
  new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);

function patterns(service: ServiceName, prefix: '~' | '&'): RegExp[] {
  return aclRulesFor(registry, { service, env: 'prod' })
    .filter((rule) => rule.startsWith(prefix))
    .map((rule) => globToRegExp(rule.slice(1)));
}

describe('aclRulesFor', () => {
  it("lets a service's user reach every key of its own families, and no key of another service", () => {
    for (const family of registry.all().filter((f) => f.format !== 'channel')) {
      for (const tenant of ['acme', 'tenant-with-dashes_and_underscores']) {
        const { key } = keys.key(family.name, tenant, 'v12', 'offer-1');
        for (const service of SERVICES) {
          const reachable = patterns(service, '~').some((p) => p.test(key));
          expect({ key, service, reachable }).toEqual({ key, service, reachable: service === family.owner });
        }
      }
    }
  });

  it('gives each service its own channels only', () => {
    const catalogChannel = keys.channel('catalog-near-cache-invalidation').key;
    const pricingChannel = keys.channel('pricing-near-cache-invalidation').key;
    expect(aclRulesFor(registry, { service: 'catalog-service', env: 'prod' })).toContain(
      `&${catalogChannel}`,
    );
    expect(patterns('catalog-service', '&').some((p) => p.test(pricingChannel))).toBe(false);
    expect(patterns('pricing-service', '&').some((p) => p.test(pricingChannel))).toBe(true);
    expect(patterns('order-service', '&')).toEqual([]);
  });

  it('narrows to one workload: the rate server sees only the leases and counters', () => {
    const rules = aclRulesFor(registry, { service: 'pricing-service', env: 'prod', workload: 'rate' });
    expect(rules.filter((r) => r.startsWith('~')).sort()).toEqual([
      '~prod:pricing-service:*:lease:job:*',
      '~prod:pricing-service:*:lease:prewarm:*',
      '~prod:pricing-service:*:rate:limit:*',
    ]);
    expect(rules.filter((r) => r.startsWith('&'))).toEqual([]);
  });

  it('starts from no command and no key, and never grants administrative commands', () => {
    const rules = aclRulesFor(registry, { service: 'order-service', env: 'prod' });
    expect(rules.slice(0, 1)).toEqual(['resetkeys']);
    expect(rules).toContain('-@all');
    expect(rules.indexOf('-@all')).toBeLessThan(rules.indexOf('+get'));
    for (const forbidden of ['+keys', '+flushall', '+flushdb', '+config', '+@all', '+script|flush', '+debug'])
      expect(rules).not.toContain(forbidden);
  });

  it('refuses an env that would widen the patterns to other environments', () => {
    for (const env of ['prod*', 'pr?d', 'prod[12]', 'a\\b', 'a:b'])
      expect(() => aclRulesFor(registry, { service: 'order-service', env })).toThrow(/env must be/);
    expect(aclRulesFor(registry, { service: 'order-service', env: 'staging_2' })).toContain(
      '~staging_2:order-service:*:idempotency:capture-order:*',
    );
  });
});
