/**
 * Recorder.prepare: the store's tables are created at start-up, before a source is read, once.
 * A tailer catching up with a backlog yields the event loop once a poll, and each DDL statement is
 * a round trip to the store: created lazily, the first batch waited behind the whole backlog
 * (recorder.ts, Recorder.prepare). A store that fails or does not answer is left to the first
 * write, which retries as before, and two creations never run at once.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TABLES } from '../../exporters/catalog/tables.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { Recorder } from '../../exporters/recorder/recorder.js';
import { startRecorderService } from '../../exporters/recorder/service.js';
import { DuckDbStore } from '../../exporters/recorder/stores/duckdb.js';
import type { AuditStore } from '../../exporters/recorder/stores/store.js';
import { WriteAheadLog } from '../../exporters/recorder/wal.js';
import { captureLogging, tempDir } from '../helpers/env.js';
import { ORDER_SUBMITTED } from './fixtures/events.js';

const dir = tempDir('tickwatch-prepare-');

/** A real in-memory DuckDB store whose `init` is counted, and held or failed while `gate` says so. */
async function gatedStore(gate: { hold?: Promise<void>; fail?: number } = {}): Promise<{ store: AuditStore; inits: () => number; inFlight: () => number; close: () => Promise<void> }> {
  const real = await DuckDbStore.open(':memory:');
  let inits = 0;
  let inFlight = 0;
  const store = new Proxy(real, {
    get(t, k) {
      if (k === 'init')
        return async (tables: typeof TABLES) => {
          inits++;
          inFlight++;
          try {
            if (gate.hold) await gate.hold;
            if (gate.fail && gate.fail-- > 0) throw new Error('store refused (test)');
            await t.init(tables);
          } finally {
            inFlight--;
          }
        };
      const v = Reflect.get(t, k) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  }) as AuditStore;
  return { store, inits: () => inits, inFlight: () => inFlight, close: () => real.close() };
}

const EV = ORDER_SUBMITTED;

function recorderOn(store: AuditStore, name: string): Recorder {
  const wal = new WriteAheadLog(join(dir, name));
  wal.open();
  return new Recorder({ store, wal, registry: new MetricRegistry(), log: captureLogging().logger('recorder'), retryStartMs: 10, retryMaxMs: 50 });
}

describe('Recorder.prepare', () => {
  it('creates the tables once: the first batch does not create them again', async () => {
    const s = await gatedStore();
    const rec = recorderOn(s.store, 'once');
    expect(await rec.prepare()).toBe(true);
    expect(s.inits()).toBe(1);
    rec.add(EV, JSON.stringify(EV));
    expect(rec.seal()).toBeDefined();
    await rec.drained();
    expect(s.inits()).toBe(1);
    expect(await s.store.count('logs')).toBe(1);
    await rec.stop();
    await s.close();
  });

  it('returns false on a store that refuses, and the first write creates the tables, retrying', async () => {
    const s = await gatedStore({ fail: 2 });
    const rec = recorderOn(s.store, 'refused');
    expect(await rec.prepare()).toBe(false);
    rec.add(EV, JSON.stringify(EV));
    rec.seal();
    await rec.drained();
    expect(s.inits()).toBe(3); // prepare's, the first write's (refused), the retry's
    expect(await s.store.count('logs')).toBe(1);
    await rec.stop();
    await s.close();
  });

  it('gives up waiting after waitMs on a store that does not answer, and never runs two creations at once', async () => {
    let release!: () => void;
    const s = await gatedStore({ hold: new Promise<void>((r) => (release = r)) });
    const rec = recorderOn(s.store, 'slow');
    const t0 = performance.now();
    expect(await rec.prepare(100)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(5_000);
    // A batch sealed now waits for the creation already under way instead of starting another.
    rec.add(EV, JSON.stringify(EV));
    rec.seal();
    await new Promise((r) => setTimeout(r, 200));
    expect(s.inits()).toBe(1);
    expect(s.inFlight()).toBe(1);
    release();
    await rec.drained();
    expect(s.inits()).toBe(1);
    expect(await s.store.count('logs')).toBe(1);
    await rec.stop();
    await s.close();
  });

  it('is run by the recorder service before it reads a source, on a restart too (the log holds the chain heads)', { timeout: 60_000 }, async () => {
    const events = join(dir, 'engine.ndjson');
    writeFileSync(events, `${JSON.stringify({ ts: '2026-12-03T12:00:00.000Z', level: 'warn', component: 'risk_engine', event: 'risk.limit_near', message: 'position at 90 % of its limit' })}\n`);
    const s = await gatedStore();
    const logging = captureLogging();
    for (const run of [1, 2]) {
      const before = s.inits();
      const svc = await startRecorderService({ events, dataDir: join(dir, 'svc'), store: s.store, port: 0, batchMs: 60_000 }, logging);
      // Resolved: the tables were created, though no batch has been sealed (batchMs is a minute).
      expect(s.inits() - before, `run ${run}`).toBeGreaterThanOrEqual(1);
      if (run === 1) {
        // A batch in the log, so that the restart takes its chain heads from there, not from the store.
        const t0 = performance.now();
        while (svc.tailers[0]!.lines < 1 && performance.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 20));
        expect(svc.recorder.seal(), 'the line read and sealed within 30 s').toBeDefined();
        await svc.recorder.drained();
      }
      await svc.close();
    }
    await s.close();
  });
});
