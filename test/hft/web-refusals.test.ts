/**
 * Refusals are security events (issue 16, item 5): with a web configuration on `tickwatch start`'s
 * services, requests refused by the recorder's query API, its Alertmanager webhook and its
 * `/metrics` are counted (`tickwatch_web_refusals_total{reason}`), reach the HFT exporter as
 * `security.permission_denied` events (its security detector: five from one address within five
 * minutes is `refused_credentials`, what SuspiciousLoginActivity pages on), and are recorded in the
 * hash-chained audit_security table, which still verifies.
 */
import bcrypt from 'bcryptjs';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALWAYS_OPEN_CALENDAR } from '../../exporters/hft/calendar.js';
import { startTickwatch, type Tickwatch } from '../../exporters/start.js';
import { captureLogging, tempDir } from '../helpers/env.js';
import { parseExposition, type Sample } from '../helpers/exposition.js';

const dir = tempDir('tickwatch-webref-');
let tw: Tickwatch | undefined;
afterAll(async () => tw?.close());

const value = (s: readonly Sample[], name: string, labels: Record<string, string>) => s.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;
const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
const GOOD = basic('prometheus', 'right-one');

describe('refused requests to tickwatch endpoints', () => {
  it('are counted, raise refused_credentials in the security detector and land in audit_security', { timeout: 120_000 }, async () => {
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, '');
    const web = join(dir, 'web.yml');
    writeFileSync(web, `basic_auth_users:\n  prometheus: ${bcrypt.hashSync('right-one', 4)}\n`);
    const logging = captureLogging();
    tw = await startTickwatch(
      {
        dataDir: join(dir, 'data'),
        hft: { port: 0, tcp: null, files: [file], calendar: ALWAYS_OPEN_CALENDAR, pollMs: 50, tickMs: 50 },
        recorders: [{ store: { kind: 'embedded', path: join(dir, 'audit.duckdb') }, port: 0, queryPort: 0, batchMs: 100, levels: { default: 'trace' } }],
        selfReport: false,
        web: { configFile: web, healthOpen: true },
      },
      logging,
    );
    const rec = tw.recorders[0]!;
    const api = `http://127.0.0.1:${rec.queryPort}`;
    const hftMetrics = `${tw.hft!.metrics.url}/metrics`;

    // Every endpoint refuses without credentials; health stays open (healthOpen).
    expect((await fetch(`${api}/api/v1/logs`)).status).toBe(401);
    expect((await fetch(`${api}/api/v1/alertmanager/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    expect((await fetch(hftMetrics)).status).toBe(401);
    expect((await fetch(`${tw.hft!.metrics.url}/-/ready`)).status).toBe(200);
    // Wrong passwords from this address, at three different servers.
    for (const url of [`${api}/api/v1/verify`, `${api}/api/v1/chain-heads`, `${rec.service.metrics.url}/metrics`, `${api}/api/v1/logs?event=security.*`]) expect((await fetch(url, { headers: basic('mallory', 'guess') })).status).toBe(401);
    // With the password, the API answers (a webhook payload that is not Alertmanager's is its own 400).
    expect((await fetch(`${api}/api/v1/chain-heads`, { headers: GOOD })).status).toBe(200);
    expect((await fetch(`${api}/api/v1/alertmanager/webhook`, { method: 'POST', headers: { ...GOOD, 'content-type': 'application/json' }, body: '{}' })).status).toBe(400);

    // 7 refusals from 127.0.0.1 (3 without credentials, 4 wrong): the detector's limit is 5.
    let s: Sample[] = [];
    for (let t = Date.now(); Date.now() - t < 20_000; await new Promise((r) => setTimeout(r, 100))) {
      s = parseExposition(await (await fetch(hftMetrics, { headers: GOOD })).text());
      // Refusals reach their owners from the /metrics workers by message, after the answers: wait
      // for all seven, not only the detector's fifth.
      if ((value(s, 'hft_security_suspicious_total', { reason: 'refused_credentials' }) ?? 0) >= 1 && (value(s, 'hft_security_events_total', { event: 'permission_denied', status: 'FAILURE' }) ?? 0) >= 7 && (value(s, 'tickwatch_web_refusals_total', { reason: 'missing_credentials' }) ?? 0) >= 1) break;
    }
    expect(value(s, 'hft_security_events_total', { event: 'permission_denied', status: 'FAILURE' })).toBe(7);
    expect(value(s, 'hft_security_suspicious_total', { reason: 'refused_credentials' })).toBe(1);
    expect(value(s, 'tickwatch_web_refusals_total', { reason: 'missing_credentials' })).toBe(1); // the HFT exporter's own /metrics

    const recS = parseExposition(await (await fetch(`${rec.service.metrics.url}/metrics`, { headers: GOOD })).text());
    expect(value(recS, 'tickwatch_web_refusals_total', { reason: 'missing_credentials' })).toBe(2); // the API and the webhook
    expect(value(recS, 'tickwatch_web_refusals_total', { reason: 'bad_credentials' })).toBe(4); // the API and the recorder's /metrics

    // Recorded once each (the recorder's own refusals go through the exporter, not twice), chained and verified.
    let rows = await rec.store.searchLogs({ event: 'security.permission_denied', limit: 100 });
    for (let t = Date.now(); Date.now() - t < 15_000 && rows.length < 7; rows = await rec.store.searchLogs({ event: 'security.permission_denied', limit: 100 })) {
      rec.service.recorder.seal();
      await new Promise((r) => setTimeout(r, 100));
    }
    const fields = rows.map((r) => JSON.parse(r.fields) as Record<string, unknown>);
    expect(fields).toHaveLength(7);
    expect(fields.every((f) => f.source_ip === '127.0.0.1' && f.status === 'FAILURE')).toBe(true);
    expect(fields.map((f) => f.user_id).sort()).toEqual(['anonymous', 'anonymous', 'anonymous', 'mallory', 'mallory', 'mallory', 'mallory']);
    expect(fields.map((f) => f.resource)).toContain('tickwatch-recorder-api POST /api/v1/alertmanager/webhook');
    expect(JSON.stringify(fields)).not.toContain('guess');
    const verify = (await (await fetch(`${api}/api/v1/verify`, { headers: GOOD })).json()) as { table: string; rows: number; problemCount: number }[];
    expect(verify.find((r) => r.table === 'audit_security')).toMatchObject({ rows: 7, problemCount: 0 });
    // And logged, without the password.
    const logged = logging.lines.filter((l) => l.event === 'web.refused');
    expect(logged).toHaveLength(7);
    expect(JSON.stringify(logged)).not.toContain('guess');
  });

  it('a wrong token at the TCP ingest is a refused login too: counted, a security event, refused_credentials; a silent client is counted only', { timeout: 120_000 }, async () => {
    const file = join(dir, 'events-tcp.ndjson');
    writeFileSync(file, '');
    const tokenFile = join(dir, 'ingest-token');
    writeFileSync(tokenFile, 'c0ffee-ingest-7f3a\n');
    const own = await startTickwatch(
      { dataDir: join(dir, 'data-tcp'), hft: { port: 0, tcp: { port: 0, host: '127.0.0.1', tokenFile, authTimeoutMs: 300 }, files: [file], calendar: ALWAYS_OPEN_CALENDAR, pollMs: 50, tickMs: 50 }, recorders: [], selfReport: false },
      captureLogging(),
    );
    try {
      const port = own.hft!.tcp!.port;
      /** One connection: sends `first` (or nothing), and resolves when the server closes it. */
      const attempt = (first?: string) =>
        new Promise<void>((resolve, reject) => {
          const c = connect(port, '127.0.0.1', () => first !== undefined && c.write(`${first}\n`));
          c.on('data', () => undefined);
          c.on('close', () => resolve());
          c.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(err)));
        });
      for (let i = 0; i < 6; i++) await attempt(`not-the-token-${i}`);
      await attempt(); // silent: closed at the auth time-out
      const url = `${own.hft!.metrics.url}/metrics`;
      let s: Sample[] = [];
      for (let t = Date.now(); Date.now() - t < 20_000; await new Promise((r) => setTimeout(r, 100))) {
        s = parseExposition(await (await fetch(url)).text());
        if ((value(s, 'hft_security_suspicious_total', { reason: 'refused_credentials' }) ?? 0) >= 1 && value(s, 'tickwatch_ingest_tcp_refused_total', { reason: 'auth_timeout' }) === 1) break;
      }
      expect(value(s, 'tickwatch_ingest_tcp_refused_total', { reason: 'bad_token' })).toBe(6);
      expect(value(s, 'tickwatch_ingest_tcp_refused_total', { reason: 'auth_timeout' })).toBe(1);
      expect(value(s, 'hft_security_events_total', { event: 'permission_denied', status: 'FAILURE' })).toBe(6);
      expect(value(s, 'hft_security_suspicious_total', { reason: 'refused_credentials' })).toBe(1);
    } finally {
      await own.close();
    }
  });
});
