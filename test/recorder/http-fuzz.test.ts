/**
 * The recorder's HTTP endpoints under hostile input (issue 16): a recorder run alone (`startRecorder`,
 * as `tickwatch recorder` runs it) with a web configuration, its query API and webhook sent oversized
 * headers and bodies, bad percent-encodings and UTF-8, and query parameters that try SQL and path
 * injection (fast-check, fixed seed). It must never crash, never answer with a stack trace or a 5xx,
 * never return a row another filter value owns (an injected `' OR '1'='1` finds nothing), and the
 * tables must be intact afterwards (same row counts, chains verify). The refusals of a recorder
 * running alone are recorded by itself in audit_security.
 */
import bcrypt from 'bcryptjs';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecorder, type RunningRecorder } from '../../exporters/recorder/run.js';
import { captureLogging, tempDir } from '../helpers/env.js';

const dir = tempDir('tickwatch-fuzz-');
let rec: RunningRecorder;
let api: string;
const AUTH = `Basic ${Buffer.from('auditor:audit-pw').toString('base64')}`;
const STACK = /\n\s+at \S+ \(|node:internal|\/work\/|\.ts:\d+:\d+|\bat async\b/;

/** One raw HTTP exchange (any path bytes, any headers); resolves the status and body, or the socket's failure. */
function raw(text: string | Buffer, port: number): Promise<{ status: number; body: string } | { failed: string }> {
  return new Promise((resolve) => {
    // Written without a FIN: Node's server drops a half-closed connection before an async answer.
    const s = connect(port, '127.0.0.1', () => s.write(text));
    s.setTimeout(10_000, () => s.destroy());
    let got = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => (got += d));
    s.on('error', (e: NodeJS.ErrnoException) => resolve({ failed: e.code ?? e.message }));
    s.on('close', () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
      resolve(m ? { status: Number(m[1]), body: got.slice(got.indexOf('\r\n\r\n') + 4) } : { failed: `no HTTP answer: ${JSON.stringify(got.slice(0, 80))}` });
    });
  });
}

/** GET with credentials through Node's client (the path is sent as given). */
function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(api);
    const req = request({ host: u.hostname, port: Number(u.port), path, headers: { authorization: AUTH }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const lines = [
  { ts: '2026-12-02T01:00:00.000Z', component: 'risk_engine', level: 'info', event: 'risk.note', correlation_id: 'c-alpha', message: 'alpha row' },
  { ts: '2026-12-02T01:00:01.000Z', component: 'execution', level: 'warn', event: 'exec.note', correlation_id: 'c-beta', intent_id: 'i-beta', message: 'beta row' },
  { ts: '2026-12-02T01:00:02.000Z', component: 'monitor', level: 'info', event: 'security.login', user_id: 'trader-jlin', source_ip: '10.0.0.1', status: 'SUCCESS' },
];

beforeAll(async () => {
  const events = join(dir, 'events.ndjson');
  writeFileSync(events, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  writeFileSync(join(dir, 'web.yml'), `basic_auth_users:\n  auditor: ${bcrypt.hashSync('audit-pw', 4)}\n`);
  rec = await startRecorder({ events: [events], dataDir: join(dir, 'data'), store: { kind: 'embedded', path: join(dir, 'audit.duckdb') }, port: 0, queryPort: 0, batchMs: 100, levels: { default: 'trace' }, web: { configFile: join(dir, 'web.yml') } }, captureLogging());
  api = `http://127.0.0.1:${rec.queryPort}`;
  for (let t = Date.now(); Date.now() - t < 20_000 && (await rec.store.searchLogs({ limit: 10 })).length < 3; ) {
    rec.service.recorder.seal();
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);
afterAll(async () => rec?.close());

const INJECTIONS = [
  "' OR '1'='1",
  "c-alpha' OR 1=1 --",
  '"; DROP TABLE logs; --',
  "c-alpha'; DELETE FROM audit_security; --",
  "') UNION SELECT user_id, source_ip FROM audit_security --",
  '%',
  '*',
  '_',
  '\\',
  '../../../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '\u0000',
  '{name:String}',
  '$1',
  'c-alpha\u0000',
  '𝕏'.repeat(5000),
];

describe('the query API under hostile input', () => {
  it('filters by exact values: no injection widens a search or reaches another table', { timeout: 120_000 }, async () => {
    const before = (await rec.store.searchLogs({ limit: 1000 })).length;
    expect(before).toBe(3);
    // The filters do find what is there (so an empty answer below means something).
    expect((JSON.parse((await get('/api/v1/logs?correlation_id=c-alpha')).body) as { rows: unknown[] }).rows).toMatchObject([{ correlation_id: 'c-alpha', message: 'alpha row' }]);
    expect((JSON.parse((await get('/api/v1/logs?component=execution')).body) as { rows: unknown[] }).rows).toMatchObject([{ correlation_id: 'c-beta' }]);
    const value = fc.oneof(fc.constantFrom(...INJECTIONS), fc.constantFrom('c-alpha', 'c-beta', 'i-beta', 'execution', 'risk_engine', 'warn', '*.note'), fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ maxLength: 20 }));
    const key = fc.constantFrom('correlation_id', 'intent_id', 'trace_id', 'component', 'status', 'event', 'level', 'q', 'since', 'until', 'limit', 'cursor');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/api/v1/logs', '/api/v1/trade', '/api/v1/exec-time'), fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 4 }), async (path, params) => {
        const qs = new URLSearchParams(params).toString();
        const r = await get(`${path}?${qs}`);
        expect(r.status, r.body.slice(0, 300)).toBeLessThan(500);
        expect(r.body).not.toMatch(STACK);
        if (r.status !== 200) return;
        const body = JSON.parse(r.body) as { rows?: Record<string, unknown>[] } | Record<string, unknown>[];
        const rows = Array.isArray(body) ? (path === '/api/v1/trade' ? body : []) : (body.rows ?? []);
        for (const [k, v] of params) {
          // An exact filter returns only rows with that value: an injected value matches none.
          if (k === 'correlation_id' || k === 'intent_id' || k === 'trace_id') for (const row of rows) expect(row[k], `${path}?${qs}`).toBe(new URLSearchParams(params).get(k));
          if (INJECTIONS.includes(v) && (k === 'correlation_id' || k === 'intent_id' || k === 'component' || k === 'status')) expect(rows, `${path}?${qs}`).toEqual([]);
        }
        // The log search answers with log rows only: never the columns of a chained audit table.
        for (const row of rows) for (const col of ['chain_seq', 'prev_hash', 'row_hash', 'source_ip', 'user_id']) expect(Object.keys(row)).not.toContain(col);
      }),
      { seed: 16, numRuns: 300 },
    );
    // Nothing was dropped or deleted, and the chains still verify.
    expect((await rec.store.searchLogs({ limit: 1000 })).length).toBe(before);
    const verify = JSON.parse((await get('/api/v1/verify')).body) as { table: string; problemCount: number; rows: number }[];
    expect(verify.every((v) => v.problemCount === 0)).toBe(true);
    expect(verify.find((v) => v.table === 'audit_security')?.rows).toBeGreaterThanOrEqual(1);
  });

  it('oversized headers and bodies, bad encodings and path tricks: 4xx, never a crash or a stack trace', { timeout: 60_000 }, async () => {
    const port = Number(new URL(api).port);
    const cases: [string, string | Buffer, (s: number) => boolean][] = [
      ['a 100 KiB header', `GET /api/v1/logs HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`, (s) => s === 431],
      ['a 100 KiB Authorization', `GET /api/v1/logs HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${'QUFB'.repeat(25_000)}\r\n\r\n`, (s) => s === 431],
      ['a 20 MiB webhook body (the limit is 16)', `POST /api/v1/alertmanager/webhook HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\nContent-Type: application/json\r\nContent-Length: ${20 << 20}\r\nConnection: close\r\n\r\n${'['.repeat(20 << 20)}`, (s) => s === 413],
      ['a 4 MiB body of nested brackets', `POST /api/v1/alertmanager/webhook HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\nContent-Type: application/json\r\nContent-Length: ${4 << 20}\r\nConnection: close\r\n\r\n${'['.repeat(4 << 20)}`, (s) => s === 400],
      ['JSON that is not JSON', `POST /api/v1/alertmanager/webhook HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\nContent-Type: application/json\r\nContent-Length: 9\r\nConnection: close\r\n\r\n{"a": nul`, (s) => s === 400],
      ['bytes that are not UTF-8', Buffer.concat([Buffer.from(`POST /api/v1/alertmanager/webhook HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\nContent-Type: application/json\r\nContent-Length: 12\r\nConnection: close\r\n\r\n`), Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d, 0x0a])]), (s) => s === 400],
      // fast-querystring keeps what it cannot decode: a value no row has, so an empty page.
      ['a bad percent-encoding', `GET /api/v1/logs?correlation_id=%FF%FE%ZZ HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\nConnection: close\r\n\r\n`, (s) => s === 200],
      ['a dot-dot path', `GET /api/v1/../../../etc/passwd HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\nConnection: close\r\n\r\n`, (s) => s === 404],
      ['an encoded dot-dot path', `GET /api/v1/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\nConnection: close\r\n\r\n`, (s) => s === 404],
      ['a NUL in the path', `GET /api/v1/logs%00.json HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\nConnection: close\r\n\r\n`, (s) => s === 404],
      ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n', (s) => s === 400],
      ['a bad Authorization header', `GET /api/v1/logs HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %%%\r\nConnection: close\r\n\r\n`, (s) => s === 401],
      ['no credentials on the webhook', `POST /api/v1/alertmanager/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`, (s) => s === 401],
    ];
    for (const [name, text, ok] of cases) {
      const r = await raw(text, port);
      if ('failed' in r) {
        // Node may reset a connection still sending a body it refused; the answer must still have been a 4xx if any.
        expect(['ECONNRESET', 'EPIPE'], `${name}: ${r.failed}`).toContain(r.failed);
      } else {
        expect(ok(r.status), `${name}: ${r.status} ${r.body.slice(0, 200)}`).toBe(true);
        expect(r.body, name).not.toMatch(STACK);
        if (r.status === 200) expect(JSON.parse(r.body), name).toEqual({ rows: [] });
      }
    }
    // Still serving.
    expect((await get('/api/v1/chain-heads')).status).toBe(200);
  });

  it('a recorder running alone records its own refusals in audit_security', async () => {
    let rows = await rec.store.searchLogs({ event: 'security.permission_denied', limit: 100 });
    for (let t = Date.now(); Date.now() - t < 10_000 && rows.length < 2; rows = await rec.store.searchLogs({ event: 'security.permission_denied', limit: 100 })) {
      rec.service.recorder.seal();
      await new Promise((r) => setTimeout(r, 100));
    }
    const fields = rows.map((r) => JSON.parse(r.fields) as Record<string, unknown>);
    // The bad Authorization header and the webhook without credentials (a 431 never reaches the server's routes).
    expect(fields.map((f) => [f.user_id, f.resource]).sort()).toEqual([
      ['anonymous', 'tickwatch-recorder-api GET /api/v1/logs'],
      ['anonymous', 'tickwatch-recorder-api POST /api/v1/alertmanager/webhook'],
    ]);
  });
});
