/**
 * `--batch-ms`, `--idle-batch-ms`, `--idle-poll-ms` and `--duckdb-threads` reach the recorder (and
 * `--idle-poll-ms` the HFT exporter), from `tickwatch recorder` and from `tickwatch start`, and bad
 * values are refused; a quiet engine's batches are sealed every idle interval, a busy one's every
 * batch interval.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_IDLE_POLL_MS } from '../../exporters/ingest/limits.js';
import { CLI_ENTRY } from '../../exporters/lib/paths.js';
import { BATCH_MS_HELP, DUCKDB_THREADS_HELP, IDLE_BATCH_MS_HELP } from '../../exporters/recorder/cli.js';
import { DEFAULT_DUCKDB_THREADS } from '../../exporters/recorder/stores/duckdb.js';
import { DEFAULT_BATCH_MS, DEFAULT_IDLE_BATCH_MS, QUIET_LINES_PER_SECOND, startRecorderService } from '../../exporters/recorder/service.js';
import { DuckDbStore } from '../../exporters/recorder/stores/duckdb.js';
import { parseExposition, valueOf } from '../helpers/exposition.js';
import { ORDER_SUBMITTED } from './fixtures/events.js';
import { captureLogging, tempDir } from '../helpers/env.js';

/** Runs the CLI until its recorder logs `recorder.started`; returns that log record. */
async function startedRecord(args: readonly string[]): Promise<Record<string, unknown>> {
  return (await startedRecords(args, ['recorder.started']))['recorder.started']!;
}

/** Runs the CLI until it has logged every one of `events`; returns those log records by event. */
async function startedRecords(args: readonly string[], events: readonly string[]): Promise<Record<string, Record<string, unknown>>> {
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not all of ${events.join(', ')} logged within 60 s; output:\n${out}`)), 60_000);
      const look = (d: Buffer) => {
        out += d.toString();
        const found: Record<string, Record<string, unknown>> = {};
        for (const e of events) {
          const line = out.split('\n').find((l) => l.includes(`"event":"${e}"`));
          if (line) found[e] = JSON.parse(line) as Record<string, unknown>;
        }
        if (Object.keys(found).length === events.length) {
          clearTimeout(timer);
          resolve(found);
        }
      };
      child.stdout.on('data', look);
      child.stderr.on('data', look);
      child.once('exit', (code) => reject(new Error(`exited with ${code} before recorder.started:\n${out}`)));
    });
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r)));
  }
}

describe('--batch-ms and --duckdb-threads', () => {
  it('sets the intervals and DuckDB threads of tickwatch recorder and of the recorder and exporter tickwatch start runs', { timeout: 150_000 }, async () => {
    const dir = tempDir();
    const events = join(dir, 'events.ndjson');
    writeFileSync(events, '');
    const rec = await startedRecord(['recorder', '--events', events, '--port', '0', '--query-port', '0', '--data-dir', join(dir, 'rec'), '--batch-ms', '2500', '--duckdb-threads', '3', '--idle-poll-ms', '750']);
    expect(rec.batch_ms).toBe(2500);
    expect(rec.poll_ms).toBe(100);
    expect(rec.idle_poll_ms).toBe(750);
    expect(rec.idle_batch_ms).toBe(2500); // --batch-ms alone holds at every rate
    expect(rec.duckdb_threads).toBe(3); // as DuckDB reports it
    const dflt = await startedRecord(['recorder', '--events', events, '--port', '0', '--query-port', '0', '--data-dir', join(dir, 'rec2')]);
    expect(dflt.batch_ms).toBe(DEFAULT_BATCH_MS);
    expect(dflt.idle_batch_ms).toBe(DEFAULT_IDLE_BATCH_MS);
    expect(dflt.idle_poll_ms).toBe(DEFAULT_IDLE_POLL_MS);
    expect(IDLE_BATCH_MS_HELP).toContain(`(default ${DEFAULT_IDLE_BATCH_MS}, or --batch-ms when that is given)`);
    expect(IDLE_BATCH_MS_HELP).toContain(`under ${QUIET_LINES_PER_SECOND} lines/s`);
    expect(dflt.duckdb_threads).toBe(DEFAULT_DUCKDB_THREADS);
    expect(BATCH_MS_HELP).toContain(`default ${DEFAULT_BATCH_MS})`); // the help states the default the service uses
    expect(DUCKDB_THREADS_HELP).toContain(`(default ${DEFAULT_DUCKDB_THREADS}:`);
    const logged = await startedRecords(['start', '--no-simulator', '--no-host', '--no-tcp', '--events', events, '--port', '0', '--recorder-port', '0', '--query-port', '0', '--data-dir', join(dir, 'start'), '--batch-ms', '4000', '--idle-batch-ms', '9000', '--duckdb-threads', '2', '--idle-poll-ms', '1200'], ['recorder.started', 'hft.started']);
    const start = logged['recorder.started']!;
    expect(start.batch_ms).toBe(4000);
    expect(start.idle_batch_ms).toBe(9000);
    expect(start.duckdb_threads).toBe(2);
    expect(start.idle_poll_ms).toBe(1200);
    expect(logged['hft.started']!.idle_poll_ms).toBe(1200);
    expect(logged['hft.started']!.poll_ms).toBe(100);
  });

  it('refuses a --batch-ms or --idle-poll-ms that is not a positive number of milliseconds and a --duckdb-threads that is not a positive integer', () => {
    for (const bad of ['0', '-5', '1.5', 'soon']) {
      const r = spawnSync(process.execPath, [CLI_ENTRY, 'recorder', '--events', '/nonexistent', '--batch-ms', bad], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, bad).not.toBe(0);
      expect(r.stderr, bad).toContain('a positive number of milliseconds');
    }
    for (const bad of ['0', '-1', '1.5', 'all']) {
      const r = spawnSync(process.execPath, [CLI_ENTRY, 'start', '--no-simulator', '--duckdb-threads', bad], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, bad).not.toBe(0);
      expect(r.stderr, bad).toContain('--duckdb-threads is an integer >= 1');
    }
    const r = spawnSync(process.execPath, [CLI_ENTRY, 'hft', '--no-tcp', '--idle-poll-ms', '0'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("option '--idle-poll-ms <ms>' argument '0' is invalid. a positive number of milliseconds");
  });

  it('seals a quiet engine\'s batches every --idle-batch-ms and a busy one\'s every --batch-ms', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const events = join(dir, 'events.ndjson');
    writeFileSync(events, '');
    /** Batches sealed while `perTick` events are added every 100 ms, 30 times, and the seconds that took. */
    const batches = async (name: string, perTick: number, o: { batchMs?: number; idleBatchMs?: number }): Promise<{ n: number; secs: number }> => {
      const store = await DuckDbStore.open(':memory:');
      const svc = await startRecorderService({ events, dataDir: join(dir, name), store, port: 0, ...o }, captureLogging());
      try {
        const sealed = async () => valueOf(parseExposition(await (await fetch(`${svc.metrics.url}/metrics`)).text()), 'hft_recorder_batches_total');
        const before = await sealed();
        const t0 = performance.now();
        for (let t = 0; t < 30; t++) {
          for (let i = 0; i < perTick; i++) svc.add(ORDER_SUBMITTED, 0, undefined, { format: 'tickwatch', mapped: false } as never);
          await new Promise((r) => setTimeout(r, 100));
        }
        return { n: (await sealed()) - before, secs: (performance.now() - t0) / 1000 };
      } finally {
        await svc.close();
        await store.close();
      }
    };
    const rateQuiet = 10 * 2; // 20 events/s
    const rateBusy = 10 * 150; // 1,500 events/s
    expect(rateQuiet).toBeLessThan(QUIET_LINES_PER_SECOND);
    expect(rateBusy).toBeGreaterThan(QUIET_LINES_PER_SECOND);
    const quiet = await batches('quiet', 2, { batchMs: 200, idleBatchMs: 1000 });
    const busy = await batches('busy', 150, { batchMs: 200, idleBatchMs: 1000 });
    const given = await batches('given', 2, { batchMs: 200 });
    // Every 1 s while quiet (a timer late on a busy machine makes fewer, never more), every 200 ms when
    // busy or given alone (at least half as many, however late the timers).
    expect(quiet.n, `quiet, ${quiet.secs.toFixed(1)} s`).toBeGreaterThanOrEqual(Math.floor(quiet.secs) - 1);
    expect(quiet.n, `quiet, ${quiet.secs.toFixed(1)} s`).toBeLessThanOrEqual(Math.floor(quiet.secs) + 1);
    expect(busy.n, `busy, ${busy.secs.toFixed(1)} s`).toBeGreaterThanOrEqual(busy.secs / 0.2 / 2);
    expect(given.n, `--batch-ms alone, ${given.secs.toFixed(1)} s`).toBeGreaterThanOrEqual(given.secs / 0.2 / 2);
  });
});
