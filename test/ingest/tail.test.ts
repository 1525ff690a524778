import { appendFileSync, closeSync, copyFileSync, openSync, readFileSync, renameSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SourceSink } from '../../exporters/ingest/pipeline.js';
import { DEFAULT_IDLE_POLL_MS, DEFAULT_POLL_MS, QUIET_BYTES_PER_SECOND } from '../../exporters/ingest/limits.js';
import { FileTailer } from '../../exporters/ingest/tail.js';
import { gridDelay } from '../../exporters/lib/grid.js';
import { captureLogging, tempDir } from '../helpers/env.js';

const dir = tempDir();
let k = 0;

/** Collects what the tailer hands over. */
function collector() {
  const lines: string[] = [];
  const sink: SourceSink = {
    kind: 'file',
    origin: 'test',
    profile: 'test',
    last: { value: undefined, ts: 0, raw: undefined, info: undefined },
    bytes: () => {},
    object: () => true,
    line: (text) => lines.push(text),
    echo: (text) => lines.push(text),
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

describe('file tail: poll interval', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  /** Fake timers and clock, the clock at 0 (a multiple of every interval: the polls fall on the grid from the start). */
  const fake = () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'Date'] });
    vi.setSystemTime(0);
  };

  it('polls a quiet file every DEFAULT_IDLE_POLL_MS and a busy one every 100 ms, back to quiet when the growth falls under QUIET_BYTES_PER_SECOND', () => {
    fake();
    const f = fixture();
    const c = collector();
    const t = new FileTailer({ path: f.path }, c.sink, captureLogging().logger('ingest'));
    expect(DEFAULT_IDLE_POLL_MS).toBe(500);
    expect(DEFAULT_POLL_MS).toBe(100);
    t.start();
    vi.advanceTimersByTime(0); // the first poll: an empty file
    expect(t.interval).toBe(DEFAULT_IDLE_POLL_MS);
    f.write(5);
    vi.advanceTimersByTime(DEFAULT_IDLE_POLL_MS - 1);
    expect(c.lines).toHaveLength(0); // a quiet file is not read before its interval is up
    vi.advanceTimersByTime(1);
    expect(c.lines).toHaveLength(5);
    expect(t.interval).toBe(DEFAULT_IDLE_POLL_MS);
    // A burst: 1.5 times the quiet rate over the 500 ms waited.
    const burst = (QUIET_BYTES_PER_SECOND * DEFAULT_IDLE_POLL_MS * 1.5) / 1000;
    appendFileSync(f.path, `${JSON.stringify({ seq: 'burst', pad: 'y'.repeat(burst) })}\n`);
    vi.advanceTimersByTime(DEFAULT_IDLE_POLL_MS);
    expect(c.lines).toHaveLength(6);
    expect(t.interval).toBe(DEFAULT_POLL_MS);
    f.write(1);
    vi.advanceTimersByTime(DEFAULT_POLL_MS); // busy: read after 100 ms; one short line in 100 ms is quiet again
    expect(c.lines).toHaveLength(7);
    expect(t.interval).toBe(DEFAULT_IDLE_POLL_MS);
    // The next poll falls on the grid (t = 1500 ms), 400 ms after this one (t = 1100).
    expect(Date.now()).toBe(1100);
    f.write(1);
    vi.advanceTimersByTime(DEFAULT_IDLE_POLL_MS - 100 - 1);
    expect(c.lines).toHaveLength(7);
    vi.advanceTimersByTime(1);
    expect(c.lines).toHaveLength(8);
    // Just under the quiet rate, over the 500 ms since, stays quiet.
    appendFileSync(f.path, `${JSON.stringify({ seq: 'under', pad: 'z'.repeat((QUIET_BYTES_PER_SECOND * DEFAULT_IDLE_POLL_MS * 0.9) / 1000) })}\n`);
    vi.advanceTimersByTime(DEFAULT_IDLE_POLL_MS);
    expect(c.lines).toHaveLength(9);
    expect(t.interval).toBe(DEFAULT_IDLE_POLL_MS);
    t.stop();
  });

  it('judges the growth over the time since the last poll: a quiet rate read early on the grid is busy', () => {
    fake();
    const f = fixture();
    const c = collector();
    const t = new FileTailer({ path: f.path }, c.sink, captureLogging().logger('ingest'));
    t.start();
    vi.advanceTimersByTime(0);
    f.write(1);
    vi.advanceTimersByTime(DEFAULT_IDLE_POLL_MS); // t = 500
    appendFileSync(f.path, `${JSON.stringify({ seq: 'burst', pad: 'y'.repeat((QUIET_BYTES_PER_SECOND * DEFAULT_IDLE_POLL_MS * 1.5) / 1000) })}\n`);
    vi.advanceTimersByTime(DEFAULT_IDLE_POLL_MS); // t = 1000: busy
    expect(t.interval).toBe(DEFAULT_POLL_MS);
    vi.advanceTimersByTime(DEFAULT_POLL_MS); // t = 1100: nothing new, quiet; the next poll at 1500
    expect(t.interval).toBe(DEFAULT_IDLE_POLL_MS);
    // 0.9 of the quiet rate over 500 ms, read 400 ms after the last poll: 1.125 times the rate.
    appendFileSync(f.path, `${JSON.stringify({ seq: 'early', pad: 'z'.repeat((QUIET_BYTES_PER_SECOND * DEFAULT_IDLE_POLL_MS * 0.9) / 1000) })}\n`);
    vi.advanceTimersByTime(400);
    expect(c.lines).toHaveLength(3);
    expect(t.interval).toBe(DEFAULT_POLL_MS);
    t.stop();
  });

  it('polls on multiples of the interval on the wall clock, so tailers started apart poll at the same instants', () => {
    fake();
    const log = captureLogging().logger('ingest');
    const fa = fixture();
    const fb = fixture();
    const ca = collector();
    const cb = collector();
    const a = new FileTailer({ path: fa.path }, ca.sink, log);
    a.start();
    vi.advanceTimersByTime(130);
    const b = new FileTailer({ path: fb.path }, cb.sink, log);
    b.start(); // its first poll at 130 ms, then on the grid: 500, 1000, ...
    vi.advanceTimersByTime(0);
    expect(gridDelay(DEFAULT_IDLE_POLL_MS, Date.now())).toBe(370);
    for (const at of [500, 1000, 1500]) {
      fa.write(1);
      fb.write(1);
      vi.advanceTimersByTime(at - 1 - Date.now());
      const before = [ca.lines.length, cb.lines.length];
      vi.advanceTimersByTime(1);
      expect([ca.lines.length - before[0]!, cb.lines.length - before[1]!]).toEqual([1, 1]); // both read at `at`, not before
    }
    // A busy tailer's 100 ms grid holds every instant of the quiet 500 ms one.
    expect(gridDelay(100, 1530)).toBe(70);
    expect(gridDelay(100, 1600)).toBe(100); // on the grid: a full interval, never 0
    expect(gridDelay(500, -10)).toBe(10);
    a.stop();
    b.stop();
  });

  it('keeps a pollMs it was given at every rate, unless idlePollMs is given too (never below pollMs)', () => {
    fake();
    const f = fixture();
    const c = collector();
    const log = captureLogging().logger('ingest');
    const fixed = new FileTailer({ path: f.path, pollMs: 40 }, c.sink, log);
    expect(fixed.idlePollMs).toBe(40);
    fixed.start();
    vi.advanceTimersByTime(0);
    f.write(3);
    vi.advanceTimersByTime(40);
    expect(c.lines).toHaveLength(3);
    expect(fixed.interval).toBe(40);
    fixed.stop();
    expect(new FileTailer({ path: f.path, pollMs: 40, idlePollMs: 300 }, c.sink, log).idlePollMs).toBe(300);
    expect(new FileTailer({ path: f.path, pollMs: 400, idlePollMs: 300 }, c.sink, log).idlePollMs).toBe(400);
    expect(new FileTailer({ path: f.path, idlePollMs: 2000 }, c.sink, log).idlePollMs).toBe(2000);
  });

  it('polls every pollMs while its consumer pauses reading, to resume promptly', () => {
    fake();
    const f = fixture();
    const c = collector();
    let full = true;
    const t = new FileTailer({ path: f.path, paused: () => full }, c.sink, captureLogging().logger('ingest'));
    t.start();
    f.write(4);
    vi.advanceTimersByTime(0);
    expect(c.lines).toHaveLength(0);
    expect(t.interval).toBe(DEFAULT_POLL_MS);
    full = false;
    vi.advanceTimersByTime(DEFAULT_POLL_MS);
    expect(c.lines).toHaveLength(4);
    expect(t.interval).toBe(DEFAULT_IDLE_POLL_MS);
    t.stop();
  });
});
