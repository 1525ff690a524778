/**
 * The retention clean-up (seed 002): daily at 02:00 in the configured time zone (catalog/retention.ts
 * `DEFAULT_CLEANUP_SCHEDULE`), scheduled with croner, and on demand (`tickwatch store cleanup
 * [--dry-run] [--now <iso>]`). Per table, with its store's policy (`RetentionConfig.periods`):
 *
 * 1. rows past the active period move to `<table>_archive` (DuckDB, PostgreSQL): copied and deleted
 *    in one transaction per table, so a row is never in both, and never moved twice;
 * 2. archive rows past the archive period are deleted (or, without an archive tier, the table's rows
 *    past the active period); a hash-chained table's delete is preceded by a checkpoint of the cut
 *    (checkpoint.ts), written in the same transaction, after the rows to delete are verified.
 *
 * A chained table is cut in chain order: the rows moved or deleted are those with `chain_seq` up to
 * the last seq before the first row that is not past the period, so the archive and the table
 * each hold one unbroken run of the chain. A row past its period behind an older-seq row that is
 * not (event times out of order by a few milliseconds, between sources) waits for the next run.
 *
 * ClickHouse: the same periods are TTL clauses (ddl.ts `clickhouseTtl`): the server moves the
 * archive tier (`TO VOLUME 'archive'`) and deletes rows of the tables that are not chained; this job
 * deletes a chained table's rows past their period (`ALTER TABLE ... DELETE WHERE chain_seq <= n`,
 * after the checkpoint), since a TTL delete would cut the chain without one. Debian's 18.16 has no
 * TTL: there the job deletes every table's rows past their period with `ALTER TABLE ... DELETE`
 * (18.16's mutations, waited for in `system.mutations`), and has no archive tier (no volumes).
 *
 * Each run that changes something is recorded as a system event (`store.cleanup`, in
 * `system_events` and `logs`, with the counts per table) and counted in
 * `hft_recorder_cleanup_rows_total{table,action}`; a failed run in
 * `hft_recorder_cleanup_failures_total` and `hft_recorder_cleanup_last_failure_timestamp_seconds`,
 * a successful one in `hft_recorder_cleanup_last_success_timestamp_seconds`.
 * RecorderCleanupMissed warns on a failed run, or none successful for 26 hours. A dry run counts
 * what a run would do and changes nothing (no event either).
 */
import { Cron } from 'croner';
import { hostname } from 'node:os';
import { recorderCleanupFailuresTotal, recorderCleanupLastFailureTimestampSeconds, recorderCleanupLastSuccessTimestampSeconds, recorderCleanupNextRunTimestampSeconds, recorderCleanupRowsTotal, CLEANUP_ACTIONS } from '../catalog/recorder.js';
import { DEFAULT_RETENTION_CONFIG, formatTier, keptDays, policyOf, type RetentionConfig, type StoreKind, type TierPolicy } from '../catalog/retention.js';
import { TABLE_DEFS, TABLES, type TableDef, type TableName } from '../catalog/tables.js';
import { VALIDATORS, type HftEvent } from '../events/index.js';
import type { MetricRegistry } from '../instrument/registry.js';
import type { Log } from '../lib/log.js';
import { CHECKPOINT_COLUMNS, CHECKPOINT_SQL_DDL, CHECKPOINT_TABLE, checkpointClickhouseDDL, checkpointRow, signCheckpoint, type Checkpoint, type CheckpointKey } from './checkpoint.js';
import { rowsFor, tsNanos, type Row } from './rows.js';
import { archiveOf, columnList, type ClickHouseTarget, type SqlBackend } from './stores/retained.js';
import type { AuditStore } from './stores/store.js';
import { chainRows, verifyChain } from './verify.js';

const DAY_NS = 86_400_000_000_000n;

/** What a run did (or, dry, would do) to one table. */
export interface TableOutcome {
  /** A table of tables.ts, or on PostgreSQL one of seed 002's (`system_logs`, `trading_logs`, `performance_logs`) or the batch ledger. */
  readonly table: TableName | string;
  readonly policy: TierPolicy;
  /** `job`: this run moves and deletes; `ttl`: the server's TTL does (ClickHouse, a table that is not chained). */
  readonly by: 'job' | 'ttl';
  /** Rows moved to the archive tier. */
  readonly archived: number;
  /** Rows deleted. */
  readonly deleted: number;
  /** The checkpoint made at a chained table's cut. */
  readonly checkpoint?: Checkpoint;
  /** Why the table was not cleaned (the run goes on with the others, and counts as failed). */
  readonly error?: string;
}

/** What a run did. */
export interface CleanupReport {
  readonly store: StoreKind;
  /** The clock the periods were counted from. */
  readonly asOf: Date;
  readonly dryRun: boolean;
  readonly tables: readonly TableOutcome[];
  readonly archived: number;
  readonly deleted: number;
  /** Every table cleaned. */
  readonly ok: boolean;
  /** Why the run failed as a whole (the store did not answer), when it did. */
  readonly error?: string;
  readonly durationMs: number;
}

/** Options of one run. */
export interface CleanupOptions {
  readonly retention?: RetentionConfig;
  /** The clock (default now): `--now` moves it, for a test or to see what a later run will do. */
  readonly now?: Date;
  /** Count, change nothing. */
  readonly dryRun?: boolean;
  /** Signs the checkpoints (`--checkpoint-key-file`); unsigned digests without it. */
  readonly key?: CheckpointKey;
  /** The tables (default every table of tables.ts). */
  readonly tables?: readonly TableDef[];
}

/** Nanoseconds since the epoch of a date. */
const nsOf = (d: Date): bigint => BigInt(d.getTime()) * 1_000_000n;

/** The cuts of a policy at `nowNs`: rows older than `active` leave the table, older than `kept` the store. */
function cuts(p: TierPolicy, nowNs: bigint): { active: bigint; kept: bigint } {
  return { active: nowNs - BigInt(p.activeDays) * DAY_NS, kept: nowNs - BigInt(keptDays(p)) * DAY_NS };
}

/**
 * The rows of a chained table's chain up to seq `last` (inclusive) from its start, for checking
 * before a cut: the stored rows (archive first), stopping past `last`.
 */
async function* chainUpTo(store: AuditStore, t: TableDef, last: number): AsyncGenerator<Record<string, unknown>> {
  for await (const r of chainRows(store, t, 5_000)) {
    if (Number(r.chain_seq) > last) return;
    yield r;
  }
}

/**
 * Checks a chained table's chain from its start to one row past the cut (the first row kept) and
 * makes the checkpoint of the cut, signed with `key` when there is one.
 * @param upTo - the last seq removed
 * @throws Error naming what is wrong when the chain does not verify up to there: retention never
 *   signs off a chain that is already broken
 */
async function checkpointAt(store: AuditStore, t: TableDef, upTo: number, removed: number, cutNs: bigint, key: CheckpointKey | undefined): Promise<Checkpoint> {
  let lastRemoved: string | undefined;
  let firstKept: string | undefined;
  const rows = async function* () {
    for await (const r of chainUpTo(store, t, upTo + 1)) {
      const seq = Number(r.chain_seq);
      if (seq === upTo) lastRemoved = String(r.row_hash);
      if (seq === upTo + 1) firstKept = String(r.prev_hash);
      yield r;
    }
  };
  const checkpoints = store.checkpoints ? await store.checkpoints(t.name) : [];
  const report = await verifyChain(t, rows(), 3, undefined, { checkpoints, ...(key ? { key } : {}) });
  if (report.problemCount > 0) throw new Error(`its chain does not verify up to the cut at seq ${upTo + 1}, so the cut is not signed off and nothing is deleted: ${report.problems.join('; ')}`);
  if (lastRemoved === undefined) throw new Error(`seq ${upTo}, the last row to delete, is not in the chain`);
  return signCheckpoint({ table: t.name, seq: upTo + 1, prevHash: firstKept ?? lastRemoved, lastRemovedHash: lastRemoved, cutNs, rowsRemoved: removed, createdNs: nsOf(new Date()) }, key);
}

/** The last seq of a chain's rows (in `rel`) before the first one at or after `cutNs`; null when there are none. */
async function sqlSeqCut(b: SqlBackend, rel: string, cutNs: bigint): Promise<number | null> {
  const [o] = await b.all(`SELECT (SELECT min(chain_seq) FROM ${rel} WHERE ts_ns >= $1) AS keep, (SELECT max(chain_seq) FROM ${rel}) AS last`, [cutNs]);
  if (o?.keep !== null && o?.keep !== undefined) return Number(o.keep) - 1;
  return o?.last === null || o?.last === undefined ? null : Number(o.last);
}

/** One table on DuckDB or PostgreSQL (see the module comment). */
async function sqlTable(store: AuditStore, b: SqlBackend, t: TableDef, p: TierPolicy, nowNs: bigint, o: CleanupOptions): Promise<TableOutcome> {
  const c = cuts(p, nowNs);
  const tier = p.archiveDays !== null;
  const A = archiveOf(t.name);
  let hasArchive = await b.hasTable(A);
  const count = async (sql: string, params: unknown[]) => Number((await b.all(sql, params))[0]?.n ?? 0);
  const cols = columnList(t);
  const ensureArchive = async () => {
    if (hasArchive) return;
    for (const sql of b.archiveDDL(t)) await b.run(sql);
    hasArchive = true;
  };
  if (!t.chained) {
    const archived = tier ? await count(`SELECT count(*) AS n FROM ${t.name} WHERE ts_ns < $1`, [c.active]) : 0;
    const deleted = (hasArchive ? await count(`SELECT count(*) AS n FROM ${A} WHERE ts_ns < $1`, [c.kept]) : 0) + (await count(`SELECT count(*) AS n FROM ${t.name} WHERE ts_ns < $1`, [c.kept]));
    if (o.dryRun || archived + deleted === 0) return { table: t.name, policy: p, by: 'job', archived, deleted };
    if (tier) await ensureArchive();
    const done = await b.transaction(async (x) => {
      let moved = 0;
      let removed = 0;
      if (tier) {
        moved = await x.run(`INSERT INTO ${A} (${cols}) SELECT ${cols} FROM ${t.name} WHERE ts_ns < $1`, [c.active]);
        const gone = await x.run(`DELETE FROM ${t.name} WHERE ts_ns < $1`, [c.active]);
        if (gone !== moved) throw new Error(`copied ${moved} rows to ${A} but deleted ${gone} from ${t.name}; rolled back`);
      } else removed += await x.run(`DELETE FROM ${t.name} WHERE ts_ns < $1`, [c.kept]);
      if (hasArchive) removed += await x.run(`DELETE FROM ${A} WHERE ts_ns < $1`, [c.kept]);
      return { moved, removed };
    });
    return { table: t.name, policy: p, by: 'job', archived: done.moved, deleted: done.removed };
  }
  // Chained: by chain order (see the module comment). The chain is the archive's rows, then the table's.
  const chain = hasArchive ? `(SELECT chain_seq, ts_ns FROM ${A} UNION ALL SELECT chain_seq, ts_ns FROM ${t.name}) AS chain_rows` : t.name;
  const moveUpTo = tier ? await sqlSeqCut(b, t.name, c.active) : null;
  const deleteUpTo = await sqlSeqCut(b, chain, c.kept);
  const archived = moveUpTo === null ? 0 : await count(`SELECT count(*) AS n FROM ${t.name} WHERE chain_seq <= $1`, [moveUpTo]);
  const deleted = deleteUpTo === null ? 0 : await count(`SELECT count(*) AS n FROM ${chain} WHERE chain_seq <= $1`, [deleteUpTo]);
  if (o.dryRun || archived + deleted === 0) return { table: t.name, policy: p, by: 'job', archived, deleted };
  // Checked and signed before anything moves: the rows to delete are what the checkpoint vouches for.
  const cp = deleted > 0 && deleteUpTo !== null ? await checkpointAt(store, t, deleteUpTo, deleted, c.kept, o.key) : undefined;
  if (archived > 0) await ensureArchive();
  if (cp) await b.run(CHECKPOINT_SQL_DDL);
  const done = await b.transaction(async (x) => {
    let moved = 0;
    let removed = 0;
    if (archived > 0 && moveUpTo !== null) {
      moved = await x.run(`INSERT INTO ${A} (${cols}) SELECT ${cols} FROM ${t.name} WHERE chain_seq <= $1`, [moveUpTo]);
      const gone = await x.run(`DELETE FROM ${t.name} WHERE chain_seq <= $1`, [moveUpTo]);
      if (gone !== moved) throw new Error(`copied ${moved} rows to ${A} but deleted ${gone} from ${t.name}; rolled back`);
    }
    if (cp && deleteUpTo !== null) {
      await x.run(`INSERT INTO ${CHECKPOINT_TABLE} (${CHECKPOINT_COLUMNS.join(', ')}) VALUES (${CHECKPOINT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`, checkpointRow(cp));
      if (hasArchive) removed += await x.run(`DELETE FROM ${A} WHERE chain_seq <= $1`, [deleteUpTo]);
      removed += await x.run(`DELETE FROM ${t.name} WHERE chain_seq <= $1`, [deleteUpTo]);
      // The checkpoint says how many rows the cut removed: exactly those, or nothing at all.
      if (removed !== cp.rowsRemoved) throw new Error(`the cut at seq ${cp.seq} would delete ${removed} rows, not the ${cp.rowsRemoved} checked; rolled back`);
    }
    return { moved, removed };
  });
  return { table: t.name, policy: p, by: 'job', archived: done.moved, deleted: done.removed, ...(cp ? { checkpoint: cp } : {}) };
}

/** Waits for a table's mutations to finish (18.16 has no `mutations_sync`). @throws Error after `timeoutMs` */
async function mutationsDone(ch: ClickHouseTarget, table: string, timeoutMs = 600_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [o] = await ch.query<{ n: string | number }>(`SELECT count() AS n FROM system.mutations WHERE database = '${ch.database}' AND table = '${table}' AND is_done = 0`);
    if (Number(o?.n ?? 0) === 0) return;
    if (Date.now() > until) throw new Error(`the delete on ${ch.database}.${table} has not finished after ${timeoutMs / 1000} s (system.mutations)`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** `ALTER TABLE ... DELETE`, waited for. */
async function alterDelete(ch: ClickHouseTarget, table: string, where: string): Promise<void> {
  const full = `${ch.database}.${table}`;
  if (ch.legacy) {
    await ch.command(`ALTER TABLE ${full} DELETE WHERE ${where}`);
    await mutationsDone(ch, table);
  } else await ch.command(`ALTER TABLE ${full} DELETE WHERE ${where} SETTINGS mutations_sync = 2`);
}

/** One table on ClickHouse (see the module comment). */
async function clickhouseTable(store: AuditStore, ch: ClickHouseTarget, t: TableDef, p: TierPolicy, nowNs: bigint, o: CleanupOptions): Promise<TableOutcome> {
  if (!t.chained && !ch.legacy) return { table: t.name, policy: p, by: 'ttl', archived: 0, deleted: 0 };
  const kept = cuts(p, nowNs).kept;
  const full = `${ch.database}.${t.name}`;
  // 18.16 keeps the nanoseconds in ts_ns; a current server in ts (DateTime64(9)).
  const past = ch.legacy ? `ts_ns < ${kept}` : `ts < fromUnixTimestamp64Nano(toInt64(${kept}))`;
  const n = async (where: string) => Number((await ch.query<{ n: string | number }>(`SELECT count() AS n FROM ${full} WHERE ${where}`))[0]?.n ?? 0);
  if (!t.chained) {
    const deleted = await n(past);
    if (!o.dryRun && deleted > 0) await alterDelete(ch, t.name, past);
    return { table: t.name, policy: p, by: 'job', archived: 0, deleted };
  }
  const [keep] = await ch.query<{ n: string | number; seq: string }>(`SELECT count() AS n, toString(min(chain_seq)) AS seq FROM ${full} WHERE NOT (${past})`);
  const [all] = await ch.query<{ n: string | number; seq: string }>(`SELECT count() AS n, toString(max(chain_seq)) AS seq FROM ${full}`);
  const upTo = Number(keep?.n ?? 0) > 0 ? Number(keep!.seq) - 1 : Number(all?.n ?? 0) > 0 ? Number(all!.seq) : null;
  const deleted = upTo === null ? 0 : await n(`chain_seq <= ${upTo}`);
  if (o.dryRun || deleted === 0 || upTo === null) return { table: t.name, policy: p, by: 'job', archived: 0, deleted };
  const cp = await checkpointAt(store, t, upTo, deleted, kept, o.key);
  await ch.command(checkpointClickhouseDDL(ch.database));
  // The checkpoint first: should the delete fail or be cut short, verify still finds the cut explained.
  await ch.insert(`${ch.database}.${CHECKPOINT_TABLE}`, [Object.fromEntries(CHECKPOINT_COLUMNS.map((k, i) => [k, ((v) => (typeof v === 'bigint' ? v.toString() : v))(checkpointRow(cp)[i])]))], {});
  await alterDelete(ch, t.name, `chain_seq <= ${upTo}`);
  return { table: t.name, policy: p, by: 'job', archived: 0, deleted, checkpoint: cp };
}

/**
 * Runs the clean-up once on `store` (initialised: its tables exist). Each table is cleaned on its
 * own: a table that fails (its chain does not verify up to the cut, a statement fails) is reported
 * with its error and the others are still cleaned; the run then counts as failed.
 */
export async function runCleanup(store: AuditStore, o: CleanupOptions = {}): Promise<CleanupReport> {
  const t0 = performance.now();
  const asOf = o.now ?? new Date();
  const nowNs = nsOf(asOf);
  const retention = o.retention ?? DEFAULT_RETENTION_CONFIG;
  const outcomes: TableOutcome[] = [];
  const done = (error?: string): CleanupReport => {
    const archived = outcomes.reduce((n, x) => n + x.archived, 0);
    const deleted = outcomes.reduce((n, x) => n + x.deleted, 0);
    return { store: store.kind, asOf, dryRun: o.dryRun === true, tables: outcomes, archived, deleted, ok: error === undefined && outcomes.every((x) => !x.error), ...(error ? { error } : {}), durationMs: performance.now() - t0 };
  };
  const sql = store.sqlBackend?.();
  const ch = sql ? undefined : store.clickhouseTarget?.();
  if (!sql && !ch) return done(`the ${store.kind} store has no retention clean-up`);
  for (const t of o.tables ?? TABLES) {
    const p = policyOf(retention, store.kind, t);
    try {
      outcomes.push(sql ? await sqlTable(store, sql, t, p, nowNs, o) : await clickhouseTable(store, ch!, t, p, nowNs, o));
    } catch (err) {
      outcomes.push({ table: t.name, policy: p, by: 'job', archived: 0, deleted: 0, error: (err as Error).message });
    }
  }
  if (store.seed002Cleanup) {
    const logs = policyOf(retention, store.kind, TABLE_DEFS.get('logs')!);
    const performance = policyOf(retention, store.kind, TABLE_DEFS.get('performance_log')!);
    try {
      for (const x of await store.seed002Cleanup(nowNs, { logs, performance }, o.dryRun === true)) outcomes.push({ ...x, by: 'job' });
    } catch (err) {
      outcomes.push({ table: 'system_logs', policy: logs, by: 'job', archived: 0, deleted: 0, error: (err as Error).message });
    }
  }
  return done();
}

/** The `store.cleanup` event of a run (see the event contract, events/system.ts). */
export function cleanupEvent(r: CleanupReport, service: string, instance = `${hostname()}:${process.pid}`, at = new Date()): HftEvent {
  const tables: Record<string, Record<string, unknown>> = {};
  for (const x of r.tables) tables[x.table] = { archived: x.archived, deleted: x.deleted, ...(x.checkpoint ? { checkpoint_seq: x.checkpoint.seq } : {}), ...(x.error ? { error: x.error.slice(0, 1024) } : {}) };
  const failed = r.tables.filter((x) => x.error).map((x) => x.table);
  const error = r.error ?? (failed.length ? `not cleaned: ${failed.join(', ')}` : undefined);
  return {
    ts: at.toISOString(),
    level: r.ok ? 'info' : 'error',
    component: 'recorder',
    event: 'store.cleanup',
    service,
    store: r.store,
    status: r.ok ? 'ok' : 'failed',
    archived: r.archived,
    deleted: r.deleted,
    tables,
    as_of: r.asOf.toISOString(),
    duration_ms: Math.round(r.durationMs * 1000) / 1000,
    instance_id: instance,
    ...(error ? { error: error.slice(0, 1024) } : {}),
    message: r.ok ? `retention clean-up: ${r.archived} rows archived, ${r.deleted} deleted` : `retention clean-up failed: ${error ?? ''}`.slice(0, 4096),
  } as unknown as HftEvent;
}

/**
 * Records a run's event straight into the store (`tickwatch store cleanup` without a running
 * recorder): its `system_events` and `logs` rows, under a token of their own.
 * @throws Error when the event does not fit its schema, or the store refuses the rows
 */
export async function recordCleanupEvent(store: AuditStore, ev: HftEvent): Promise<void> {
  const check = VALIDATORS.get('store.cleanup')!;
  if (!check.Check(ev)) throw new Error(`store.cleanup event: ${check.Errors(ev).First()?.message ?? 'invalid'}`);
  const tables = new Map<TableName, Row[]>();
  for (const [t, row] of rowsFor(ev)) (tables.get(t) ?? tables.set(t, []).get(t)!).push(row);
  const token = `cleanup-${tsNanos(ev.ts)}`;
  if (store.insertBatch) await store.insertBatch(tables, token);
  else for (const [t, rows] of tables) await store.insert(t, rows, token);
}

/** A run as text: one line per table that changed or failed, then the totals. */
export function formatCleanupReport(r: CleanupReport): string {
  const lines = [`${r.dryRun ? 'dry run (nothing changed): ' : ''}retention clean-up of the ${r.store} store as of ${r.asOf.toISOString()}`];
  lines.push(`${'table'.padEnd(30)} ${'policy'.padEnd(12)} ${'archived'.padStart(9)} ${'deleted'.padStart(9)}  note`);
  for (const x of r.tables) {
    const note = x.error ? `FAILED: ${x.error}` : x.by === 'ttl' ? 'by the server (TTL)' : x.checkpoint ? `chain now starts at seq ${x.checkpoint.seq} (checkpoint ${x.checkpoint.algorithm === 'hmac-sha256' ? 'signed' : 'not signed'})` : '';
    lines.push(`${x.table.padEnd(30)} ${formatTier(x.policy).padEnd(12)} ${String(x.archived).padStart(9)} ${String(x.deleted).padStart(9)}  ${note}`.trimEnd());
  }
  lines.push(`${'total'.padEnd(30)} ${''.padEnd(12)} ${String(r.archived).padStart(9)} ${String(r.deleted).padStart(9)}  ${r.ok ? 'ok' : `FAILED${r.error ? `: ${r.error}` : ''}`} (${Math.round(r.durationMs)} ms)`);
  return lines.join('\n');
}

/** The clean-up as the recorder service runs it. */
export interface CleanupServiceConfig {
  /** Periods and schedule (default: the catalog's defaults). */
  readonly retention?: RetentionConfig;
  /** Signs the checkpoints. */
  readonly key?: CheckpointKey;
  /** Run on the schedule (default true). */
  readonly schedule?: boolean;
  /**
   * At start, run at once when the store's last successful run (its `store.cleanup` in `logs`) is
   * more than a day old, or there is none: a run missed while the recorder was down (default true).
   */
  readonly catchUp?: boolean;
  /** The `service` of its events (default tickwatch-recorder). */
  readonly service?: string;
}

/** What the service needs around the job: the store, where events go, metrics and logs. */
export interface CleanupServiceDeps {
  readonly store: AuditStore;
  readonly registry: MetricRegistry;
  readonly log: Log;
  /** Records the run's event (the recorder's `add`: through the write-ahead log, like any event). */
  readonly record: (ev: HftEvent) => void;
}

/**
 * The recorder's clean-up: its metrics (served from start: the counters at 0, the timestamps at 0
 * until known, so the dashboard panel has series before the first run), its schedule (croner), and
 * runs on demand. One run at a time: a run asked for while one runs waits for it, then runs.
 */
export class CleanupService {
  private readonly m;
  private job: Cron | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private readonly retention: RetentionConfig;

  constructor(
    private readonly deps: CleanupServiceDeps,
    private readonly cfg: CleanupServiceConfig = {},
  ) {
    const r = deps.registry;
    this.retention = cfg.retention ?? DEFAULT_RETENTION_CONFIG;
    const rows = r.counter(recorderCleanupRowsTotal);
    this.m = {
      rows,
      failures: r.counter(recorderCleanupFailuresTotal).series(),
      lastSuccess: r.gauge(recorderCleanupLastSuccessTimestampSeconds).series(),
      lastFailure: r.gauge(recorderCleanupLastFailureTimestampSeconds).series(),
      nextRun: r.gauge(recorderCleanupNextRunTimestampSeconds).series(),
    };
    for (const t of TABLES) for (const a of CLEANUP_ACTIONS) rows.labels(t.name, a);
  }

  /** The configuration runs use. */
  get config(): RetentionConfig {
    return this.retention;
  }

  /**
   * Starts the schedule (when configured) and, when a run was missed, runs one now (in the
   * background). No-op without a schedule.
   * @throws Error when the cron pattern or the time zone does not parse
   */
  start(): void {
    if (this.cfg.schedule === false) return;
    const { cron, timeZone } = this.retention.schedule;
    this.job = new Cron(cron, { timezone: timeZone, protect: true, unref: true }, () => this.scheduled());
    this.updateNext();
    this.deps.log.info('recorder.cleanup_scheduled', `Retention clean-up scheduled (${cron}, ${timeZone}); next run ${this.job.nextRun()?.toISOString() ?? 'never'}.`, { cron, timezone: timeZone, next: this.job.nextRun()?.toISOString() ?? null });
    // In the background: the store may be slow to answer, and recording must not wait for it.
    this.catchingUp = this.catchUp();
  }

  /** The start-up check (see {@link CleanupServiceConfig.catchUp}); resolves once it has run, or decided not to. */
  catchingUp: Promise<void> = Promise.resolve();

  private async catchUp(): Promise<void> {
    let last: Date | undefined;
    try {
      last = await this.lastSuccess();
    } catch (err) {
      // The store does not answer: the schedule runs when it is due (and counts a failure if it still does not).
      this.deps.log.warn('recorder.cleanup_unknown', 'The store did not say when the retention clean-up last ran; the schedule goes on.', { err });
      return;
    }
    if (last) this.m.lastSuccess.set(last.getTime() / 1000);
    if (this.cfg.catchUp !== false && (!last || Date.now() - last.getTime() > 86_400_000)) {
      this.deps.log.info('recorder.cleanup_catch_up', `No successful retention clean-up in the last day${last ? ` (last ${last.toISOString()})` : ''}: running one now.`, { last: last?.toISOString() ?? null });
      await this.scheduled();
    }
  }

  /** When the schedule runs next (null without a schedule). */
  nextRun(): Date | null {
    return this.job?.nextRun() ?? null;
  }

  /** Stops the schedule (a run in progress finishes). */
  async stop(): Promise<void> {
    this.job?.stop();
    this.job = undefined;
    await this.catchingUp.catch(() => undefined);
    await this.running.catch(() => undefined);
  }

  /** The newest successful run the store recorded (its `store.cleanup` rows in `logs`, the last week). */
  private async lastSuccess(): Promise<Date | undefined> {
    const since = nsOf(new Date()) - 7n * DAY_NS;
    const rows = await this.deps.store.searchLogs({ sinceNs: since, event: 'store.cleanup', status: 'ok', limit: 10_000 });
    const last = rows.at(-1);
    return last ? new Date(Number(last.ts_ns / 1_000_000n)) : undefined;
  }

  private updateNext(): void {
    this.m.nextRun.set((this.job?.nextRun()?.getTime() ?? 0) / 1000);
  }

  private async scheduled(): Promise<void> {
    await this.run().catch(() => undefined);
    this.updateNext();
  }

  /**
   * Runs once now (waiting for a run in progress first): counts it, logs it and records its event
   * (not for a dry run, which changes nothing).
   */
  run(o: Omit<CleanupOptions, 'retention' | 'key' | 'tables'> = {}): Promise<CleanupReport> {
    const next = this.running.catch(() => undefined).then(() => this.once(o));
    this.running = next;
    return next;
  }

  private async once(o: Omit<CleanupOptions, 'retention' | 'key' | 'tables'>): Promise<CleanupReport> {
    const report = await runCleanup(this.deps.store, { ...o, retention: this.retention, ...(this.cfg.key ? { key: this.cfg.key } : {}) }).catch(
      (err: unknown): CleanupReport => ({ store: this.deps.store.kind, asOf: o.now ?? new Date(), dryRun: o.dryRun === true, tables: [], archived: 0, deleted: 0, ok: false, error: (err as Error).message, durationMs: 0 }),
    );
    if (report.dryRun) return report;
    // Per table of tables.ts (the label's closed set); seed 002's are in the event.
    for (const x of report.tables.filter((y) => TABLE_DEFS.has(y.table as TableName))) {
      if (x.archived) this.m.rows.labels(x.table, 'archived').inc(x.archived);
      if (x.deleted) this.m.rows.labels(x.table, 'deleted').inc(x.deleted);
    }
    const now = Date.now() / 1000;
    if (report.ok) this.m.lastSuccess.set(now);
    else {
      this.m.failures.inc();
      this.m.lastFailure.set(now);
    }
    const fields = { archived: report.archived, deleted: report.deleted, tables: Object.fromEntries(report.tables.map((x) => [x.table, { archived: x.archived, deleted: x.deleted, ...(x.error ? { error: x.error } : {}) }])) };
    if (report.ok) this.deps.log.info('recorder.cleanup', `Retention clean-up: ${report.archived} rows archived, ${report.deleted} deleted.`, fields);
    else this.deps.log.error('recorder.cleanup_failed', `Retention clean-up failed: ${report.error ?? report.tables.filter((x) => x.error).map((x) => `${x.table}: ${x.error}`).join('; ')}`, fields);
    try {
      const ev = cleanupEvent(report, this.cfg.service ?? 'tickwatch-recorder');
      const check = VALIDATORS.get('store.cleanup')!;
      if (check.Check(ev)) this.deps.record(ev);
      else this.deps.log.warn('recorder.cleanup_event_invalid', `The clean-up's event does not fit its schema and is not recorded: ${check.Errors(ev).First()?.message ?? ''}`);
    } catch (err) {
      this.deps.log.warn('recorder.cleanup_event_failed', 'The clean-up ran; its event was not recorded.', { err });
    }
    return report;
  }
}

/** A report as JSON (the query API's answer): the time as RFC 3339, a checkpoint's nanoseconds as decimal text. */
export type CleanupReportJson = Omit<CleanupReport, 'asOf' | 'tables'> & {
  readonly asOf: string;
  readonly tables: readonly (Omit<TableOutcome, 'checkpoint'> & { readonly checkpoint?: Omit<Checkpoint, 'cutNs' | 'createdNs'> & { readonly cutNs: string; readonly createdNs: string } })[];
};

/** A report as JSON (see {@link CleanupReportJson}). */
export function cleanupReportJson(r: CleanupReport): CleanupReportJson {
  return {
    ...r,
    asOf: r.asOf.toISOString(),
    tables: r.tables.map(({ checkpoint, ...x }) => ({ ...x, ...(checkpoint ? { checkpoint: { ...checkpoint, cutNs: checkpoint.cutNs.toString(), createdNs: checkpoint.createdNs.toString() } } : {}) })),
  };
}

/** A report from its JSON (see {@link CleanupReportJson}). */
export function cleanupReportOf(j: CleanupReportJson): CleanupReport {
  return {
    ...j,
    asOf: new Date(j.asOf),
    tables: j.tables.map(({ checkpoint, ...x }) => ({ ...x, ...(checkpoint ? { checkpoint: { ...checkpoint, cutNs: BigInt(checkpoint.cutNs), createdNs: BigInt(checkpoint.createdNs) } } : {}) })),
  };
}
