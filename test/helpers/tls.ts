/**
 * Certificates for TLS tests, made with the real `openssl` command line into a folder: two CAs
 * (the one the servers trust for clients, and another), a server certificate for 127.0.0.1, and a
 * client certificate from each CA. Plus a one-request HTTPS client that reports the outcome as a
 * status or as the failure's code, so that two servers' answers compare as data.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecureVersion } from 'node:tls';
import { makeCa, signLeaf } from '../../scripts/lib/certificates.js';

/** Paths of the PEM files {@link makeCertificates} writes. */
export interface TestCertificates {
  readonly dir: string;
  /** The CA that signed the server's certificate and the trusted client's. */
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** A client certificate signed by {@link caCert}. */
  readonly clientCert: string;
  readonly clientKey: string;
  /** Another CA, and a client certificate it signed (not trusted by the servers). */
  readonly otherCaCert: string;
  readonly otherClientCert: string;
  readonly otherClientKey: string;
}

/** The tests' certificates: RSA 2048, valid 2 days. */
const TEST_CERT = { days: 2, key: 'rsa' } as const;
const ca = (dir: string, name: string): void => makeCa(dir, name, { ...TEST_CERT, commonName: `tickwatch test ${name}` });
const leaf = (dir: string, name: string, caName: string, ext: string): void => signLeaf(dir, name, caName, ext, { ...TEST_CERT, commonName: name });

/**
 * Writes the certificates into `dir` with `openssl` (RSA 2048, valid 2 days).
 * @throws Error when openssl is missing or fails
 */
export function makeCertificates(dir: string): TestCertificates {
  ca(dir, 'ca');
  ca(dir, 'other-ca');
  leaf(dir, 'server', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth');
  leaf(dir, 'client', 'ca', 'extendedKeyUsage=clientAuth');
  leaf(dir, 'other-client', 'other-ca', 'extendedKeyUsage=clientAuth');
  const p = (f: string): string => join(dir, f);
  return {
    dir,
    caCert: p('ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    otherCaCert: p('other-ca.crt'),
    otherClientCert: p('other-client.crt'),
    otherClientKey: p('other-client.key'),
  };
}

/** What one request got: a status (with the headers that matter here and the body), or a failure. */
export type Outcome = { readonly status: number; readonly wwwAuthenticate?: string; readonly frameOptions?: string; readonly body: string } | { readonly failed: string };

/** Options of {@link fetchOutcome}. */
export interface OutcomeRequest {
  /** `user:password` for basic authentication. */
  readonly auth?: string;
  /** TLS: the CA to trust (the server's); absent: plain HTTP. */
  readonly ca?: string;
  /** TLS protocol versions the client offers (both default to Node's). */
  readonly minVersion?: SecureVersion;
  readonly maxVersion?: SecureVersion;
  /** OpenSSL cipher list of the client (e.g. `DEFAULT@SECLEVEL=0` to offer TLS 1.1). */
  readonly ciphers?: string;
  /** Client certificate and key files. */
  readonly cert?: string;
  readonly key?: string;
}

/** A failure's code, with OpenSSL's reason for EPROTO (`EPROTO: tlsv1 alert protocol version`). */
function failure(err: NodeJS.ErrnoException): string {
  const reason = /SSL routines:[^:]*:([^:]+):/.exec(err.message)?.[1];
  return reason ? `${err.code ?? 'error'}: ${reason}` : (err.code ?? err.message);
}

/**
 * One GET on a fresh connection (no agent reuse): the outcome as data.
 * @returns `{status, ...}`, or `{failed: code}` for a connection, handshake or reset failure
 */
export function fetchOutcome(url: string, o: OutcomeRequest = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const headers = o.auth ? { authorization: `Basic ${Buffer.from(o.auth).toString('base64')}` } : {};
    const common = { host: u.hostname, port: Number(u.port), path: u.pathname + u.search, method: 'GET', headers, agent: false as const, timeout: 10_000 };
    const req = o.ca
      ? httpsRequest({
          ...common,
          ca: readFileSync(o.ca),
          ...(o.minVersion ? { minVersion: o.minVersion } : {}),
          ...(o.maxVersion ? { maxVersion: o.maxVersion } : {}),
          ...(o.ciphers ? { ciphers: o.ciphers } : {}),
          ...(o.cert ? { cert: readFileSync(o.cert) } : {}),
          ...(o.key ? { key: readFileSync(o.key) } : {}),
        })
      : httpRequest(common);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        const www = res.headers['www-authenticate'];
        const frame = res.headers['x-frame-options'];
        resolve({ status: res.statusCode ?? 0, ...(www ? { wwwAuthenticate: www } : {}), ...(typeof frame === 'string' ? { frameOptions: frame } : {}), body });
      });
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ failed: failure(err) }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ failed: failure(err) }));
    req.end();
  });
}
