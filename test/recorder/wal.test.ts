import { readdirSync, readFileSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WriteAheadLog } from '../../exporters/recorder/wal.js';
import { tempDir } from '../helpers/env.js';

const batch = (i: number) => ({ lines: [JSON.stringify({ ts: '2026-11-23T01:00:00Z', event: 'x', n: i }), `{"n":${i}}`] });

describe('recorder write-ahead log (the spool)', () => {
  it('replays uncommitted batches in order after a restart, and forgets committed ones', () => {
    const dir = tempDir();
    const a = new WriteAheadLog(dir, 200);
    expect(a.open().pending).toEqual([]);
    const seqs = [1, 2, 3, 4, 5].map((i) => a.appendBatch({ ...batch(i), tail: { path: '/e', dev: 1, ino: 2, offset: i * 10, head: '' } }).seq);
    a.commit(seqs[0]!);
    a.commit(seqs[2]!);
    a.close();
    const b = new WriteAheadLog(dir, 200);
    const r = b.open();
    expect(r.pending.map((x) => x.seq)).toEqual([2, 4, 5]);
    expect(r.tail?.offset).toBe(50);
    expect(r.corrupt + r.truncated).toBe(0);
    expect(b.seq).toBe(6);
    for (const s of [2, 4, 5]) b.commit(s);
    b.appendBatch(batch(6));
    b.close();
    // Fully committed segments are deleted; only the active one remains.
    expect(readdirSync(dir).length).toBeLessThanOrEqual(2);
    expect(new WriteAheadLog(dir).open().pending.map((x) => x.seq)).toEqual([6]);
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
});
