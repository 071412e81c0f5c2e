// EXPERIMENT ONLY (BENCH_PRELOAD=apps/catalog-service/bench/jwt-cache.preload.ts): memoises
// Hs256TokenVerifier.verify per token string until the token's `exp`, to measure what per-request HS256
// verification (jose over WebCrypto: key import + a thread-pool HMAC job per request) costs the offer read.
// Not a proposed implementation as is (see the report): a real one bounds the map and keys it by a hash.
import { Hs256TokenVerifier } from '@cpq/platform';

const original = Hs256TokenVerifier.prototype.verify;
const cache = new Map<string, { principal: Awaited<ReturnType<typeof original>>; expMs: number }>();
Hs256TokenVerifier.prototype.verify = async function (this: Hs256TokenVerifier, token: string) {
  const hit = cache.get(token);
  if (hit && hit.expMs > Date.now()) return hit.principal;
  const principal = await original.call(this, token);
  const exp = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')).exp as number;
  if (cache.size > 10_000) cache.clear();
  cache.set(token, { principal, expMs: exp * 1000 });
  return principal;
};
