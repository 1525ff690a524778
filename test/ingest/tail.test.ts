import { appendFileSync, closeSync, copyFileSync, openSync, readFileSync, renameSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SourceSink } from '../../exporters/ingest/pipeline.js';
import { FileTailer } from '../../exporters/ingest/tail.js';
import { captureLogging, tempDir } from '../helpers/env.js';

const dir = tempDir();
let k = 0;

/** Collects what the tailer hands over. */
function collector() {
  const lines: string[] = [];
  const sink: SourceSink = {
    kind: 'file',
    origin: 'test',
    bytes: () => {},
    object: () => true,
    line: (text) => lines.push(text),
    oversize: () => lines.push('<oversize>'),
  };
  return { lines, sink };
}

/** A file and a writer of numbered lines. */
function fixture() {
  const path = join(dir, `events-${++k}.ndjson`);
  writeFileSync(path, '');
  let seq = 0;
  const written: string[] = [];
  const write = (n: number, target = path) => {
    let chunk = '';
    for (let i = 0; i < n; i++) {
      const l = `{"seq":${++seq},"pad":"${'x'.repeat(seq % 17)}"}`;
      written.push(l);
      chunk += `${l}\n`;
    }
    appendFileSync(target, chunk);
  };
  const tail = (statePath?: string, saveEveryMs?: number) => {
    const c = collector();
    const t = new FileTailer({ path, statePath, pollMs: 1_000_000, saveEveryMs }, c.sink, captureLogging().logger('ingest'));
    return { t, lines: c.lines };
  };
  return { path, write, written, tail };
}

function expectExactlyOnce(got: readonly string[], written: readonly string[]): void {
  expect(got.length).toBe(written.length);
  expect(new Set(got).size).toBe(got.length);
  expect([...got].sort()).toEqual([...written].sort());
}

describe('file tail', () => {
  it('joins a line written in two parts and reads appends', () => {
    const f = fixture();
    const { t, lines } = f.tail();
    t.start();
    appendFileSync(f.path, '{"seq":0,');
    t.pollNow();
    expect(lines).toEqual([]);
    appendFileSync(f.path, '"half":true}\n');
    f.write(100);
    t.pollNow();
    expect(lines[0]).toBe('{"seq":0,"half":true}');
    expect(lines).toHaveLength(101);
    t.stop();
  });

  it('survives rename rotation, including lines the writer appends to the old file after the rename', () => {
    const f = fixture();
    const { t, lines } = f.tail();
    t.start();
    f.write(500);
    t.pollNow();
    f.write(200); // not yet read when the rotation happens
    const oldFd = openSync(f.path, 'a');
    renameSync(f.path, `${f.path}.1`);
    writeSync(oldFd, `{"seq":"late-1"}\n`); // a writer that has not reopened yet
    f.written.push('{"seq":"late-1"}');
    writeFileSync(f.path, '');
    f.write(300);
    t.pollNow(); // sees the rotation
    writeSync(oldFd, `{"seq":"late-2"}\n`); // still appending to the renamed file
    f.written.push('{"seq":"late-2"}');
    closeSync(oldFd);
    for (let i = 0; i < 4; i++) t.pollNow();
    f.write(50);
    t.pollNow();
    expectExactlyOnce(lines, f.written);
    expect(t.seen.rotations).toBe(1);
    t.stop();
  });

  it('survives copytruncate, recovering the lines it had not read from the rotated copy', () => {
    const f = fixture();
    const { t, lines } = f.tail();
    t.start();
    f.write(400);
    t.pollNow();
    f.write(250); // written after our last read: only the copy will have them
    copyFileSync(f.path, `${f.path}.1`);
    truncateSync(f.path, 0);
    f.write(700); // more bytes than before the truncation: size alone would not show it
    t.pollNow();
    t.pollNow();
    expectExactlyOnce(lines, f.written);
    expect(t.seen.truncations).toBe(1);
    expect(t.seen.recoveredBytes).toBeGreaterThan(0);
    t.stop();
  });

  it('reads a truncated file again from the start', () => {
    const f = fixture();
    const { t, lines } = f.tail();
    t.start();
    f.write(100);
    t.pollNow();
    truncateSync(f.path, 0);
    f.write(30);
    t.pollNow();
    expectExactlyOnce(lines, f.written);
    expect(t.seen.truncations).toBe(1);
    t.stop();
  });

  it('resumes from the saved offset after a restart, without re-reading or skipping a line', () => {
    const f = fixture();
    const state = join(dir, `state-${k}.json`);
    const a = f.tail(state);
    a.t.start();
    f.write(300);
    appendFileSync(f.path, '{"seq":"partial",'); // an unfinished line at shutdown
    a.t.pollNow();
    a.t.stop();
    appendFileSync(f.path, '"done":1}\n');
    f.written.push('{"seq":"partial","done":1}');
    f.write(200);
    const b = f.tail(state);
    b.t.start();
    b.t.pollNow();
    expect(a.lines).toHaveLength(300);
    expectExactlyOnce([...a.lines, ...b.lines], f.written);
    b.t.stop();
  });

  it('saves a changed position at most once per saveEveryMs while reading, always on stop; after a crash it reads again, never skips', () => {
    const f = fixture();
    const state = join(dir, 'nested', `state-${k}.json`); // its folder is made on the first save
    const offset = () => (JSON.parse(readFileSync(state, 'utf8')) as { offset: number }).offset;
    const a = f.tail(state, 60_000);
    a.t.start();
    f.write(100);
    a.t.pollNow(); // the first save
    const first = statSync(f.path).size;
    expect(offset()).toBe(first);
    f.write(50);
    a.t.pollNow(); // within saveEveryMs: not saved again
    expect(a.lines).toHaveLength(150);
    expect(offset()).toBe(first);
    // A crash now (no stop): a restart reads the last 50 lines again and skips none.
    const crashed = f.tail(state);
    crashed.t.start();
    crashed.t.pollNow();
    expect(crashed.lines).toEqual(f.written.slice(100));
    crashed.t.stop();
    a.t.stop(); // stop saves the position it reached
    expect(offset()).toBe(statSync(f.path).size);
    // With saveEveryMs 0 every changed position is saved at the poll that reached it.
    const b = f.tail(state, 0);
    b.t.start();
    f.write(20);
    b.t.pollNow();
    expect(b.lines).toEqual(f.written.slice(150));
    expect(offset()).toBe(statSync(f.path).size);
    b.t.stop();
  });

  it('resumes through a rotation that happened while it was down', () => {
    const f = fixture();
    const state = join(dir, `state-${k}.json`);
    const a = f.tail(state);
    a.t.start();
    f.write(120);
    a.t.pollNow();
    a.t.stop();
    f.write(80); // unread, then rotated away
    renameSync(f.path, `${f.path}.1`);
    writeFileSync(f.path, '');
    f.write(60);
    const b = f.tail(state);
    b.t.start();
    b.t.pollNow();
    expectExactlyOnce([...a.lines, ...b.lines], f.written);
    b.t.stop();
  });

  it('resumes through a copytruncate that happened while it was down', () => {
    const f = fixture();
    const state = join(dir, `state-${k}.json`);
    const a = f.tail(state);
    a.t.start();
    f.write(120);
    a.t.pollNow();
    a.t.stop();
    f.write(90);
    copyFileSync(f.path, `${f.path}.1`);
    truncateSync(f.path, 0);
    f.write(40);
    const b = f.tail(state);
    b.t.start();
    b.t.pollNow();
    expectExactlyOnce([...a.lines, ...b.lines], f.written);
    b.t.stop();
  });
});
