/**
 * Encryption at rest on ClickHouse (seed 001): the committed server config snippet
 * (exporters/recorder/config/tickwatch-encrypted-disk.xml) loaded into a current ClickHouse engine (chdb, as
 * `--config-file`), the recorder's tables created on its encrypted storage policy, rows written
 * and read back, and none of their text in any file on disk, while a table on the default policy
 * beside them shows it in the clear. A table that exists with another policy is refused.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TABLES } from '../../exporters/catalog/tables.js';
import { ENCRYPTED_DISK, ENCRYPTED_DISK_FILE, encryptedDiskXml } from '../../exporters/recorder/clickhouse-encryption.js';
import { tsNanos } from '../../exporters/recorder/rows.js';
import { chdbTransport } from '../../exporters/recorder/stores/chdb.js';
import { ClickHouseStore } from '../../exporters/recorder/stores/clickhouse.js';
import { tempDir } from '../helpers/env.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const MARKER = 'PLAINTEXT-MARKER-7f3a';

const row = (i: number) => {
  const ts = new Date(Date.UTC(2026, 11, 1, 1, 0, i)).toISOString();
  return { ts_ns: String(tsNanos(ts)), event: 'strategy.note', component: 'strategy_runner', level: 'info', correlation_id: `c-${i}`, intent_id: null, trace_id: null, message: `${MARKER} line ${i}`, fields: JSON.stringify({ ts, note: `${MARKER}-${i}` }), status: null, duration_ns: null, format: null };
};

/** Every file under `dir`. */
const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));

describe('ClickHouse encrypted disk (chdb, current ClickHouse)', () => {
  it('the committed snippet is what the source builds, and names the disk, the policy and the key variable', () => {
    const xml = readFileSync(join(root, ENCRYPTED_DISK_FILE), 'utf8');
    expect(xml).toBe(encryptedDiskXml());
    expect(xml).toContain('<type>encrypted</type>');
    expect(xml).toContain(`<key_hex from_env="${ENCRYPTED_DISK.keyEnv}"/>`);
    expect(xml).toMatch(new RegExp(`<policies>\\s*<${ENCRYPTED_DISK.policy}>[\\s\\S]*<disk>${ENCRYPTED_DISK.disk}</disk>`));
    expect(xml.replace(/^<!--[\s\S]*?-->/, '')).not.toMatch(/[0-9a-f]{32}/i); // no key in the file
    expect(() => encryptedDiskXml({ ...ENCRYPTED_DISK, policy: "x'; DROP" })).toThrow(/bare name/);
    expect(() => new ClickHouseStore({} as never, { legacy: true, storagePolicy: 'p' })).toThrow(/18\.x has no storage policies/);
  });

  it('loads into ClickHouse, puts every tickwatch table on the encrypted policy, and leaves no row text on disk', { timeout: 180_000 }, async () => {
    process.env[ENCRYPTED_DISK.keyEnv] = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
    const dir = tempDir('tickwatch-chenc-');
    const t = await chdbTransport(join(dir, 'ch'), [`--config-file=${join(root, ENCRYPTED_DISK_FILE)}`]);
    try {
      const disks = await t.query<{ name: string; is_encrypted: number }>('SELECT name, is_encrypted FROM system.disks ORDER BY name');
      expect(disks).toContainEqual({ name: ENCRYPTED_DISK.disk, is_encrypted: 1 });
      const store = new ClickHouseStore(t, { storagePolicy: ENCRYPTED_DISK.policy });
      await store.init(TABLES);
      const policies = await t.query<{ name: string; storage_policy: string }>("SELECT name, storage_policy FROM system.tables WHERE database = 'tickwatch' ORDER BY name");
      expect(policies.map((p) => p.name).sort()).toEqual(TABLES.map((x) => x.name).sort());
      for (const p of policies) expect(p.storage_policy, p.name).toBe(ENCRYPTED_DISK.policy);
      await store.insert('logs', Array.from({ length: 500 }, (_, i) => row(i)), 'tok-enc');
      // Read back through the disk: decrypted on the way.
      expect(await store.count('logs')).toBe(500);
      const found = await store.searchLogs({ text: `${MARKER} line 499`, limit: 10 });
      expect(found.map((r) => r.correlation_id)).toEqual(['c-499']);
      // The control: the same rows in a table on the default policy are readable in its files.
      await t.command('CREATE TABLE tickwatch.plain_control (message String) ENGINE = MergeTree ORDER BY message');
      await t.command(`INSERT INTO tickwatch.plain_control SELECT concat('${MARKER} line ', toString(number)) FROM numbers(500)`);
      const parts = await t.query<{ table: string; disk_name: string }>("SELECT DISTINCT table, disk_name FROM system.parts WHERE database = 'tickwatch' AND active");
      expect(parts).toContainEqual({ table: 'logs', disk_name: ENCRYPTED_DISK.disk });
      expect(parts).toContainEqual({ table: 'plain_control', disk_name: 'default' });
      const holding = files(join(dir, 'ch')).filter((f) => readFileSync(f).includes(MARKER));
      expect(holding.length, 'the control table shows the text in the clear').toBeGreaterThan(0);
      // Only the control's files: none of the encrypted tables'.
      const [control] = await t.query<{ data_paths: string[] }>("SELECT data_paths FROM system.tables WHERE database = 'tickwatch' AND name = 'plain_control'");
      expect(control!.data_paths.length).toBeGreaterThan(0);
      expect(holding.filter((f) => !control!.data_paths.some((p) => realpathSync(f).startsWith(realpathSync(p))))).toEqual([]);
      // A table created without the policy is refused, not silently left in the clear.
      await new ClickHouseStore(t, { database: 'plain_db' }).init([TABLES[0]!]);
      await expect(new ClickHouseStore(t, { database: 'plain_db', storagePolicy: ENCRYPTED_DISK.policy }).init([TABLES[0]!])).rejects.toThrow(/has storage policy 'default', not 'tickwatch_encrypted'/);
    } finally {
      await t.close();
    }
  });
});
