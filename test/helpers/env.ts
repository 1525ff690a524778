/** Test scaffolding: temp folders, captured logs, a registry rendered in-thread. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll } from 'vitest';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { SeriesView } from '../../exporters/instrument/view.js';
import { createLogging, type Logging } from '../../exporters/lib/log.js';
import { parseExposition, type Sample } from './exposition.js';

/** Folders {@link tempDir} made for the test file being run. */
const made: string[] = [];
// One hook, registered when a test file first imports this module (vitest evaluates it anew for each
// file, while it collects the file's tests). tempDir used to register its own `afterAll` on each call,
// and vitest does not run a hook registered inside a running test: every folder made in a test body
// was left behind (about 90 a `.ci/run`, 3.1 GB of them in /tmp on 7 December 2026).
afterAll(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temp folder removed after the file's tests, whether made while they are collected or inside one. */
export function tempDir(prefix = 'tickwatch-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** Logging into memory: `lines` holds every record. */
export function captureLogging(): Logging & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _e, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return Object.assign(createLogging({ service: 'test', destination, levels: { default: 'debug' } }), { lines });
}

/** Renders a registry in this thread and parses the exposition. */
export async function samplesOf(reg: MetricRegistry): Promise<Sample[]> {
  const view = new SeriesView();
  reg.subscribe((m) => view.apply(m));
  return parseExposition((await view.render()).body);
}
