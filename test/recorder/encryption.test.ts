/**
 * Encryption at rest of the embedded store (seed 001): the key file's rules, an encrypted DuckDB
 * file that holds no row text and cannot be opened without its key (or with another), and `tickwatch
 * start` (what `npm start` runs) with and without encryption, read back offline by `audit verify`
 * and `logs search`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION, TABLES, type TableName } from '../../exporters/catalog/tables.js';
import type { HftEvent } from '../../exporters/events/index.js';
import { CLI_ENTRY } from '../../exporters/lib/paths.js';
import { DUCKDB_KEY_FILE_ENV, readKeyFile, scrubSecret, StoreKeyError, type StoreKey } from '../../exporters/recorder/encryption.js';
import { rowsFor, type Row } from '../../exporters/recorder/rows.js';
import { openStore, storeSpec } from '../../exporters/recorder/run.js';
import { DuckDbStore } from '../../exporters/recorder/stores/duckdb.js';
import { freePort } from '../../scripts/lib/net.js';
import { tempDir } from '../helpers/env.js';

const dir = tempDir('tickwatch-enc-');
const MARKER = 'PLAINTEXT-MARKER-91c2';
const SECRET = "c0rrect horse battery staple 'quoted' key";

/** Writes a key file with `mode`. */
function keyFile(name: string, text: string, mode = 0o600): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  chmodSync(f, mode);
  return f;
}

/** 300 log lines, each carrying the marker, one a second. */
function rows(): Map<TableName, Row[]> {
  const out = new Map<TableName, Row[]>();
  for (let i = 0; i < 300; i++) {
    const ev = { ts: new Date(Date.UTC(2026, 11, 1, 1, 0, i)).toISOString(), component: 'risk_engine', level: i % 10 ? 'info' : 'error', event: 'risk.note', message: `${MARKER} ${i}`, correlation_id: `c-${i}`, latency_ns: i * 1000 } as unknown as HftEvent;
    for (const [t, r] of rowsFor(ev, { default: 'trace' })) (out.get(t) ?? out.set(t, []).get(t)!).push(r);
  }
  return out;
}

/** The database file and its DuckDB write-ahead log, as bytes. */
const onDisk = (path: string): Buffer => Buffer.concat([readFileSync(path), existsSync(`${path}.wal`) ? readFileSync(`${path}.wal`) : Buffer.alloc(0)]);

describe('the key file', () => {
  it('takes one line of at least 16 characters, readable by its owner only, and drops the final line break', () => {
    expect(readKeyFile(keyFile('ok.key', `${SECRET}\n`))).toEqual({ secret: SECRET, file: join(dir, 'ok.key') });
    expect(readKeyFile(keyFile('crlf.key', `${SECRET}\r\n`)).secret).toBe(SECRET);
    const refused: [string, () => StoreKey, RegExp][] = [
      ['world-readable', () => readKeyFile(keyFile('open.key', SECRET, 0o644)), /can be read or written by group or others \(mode 0644\): chmod 600/],
      ['group-readable', () => readKeyFile(keyFile('group.key', SECRET, 0o640)), /mode 0640/],
      ['missing', () => readKeyFile(join(dir, 'nope.key')), /cannot be read: ENOENT/],
      ['a folder', () => readKeyFile(dir), /not a regular file/],
      ['empty', () => readKeyFile(keyFile('empty.key', '\n')), /is empty/],
      ['short', () => readKeyFile(keyFile('short.key', 'hunter2\n')), /too short: give at least 16 characters/],
      ['two lines', () => readKeyFile(keyFile('two.key', `${SECRET}\nmore\n`)), /more than one line/],
      ['binary', () => readKeyFile(keyFile('bin.key', Buffer.from([0xff, 0xfe, 0x00, 0x80, ...Buffer.from(SECRET)]).toString('latin1'))), /not text|more than one line/],
    ];
    for (const [what, f, re] of refused) {
      expect(f, what).toThrow(StoreKeyError);
      expect(f, what).toThrow(re);
    }
    // A binary file that is not UTF-8.
    writeFileSync(join(dir, 'raw.key'), Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x90, 0x28, 0xbc, 0xf0, 0x28, 0x8c, 0x28, 0x41, 0x42]));
    chmodSync(join(dir, 'raw.key'), 0o600);
    expect(() => readKeyFile(join(dir, 'raw.key'))).toThrow(/not text: write the key in base64/);
    expect(scrubSecret(`near ATTACH ... '${SECRET.replaceAll("'", "''")}' and ${SECRET}`, SECRET)).not.toContain('horse');
  });

  it('reaches the embedded store from --duckdb-key-file or TICKWATCH_DUCKDB_KEY_FILE, and is refused beside a server URL', () => {
    expect(storeSpec({ dataDir: dir }, {})).toEqual({ kind: 'embedded', path: join(dir, 'audit.duckdb') });
    expect(storeSpec({ dataDir: dir }, { [DUCKDB_KEY_FILE_ENV]: '/k' })).toEqual({ kind: 'embedded', path: join(dir, 'audit.duckdb'), keyFile: '/k' });
    expect(storeSpec({ dataDir: dir, duckdbKeyFile: '/flag' }, { [DUCKDB_KEY_FILE_ENV]: '/env' })).toMatchObject({ keyFile: '/flag' });
    expect(storeSpec({ dataDir: dir, postgresUrl: 'postgres://x@h/db' }, { [DUCKDB_KEY_FILE_ENV]: '/env' })).toEqual({ kind: 'postgres', url: 'postgres://x@h/db' });
    expect(() => storeSpec({ dataDir: dir, clickhouseUrl: 'http://h:8123', duckdbKeyFile: '/k' }, {})).toThrow(/encrypted on the server/);
    expect(() => storeSpec({ dataDir: dir, clickhouseStoragePolicy: 'p' }, {})).toThrow(/needs --clickhouse-url/);
    expect(storeSpec({ dataDir: dir, clickhouseUrl: 'http://h:8123', clickhouseStoragePolicy: 'tickwatch_encrypted' }, {})).toMatchObject({ kind: 'clickhouse', storagePolicy: 'tickwatch_encrypted' });
  });
});

describe('an encrypted embedded store', () => {
  const path = join(dir, 'enc.duckdb');
  const key = () => readKeyFile(keyFile('store.key', `${SECRET}\n`));
  const stores: DuckDbStore[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
  });

  it('writes no row text to disk, where a plain store does, and reads its rows back with the key', { timeout: 60_000 }, async () => {
    const data = rows();
    const enc = await DuckDbStore.open(path, { key: key() });
    expect(['openssl', 'mbedtls']).toContain(enc.encryption);
    // The in-memory instance that attaches the file passes the store's checkpoint threshold on.
    expect(await enc.sqlBackend().all("SELECT current_setting('checkpoint_threshold') AS c")).toEqual([{ c: '256.0 MiB' }]);
    await enc.init(TABLES);
    await enc.insertBatch(data, 'tok-1');
    // Committed rows are in DuckDB's write-ahead log until a checkpoint, then in the file's blocks.
    expect(onDisk(path).includes(MARKER)).toBe(false);
    await enc.close();
    expect(onDisk(path).includes(MARKER)).toBe(false);
    expect(onDisk(path).includes('risk_engine')).toBe(false);
    // The control: a plain store's write-ahead log shows the same rows in the clear (once
    // checkpointed, DuckDB's string compression may hide them from this simple check).
    const plainPath = join(dir, 'plain.duckdb');
    const plain = await DuckDbStore.open(plainPath);
    expect(plain.encryption).toBe('none');
    await plain.init(TABLES);
    await plain.insertBatch(data, 'tok-1');
    expect(onDisk(plainPath).includes(MARKER), 'the plain store shows the text').toBe(true);
    await plain.close();

    const again = await DuckDbStore.open(path, { key: key() });
    stores.push(again);
    await again.init(TABLES);
    expect(await again.count('logs')).toBe(300);
    expect(await again.countByToken('logs', 'tok-1')).toBe(300);
    const errors = await again.searchLogs({ minLevel: 'error', limit: 100 });
    expect(errors.map((r) => r.message)).toEqual(Array.from({ length: 30 }, (_, i) => `${MARKER} ${i * 10}`));
    expect((await again.search({ correlationId: 'c-7' }, TABLES)).map((r) => r.message)).toEqual([`${MARKER} 7`]);
    expect((await again.execTime(0n, 1n << 62n)).map((r) => [r.component, r.events])).toEqual([['risk_engine', 300]]);
    // Retention's DELETE runs in the attached file as in a plain one.
    await again.prune(BigInt(Date.UTC(2027, 0, 1)) * 1_000_000n, { ...DEFAULT_RETENTION, logs: 1 });
    expect(await again.count('logs')).toBe(0);
    await again.close();
    stores.pop();
  });

  it('cannot be opened without its key or with another, and a key is refused for a plain file, each with a clear error that never shows the key', async () => {
    const attempts: [string, () => Promise<unknown>, RegExp][] = [
      ['no key', () => DuckDbStore.open(path), /the audit store .*enc\.duckdb is encrypted: give its key with --duckdb-key-file <file> \(or TICKWATCH_DUCKDB_KEY_FILE\)/],
      ['wrong key', () => DuckDbStore.open(path, { key: readKeyFile(keyFile('wrong.key', 'another key of some length\n')) }), /the key in .*wrong\.key does not open .*enc\.duckdb/],
      ['key for a plain file', () => DuckDbStore.open(join(dir, 'plain.duckdb'), { key: key() }), /plain\.duckdb is not encrypted, and a key was given/],
      ['through openStore, a world-readable key file', () => openStore({ kind: 'embedded', path, keyFile: keyFile('loose.key', SECRET, 0o604) }), /chmod 600/],
      ['in memory', () => DuckDbStore.open(':memory:', { key: key() }), /in-memory store is not encrypted/],
    ];
    for (const [what, f, re] of attempts) {
      const err = await f().then(
        (s) => {
          void (s as DuckDbStore).close();
          return undefined;
        },
        (e: unknown) => e as Error,
      );
      expect(err, what).toBeInstanceOf(StoreKeyError);
      expect(err!.message, what).toMatch(re);
      expect(err!.message, what).not.toContain('horse');
    }
  });
});

/** `tickwatch <args>` to the end, with `env` added. */
function tickwatch(args: readonly string[], env: NodeJS.ProcessEnv = {}): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [CLI_ENTRY, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe.each([
  ['without encryption', false],
  ['with encryption (npm start -- --duckdb-key-file <file>)', true],
] as const)('tickwatch start %s', (_name, encrypted) => {
  it('records the session, stops cleanly, and the store opens offline only as it was written', { timeout: 180_000 }, async () => {
    const data = join(dir, encrypted ? 'start-enc' : 'start-plain');
    const key = keyFile(encrypted ? 'start.key' : 'unused.key', `${SECRET}\n`);
    const [port, tcp, recorderPort, queryPort, idle] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    const args = ['start', '--port', String(port), '--tcp', `127.0.0.1:${tcp}`, '--recorder-port', String(recorderPort), '--query-port', String(queryPort), '--no-host', '--data-dir', data, ...(encrypted ? ['--duckdb-key-file', key] : [])];
    const env = { ...process.env };
    delete env[DUCKDB_KEY_FILE_ENV];
    const child = spawn(process.execPath, [CLI_ENTRY, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const t0 = Date.now();
    try {
      let written = 0;
      while (written === 0 && Date.now() - t0 < 90_000 && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 500));
        const m = await fetch(`http://127.0.0.1:${recorderPort}/metrics`).then((r) => r.text(), () => '');
        written = Number(/^hft_recorder_rows_written_total\{table="audit_orders"\} (\d+)/m.exec(m)?.[1] ?? 0);
      }
      expect(written, out).toBeGreaterThan(0);
      expect(out).toContain(`embedded DuckDB ${join(data, 'audit.duckdb')}${encrypted ? ', encrypted' : ''}`);
      if (encrypted) expect(out).toMatch(/recorder\.store_encrypted/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (c) => r(c)))), out).toBe(0);
    expect(out).not.toContain('horse');
    if (encrypted) expect(onDisk(join(data, 'audit.duckdb')).includes('order.submitted'), 'event text in the file').toBe(false);

    // Offline (no recorder on the query port): the key decides.
    const where = ['--data-dir', data, '--query-port', String(idle)];
    const bare = tickwatch(['audit', 'verify', ...where]);
    const keyed = tickwatch(['audit', 'verify', ...where], { [DUCKDB_KEY_FILE_ENV]: key });
    if (encrypted) {
      expect(bare.status, bare.out).toBe(1);
      expect(bare.out).toMatch(/tickwatch: the audit store .*audit\.duckdb is encrypted: give its key with --duckdb-key-file/);
      expect(bare.out).not.toMatch(/\n\s+at /); // one line, no stack
      expect(keyed.status, keyed.out).toBe(0);
      expect(keyed.out).toMatch(/audit_orders/);
      const wrong = tickwatch(['logs', 'search', ...where, '--duckdb-key-file', keyFile('other.key', 'not the key of this store\n')]);
      expect(wrong.status).toBe(1);
      expect(wrong.out).toMatch(/tickwatch: the key in .*other\.key does not open .*audit\.duckdb/);
    } else {
      expect(bare.status, bare.out).toBe(0);
      expect(keyed.status, keyed.out).toBe(1);
      expect(keyed.out).toMatch(/is not encrypted, and a key was given/);
    }
    const found = tickwatch(['logs', 'search', ...where, '--limit', '5', '--json', ...(encrypted ? ['--duckdb-key-file', key] : [])]);
    expect(found.status, found.out).toBe(0);
    expect(found.out.trim().split('\n').filter((l) => l.startsWith('{'))).toHaveLength(5);
    expect(found.out + keyed.out + bare.out).not.toContain('horse');
  });
});
