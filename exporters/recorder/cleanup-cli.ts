/**
 * The retention flags of `tickwatch recorder` and `tickwatch start`, and `tickwatch store cleanup`.
 * The config file, the cron library and the stores load when a command runs, not when `tickwatch`
 * starts (`tickwatch catalog list` need not parse YAML).
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { PORTS } from '../catalog/jobs.js';
import { portArg } from '../lib/cli.js';
import type { CleanupServiceConfig } from './cleanup.js';

/** The retention flags, as commander gives them. */
export interface RetentionFlags {
  readonly retention?: string;
  readonly retentionConfig?: string;
  readonly checkpointKeyFile?: string;
  readonly cleanupSchedule?: string;
  readonly cleanupTimezone?: string;
  /** `false` with `--no-cleanup`. */
  readonly cleanup?: boolean;
}

/** Adds the flags that set retention (every command that cleans or verifies with it). */
export function withRetentionOptions(cmd: Command, service = false): Command {
  cmd
    .option('--retention <periods>', 'retention per table or class, overriding the defaults and --retention-config: audit=7y,logs=14d:60d,clickhouse.system_events=2y (active[:archive-until]; d, w, y; none for no archive)')
    .option('--retention-config <file>', 'retention config file, JSON or YAML (periods per store, the schedule; README "Retention")')
    .option('--checkpoint-key-file <file>', 'key that signs the hash chains\' retention checkpoints (HMAC-SHA256; at least 16 bytes: openssl rand -base64 32 > f; chmod 600 f); without it they are plain SHA-256 digests, not signed');
  if (service) {
    cmd
      .option('--cleanup-schedule <cron>', 'when the retention clean-up runs (cron; default 0 2 * * *: daily at 02:00)')
      .option('--cleanup-timezone <zone>', 'IANA time zone of the schedule (default Asia/Taipei, the default trading calendar\'s)')
      .option('--no-cleanup', 'run no retention clean-up on a schedule (tickwatch store cleanup still runs one)');
  }
  return cmd;
}

/**
 * The retention configuration and checkpoint key the flags give (file, then flags); with
 * `--no-cleanup`, no schedule.
 * @throws Error naming the flag, file or key at fault
 */
export async function cleanupConfigOf(o: RetentionFlags): Promise<CleanupServiceConfig & { retention: import('../catalog/retention.js').RetentionConfig }> {
  const R = await import('../catalog/retention.js');
  const overrides: import('../catalog/retention.js').RetentionOverrides[] = [];
  if (o.retentionConfig) {
    let text: string;
    try {
      text = readFileSync(o.retentionConfig, 'utf8');
    } catch (err) {
      throw new Error(`--retention-config ${o.retentionConfig}: ${(err as Error).message}`);
    }
    overrides.push(R.parseRetentionFile(text, o.retentionConfig));
  }
  if (o.retention) overrides.push(R.parseRetentionFlag(o.retention));
  if (o.cleanupSchedule || o.cleanupTimezone) {
    overrides.push({ schedule: { ...(o.cleanupSchedule ? { cron: o.cleanupSchedule } : {}), ...(o.cleanupTimezone ? { timeZone: R.checkTimeZone(o.cleanupTimezone, '--cleanup-timezone') } : {}) } });
  }
  const retention = R.resolveRetention(overrides);
  // The pattern and zone are checked now, not at 02:00.
  const { Cron } = await import('croner');
  try {
    new Cron(retention.schedule.cron, { timezone: retention.schedule.timeZone, paused: true }).nextRun();
  } catch (err) {
    throw new Error(`cleanup schedule ${JSON.stringify(retention.schedule.cron)} (${retention.schedule.timeZone}): ${(err as Error).message}`);
  }
  const key = o.checkpointKeyFile ? (await import('./checkpoint.js')).readCheckpointKey(o.checkpointKeyFile) : undefined;
  // Without a schedule the periods still set ClickHouse's TTL, and `tickwatch store cleanup` through the API.
  return { retention, ...(key ? { key } : {}), ...(o.cleanup === false ? { schedule: false } : {}) };
}

/** Adds `tickwatch store cleanup`. */
export function registerStoreCommands(program: Command, defaultDataDir: () => string): void {
  const store = program.command('store').description("Maintain the recorder's audit store.");
  withRetentionOptions(
    store
      .command('cleanup')
      .description(
        "Run the retention clean-up now (the recorder runs it daily at 02:00): rows past their table's active period move to its archive, archive rows past their period are deleted (a hash chain's cut is checkpointed first), per table; prints the counts. A running recorder runs it (it holds the embedded store, with its own retention); else the store is opened. Exits 1 when a table could not be cleaned.",
      )
      .option('--dry-run', 'count what would be archived and deleted, change nothing')
      .option('--now <time>', 'count the periods from this time instead of now (RFC 3339): see what a later run will do, or test')
      .option('--json', 'print the report as JSON')
      .option('--data-dir <dir>', 'the data folder of the recorder', defaultDataDir())
      .option('--query-port <port>', 'query API of a running recorder', portArg, PORTS.recorderQuery)
      .option('--clickhouse-url <url>', 'clean ClickHouse directly')
      .option('--clickhouse-legacy', 'the server is ClickHouse 18.x (no TTL: every table is cleaned by this command)')
      .option('--postgres-url <url>', 'clean PostgreSQL directly')
      .option('--duckdb-key-file <file>', "the encrypted embedded store's key file, when no recorder is running"),
  ).action(
    async (
      o: RetentionFlags & { dryRun?: boolean; now?: string; json?: boolean; dataDir: string; queryPort: number; clickhouseUrl?: string; clickhouseLegacy?: boolean; postgresUrl?: string; duckdbKeyFile?: string },
    ) => {
      const now = o.now === undefined ? undefined : new Date(o.now);
      if (now && (Number.isNaN(now.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(o.now!))) throw new Error(`--now ${o.now}: not an RFC 3339 time (2026-12-01T02:00:00Z)`);
      const cfg = await cleanupConfigOf({ ...o, cleanup: true });
      const C = await import('./cleanup.js');
      let report: import('./cleanup.js').CleanupReport | undefined;
      // A running recorder holds the embedded file: it runs the clean-up, with its own retention.
      if (!o.clickhouseUrl && !o.postgresUrl) {
        const params = new URLSearchParams({ ...(o.dryRun ? { dry_run: '1' } : {}), ...(now ? { now: now.toISOString() } : {}) });
        const r = await fetch(`http://127.0.0.1:${o.queryPort}/api/v1/cleanup?${params}`, { method: 'POST' }).catch(() => undefined);
        if (r?.ok) {
          report = C.cleanupReportOf((await r.json()) as import('./cleanup.js').CleanupReportJson);
          if (o.retention || o.retentionConfig) console.error('tickwatch store cleanup: a recorder is running; it cleaned with its own retention (its flags and config), not these');
        } else if (r) throw new Error(`recorder query API: ${((await r.json().catch(() => ({}))) as { error?: string }).error ?? r.statusText}`);
      }
      if (!report) {
        const { openStore, storeSpec } = await import('./run.js');
        const { TABLES } = await import('../catalog/tables.js');
        const s = await openStore(storeSpec(o), cfg.retention);
        try {
          await s.init(TABLES);
          report = await C.runCleanup(s, { retention: cfg.retention, ...(cfg.key ? { key: cfg.key } : {}), ...(now ? { now } : {}), dryRun: o.dryRun === true });
          if (!report.dryRun) await C.recordCleanupEvent(s, C.cleanupEvent(report, 'tickwatch-cli'));
        } finally {
          await s.close();
        }
      }
      console.log(o.json ? JSON.stringify(C.cleanupReportJson(report), null, 2) : C.formatCleanupReport(report));
      if (!report.ok) process.exitCode = 1;
    },
  );
}
