/**
 * The web configuration's own rules (exporters/instrument/web/): the file's checks and their
 * messages, the open health endpoints, the rate limit on wrong passwords, and what a refusal
 * becomes (a valid `security.permission_denied` event of the contract).
 */
import bcrypt from 'bcryptjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { VALIDATORS } from '../../exporters/events/index.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { startMetricsServer, type MetricsServer } from '../../exporters/instrument/server.js';
import { loadWebConfig, WebConfigError } from '../../exporters/instrument/web/config.js';
import { parseBasicAuth, refusalEvent, type WebRefusal } from '../../exporters/instrument/web/server.js';
import { tempDir } from '../helpers/env.js';
import { fetchOutcome, makeCertificates, type TestCertificates } from '../helpers/tls.js';

let dir: string;
let certs: TestCertificates;
const HASH = bcrypt.hashSync('pw', 4);
/** How long to wait for refusals the /metrics worker reports by message (generous: a busy machine). */
const WAIT = { timeout: 10_000, interval: 20 };

/**
 * Waits until `list` holds at least `n` refusals: the /metrics worker reports them by message,
 * after its answer, so a busy machine delivers them after the client has read it.
 */
const reported = (list: readonly WebRefusal[], n: number) => vi.waitFor(() => expect(list.length, `refusals the /metrics worker reported within ${WAIT.timeout} ms`).toBeGreaterThanOrEqual(n), WAIT);

beforeAll(() => {
  dir = tempDir('tickwatch-webrules-');
  certs = makeCertificates(dir);
});

function load(yaml: string): string {
  const file = join(dir, `c-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, yaml);
  try {
    loadWebConfig(file);
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(WebConfigError);
    expect((err as Error).message).toContain(file);
    return (err as Error).message.slice((err as Error).message.indexOf(': ') + 2);
  }
}

describe('the file', () => {
  it.each([
    ['', 'ok'],
    ['tls_server_config:\nhttp_server_config:\nbasic_auth_users:\n', 'ok'],
    [`tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS13\n  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]\n  curve_preferences: [X25519, CurveP256]\n`, 'ok'],
    ['tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS9\n', 'tls_server_config.min_version: must be one of TLS10, TLS11, TLS12, TLS13 (got "TLS9")'],
    ['tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_allowed_sans: [a]\n', 'tls_server_config.client_allowed_sans: unknown key'],
    ['basic_auth_user:\n  a: b\n', 'basic_auth_user: unknown key'],
    ['tls_server_config:\n  cert_file: server.crt\n', 'tls_server_config: missing key_file'],
    ['tls_server_config:\n  key_file: server.key\n', 'tls_server_config: missing cert_file'],
    ['tls_server_config:\n  cert_file: server.crt\n  key_file: ca.key\n', 'key values mismatch'],
    ['tls_server_config:\n  cert_file: nowhere.crt\n  key_file: server.key\n', 'ENOENT'],
    ['tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n', 'client_ca_file is set without a client_auth_type'],
    ['tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: Sometimes\n', 'tls_server_config.client_auth_type: must be one of'],
    ['tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n', 'tls_server_config.cipher_suites.0: must be one of'],
    ['basic_auth_users:\n  alice: plain-text\n', 'basic_auth_users.alice: not a bcrypt hash'],
    [`basic_auth_users:\n  alice: ${HASH}\n`, 'ok'],
    ['http_server_config:\n  headers:\n    Server: tickwatch\n', 'HTTP header "Server" can not be configured'],
    ['http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n', 'invalid value for X-Content-Type-Options'],
    ['- a list\n', 'the top level must be a mapping'],
    ['a: [\n', 'not YAML'],
    ['a: 1\na: 2\n', 'not YAML'],
  ])('%j → %s', (yaml, expected) => {
    const got = load(yaml);
    if (expected === 'ok') expect(got).toBe('ok');
    else expect(got).toContain(expected);
  });

  it('a missing file is named; a server does not start on a bad file', async () => {
    expect(() => loadWebConfig(join(dir, 'absent.yml'))).toThrow(/absent\.yml: cannot read: ENOENT/);
    writeFileSync(join(dir, 'bad.yml'), 'bogus: 1\n');
    await expect(startMetricsServer(new MetricRegistry(), { port: 0, service: 't', sampleProcess: false, web: { configFile: join(dir, 'bad.yml') } })).rejects.toThrow(/bad\.yml: bogus: unknown key/);
  });

  it("parses Authorization as Go's BasicAuth does", () => {
    expect(parseBasicAuth(undefined)).toBeUndefined();
    expect(parseBasicAuth(`basic ${Buffer.from('a:b:c').toString('base64')}`)).toEqual({ user: 'a', pass: 'b:c' });
    expect(parseBasicAuth('Bearer x')).toBeNull();
    expect(parseBasicAuth('Basic !!!')).toBeNull();
    expect(parseBasicAuth(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeNull();
  });
});

describe('a metrics server under a web configuration', () => {
  let server: MetricsServer;
  const refusals: WebRefusal[] = [];
  const auth = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

  beforeAll(async () => {
    writeFileSync(join(dir, 'open.yml'), `basic_auth_users:\n  prometheus: ${HASH}\n`);
    server = await startMetricsServer(new MetricRegistry(), { port: 0, service: 'tickwatch-test', sampleProcess: false, web: { configFile: join(dir, 'open.yml'), healthOpen: true, failureLimit: 3, failureWindowSeconds: 60 }, onRefusal: (r) => refusals.push(r) });
    server.setReady(true);
  });
  afterAll(() => server.close());
  /** Waits until the worker's reports make `refusals` exactly these reasons and audit flags. */
  const refusalsBecome = (want: readonly (readonly [string, boolean])[]) => vi.waitFor(() => expect(refusals.map((r) => [r.reason, r.audit])).toEqual(want), WAIT);

  it('--web.health-open: /-/healthy and /-/ready answer without credentials, /metrics and / do not', async () => {
    expect((await fetch(`${server.url}/-/healthy`)).status).toBe(200);
    expect((await fetch(`${server.url}/-/ready`)).status).toBe(200);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: auth('prometheus', 'pw') })).status).toBe(200);
  });

  it('requests without credentials are audited up to the limit per address and window, then only counted', async () => {
    // The test above's two refusals first (they may still be on their way), then this test's.
    await reported(refusals, 2);
    refusals.length = 0;
    for (let i = 0; i < 3; i++) expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    // Two were audited by the test above (/metrics and /), the limit is 3.
    await refusalsBecome([
      ['missing_credentials', true],
      ['missing_credentials', false],
      ['missing_credentials', false],
    ]);
  });

  it('after 3 wrong passwords from an address it answers 429 (even to the right one) without running bcrypt; the first 429 is audited, the rest only counted', async () => {
    refusals.length = 0;
    for (let i = 0; i < 3; i++) expect((await fetch(`${server.url}/metrics`, { headers: auth('prometheus', `guess-${i}`) })).status).toBe(401);
    const limited = await fetch(`${server.url}/metrics`, { headers: auth('prometheus', 'guess-3') });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect((await fetch(`${server.url}/metrics`, { headers: auth('prometheus', 'pw') })).status).toBe(429);
    await refusalsBecome([
      ['bad_credentials', true],
      ['bad_credentials', true],
      ['bad_credentials', true],
      ['rate_limited', true],
      ['rate_limited', false],
    ]);
  });

  it('a refusal becomes a valid security.permission_denied event (user, address, resource; never the password)', () => {
    const r = refusals[0]!;
    const ev = refusalEvent(r);
    expect(VALIDATORS.get(ev.event)!.Check(ev)).toBe(true);
    expect(ev).toMatchObject({ event: 'security.permission_denied', component: 'monitor', user_id: 'prometheus', source_ip: '127.0.0.1', status: 'FAILURE', resource: 'tickwatch-test GET /metrics', level: 'warn' });
    expect(JSON.stringify(ev)).not.toContain('guess-');
    const anonymous = refusalEvent({ reason: 'missing_credentials', service: 's', remote: '::1', audit: true, at: 0, method: 'GET', path: '/x'.repeat(300) });
    expect(VALIDATORS.get(anonymous.event)!.Check(anonymous)).toBe(true);
    expect(anonymous.user_id).toBe('anonymous');
  });
});

describe('client certificate policies Node does not apply itself', () => {
  it('RequireAnyClientCert: no certificate is refused, any certificate (another CA too) is let in; VerifyClientCertIfGiven: none is let in, a bad one refused', async () => {
    const run = async (type: string) => {
      writeFileSync(join(dir, `${type}.yml`), `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: ${type}\n  client_ca_file: ca.crt\n`);
      const refusals: WebRefusal[] = [];
      const s = await startMetricsServer(new MetricRegistry(), { port: 0, service: 't', sampleProcess: false, web: { configFile: join(dir, `${type}.yml`) }, onRefusal: (r) => refusals.push(r) });
      try {
        const none = await fetchOutcome(`${s.url}/metrics`, { ca: certs.caCert });
        const other = await fetchOutcome(`${s.url}/metrics`, { ca: certs.caCert, cert: certs.otherClientCert, key: certs.otherClientKey });
        const good = await fetchOutcome(`${s.url}/metrics`, { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey });
        // A refused handshake is reported as a refused request is, maybe after the client saw it fail.
        await reported(refusals, [none, other].filter((o) => !('status' in o)).length);
        return { none: 'status' in none ? none.status : 'failed', other: 'status' in other ? other.status : 'failed', good: 'status' in good ? good.status : 'failed', refused: refusals.filter((r) => r.reason === 'client_certificate').length };
      } finally {
        await s.close();
      }
    };
    expect(await run('RequireAnyClientCert')).toEqual({ none: 'failed', other: 200, good: 200, refused: 1 });
    expect(await run('VerifyClientCertIfGiven')).toEqual({ none: 200, other: 'failed', good: 200, refused: 1 });
    expect(await run('RequestClientCert')).toEqual({ none: 200, other: 200, good: 200, refused: 0 });
  });
});
