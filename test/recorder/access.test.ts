/**
 * The append-only audit store (issue 16, point 7), on real servers:
 * - PostgreSQL 15: the generated roles and grants (exporters/recorder/config/tickwatch-postgres-access.sql)
 *   applied as a superuser; the tables created by the owner role; the recorder writes a batch of
 *   every event type through the real store under its role (no DDL at start on a complete schema)
 *   and is refused DELETE, UPDATE, TRUNCATE, ALTER and DROP; a reader may SELECT and is refused
 *   INSERT and DELETE; the retention clean-up runs under the maintenance role and deletes, but is
 *   refused UPDATE, TRUNCATE, ALTER and DROP.
 * - ClickHouse 18.16 (Debian's): the generated users.d snippet with passwords filled in; the recorder
 *   user inserts and selects, and is refused ALTER ... DELETE, DROP, TRUNCATE and CREATE; the reader
 *   selects and is refused INSERT and ALTER; the maintenance user may ALTER ... DELETE.
 * - Current ClickHouse: chdb has no access management, so the GRANT file is parsed there (EXPLAIN AST)
 *   and not enforced.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLES } from '../../exporters/catalog/tables.js';
import { EVENT_TYPES, type HftEvent } from '../../exporters/events/index.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { ACCESS_NAMES, CLICKHOUSE_GRANTS_FILE, CLICKHOUSE_USERS_FILE, PASSWORD_PLACEHOLDER, POSTGRES_ACCESS_FILE, clickhouseGrantsSql, clickhouseUsersXml, postgresAccessSql } from '../../exporters/recorder/access.js';
import { runCleanup } from '../../exporters/recorder/cleanup.js';
import { Recorder } from '../../exporters/recorder/recorder.js';
import { PostgresStore } from '../../exporters/recorder/stores/postgres.js';
import { ClickHouseStore, httpTransport } from '../../exporters/recorder/stores/clickhouse.js';
import { WriteAheadLog } from '../../exporters/recorder/wal.js';
import { REPO_ROOT } from '../../exporters/lib/paths.js';
import { startClickHouse, type ClickHouseServer } from '../helpers/clickhouse.js';
import { captureLogging, tempDir } from '../helpers/env.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';

const N = ACCESS_NAMES;
const T0 = Date.UTC(2026, 10, 23, 1, 0, 0);

/** Every event type's example as a line, one second apart. */
function lines(): { ev: HftEvent; raw: string }[] {
  return EVENT_TYPES.map((t, i) => {
    const ev = { ts: new Date(T0 + i * 1000).toISOString(), level: 'info', ...t.example } as unknown as HftEvent;
    return { ev, raw: JSON.stringify(ev) };
  });
}

it('the generated files are the build of access.ts', () => {
  expect(readFileSync(join(REPO_ROOT, POSTGRES_ACCESS_FILE), 'utf8')).toBe(postgresAccessSql());
  expect(readFileSync(join(REPO_ROOT, CLICKHOUSE_USERS_FILE), 'utf8')).toBe(clickhouseUsersXml());
  expect(readFileSync(join(REPO_ROOT, CLICKHOUSE_GRANTS_FILE), 'utf8')).toBe(clickhouseGrantsSql());
});

describe('PostgreSQL: roles and grants', () => {
  let server: PostgresServer;
  let url: string;
  const as = (role: string, extra = '') => url.replace('postgres@', `${role}@`) + extra;
  /** Runs SQL as `role`; the error message, or 'ok'. */
  async function attempt(role: string, sql: string): Promise<string> {
    const c = new pg.Client({ connectionString: as(role) });
    await c.connect();
    try {
      await c.query(sql);
      return 'ok';
    } catch (err) {
      return (err as Error).message;
    } finally {
      await c.end();
    }
  }

  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase('access');
    // The generated file, as a superuser (twice: it is idempotent).
    const su = new pg.Client({ connectionString: url });
    await su.connect();
    await su.query(postgresAccessSql());
    await su.query(postgresAccessSql());
    await su.end();
  }, 120_000);
  afterAll(async () => {
    await server?.destroy();
  });

  it('the owner creates the tables; the recorder records through the real store; nobody that logs in can rewrite them', async () => {
    // Schema: the recorder's init as the owner role (a superuser's connection with role=tickwatch_owner).
    const owner = PostgresStore.open(url + `?options=${encodeURIComponent(`-c role=${N.owner}`)}`);
    await owner.init(TABLES);
    await owner.close();
    const owners = await server.query<{ tableowner: string }>("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'", [], 'access');
    expect(owners.map((o) => o.tableowner)).toEqual([N.owner]);

    // The recorder, under its own role: init runs no DDL on the complete schema, then a batch of every event type.
    const store = PostgresStore.open(as(N.recorder));
    await store.init(TABLES);
    const wal = new WriteAheadLog(join(tempDir(), 'wal'));
    wal.open();
    const rec = new Recorder({ store, wal, registry: new MetricRegistry(), log: captureLogging().logger('recorder'), retryStartMs: 20, retryMaxMs: 200 });
    for (const l of lines()) rec.add(l.ev, l.raw);
    rec.seal();
    await rec.drained();
    await rec.stop();
    expect(await store.count('audit_orders')).toBeGreaterThan(0);
    expect(await store.count('logs')).toBeGreaterThan(0);
    const heads = await store.chainHeads(TABLES);
    expect(Object.keys(heads).length).toBeGreaterThan(0);
    await store.close();

    for (const t of ['audit_orders', 'audit_security', 'logs', 'tickwatch_batches', 'system_logs']) {
      expect(await attempt(N.recorder, `DELETE FROM ${t}`)).toMatch(/permission denied for table/);
      expect(await attempt(N.recorder, `UPDATE ${t} SET ${t === 'tickwatch_batches' ? 'rows = 0' : t === 'system_logs' ? "message = 'x'" : "message = 'x'"}`)).toMatch(/permission denied for table/);
      expect(await attempt(N.recorder, `TRUNCATE ${t}`)).toMatch(/permission denied for table/);
      expect(await attempt(N.recorder, `ALTER TABLE ${t} ADD COLUMN evil text`)).toMatch(/must be owner of table/);
      expect(await attempt(N.recorder, `DROP TABLE ${t}`)).toMatch(/must be owner of table/);
      expect(await attempt(N.recorder, `SELECT count(*) FROM ${t}`)).toBe('ok');
    }
    expect(await attempt(N.recorder, 'CREATE TABLE evil (a int)')).toMatch(/permission denied for schema/);

    // A reader reads and nothing else.
    expect(await attempt(N.reader, 'SELECT count(*) FROM audit_orders')).toBe('ok');
    expect(await attempt(N.reader, "INSERT INTO logs (ts_ns, event, component, level, batch_token, fields) VALUES (1, 'x', 'x', 'info', 'x', '{}')")).toMatch(/permission denied for table logs/);
    expect(await attempt(N.reader, 'DELETE FROM audit_orders')).toMatch(/permission denied for table/);
    expect(await attempt(N.reader, 'TRUNCATE audit_orders')).toMatch(/permission denied for table/);

    // The clean-up, under the maintenance role, deletes rows past their period (ten years on, every one)...
    const maint = PostgresStore.open(as(N.maintenance));
    await maint.init(TABLES);
    const before = await maint.count('audit_orders');
    const report = await runCleanup(maint, { now: new Date(Date.UTC(2036, 10, 23)) });
    expect(before).toBeGreaterThan(0);
    expect(await maint.count('audit_orders')).toBe(0);
    expect(report.tables.some((t) => t.deleted > 0)).toBe(true);
    await maint.close();
    // ...and still cannot rewrite or drop a table.
    expect(await attempt(N.maintenance, "UPDATE logs SET message = 'x'")).toMatch(/permission denied for table/);
    expect(await attempt(N.maintenance, 'TRUNCATE audit_orders')).toMatch(/permission denied for table/);
    expect(await attempt(N.maintenance, 'ALTER TABLE audit_orders ADD COLUMN evil text')).toMatch(/must be owner of table/);
    expect(await attempt(N.maintenance, 'DROP TABLE audit_orders')).toMatch(/must be owner of table/);
    // The readers read what the clean-up made (chain checkpoints).
    expect(await attempt(N.reader, 'SELECT count(*) FROM chain_checkpoints')).toBe('ok');
  }, 120_000);
});

describe('ClickHouse 18.16: settings profiles', () => {
  let ch: ClickHouseServer;
  const pw = { [N.recorder]: 'rec-pw-1', [N.reader]: 'read-pw-2', [N.maintenance]: 'maint-pw-3' };
  /** Runs SQL as a user over HTTP; the error text, or 'ok'. */
  async function attempt(user: string, sql: string): Promise<string> {
    const r = await fetch(`${ch.url}/`, { method: 'POST', body: sql, headers: { 'X-ClickHouse-User': user, 'X-ClickHouse-Key': pw[user]! }, signal: AbortSignal.timeout(10_000) });
    const body = await r.text();
    return r.ok ? 'ok' : body.trim();
  }

  beforeAll(async () => {
    ch = await startClickHouse();
    let xml = clickhouseUsersXml();
    for (const [user, p] of Object.entries(pw)) {
      xml = xml.replace(new RegExp(`(<${user}>\\s*<password_sha256_hex>)${PASSWORD_PLACEHOLDER}`), `$1${createHash('sha256').update(p).digest('hex')}`);
    }
    expect(xml).not.toContain(`>${PASSWORD_PLACEHOLDER}<`);
    mkdirSync(join(ch.dir, 'users.d'), { recursive: true });
    writeFileSync(join(ch.dir, 'users.d', 'tickwatch-users.xml'), xml);
    await ch.stop('SIGTERM');
    await ch.start();
    // The tables, as the default (admin) user: the legacy DDL of the real store.
    const store = new ClickHouseStore(httpTransport(ch.url), { legacy: true });
    await store.init(TABLES);
    await store.close();
  }, 120_000);
  afterAll(async () => {
    await ch?.destroy();
  });

  it('the recorder inserts and selects but cannot ALTER, DROP, TRUNCATE or CREATE; a reader cannot INSERT or ALTER', async () => {
    const db = N.database;
    const insert = `INSERT INTO ${db}.logs (ts, ts_ns, event, component, level, batch_token, fields) VALUES ('2026-11-23 01:00:00', 1795395600000000000, 'x', 'monitor', 'info', 't1', '{}')`;
    expect(await attempt(N.recorder, insert)).toBe('ok');
    expect(await attempt(N.recorder, `SELECT count() FROM ${db}.logs`)).toBe('ok');
    for (const sql of [`ALTER TABLE ${db}.logs DELETE WHERE 1`, `ALTER TABLE ${db}.logs UPDATE message = 'x' WHERE 1`, `ALTER TABLE ${db}.logs ADD COLUMN evil String`, `DROP TABLE ${db}.logs`, `TRUNCATE TABLE ${db}.logs`, `CREATE TABLE ${db}.evil (a UInt8) ENGINE = Memory`]) {
      expect(await attempt(N.recorder, sql), sql).toMatch(/DDL queries are prohibited|Cannot execute query in readonly mode/i);
    }
    expect(await attempt(N.reader, `SELECT count() FROM ${db}.logs`)).toBe('ok');
    for (const sql of [insert, `ALTER TABLE ${db}.logs DELETE WHERE 1`, `DROP TABLE ${db}.logs`, `TRUNCATE TABLE ${db}.logs`]) {
      expect(await attempt(N.reader, sql), sql).toMatch(/readonly mode|DDL queries are prohibited/i);
    }
    // The row is intact after every refused statement.
    expect((await ch.query(`SELECT count() FROM ${db}.logs WHERE batch_token = 't1'`)).trim()).toBe('1');
    // Only the maintenance user removes rows (the retention clean-up's ALTER ... DELETE).
    expect(await attempt(N.maintenance, `ALTER TABLE ${db}.logs DELETE WHERE batch_token = 't1'`)).toBe('ok');
    // A wrong password and an unknown user are refused.
    const bad = await fetch(`${ch.url}/`, { method: 'POST', body: 'SELECT 1', headers: { 'X-ClickHouse-User': N.recorder, 'X-ClickHouse-Key': 'wrong' } });
    expect(bad.ok).toBe(false);
  }, 60_000);
  it('the recorder user starts the real store on the tables the owner made (no DDL sent) and records a batch', async () => {
    const store = new ClickHouseStore(httpTransport(ch.url, { username: N.recorder, password: pw[N.recorder] }), { legacy: true, database: N.database });
    try {
      await store.init(TABLES);
      const before = await store.count('logs');
      await store.insert('logs', [{ ts_ns: '1795395601000000000', event: 'x.y', component: 'monitor', level: 'info', fields: '{}' }], 'access-batch-1');
      expect(await store.count('logs')).toBe(before + 1);
      expect(await store.countByToken('logs', 'access-batch-1')).toBe(1);
    } finally {
      await store.close();
    }
    // The same user on a database without the tables is refused, saying why (DDL is the owner's).
    const fresh = new ClickHouseStore(httpTransport(ch.url, { username: N.recorder, password: pw[N.recorder] }), { legacy: true, database: 'tickwatch_not_made' });
    await expect(fresh.init(TABLES)).rejects.toThrow(/DDL queries are prohibited|readonly/i);
    await fresh.close();
  }, 60_000);
});

describe('current ClickHouse: GRANT statements', () => {
  it('parse on chdb (which has no access management to enforce them)', async () => {
    const { Session } = await import('chdb');
    const s = new Session(tempDir());
    try {
      // chdb refuses access management itself:
      expect(() => s.query('CREATE ROLE IF NOT EXISTS tickwatch_probe_role', 'CSV')).toThrow(/Not enough privileges|ACCESS_DENIED/);
      const statements = clickhouseGrantsSql()
        .split('\n')
        .filter((l) => l && !l.startsWith('--'))
        .map((l) => l.replace(/;$/, ''));
      expect(statements.length).toBe(8);
      for (const st of statements) expect(s.query(`EXPLAIN AST ${st}`, 'CSV'), st).toMatch(/Create|Grant|Role/i);
    } finally {
      s.cleanup?.();
    }
  }, 60_000);
});
