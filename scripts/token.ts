// Prints a development bearer token signed with AUTH_JWT_SECRET (or --secret); see scripts/token.
import { parseArgs } from 'node:util';
import { signDevToken } from '../libs/platform/src/auth/jwt-verifier';
import { TENANT_ID_PATTERN } from '../libs/platform/src/auth/principal';

const USAGE =
  'usage: npm run token -- --tenant <tenantId> --sub <userId> [--roles a,b] [--azp <clientId>] [--ttl 3600] [--secret <s>]';

function fail(message: string): never {
  process.stderr.write(`token: ${message}\n${USAGE}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        tenant: { type: 'string' },
        sub: { type: 'string' },
        roles: { type: 'string', default: '' },
        azp: { type: 'string' },
        ttl: { type: 'string', default: '3600' },
        secret: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  const secret = values.secret ?? process.env['AUTH_JWT_SECRET'];
  if (!secret) fail('no secret: set AUTH_JWT_SECRET (the one the services use) or pass --secret');
  if (secret.length < 32) fail('the secret must be at least 32 characters');
  if (!values.tenant || !TENANT_ID_PATTERN.test(values.tenant))
    fail(`--tenant must match ${TENANT_ID_PATTERN.source}`);
  if (!values.sub) fail('--sub is required');
  const ttlSeconds = Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) fail('--ttl must be a positive number of seconds');
  const roles = values.roles
    .split(',')
    .map((role) => role.trim())
    .filter((role) => role.length > 0);
  const token = await signDevToken({
    secret,
    tenantId: values.tenant,
    sub: values.sub,
    roles,
    ttlSeconds,
    ...(values.azp ? { azp: values.azp } : {}),
  });
  process.stdout.write(`${token}\n`);
}

void main();
