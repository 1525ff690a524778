/**
 * The reading commands against a recorder whose query API is behind TLS and basic auth
 * (`--web.config.file`): `logs search`, `alerts history` and `audit verify` take `--query-url` and
 * `--http.config.file` (prometheus/common's HTTP client configuration, as amtool's flag) and get
 * through with them; without them, or with wrong ones, they exit 1 saying what is missing instead of
 * "Bad Request". The file's own checks (exporters/instrument/web/client.ts) are tested first.
 */
import bcrypt from 'bcryptjs';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHttpClientConfig } from '../../exporters/instrument/web/client.js';
import { startRecorder, type RunningRecorder } from '../../exporters/recorder/run.js';
import { captureLogging, tempDir } from '../helpers/env.js';
import { fetchOutcome, makeCertificates, type TestCertificates } from '../helpers/tls.js';
import { runToolAsync } from '../helpers/tools.js';

const CLI = fileURLToPath(new URL('../../scripts/tickwatch.mjs', import.meta.url));

/** Runs the `tickwatch` command (runToolAsync: the recorder under test runs in this process); its exit code and output. */
async function tickwatch(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await runToolAsync(process.execPath, [CLI, ...args], { timeoutMs: 120_000, env: { ...process.env, TICKWATCH_LOG_LEVEL: 'warn' } });
  return { code: r.status ?? 1, out: r.stdout, err: r.stderr };
}

describe('loadHttpClientConfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('tickwatch-httpcfg-');
    writeFileSync(join(dir, 'pw'), 'the-password\n');
    writeFileSync(join(dir, 'ca.pem'), 'CA PEM\n');
    writeFileSync(join(dir, 'empty'), '\n');
  });
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it("reads basic_auth and tls_config, files relative to the file's folder, the password trimmed", () => {
    const c = loadHttpClientConfig(file('ok.yml', 'basic_auth:\n  username: ops\n  password_file: pw\ntls_config:\n  ca_file: ca.pem\n  server_name: localhost\n  min_version: TLS12\n'));
    expect(c.authorization).toBe(`Basic ${Buffer.from('ops:the-password').toString('base64')}`);
    expect(c.tls).toEqual({ ca: 'CA PEM\n', servername: 'localhost', rejectUnauthorized: true, minVersion: 'TLSv1.2' });
    expect(c.followRedirects).toBe(true);
    // An empty file and empty sections: no credentials, Node's TLS defaults.
    expect(loadHttpClientConfig(file('empty.yml', ''))).toEqual({ path: join(dir, 'empty.yml'), followRedirects: true });
    expect(loadHttpClientConfig(file('nulls.yml', 'tls_config:\nbasic_auth:\n'))).toEqual({ path: join(dir, 'nulls.yml'), followRedirects: true });
    expect(loadHttpClientConfig(file('skip.yml', 'tls_config:\n  insecure_skip_verify: true\n')).tls).toEqual({ rejectUnauthorized: false });
  });

  it('refuses what would silently not be sent, naming the file and the key', () => {
    const refused: [string, RegExp][] = [
      ['authorization:\n  credentials: x\n', /authorization: tickwatch's servers take basic auth/],
      ['bearer_token: x\n', /bearer_token: .*not bearer tokens/],
      ['proxy_url: http://127.0.0.1:3128\n', /proxy_url: .*not through a proxy/],
      ['basic_auth:\n  username: ops\n  passwd_file: pw\n', /\/basic_auth.*passwd_file/],
      ['tls_confg:\n  ca_file: ca.pem\n', /tls_confg/],
      ['basic_auth:\n  username: ops\n  password: p\n  password_file: pw\n', /at most one of password and password_file/],
      ['basic_auth:\n  password: p\n', /username \(or username_file\) is required/],
      ['basic_auth:\n  username: ops\n  password_file: empty\n', /password_file empty is empty/],
      ['basic_auth:\n  username: ops\n  password_file: missing\n', /password_file missing: ENOENT/],
      ['tls_config:\n  cert_file: ca.pem\n', /needs both cert \(or cert_file\) and key/],
      ['tls_config:\n  min_version: TLS9\n', /min_version/],
      ['- a list\n', /expected a mapping/],
      ['basic_auth: [\n', /not YAML/],
    ];
    for (const [text, want] of refused) {
      const f = file('bad.yml', text);
      expect(() => loadHttpClientConfig(f), text).toThrow(want);
      expect(() => loadHttpClientConfig(f), text).toThrow(f);
    }
    expect(() => loadHttpClientConfig(join(dir, 'nowhere.yml'))).toThrow(/nowhere\.yml: ENOENT/);
  });
});

describe('the reading commands against a query API behind TLS and basic auth', () => {
  let dir: string;
  let certs: TestCertificates;
  let recorder: RunningRecorder | undefined;
  let api: string;
  const since = new Date(Date.now() - 3_600_000).toISOString();
  afterAll(async () => {
    await recorder?.close();
  });

  beforeAll(async () => {
    dir = tempDir('tickwatch-querytls-');
    certs = makeCertificates(dir);
    writeFileSync(join(dir, 'web.yml'), `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  ops: ${bcrypt.hashSync('ops-pw', 4)}\n`);
    writeFileSync(join(dir, 'ops.password'), 'ops-pw\n');
    writeFileSync(join(dir, 'wrong.password'), 'not-it\n');
    // The client configurations, paths relative to their own folder.
    writeFileSync(join(dir, 'client.yml'), 'basic_auth:\n  username: ops\n  password_file: ops.password\ntls_config:\n  ca_file: ca.crt\n  server_name: localhost\n');
    writeFileSync(join(dir, 'ca-only.yml'), 'tls_config:\n  ca_file: ca.crt\n');
    writeFileSync(join(dir, 'wrong.yml'), 'basic_auth:\n  username: ops\n  password_file: wrong.password\ntls_config:\n  ca_file: ca.crt\n');
    const events = join(dir, 'events.ndjson');
    writeFileSync(events, '');
    recorder = await startRecorder({ events: [events], dataDir: join(dir, 'rec'), store: { kind: 'embedded', path: join(dir, 'audit.duckdb') }, port: 0, queryPort: 0, batchMs: 100, web: { configFile: join(dir, 'web.yml') } }, captureLogging());
    api = `https://127.0.0.1:${recorder.queryPort}`;
    const ts = new Date().toISOString();
    for (const g of ['twse-md', 'tpex-md', 'broker-a']) appendFileSync(events, `${JSON.stringify({ ts, level: 'warn', component: 'market_data', event: 'gateway.disconnect', gateway: g, kind: 'market_data', message: `lost ${g}` })}\n`);
    // Wait, through an independent client, until the three lines are rows.
    const until = Date.now() + 60_000;
    for (;;) {
      const r = await fetchOutcome(`${api}/api/v1/logs?since=${encodeURIComponent(since)}&level=warn`, { ca: certs.caCert, auth: 'ops:ops-pw' });
      if ('status' in r && r.status === 200 && (JSON.parse(r.body) as { rows: unknown[] }).rows.length === 3) break;
      if (Date.now() > until) throw new Error(`the recorder did not store the 3 test lines in 60 s (last answer: ${JSON.stringify(r)})`);
      await new Promise((res) => setTimeout(res, 200));
    }
  }, 120_000);

  it('logs search, alerts history and audit verify get through with --query-url and --http.config.file', { timeout: 120_000 }, async () => {
    const access = ['--query-url', api, '--http.config.file', join(dir, 'client.yml'), '--data-dir', join(dir, 'cli')];
    const found = await tickwatch(['logs', 'search', '--json', '--since', since, '--level', 'warn', ...access]);
    expect(found.code, found.err).toBe(0);
    const rows = found.out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; message: string });
    expect(rows.map((r) => r.message).sort()).toEqual(['lost broker-a', 'lost tpex-md', 'lost twse-md']);
    expect(rows.every((r) => r.event === 'gateway.disconnect')).toBe(true);
    const history = await tickwatch(['alerts', 'history', '--json', ...access]);
    expect(history.code, history.err).toBe(0);
    expect(history.out.trim()).toBe(''); // no alert was notified
    const verified = await tickwatch(['audit', 'verify', '--json', ...access]);
    expect(verified.code, verified.err).toBe(0);
    const reports = JSON.parse(verified.out) as { table: string; problemCount: number }[];
    expect(reports.length).toBeGreaterThan(0);
    expect(reports.filter((r) => r.problemCount > 0)).toEqual([]);
  });

  it('says what is missing: TLS, the CA, credentials, the right password; an explicit URL with nothing there is an error', { timeout: 120_000 }, async () => {
    const search = (...a: string[]) => tickwatch(['logs', 'search', '--since', since, '--data-dir', join(dir, 'cli'), ...a]);
    // Plain HTTP to the TLS port (the default scheme): the server's 400, and the hint.
    const plain = await search('--query-port', String(recorder!.queryPort));
    expect(plain.code).toBe(1);
    expect(plain.err).toContain(`recorder query API at http://127.0.0.1:${recorder!.queryPort}: 400`);
    expect(plain.err).toContain('give --query-url https://');
    // TLS without the CA: the certificate is not trusted.
    const noCa = await search('--query-url', api);
    expect(noCa.code).toBe(1);
    expect(noCa.err).toMatch(new RegExp(`recorder query API at ${api}: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)`));
    // The CA and no credentials: 401, and the hint.
    const noAuth = await search('--query-url', api, '--http.config.file', join(dir, 'ca-only.yml'));
    expect(noAuth.code).toBe(1);
    expect(noAuth.err).toContain(`recorder query API at ${api}: 401`);
    expect(noAuth.err).toContain('--http.config.file, basic_auth');
    // A wrong password: 401 as well.
    const wrong = await search('--query-url', api, '--http.config.file', join(dir, 'wrong.yml'));
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain(`recorder query API at ${api}: 401`);
    // A bad client configuration stops before any request.
    writeFileSync(join(dir, 'bearer.yml'), 'authorization:\n  credentials_file: ops.password\n');
    const bearer = await search('--query-url', api, '--http.config.file', join(dir, 'bearer.yml'));
    expect(bearer.code).toBe(1);
    expect(bearer.err).toContain("authorization: tickwatch's servers take basic auth");
    // Nothing at an explicit --query-url: an error, not a silent read of some local store.
    const closed = await search('--query-url', 'http://127.0.0.1:1');
    expect(closed.code).toBe(1);
    expect(closed.err).toContain('recorder query API at http://127.0.0.1:1: connect ECONNREFUSED');
  });
});
