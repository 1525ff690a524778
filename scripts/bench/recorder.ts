/**
 * Recorder throughput: rows/s into each store through the recorder (event to rows, batching,
 * write-ahead log with fsync, idempotent insert) beside a bare insert of the same rows in batches of
 * the same size through the same client, in the same run. Target (issue 7): recorder overhead at
 * most 20 %.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HftEvent } from '../../exporters/hft/events/index.js';
import { generate } from '../../exporters/hft/simulator/run.js';
import { scenarioByName } from '../../exporters/hft/simulator/scenarios/index.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { createLogging } from '../../exporters/lib/log.js';
import { Recorder } from '../../exporters/recorder/recorder.js';
import { rowsFor, type Row } from '../../exporters/recorder/rows.js';
import { chdbTransport } from '../../exporters/recorder/stores/chdb.js';
import { ClickHouseStore } from '../../exporters/recorder/stores/clickhouse.js';
import { DuckDbStore } from '../../exporters/recorder/stores/duckdb.js';
import type { AuditStore } from '../../exporters/recorder/stores/store.js';
import { TABLES, type TableName } from '../../exporters/recorder/tables.js';
import { WriteAheadLog } from '../../exporters/recorder/wal.js';
import { Writable } from 'node:stream';
import { table, verdict } from './measure.js';

const BATCH = Number(process.env.BENCH_BATCH ?? 1000);

/** Events of a normal session (info and above reach `logs`; order events reach audit tables too). */
function events(n: number): HftEvent[] {
  const out: HftEvent[] = [];
  for (const [, evs] of generate({ scenario: scenarioByName('normal'), seed: 3, start: Date.UTC(2026, 10, 23, 1) / 1000, speed: Infinity, duration: 0 })) {
    for (const e of evs) if (e.level !== 'debug') out.push(JSON.parse(JSON.stringify(e)) as HftEvent);
    if (out.length >= n) return out;
  }
  return out;
}

async function bare(store: AuditStore, evs: readonly HftEvent[], batch = BATCH): Promise<number> {
  const byTable = new Map<TableName, Row[]>();
  for (const ev of evs) for (const [t, r] of rowsFor(ev)) (byTable.get(t) ?? byTable.set(t, []).get(t)!).push({ ...r, ts_ns: String(r.ts_ns) });
  const t0 = performance.now();
  let k = 0;
  for (const [t, rows] of byTable) for (let i = 0; i < rows.length; i += batch) await store.insert(t, rows.slice(i, i + batch), `bare-${k++}`);
  return (performance.now() - t0) / 1000;
}

async function viaRecorder(store: AuditStore, evs: readonly HftEvent[], dir: string): Promise<{ seconds: number; batches: number }> {
  const wal = new WriteAheadLog(join(dir, 'wal'));
  wal.open();
  const logging = createLogging({ service: 'bench', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  const rec = new Recorder({ store, wal, registry: new MetricRegistry(), log: logging.logger('recorder'), batchRows: BATCH });
  const t0 = performance.now();
  // The source hands events over in chunks and yields between them, as the tailer's polls do.
  for (let i = 0; i < evs.length; i++) {
    rec.add(evs[i]!);
    if (i % 500 === 499) {
      rec.maybeSeal();
      await new Promise((r) => setImmediate(r));
    }
  }
  rec.seal();
  await rec.drained();
  const s = (performance.now() - t0) / 1000;
  await rec.stop();
  return { seconds: s, batches: wal.seq - 1 };
}

/** Runs the recorder benchmark. @returns whether the overhead target was met for every store */
export async function benchRecorder(): Promise<boolean> {
  const evs = events(150_000);
  const rows = evs.reduce((a, e) => a + rowsFor(e).length, 0);
  const out: (string | number)[][] = [];
  let ok = true;
  const stores: [string, (dir: string) => Promise<AuditStore>][] = [
    ['embedded (DuckDB file)', (dir) => DuckDbStore.open(join(dir, 'audit.duckdb'))],
    ['ClickHouse (chdb, current engine)', async (dir) => new ClickHouseStore(await chdbTransport(join(dir, 'ch')))],
  ];
  for (const [name, open] of stores) {
    const d1 = mkdtempSync(join(tmpdir(), 'tickwatch-bench-rec-'));
    const d2 = mkdtempSync(join(tmpdir(), 'tickwatch-bench-rec-'));
    try {
      const d3 = mkdtempSync(join(tmpdir(), 'tickwatch-bench-rec-'));
      const s2 = await open(d2);
      await s2.init(TABLES);
      const r = await viaRecorder(s2, evs, d2);
      await s2.close();
      // Baselines: bare inserts in chunks of BATCH rows, and in chunks as large as the recorder's
      // own batches turned out (it groups under load), so the overhead is judged like for like.
      const logsRows = evs.filter((e) => rowsFor(e).some(([t]) => t === 'logs')).length;
      const same = Math.max(BATCH, Math.round(logsRows / Math.max(1, r.batches)));
      const s1 = await open(d1);
      await s1.init(TABLES);
      const tb = await bare(s1, evs);
      await s1.close();
      const s3 = await open(d3);
      await s3.init(TABLES);
      const ts = await bare(s3, evs, same);
      await s3.close();
      rmSync(d3, { recursive: true, force: true });
      const overhead = r.seconds / ts - 1;
      const good = overhead <= 0.2;
      ok &&= good;
      out.push([name, Math.round(rows / tb), `${Math.round(rows / ts)} (${same}-row chunks)`, `${Math.round(rows / r.seconds)} (${r.batches} batches)`, `${(overhead * 100).toFixed(1)} %`, `<= 20 % vs same-size chunks: ${verdict(good)}`]);
    } finally {
      rmSync(d1, { recursive: true, force: true });
      rmSync(d2, { recursive: true, force: true });
    }
  }
  table(`Recorder: ${rows.toLocaleString('en')} rows from ${evs.length.toLocaleString('en')} events, batches of ${BATCH}`, ['store', `bare rows/s (${BATCH}-row chunks)`, 'bare rows/s, recorder-size chunks', 'recorder rows/s', 'overhead', 'target'], out);
  console.log('(recorder includes event-to-row mapping, the write-ahead log with one fsync per batch, and the commit record; bare inserts prebuilt rows)');
  return ok;
}
