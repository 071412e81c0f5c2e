// Seeds the demo tenant through the services' own APIs, once: publishes the demo catalog unless the tenant already
// has one, publishes the price book when it has none, waits until pricing has learned the catalog (from its Kafka
// event) and the demo calculation answers 200, then prints that calculation as a ready-to-paste curl.
// Run by `npm start` and by the compose service `demo-seed`:
//   AUTH_JWT_SECRET=... node --import tsx scripts/seed-demo.ts
// Environment: DEMO_CATALOG_URL (http://127.0.0.1:3001), DEMO_PRICING_URL (http://127.0.0.1:3002), DEMO_TENANT
// (demo), DEMO_TOKEN (the token the curl carries; default: one signed here, valid 24 h), DEMO_PUBLIC_PRICING_URL (the
// pricing URL the curl names, when the caller reaches it elsewhere), DEMO_WAIT_SECONDS (180).
import { signDevToken } from '@cpq/platform';
import { DEMO_CALCULATION, DEMO_OFFERS, DEMO_PRICE_ENTRIES, DEMO_TENANT } from './demo/demo-tenant';

const env = process.env;
const catalogUrl = env.DEMO_CATALOG_URL ?? 'http://127.0.0.1:3001';
const pricingUrl = env.DEMO_PRICING_URL ?? 'http://127.0.0.1:3002';
const tenant = env.DEMO_TENANT ?? DEMO_TENANT;
const deadline = Date.now() + Number(env.DEMO_WAIT_SECONDS ?? 180) * 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (line: string) => process.stdout.write(`${line}\n`);

class SeedError extends Error {}

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers
}

async function call(method: string, url: string, token: string, body?: unknown): Promise<Answer> {
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: kept as text for the error message
  }
  return { status: response.status, body: parsed };
}

async function waitReady(name: string, baseUrl: string): Promise<void> {
  for (;;) {
    try {
      if ((await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(5_000) })).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new SeedError(`${name} at ${baseUrl} is not ready`);
    await sleep(500);
  }
}

function expectStatus(answer: Answer, status: number, what: string): void {
  if (answer.status !== status)
    throw new SeedError(`${what}: HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 500)}`);
}

async function publishPriceBook(admin: string): Promise<string> {
  const published = await call('POST', `${pricingUrl}/v1/tenants/${tenant}/pricebooks/versions`, admin, {
    entries: DEMO_PRICE_ENTRIES,
  });
  expectStatus(published, 201, 'publishing the demo price book');
  return `price book version ${published.body.priceBookVersion} (${published.body.entryCount} entries) published`;
}

async function main(): Promise<void> {
  const secret = env.AUTH_JWT_SECRET;
  if (!secret) throw new SeedError('AUTH_JWT_SECRET is not set (the secret the services verify tokens with)');
  await Promise.all([waitReady('catalog-service', catalogUrl), waitReady('pricing-service', pricingUrl)]);
  const admin = await signDevToken({
    secret,
    tenantId: tenant,
    sub: 'demo-seed',
    roles: ['catalog:admin', 'pricing:admin'],
    ttlSeconds: 900,
  });
  const done: string[] = [];

  const current = await call('GET', `${catalogUrl}/v1/tenants/${tenant}/catalog`, admin);
  let bookPublished = false;
  if (current.status === 404) {
    const published = await call('POST', `${catalogUrl}/v1/tenants/${tenant}/catalog/versions`, admin, {
      offers: DEMO_OFFERS,
    });
    expectStatus(published, 201, 'publishing the demo catalog');
    done.push(
      `catalog version ${published.body.catalogVersion} (${published.body.offerCount} offers) published`,
    );
    done.push(await publishPriceBook(admin));
    bookPublished = true;
  } else {
    expectStatus(current, 200, 'reading the demo catalog');
    done.push(`catalog version ${current.body.currentVersion} already there: nothing published`);
  }

  // pricing answers 422 until its projection has the catalog's event, 404 while the tenant has no price book
  const calculateUrl = `${pricingUrl}/v1/tenants/${tenant}/prices/calculate`;
  for (;;) {
    const answer = await call('POST', calculateUrl, admin, DEMO_CALCULATION);
    if (answer.status === 200) break;
    if (answer.status === 404 && !bookPublished) {
      done.push(await publishPriceBook(admin));
      bookPublished = true;
      continue;
    }
    if (answer.status !== 422 || Date.now() > deadline) expectStatus(answer, 200, 'the demo calculation');
    await sleep(500);
  }
  say(`demo tenant "${tenant}": ${done.join('; ')}`);

  const token =
    env.DEMO_TOKEN ??
    (await signDevToken({ secret, tenantId: tenant, sub: 'demo-user', roles: [], ttlSeconds: 86_400 }));
  const publicUrl = `${env.DEMO_PUBLIC_PRICING_URL ?? pricingUrl}/v1/tenants/${tenant}/prices/calculate`;
  say('try it (a price calculation on the demo tenant):');
  say(
    `curl -s -X POST ${publicUrl} -H 'authorization: Bearer ${token}' ` +
      `-H 'content-type: application/json' -d '${JSON.stringify(DEMO_CALCULATION)}'`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `seed-demo: ${error instanceof SeedError ? error.message : ((error as Error).stack ?? String(error))}\n`,
  );
  process.exitCode = 1;
});
