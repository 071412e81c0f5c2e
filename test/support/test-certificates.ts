import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Certificates made with `openssl` for a test, in the test's own directory: a CA and a server certificate it
 * signs for 127.0.0.1/localhost (EC P-256 keys: quick to make). Nothing leaves the directory.
 */

export interface KeyPair {
  certFile: string;
  keyFile: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A self-signed CA named `name`. */
export function makeCa(dir: string, name: string): KeyPair {
  const pair = { certFile: path.join(dir, `${name}.crt`), keyFile: path.join(dir, `${name}.key`) };
  openssl(dir, [
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    pair.keyFile,
    '-out',
    pair.certFile,
    '-days',
    '1',
    '-subj',
    `/CN=${name}`,
  ]);
  return pair;
}

/** A server certificate for 127.0.0.1 and localhost, signed by `ca`. */
export function makeServerCertificate(dir: string, ca: KeyPair, name = 'redis-server'): KeyPair {
  const pair = { certFile: path.join(dir, `${name}.crt`), keyFile: path.join(dir, `${name}.key`) };
  const request = path.join(dir, `${name}.csr`);
  const extensions = path.join(dir, `${name}.ext`);
  writeFileSync(
    extensions,
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  );
  openssl(dir, ['req', ...EC_KEY, '-keyout', pair.keyFile, '-out', request, '-subj', '/CN=localhost']);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    request,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-CAcreateserial',
    '-out',
    pair.certFile,
    '-days',
    '1',
    '-extfile',
    extensions,
  ]);
  return pair;
}
