import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { Recorder } from '../../exporters/recorder/recorder.js';
import { DuckDbStore } from '../../exporters/recorder/stores/duckdb.js';
import { WriteAheadLog } from '../../exporters/recorder/wal.js';
import { captureLogging, tempDir } from '../helpers/env.js';
import { infoEvents } from '../helpers/sessions.js';

const batch = (i: number) => ({ lines: [JSON.stringify({ ts: '2026-11-23T01:00:00Z', event: 'x', n: i }), `{"n":${i}}`] });

describe('recorder write-ahead log (the spool)', () => {
  it('replays uncommitted batches in order after a restart, and forgets committed ones', () => {
    const dir = tempDir();
    const a = new WriteAheadLog(dir, 200);
    expect(a.open().pending).toEqual([]);
    const seqs = [1, 2, 3, 4, 5].map((i) => a.appendBatch({ ...batch(i), tails: { '/e': { path: '/e', dev: 1, ino: 2, offset: i * 10, head: '' } } }).seq);
    a.commit(seqs[0]!);
    a.commit(seqs[2]!);
    a.close();
    const b = new WriteAheadLog(dir, 200);
    const r = b.open();
    expect(r.pending.map((x) => x.seq)).toEqual([2, 4, 5]);
    expect(r.tails['/e']?.offset).toBe(50);
    expect(r.corrupt + r.truncated).toBe(0);
    expect(b.seq).toBe(6);
    for (const s of [2, 4, 5]) b.commit(s);
    b.appendBatch(batch(6));
    b.close();
    // Fully committed segments are deleted; only the active one remains.
    expect(readdirSync(dir).length).toBeLessThanOrEqual(2);
    expect(new WriteAheadLog(dir).open().pending.map((x) => x.seq)).toEqual([6]);
  });

  it('writes records as wal.ts lays them out: length, type, three zero bytes, SHA-256 prefix, the JSON head and the lines', () => {
    const dir = tempDir();
    const a = new WriteAheadLog(dir);
    a.open();
    // Non-ASCII and a lone surrogate: the length is the UTF-8 payload's, not the string's.
    const lines = [JSON.stringify({ ts: '2026-11-23T01:00:00Z', event: 'x', msg: 'é \u{1F4C8} \uD800' }), '{"n":2}'];
    a.appendBatch({ lines });
    a.commit(1);
    a.close();
    const buf = readFileSync(join(dir, readdirSync(dir).find((f) => f.startsWith('wal-'))!));
    const records: { type: number; payload: Buffer }[] = [];
    for (let pos = 0; pos < buf.length; ) {
      const len = buf.readUInt32BE(pos);
      const payload = buf.subarray(pos + 16, pos + 16 + len);
      expect([...buf.subarray(pos + 5, pos + 8)], 'reserved bytes').toEqual([0, 0, 0]);
      expect(buf.subarray(pos + 8, pos + 16).equals(createHash('sha256').update(payload).digest().subarray(0, 8)), 'checksum').toBe(true);
      records.push({ type: buf[pos + 4]!, payload });
      pos += 16 + len;
    }
    expect(records.map((r) => r.type)).toEqual([1, 2]);
    const [head, ...rest] = records[0]!.payload.toString('utf8').split('\n');
    expect(JSON.parse(head!)).toMatchObject({ seq: 1 });
    expect(rest).toEqual(lines.map((l) => Buffer.from(l, 'utf8').toString('utf8')));
    expect(JSON.parse(records[1]!.payload.toString('utf8'))).toMatchObject({ seq: 1 });
  });

  it('replays a batch of no lines as no lines (the joined form wrote a stray newline: one empty line)', () => {
    const dir = tempDir();
    const a = new WriteAheadLog(dir);
    a.open();
    a.appendBatch({ lines: [] });
    a.appendBatch({ lines: [''] });
    a.close();
    expect(new WriteAheadLog(dir).open().pending.map((b) => b.lines)).toEqual([[], ['']]);
  });

  it('detects a record cut short by a crash, counts it, does not replay it, and keeps appending after it', () => {
    const dir = tempDir();
    const a = new WriteAheadLog(dir);
    a.open();
    a.appendBatch(batch(1));
    a.appendBatch(batch(2));
    a.close();
    const f = join(dir, readdirSync(dir)[0]!);
    truncateSync(f, statSync(f).size - 5);
    const b = new WriteAheadLog(dir);
    const r = b.open();
    expect(r.truncated).toBe(1);
    expect(r.problems[0]).toMatch(/cut short/);
    expect(r.pending.map((x) => x.seq)).toEqual([1]);
    b.appendBatch(batch(3));
    b.close();
    const c = new WriteAheadLog(dir).open();
    expect(c.truncated).toBe(0); // the torn tail was cut off
    expect(c.pending.map((x) => x.seq)).toEqual([1, 2]); // seq 2 reused: the torn record never counted
  });

  it('detects a corrupted record by its checksum and never replays it as garbage', () => {
    const dir = tempDir();
    const a = new WriteAheadLog(dir);
    a.open();
    a.appendBatch(batch(1));
    a.appendBatch(batch(2));
    a.appendBatch(batch(3));
    a.close();
    const f = join(dir, readdirSync(dir)[0]!);
    const buf = readFileSync(f);
    const second = buf.indexOf('"seq":2');
    buf[second + 20] = buf[second + 20]! ^ 0x20; // flip a bit inside the second record's payload
    writeFileSync(f, buf);
    const r = new WriteAheadLog(dir).open();
    expect(r.corrupt).toBe(1);
    expect(r.problems[0]).toMatch(/checksum/);
    expect(r.pending.map((x) => x.seq)).toEqual([1, 3]);
  });

  it('keeps exactly the batches it acknowledged when the disk fills mid-record, and takes batches again once there is room', () => {
    // A real file-size limit (RLIMIT_FSIZE, `ulimit -f`) on a child process: the kernel writes a
    // record in part, then refuses the rest (EFBIG), as a full disk does (ENOSPC).
    const dir = tempDir();
    const wal = fileURLToPath(new URL('../../exporters/recorder/wal.ts', import.meta.url));
    const script = join(dir, 'fill.ts');
    writeFileSync(
      script,
      `import { WriteAheadLog } from ${JSON.stringify(wal)};
const w = new WriteAheadLog(process.argv[2]);
w.open();
const acked = [], errors = [];
for (let i = 1; errors.length < 3 && i < 1000; i++) {
  try { acked.push(w.appendBatch({ lines: [JSON.stringify({ n: i, pad: 'x'.repeat(700) })] }).seq); } catch (e) { errors.push(e.code); }
}
console.log(JSON.stringify({ acked, errors }));`,
    );
    const walDir = join(dir, 'wal');
    const r = spawnSync('bash', ['-c', 'trap "" XFSZ; ulimit -f 16; exec "$@"', 'fill', process.execPath, '--import', 'tsx', script, walDir], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const { acked, errors } = JSON.parse(r.stdout) as { acked: number[]; errors: string[] };
    expect(errors).toEqual(['EFBIG', 'EFBIG', 'EFBIG']);
    expect(acked.length).toBeGreaterThan(5);
    expect(acked).toEqual(acked.map((_, i) => i + 1)); // a refused batch takes no seq
    // Every segment ends on a whole record: nothing torn, and every acknowledged batch is there.
    const w = new WriteAheadLog(walDir);
    const rec = w.open();
    expect(rec.truncated + rec.corrupt, rec.problems.join('; ')).toBe(0);
    expect(rec.pending.map((b) => b.seq)).toEqual(acked);
    expect(JSON.parse(rec.pending.at(-1)!.lines[0]!)).toMatchObject({ n: acked.length });
    // With room again, the log goes on where it stopped.
    expect(w.appendBatch({ lines: ['{"n":"after"}'] }).seq).toBe(acked.length + 1);
    w.close();
    expect(new WriteAheadLog(walDir).open().pending.length).toBe(acked.length + 1);
  });
});

describe('recorder write-ahead log: the record limit', () => {
  it('refuses a batch whose record is over its limit, writes nothing of it, and takes the next batch', () => {
    const dir = tempDir();
    const wal = new WriteAheadLog(dir, 16 * 1024 * 1024, 1000);
    wal.open();
    expect(() => wal.appendBatch({ lines: [`{"n":"${'x'.repeat(1000)}"}`] })).toThrow(/record of \d+ bytes is over the limit of 1000 bytes; nothing was written/);
    const small = wal.appendBatch(batch(1));
    const reopened = new WriteAheadLog(dir).open();
    expect(reopened.pending.map((b) => [b.seq, b.lines])).toEqual([[small.seq, batch(1).lines]]);
  });
});

describe('recorder: batches bounded by the size of their lines', () => {
  it('seals at batchChars characters of lines however few the rows, and not before', async () => {
    const evs = infoEvents(40, 5, Date.UTC(2026, 10, 23, 1) / 1000);
    const chars = evs.reduce((n, e) => n + e.line.length, 0);
    for (const [batchChars, seals] of [
      [undefined, 0], // the default (64 Mi characters): 40 lines are far from it, and 1,000 rows too
      [Math.floor(chars / 4), 3], // a quarter of the 40 lines' characters: a seal about every ten lines
    ] as const) {
      const dir = tempDir();
      const store = await DuckDbStore.open(join(dir, 'audit.duckdb'));
      const wal = new WriteAheadLog(join(dir, 'wal'));
      wal.open();
      const rec = new Recorder({ store, wal, registry: new MetricRegistry(), log: captureLogging().logger('recorder'), ...(batchChars ? { batchChars } : {}) });
      let sealed = 0;
      for (const e of evs) {
        const before = wal.seq;
        rec.add(e.ev, e.line);
        rec.maybeSeal();
        if (wal.seq !== before) sealed++;
      }
      expect(sealed, String(batchChars)).toBeGreaterThanOrEqual(seals);
      if (seals === 0) expect(sealed).toBe(0);
      else expect(sealed).toBeLessThanOrEqual(4);
      rec.seal();
      await rec.drained();
      await rec.stop();
      await store.close();
    }
  });
});
