/**
 * `--batch-ms` and `--duckdb-threads` reach the recorder, from `tickwatch recorder` and from
 * `tickwatch start`, and bad values are refused.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_ENTRY } from '../../exporters/lib/paths.js';
import { BATCH_MS_HELP, DUCKDB_THREADS_HELP } from '../../exporters/recorder/cli.js';
import { DEFAULT_DUCKDB_THREADS } from '../../exporters/recorder/stores/duckdb.js';
import { DEFAULT_BATCH_MS } from '../../exporters/recorder/service.js';
import { tempDir } from '../helpers/env.js';

/** Runs the CLI until its recorder logs `recorder.started`; returns that log record. */
async function startedRecord(args: readonly string[]): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no recorder.started within 60 s; output:\n${out}`)), 60_000);
      const look = (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.includes('"event":"recorder.started"'));
        if (line) {
          clearTimeout(timer);
          resolve(JSON.parse(line) as Record<string, unknown>);
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
  it('sets the interval and DuckDB threads of tickwatch recorder and of the recorder tickwatch start runs', { timeout: 150_000 }, async () => {
    const dir = tempDir();
    const events = join(dir, 'events.ndjson');
    writeFileSync(events, '');
    const rec = await startedRecord(['recorder', '--events', events, '--port', '0', '--query-port', '0', '--data-dir', join(dir, 'rec'), '--batch-ms', '2500', '--duckdb-threads', '3']);
    expect(rec.batch_ms).toBe(2500);
    expect(rec.duckdb_threads).toBe(3); // as DuckDB reports it
    const dflt = await startedRecord(['recorder', '--events', events, '--port', '0', '--query-port', '0', '--data-dir', join(dir, 'rec2')]);
    expect(dflt.batch_ms).toBe(DEFAULT_BATCH_MS);
    expect(dflt.duckdb_threads).toBe(DEFAULT_DUCKDB_THREADS);
    expect(BATCH_MS_HELP).toContain(`default ${DEFAULT_BATCH_MS})`); // the help states the default the service uses
    expect(DUCKDB_THREADS_HELP).toContain(`(default ${DEFAULT_DUCKDB_THREADS}:`);
    const start = await startedRecord(['start', '--no-simulator', '--no-host', '--no-tcp', '--events', events, '--port', '0', '--recorder-port', '0', '--query-port', '0', '--data-dir', join(dir, 'start'), '--batch-ms', '4000', '--duckdb-threads', '2']);
    expect(start.batch_ms).toBe(4000);
    expect(start.duckdb_threads).toBe(2);
  });

  it('refuses a --batch-ms that is not a positive number of milliseconds and a --duckdb-threads that is not a positive integer', () => {
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
  });
});
