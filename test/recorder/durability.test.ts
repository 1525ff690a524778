/**
 * The recorder loses no acknowledged event and writes none twice when it is SIGKILLed at random
 * moments (mid-batch) and restarted: the rows per table in the embedded store equal the rows the
 * events produce, with no duplicates, and every audit table's hash chain verifies whole.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { HftEvent } from '../../exporters/events/index.js';
import { runScenario } from '../../exporters/hft/simulator/run.js';
import { scenarioByName } from '../../exporters/hft/simulator/scenarios/index.js';
import { FileSink } from '../../exporters/hft/simulator/sinks.js';
import { verifyStore } from '../../exporters/recorder/verify.js';
import { rowsFor } from '../../exporters/recorder/rows.js';
import { DuckDbStore } from '../../exporters/recorder/stores/duckdb.js';
import { TABLES } from '../../exporters/catalog/tables.js';
import { tempDir } from '../helpers/env.js';

const CHILD = fileURLToPath(new URL('./fixtures/run-recorder.ts', import.meta.url));

function runChild(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  // A wait that runs out must not leave the child recording through the rest of the run.
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const until = async (word: string, ms: number, enough: () => boolean = () => false) => {
    const t0 = Date.now();
    while (!out.includes(word) && !enough()) {
      if (Date.now() - t0 > ms || child.exitCode !== null) throw new Error(`child did not print ${word}:\n${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { child, exited, until, out: () => out };
}

describe('recorder durability', () => {
  // The time-out covers every wait inside (5 x (60 + 60 + 0.9) s + 120 s, plus checks), so on a busy
  // machine the message names the wait that ran out rather than the test's own time-out.
  it('survives SIGKILL at random moments: every row once, none lost', { timeout: 800_000 }, async () => {
    const dir = tempDir();
    const events = join(dir, 'events.ndjson');
    // The engine appends while the recorder runs and is killed, as in production, until the last kill
    // or 600 simulated seconds (50 s at full speed), whichever comes first: restarts resume in the
    // middle of a file that is still growing, and a busy machine that starts each child slowly does
    // not also get more lines to drain (unbounded, a clean-clone run under load wrote for minutes).
    const sink = new FileSink(events);
    const engine = new AbortController();
    onTestFinished(() => engine.abort());
    const writing = runScenario({ scenario: scenarioByName('storm-halt'), seed: 5, start: Date.UTC(2026, 10, 23, 1) / 1000, speed: 12, duration: 600 }, sink, engine.signal).then(() => sink.close());
    // Past the writer's cap a child may resume at the end of the finished file: it then has nothing
    // to do and prints no progress, and there is nothing to kill it in the middle of.
    let written = false;
    void writing.then(() => {
      written = true;
    });
    const db = join(dir, 'audit.duckdb');
    const data = join(dir, 'data');
    // Kill it five times at random moments while it works through the file.
    let seed = 11;
    const resumed: number[] = [];
    for (let k = 0; k < 5; k++) {
      const c = runChild([events, data, db]);
      await c.until('ready', 60_000);
      const at = Number(/resume offset=(\d+)/.exec(c.out())![1]);
      await c.until('progress', 60_000, () => written && at >= statSync(events).size);
      resumed.push(at);
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      await new Promise((r) => setTimeout(r, 150 + (seed % 700)));
      c.child.kill('SIGKILL');
      await c.exited;
    }
    engine.abort();
    await writing;
    const size = readFileSync(events).length;
    const expected = new Map<string, number>(TABLES.map((t) => [t.name, 0]));
    for (const line of readFileSync(events, 'utf8').split('\n').filter(Boolean)) {
      for (const [t] of rowsFor(JSON.parse(line) as HftEvent)) expected.set(t, expected.get(t)! + 1);
    }
    const last = runChild([events, data, db, '--until-drained']);
    await last.until('drained', 120_000);
    expect(await last.exited).toBe(0);
    resumed.push(Number(/resume offset=(\d+)/.exec(last.out())![1]));
    // The kills landed while the file was being worked through, not before or after.
    expect(resumed.filter((o) => o > 0 && o < size).length, `resume offsets ${resumed.join(', ')} of ${size}`).toBeGreaterThanOrEqual(2);

    const store = await DuckDbStore.open(db);
    try {
      await store.init(TABLES);
      const conn0 = (store as unknown as { conn: { runAndReadAll(sql: string): Promise<{ getRowObjects(): Record<string, unknown>[] }> } }).conn;
      const counts: string[] = [];
      for (const t of TABLES) counts.push(`${t.name}: ${await store.count(t.name)} of ${expected.get(t.name)}`);
      const dups = await conn0.runAndReadAll(`SELECT event, batch_token, count(*) AS n FROM audit_orders GROUP BY fields, event, batch_token HAVING count(*) > 1 LIMIT 5`);
      const dupTokens = await conn0.runAndReadAll(`SELECT a.batch_token AS t1, b.batch_token AS t2, count(*) AS n FROM audit_orders a JOIN audit_orders b ON a.fields = b.fields AND a.batch_token < b.batch_token GROUP BY 1, 2 LIMIT 5`);
      const detail = `${counts.join('; ')}\n${JSON.stringify(dups.getRowObjects(), (_k, v) => (typeof v === 'bigint' ? String(v) : v))}\n${JSON.stringify(dupTokens.getRowObjects(), (_k, v) => (typeof v === 'bigint' ? String(v) : v))}\nresumed ${resumed.join(', ')}`;
      for (const t of TABLES) {
        const n = await store.count(t.name);
        expect(n, `${t.name}\n${detail}`).toBe(expected.get(t.name));
      }
      // No row twice: the full event JSON is unique per row within a table.
      const conn = (store as unknown as { conn: { runAndReadAll(sql: string): Promise<{ getRowObjects(): Record<string, unknown>[] }> } }).conn;
      for (const t of TABLES) {
        const r = await conn.runAndReadAll(`SELECT count(*) - count(DISTINCT fields) AS dup FROM ${t.name}`);
        expect(Number(r.getRowObjects()[0]!.dup), t.name).toBe(0);
      }
      // Replays after the kills rebuilt the very rows first sealed: every audit chain is whole.
      for (const r of await verifyStore(store, TABLES)) {
        expect(r.problems, r.table).toEqual([]);
        expect(r.head.seq, r.table).toBe(expected.get(r.table));
      }
      expect(expected.get('logs')).toBeGreaterThan(5000);
      expect(expected.get('audit_guardrail_transitions')).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });
});
