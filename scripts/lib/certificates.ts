/**
 * Certificates made with the real `openssl` command line, in one folder: a self-signed CA and leaf
 * certificates it signs. The local stack's `--secure` mode (`scripts/stack/access.ts`) and the TLS
 * tests (`test/helpers/tls.ts`) both make theirs here.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** How a certificate is made. */
export interface CertificateOptions {
  /** Validity, days. */
  readonly days: number;
  /** Key type: RSA 2048 or ECDSA P-256. */
  readonly key: 'rsa' | 'ec';
  /** Subject common name. */
  readonly commonName: string;
}

const KEY_ARGS = { rsa: ['-newkey', 'rsa:2048'], ec: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'] } as const;

const openssl = (dir: string, args: readonly string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

/**
 * Writes a self-signed CA, `<name>.crt` and `<name>.key` (unencrypted), into `dir`.
 * @throws Error when openssl is missing or fails
 */
export function makeCa(dir: string, name: string, o: CertificateOptions): void {
  openssl(dir, ['req', '-x509', ...KEY_ARGS[o.key], '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', String(o.days), '-subj', `/CN=${o.commonName}`]);
}

/**
 * Writes `<name>.crt` and `<name>.key` into `dir`, signed by the CA `<caName>.crt`/`.key` there.
 * @param extensions - X.509 v3 extensions, one per line (`subjectAltName=IP:127.0.0.1`, `extendedKeyUsage=serverAuth`)
 * @throws Error when openssl is missing or fails
 */
export function signLeaf(dir: string, name: string, caName: string, extensions: string, o: CertificateOptions): void {
  openssl(dir, ['req', ...KEY_ARGS[o.key], '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${o.commonName}`]);
  writeFileSync(join(dir, `${name}.ext`), `${extensions}\n`);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.crt`, '-CAkey', `${caName}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', String(o.days), '-extfile', `${name}.ext`]);
}
