/**
 * The local stack with access control on (`npm run stack -- --secure`, issue 16 point 4): a CA and a
 * server certificate for 127.0.0.1 made with the real `openssl`, bcrypt-hashed users (`bcryptjs`),
 * and one web configuration file in exporter-toolkit's format that every tickwatch HTTP server,
 * Prometheus and Alertmanager read (`--web.config.file`). Everything lives in the stack's temp
 * folder and goes with it.
 */
import bcrypt from 'bcryptjs';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { makeCa, signLeaf } from '../lib/certificates.js';

/**
 * The stack's users: `prometheus` scrapes the exporters and posts alerts to Alertmanager,
 * `alertmanager` posts the alert history to the recorder's webhook, `operator` is for a person (and
 * the tests): Prometheus' and Alertmanager's UIs, the recorder's query API.
 */
export const STACK_USERS = ['prometheus', 'alertmanager', 'operator'] as const;
/** One of {@link STACK_USERS}. */
export type StackUser = (typeof STACK_USERS)[number];

/**
 * bcrypt cost of the generated hashes: 10, the cost exporter-toolkit's documentation uses
 * (`htpasswd -nBC 10`); each server verifies a password once and then caches it.
 */
export const STACK_BCRYPT_COST = 10;

/** Validity of the generated certificates, days (a stack runs for hours; the folder is removed on stop). */
export const STACK_CERT_DAYS = 7;

/** What {@link makeStackAccess} wrote. All paths are absolute, inside `<stack dir>/web`. */
export interface StackAccess {
  /** The folder holding everything below (mode 0700). */
  readonly dir: string;
  /** The web configuration (exporter-toolkit's format): TLS with {@link serverCert}, and the users' bcrypt hashes. */
  readonly webConfigFile: string;
  /** The CA that signed the server certificate: clients trust it (`tls_config.ca_file`, `curl --cacert`). */
  readonly caFile: string;
  /** The server certificate (subjectAltName IP:127.0.0.1, DNS:localhost), shared by every server of the stack. */
  readonly serverCert: string;
  readonly serverKey: string;
  /**
   * The `operator` user's client configuration for tickwatch's reading commands (`logs search`,
   * `alerts history`, `audit verify` with `--http.config.file`): prometheus/common's format,
   * `basic_auth` with the password file and `tls_config` with the CA (exporters/instrument/web/client.ts).
   */
  readonly operatorClientFile: string;
  /** Each user's password in clear (random, 24 bytes base64url), and the file that holds it (mode 0600; Prometheus' and Alertmanager's `password_file`). */
  readonly users: Readonly<Record<StackUser, { readonly password: string; readonly passwordFile: string }>>;
}

/**
 * Makes the stack's CA (ECDSA P-256, self-signed), a server certificate it signed for 127.0.0.1 and
 * localhost, a random password per user of {@link STACK_USERS} with its bcrypt hash, and the web
 * configuration file naming them, under `<stackDir>/web`.
 * @param stackDir - the stack's temp folder (must exist)
 * @throws Error when `openssl` is missing or fails
 */
export function makeStackAccess(stackDir: string): StackAccess {
  const dir = join(stackDir, 'web');
  mkdirSync(dir, { mode: 0o700 });
  const cert = { days: STACK_CERT_DAYS, key: 'ec' } as const;
  makeCa(dir, 'ca', { ...cert, commonName: 'tickwatch stack CA' });
  signLeaf(dir, 'server', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth', { ...cert, commonName: 'localhost' });
  const users = Object.fromEntries(
    STACK_USERS.map((u) => {
      const password = randomBytes(24).toString('base64url');
      const passwordFile = join(dir, `${u}.password`);
      writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
      return [u, { password, passwordFile }];
    }),
  ) as Record<StackUser, { password: string; passwordFile: string }>;
  const p = (f: string): string => join(dir, f);
  const webConfigFile = p('web.yml');
  const webConfig = {
    tls_server_config: { cert_file: p('server.crt'), key_file: p('server.key') },
    basic_auth_users: Object.fromEntries(STACK_USERS.map((u) => [u, bcrypt.hashSync(users[u].password, STACK_BCRYPT_COST)])),
  };
  writeFileSync(webConfigFile, `# The local stack's web configuration (exporter-toolkit format): every tickwatch server, Prometheus and Alertmanager.\n${stringify(webConfig)}`, { mode: 0o600 });
  const operatorClientFile = p('operator-client.yml');
  const client = { basic_auth: { username: 'operator', password_file: users.operator.passwordFile }, tls_config: { ca_file: p('ca.crt') } };
  writeFileSync(operatorClientFile, `# The operator's client configuration (prometheus/common format) for tickwatch logs search / alerts history / audit verify --http.config.file.\n${stringify(client)}`, { mode: 0o600 });
  return { dir, webConfigFile, caFile: p('ca.crt'), serverCert: p('server.crt'), serverKey: p('server.key'), users, operatorClientFile };
}

/**
 * A readiness probe for `waitForHttp` (scripts/lib/net.ts): a 2xx answer to {@link secureGet} as
 * `operator`; undefined without access control (a plain GET does).
 */
export function accessProbe(access: StackAccess | undefined): ((url: string) => Promise<boolean>) | undefined {
  return access ? (url) => secureGet(url, access).then((r) => r.status >= 200 && r.status < 300) : undefined;
}

/** A GET's answer ({@link secureGet}). */
export interface SecureAnswer {
  readonly status: number;
  readonly body: string;
}

/**
 * One GET over TLS that trusts the stack's CA, with a user's basic credentials (default `operator`).
 * @param timeoutMs - deadline of the whole request, milliseconds (default 2,000)
 * @throws Error (rejects) on a connection, handshake or time-out failure
 */
export function secureGet(url: string, access: StackAccess, user: StackUser = 'operator', timeoutMs = 2000): Promise<SecureAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca: readFileSync(access.caFile), auth: `${user}:${access.users[user].password}`, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
