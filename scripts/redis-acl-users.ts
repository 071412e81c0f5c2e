// `npm start -- --acl`: creates each service's Redis ACL user (generated password) on the servers named by
// REDIS_CACHE_URL / REDIS_RATE_URL / REDIS_SESSION_URL for APP_ENV (default dev), and prints, one per line,
// `<service> REDIS_<WORKLOAD>_URL=<url logged in as that user>` for scripts/start to hand to each service.
import { createServiceAclUsers } from './lib/redis-acl-users';

async function main(): Promise<void> {
  const env = process.env;
  const urls = {
    cache: env.REDIS_CACHE_URL ?? 'redis://127.0.0.1:6379',
    rate: env.REDIS_RATE_URL ?? 'redis://127.0.0.1:6380',
    session: env.REDIS_SESSION_URL ?? 'redis://127.0.0.1:6381',
  };
  const services = await createServiceAclUsers({ urls, appEnv: env.APP_ENV ?? 'dev' });
  for (const [service, vars] of Object.entries(services))
    for (const [name, url] of Object.entries(vars)) process.stdout.write(`${service} ${name}=${url}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`redis-acl-users: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
