/**
 * The audit store on a replicated ClickHouse cluster (issue 18, item 4): one ZooKeeper (Debian's
 * zookeeperd 3.8) and two replicas of one shard (Debian's clickhouse-server 18.16) on loopback.
 * Two recorders, one per engine host, each in its own database, write while one replica is
 * SIGKILLed and later started again on its data. In the end each replica's `_local` table holds
 * exactly the rows each recorder acknowledged (`hft_recorder_rows_written_total`), which are exactly
 * the rows its engine's events produce, none twice; `audit verify` and `logs search` read the
 * cluster through the Distributed tables (through the CLI too); and a block inserted again on the
 * other replica is dropped by ClickHouse's own replicated deduplication.
 *
 * Slow (ZooKeeper, two servers, ON CLUSTER DDL, an outage): run with `npm run test:cluster`, not
 * in `npm test` (vitest.config.ts leaves it out, vitest.cluster.config.ts runs it).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HftEvent } from '../../exporters/events/index.js';
import { runScenario } from '../../exporters/hft/simulator/run.js';
import { scenarioByName } from '../../exporters/hft/simulator/scenarios/index.js';
import { FileSink } from '../../exporters/hft/simulator/sinks.js';
import { verifyStore } from '../../exporters/recorder/verify.js';
import { rowsFor } from '../../exporters/recorder/rows.js';
import { logQuery, searchLogs } from '../../exporters/recorder/search.js';
import { startRecorderService, type RecorderService } from '../../exporters/recorder/service.js';
import { ClickHouseStore, failoverTransport, httpTransport } from '../../exporters/recorder/stores/clickhouse.js';
import { TABLES, type TableName } from '../../exporters/catalog/tables.js';
import { freePort } from '../../scripts/lib/net.js';
import { startClickHouseCluster, whileUp, type ClickHouseServer } from '../helpers/clickhouse.js';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper.js';
import { captureLogging, samplesOf, tempDir } from '../helpers/env.js';

const CLUSTER = 'tickwatch';
const run = promisify(execFile);

/** Rows each table gets from an events file (rows.ts), by table. */
function expectedRows(file: string): Map<TableName, number> {
  const out = new Map<TableName, number>(TABLES.map((t) => [t.name, 0]));
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) for (const [t] of rowsFor(JSON.parse(line) as HftEvent)) out.set(t, out.get(t)! + 1);
  return out;
}

/** A count from one replica's own table (not through the Distributed table). */
async function localCount(ch: ClickHouseServer, db: string, table: string): Promise<number> {
  return Number((await ch.query(`SELECT count() FROM ${db}.${table}_local FORMAT TSV`)).trim());
}

/** Rows written per table, as the recorder's /metrics counts them. */
async function acknowledged(svc: RecorderService): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const s of await samplesOf(svc.registry)) if (s.name === 'hft_recorder_rows_written_total') out.set(s.labels.table!, (out.get(s.labels.table!) ?? 0) + s.value);
  return out;
}

/** Waits until `svc` has read its whole file and written every row. */
async function drain(svc: RecorderService, file: string): Promise<void> {
  const size = readFileSync(file).length;
  const tail = svc.tailers[0]!;
  const t0 = Date.now();
  while (!(tail.currentState()?.offset === size && svc.recorder.queuedRows === 0)) {
    if (Date.now() - t0 > 120_000) throw new Error(`recorder did not read and write all of ${file} within 120 s (offset ${tail.currentState()?.offset} of ${size}, ${svc.recorder.queuedRows} rows queued)`);
    await new Promise((r) => setTimeout(r, 200));
    const st = tail.currentState();
    svc.recorder.seal(st ? { [st.path]: st } : undefined);
  }
  await svc.recorder.drained();
}

describe('recorders on a replicated ClickHouse 18.16 cluster', () => {
  let zk: ZooKeeperServer | undefined;
  let replicas: ClickHouseServer[] = [];

  beforeAll(async () => {
    const t0 = performance.now();
    zk = await startZooKeeper();
    replicas = await startClickHouseCluster(zk.port, { name: CLUSTER, logQueries: false });
    console.log(`cluster: ZooKeeper 127.0.0.1:${zk.port} and replicas ${replicas.map((r) => r.url).join(', ')} up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }, 300_000);

  afterAll(async () => {
    const t0 = performance.now();
    for (const r of replicas) await r.destroy();
    await zk?.destroy();
    console.log(`cluster: stopped in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  });

  it('two recorders write through a replica outage: nothing lost or doubled, both replicas agree, verify and search read the Distributed tables', { timeout: 600_000 }, async () => {
    const [r1, r2] = replicas as [ClickHouseServer, ClickHouseServer];
    const dir = tempDir();
    const engines = [
      { name: 'engine_a', seed: 21, urls: [r1.url, r2.url] },
      { name: 'engine_b', seed: 22, urls: [r2.url, r1.url] },
    ];
    const stores = engines.map((e) => new ClickHouseStore(failoverTransport(e.urls, { timeoutMs: 5000 }), { legacy: true, cluster: { name: CLUSTER }, database: e.name }));
    const files = engines.map((e) => join(dir, `${e.name}.ndjson`));
    const logging = captureLogging();
    const services: RecorderService[] = [];
    try {
      const t1 = performance.now();
      for (const [i, e] of engines.entries()) {
        writeFileSync(files[i]!, '');
        // Each creates its tables ON CLUSTER: a replica that dies meanwhile fails the test now, with its error log.
        services.push(await whileUp(replicas, startRecorderService({ events: files[i]!, dataDir: join(dir, e.name), store: stores[i]!, port: 0, batchRows: 500, batchMs: 200, pollMs: 50, retryMaxMs: 1000, cleanup: { schedule: false } }, logging)));
      }
      // Then both engines write a four-minute normal session at 10x (about 24 s each).
      const writing = engines.map((e, i) => {
        const sink = new FileSink(files[i]!);
        return runScenario({ scenario: scenarioByName('normal'), seed: e.seed, start: Date.UTC(2026, 10, 23, 1) / 1000, speed: 10, duration: 240 }, sink).then(() => sink.close());
      });
      // The recorders created their tables ON CLUSTER: both replicas have each, replicated, under a Distributed table.
      for (const r of replicas) {
        const engines = await r.query("SELECT engine, count() FROM system.tables WHERE database IN ('engine_a', 'engine_b') GROUP BY engine ORDER BY engine FORMAT TSV");
        expect(engines.trim().split('\n'), r.url).toEqual([`Distributed\t${2 * TABLES.length}`, `ReplicatedMergeTree\t${2 * TABLES.length}`]);
      }
      console.log(`cluster: two recorders started (tables created ON CLUSTER) in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
      await new Promise((r) => setTimeout(r, 3000));
      const before = await Promise.all(engines.map((e) => localCount(r1, e.name, 'logs')));
      await r2.stop('SIGKILL');
      await new Promise((r) => setTimeout(r, 6000));
      // Replica 2 is down: both recorders keep writing, on replica 1 (engine_b failed over to it).
      const during = await Promise.all(engines.map((e) => localCount(r1, e.name, 'logs')));
      const failed = () => JSON.stringify(logging.lines.filter((l) => l.level !== 'info' && l.level !== 30).slice(-5));
      for (const [i, e] of engines.entries()) expect(during[i], `${e.name} kept writing while replica r2 was down (before: ${before[i]}); last problems logged: ${failed()}`).toBeGreaterThan(before[i]!);
      // As an operator restarts a replica that was killed: 18.16 refuses a replicated table whose parts
      // on disk are more than half (replicated_max_ratio_of_wrong_parts) parts ZooKeeper never got, the
      // blocks of inserts cut off by the kill, which the recorders retried on r1; the flag lets it detach
      // them and fetch the table from r1 (14:31 UTC, 7 December 2026: "57.00 rows of 99.00 total rows in
      // filesystem are suspicious" in audit_ai_decisions_local, and r2 exited with 70).
      mkdirSync(join(r2.dataPath, 'flags'), { recursive: true });
      writeFileSync(join(r2.dataPath, 'flags', 'force_restore_data'), '');
      await r2.start();
      await whileUp(replicas, Promise.all(writing));
      for (const [i, svc] of services.entries()) await whileUp(replicas, drain(svc, files[i]!));
      console.log(`cluster: both sessions recorded ${((performance.now() - t1) / 1000).toFixed(1)} s after the recorders started`);

      for (const [i, e] of engines.entries()) {
        const want = expectedRows(files[i]!);
        expect(want.get('logs'), 'the session produced log rows').toBeGreaterThan(3000);
        const acked = await acknowledged(services[i]!);
        for (const t of TABLES) {
          // What the recorder acknowledged is what its engine's events produce.
          expect(acked.get(t.name) ?? 0, `${e.name}.${t.name} acknowledged`).toBe(want.get(t.name));
          // Replica 2 catches up from ZooKeeper's replication log once it is back.
          const t0 = Date.now();
          let counts = [await localCount(r1, e.name, t.name), await localCount(r2, e.name, t.name)];
          while (counts.some((c) => c !== want.get(t.name)) && Date.now() - t0 < 120_000) {
            await new Promise((r) => setTimeout(r, 500));
            counts = [await localCount(r1, e.name, t.name), await localCount(r2, e.name, t.name)];
          }
          expect(counts, `${e.name}.${t.name} rows on replicas r1, r2`).toEqual([want.get(t.name), want.get(t.name)]);
          for (const r of replicas) {
            const dup = Number((await r.query(`SELECT count() - uniqExact(fields) FROM ${e.name}.${t.name}_local FORMAT TSV`)).trim());
            expect(dup, `${e.name}.${t.name} duplicates on ${r.url}`).toBe(0);
          }
          // Through the Distributed table: the same rows once (one shard, read from one replica).
          expect(await stores[i]!.count(t.name), `${e.name}.${t.name} through the Distributed table`).toBe(want.get(t.name));
        }
        // audit verify through the Distributed tables: every chain whole, as long as its table.
        for (const rep of await verifyStore(stores[i]!, TABLES)) {
          expect(rep.problems, `${e.name}.${rep.table}`).toEqual([]);
          expect(rep.head.seq, `${e.name}.${rep.table}`).toBe(want.get(rep.table));
        }
        // logs search through the Distributed table: the engine's warnings and worse, as the table has them.
        const warnings = Number((await r1.query(`SELECT count() FROM ${e.name}.logs_local WHERE level IN ('warn', 'error', 'fatal') FORMAT TSV`)).trim());
        const page = await searchLogs(stores[i]!, logQuery({ level: 'warn', since: '2026-11-01T00:00:00Z', limit: '10000' }));
        expect(page.rows.length, `${e.name} logs search --level warn`).toBe(warnings);
        expect(warnings, `${e.name} warning lines`).toBeGreaterThan(0);
      }

      // The CLI reads the cluster the same way (both replicas named, the Distributed tables read).
      const closed = await freePort(); // no recorder query API there: the CLI reads the store itself
      const cli = ['scripts/tickwatch.mjs'];
      const flags = ['--clickhouse-url', `${r2.url},${r1.url}`, '--clickhouse-legacy', '--clickhouse-cluster', CLUSTER, '--clickhouse-database', 'engine_a', '--query-port', String(closed), '--data-dir', join(dir, 'cli')];
      const verified = await run('node', [...cli, 'audit', 'verify', '--json', ...flags], { timeout: 120_000, maxBuffer: 64 << 20 });
      const reports = JSON.parse(verified.stdout) as { table: string; problemCount: number; head: { seq: number } }[];
      const wantA = expectedRows(files[0]!);
      expect(reports.map((x) => [x.table, x.problemCount, x.head.seq])).toEqual(reports.map((x) => [x.table, 0, wantA.get(x.table as TableName)]));
      const found = await run('node', [...cli, 'logs', 'search', '--json', '--level', 'warn', '--since', '2026-11-01T00:00:00Z', '--limit', '10000', ...flags], { timeout: 120_000, maxBuffer: 64 << 20 });
      const warningsA = Number((await r2.query("SELECT count() FROM engine_a.logs_local WHERE level IN ('warn', 'error', 'fatal') FORMAT TSV")).trim());
      expect(found.stdout.split('\n').filter(Boolean).length, 'tickwatch logs search on the cluster').toBe(warningsA);
      expect(warningsA).toBeGreaterThan(0);

      // ClickHouse's own deduplication on replicated tables: the same block inserted on replica 1,
      // then again on replica 2 (a retry that failed over), is stored once, on both.
      const probe = new ClickHouseStore(httpTransport(r1.url), { legacy: true, cluster: { name: CLUSTER }, database: 'dedup_probe' });
      const again = new ClickHouseStore(httpTransport(r2.url), { legacy: true, cluster: { name: CLUSTER }, database: 'dedup_probe' });
      try {
        await probe.init(TABLES.filter((t) => t.name === 'logs'));
        const rows = [1, 2, 3].map((k) => ({ ts_ns: String(1_795_000_000_000_000_000n + BigInt(k)), event: 'probe', component: 'recorder', level: 'info', correlation_id: null, intent_id: null, trace_id: null, message: `probe ${k}`, status: null, duration_ns: null, format: null, fields: `{"k":${k}}` }));
        await probe.insert('logs', rows, 'probe-batch');
        await again.insert('logs', rows, 'probe-batch');
        await probe.insert('logs', rows, 'probe-batch');
        const t0 = Date.now();
        let counts = [await localCount(r1, 'dedup_probe', 'logs'), await localCount(r2, 'dedup_probe', 'logs')];
        while (counts.some((c) => c !== 3) && Date.now() - t0 < 60_000) {
          await new Promise((r) => setTimeout(r, 500));
          counts = [await localCount(r1, 'dedup_probe', 'logs'), await localCount(r2, 'dedup_probe', 'logs')];
        }
        expect(counts, 'a block inserted three times, on both replicas').toEqual([3, 3]);
      } finally {
        await probe.close();
        await again.close();
      }
    } finally {
      for (const s of services) await s.close();
      for (const s of stores) await s.close();
    }
  });
});
