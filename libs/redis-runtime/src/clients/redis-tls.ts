import { readFileSync } from 'node:fs';
import { RedisConfigError } from '../errors';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/**
 * The CA bundle (PEM) that `rediss://` connections verify the server against, read from `REDIS_TLS_CA_FILE` at
 * start-up. Without one, Node's default store verifies it (a self-signed or private-CA server is then refused);
 * nothing turns verification off.
 */
export function readTlsCaFile(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RedisConfigError(
      `invalid REDIS_TLS_CA_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      { variable: 'REDIS_TLS_CA_FILE' },
    );
  }
  if (!PEM_CERTIFICATE.test(pem)) {
    throw new RedisConfigError(`invalid REDIS_TLS_CA_FILE: no PEM certificate in ${file}`, {
      variable: 'REDIS_TLS_CA_FILE',
    });
  }
  return pem;
}
