/**
 * Retention as typed configuration: how long each table's rows are kept, per store, in two tiers,
 * and when the daily clean-up runs. The catalog is the contract; the recorder reads it (the clean-up
 * job: exporters/recorder/cleanup.ts; ClickHouse's TTL clauses: exporters/recorder/ddl.ts).
 *
 * **Tiers.** A row stays in its table for {@link TierPolicy.activeDays} (counted from its event time,
 * `ts_ns`). Past that it moves to `<table>_archive` (same columns; DuckDB and PostgreSQL) or to the
 * `archive` volume (ClickHouse, `TTL ... TO VOLUME 'archive'`, when the store's storage policy,
 * `--clickhouse-storage-policy`, has a volume named `archive`),
 * and is deleted once older than {@link TierPolicy.archiveDays}. Without an archive tier
 * (`archiveDays: null`) rows past `activeDays` are deleted. So a row is kept at least
 * `archiveDays ?? activeDays` days in all.
 *
 * **Defaults** ({@link DEFAULT_PERIODS}), per store and retention class (tables.ts `Retention`), days:
 *
 * | class (tables) | embedded (DuckDB) | ClickHouse | PostgreSQL |
 * |---|---|---|---|
 * | `audit` (the hash-chained `audit_*`, `trade_executions`) | 30, archive to 1,827 (5 y) | 1,827 (5 y) | 1,827 (5 y) |
 * | `operations` (`system_events`, `performance_log`) | 30, archive to 731 (2 y) | 731 (2 y) | 731 (2 y) |
 * | `incidents` (`anomaly_log`, alerts) | 30, archive to 366 (1 y) | 366 (1 y) | 366 (1 y) |
 * | `logs` (the log stream) | 30, archive to 90 | 30, archive to 90 | 30, archive to 90 |
 *
 * Where each figure comes from, and where the seeds disagree:
 *
 * - **30 days in DuckDB, every table** (seed 000: the embedded store keeps 30 days). In seed 000
 *   DuckDB is the hot store beside a long-term one; here it is often the only store, so its 30 days
 *   are the active tier and the rest of each table's long-term period is its archive tier, in the
 *   same file: nothing policy says to keep is deleted at 30 days.
 * - **2 years for system events and performance samples** (seed 000's ClickHouse TTL).
 * - **1 year for alerts, security events and anomalies** (seed 000's ClickHouse TTL): for the
 *   `incidents` class (anomalies, and alert history when it lands). Security events are hash-chained
 *   audit records here (`audit_security`) and are kept as long as the audit trail (below), not 1 year.
 * - **Logs 30 days active, archived to 90; trading logs 90** (seed 002's PostgreSQL tables
 *   `system_logs` / `archived_system_logs` / `trading_logs`): the `logs` class on every store; on
 *   PostgreSQL `system_logs` follows the `logs` policy and `trading_logs` keeps 90 days
 *   (stores/postgres.ts `SEED002_RETENTION`).
 * - **5 years for the audit trail** (order records, their trade executions, risk decisions, the
 *   chained tables). Seed 004 says audit logs 2-3 years and seed 000 keeps trade executions 2 years;
 *   we keep our 5-year default, because order records are what regulators ask for and 2-3 years
 *   falls short of them: MiFID II Art. 16(6)/25 and RTS 6 (5 years, up to 7 on request), Taiwan's
 *   securities rules (at least 5 years for order records), SEC Rule 17a-4 (6 years for some records:
 *   configure `audit=6y` or more where it applies). Keeping longer than a seed asks is safe;
 *   deleting earlier than a regulator asks is not.
 *
 * A year is {@link daysOfYears}(n) = ceil(n × 365.25) days (1 y = 366, 2 y = 731, 5 y = 1,827), so
 * "n years" is never a leap day short of n calendar years.
 *
 * **Schedule** ({@link DEFAULT_CLEANUP_SCHEDULE}): daily at 02:00 (seed 002's nightly clean-up) in
 * Asia/Taipei, the time zone of the default trading calendar (TWSE-like, exporters/hft/calendar.ts):
 * 02:00 there is 12.5 hours after the close and 7 hours before the open. UTC would put the run at
 * 10:00 in Taipei, in the middle of the session; a desk on another exchange sets its own zone
 * (Asia/Taipei has no daylight saving time, so 02:00 happens exactly once a day there).
 *
 * **Overrides**: a config file (JSON or YAML, {@link parseRetentionFile}) and `tickwatch` flags
 * (`--retention audit=7y,logs=14d:60d`, {@link parseRetentionFlag}), flags last. A key is a table
 * name or a retention class (a table's own key wins over its class's); a value is a period
 * (`30d`, `12w`, `5y`), or `active:archive` (`30d:90d`; `30d:none` for no archive tier).
 *
 * ```yaml
 * # tickwatch retention config
 * schedule: { cron: "0 2 * * *", timezone: Asia/Taipei }
 * retention:                           # every store
 *   audit: 7y
 * embedded:                            # one store: embedded, clickhouse or postgres
 *   logs: { active: 14d, archive: 90d }
 *   trade_executions: 30d:7y
 * ```
 */
import { parse as parseYaml } from 'yaml';
import { RECORDER_STORES } from './enums.js';
import { TABLES, type Retention, type TableDef, type TableName } from './tables.js';

/** A store the recorder writes to (the `store` label): `embedded` (DuckDB), `clickhouse`, `postgres`. */
export type StoreKind = (typeof RECORDER_STORES)[number];

/** The retention classes of tables.ts. */
export const RETENTION_CLASSES: readonly Retention[] = ['audit', 'operations', 'incidents', 'logs'];

/** How long a table's rows are kept on one store (see the module comment). */
export interface TierPolicy {
  /** Days a row stays in its table, counted from its event time. */
  readonly activeDays: number;
  /**
   * Age in days (counted from the event time, like `activeDays`) up to which a row past
   * `activeDays` is kept in the archive tier; greater than `activeDays`. Null: no archive tier,
   * rows past `activeDays` are deleted.
   */
  readonly archiveDays: number | null;
}

/** Days a row is kept in all: its archive tier's age limit, or its active period without one. */
export const keptDays = (p: TierPolicy): number => p.archiveDays ?? p.activeDays;

/** Days in `n` years: ceil(n × 365.25), never a leap day short of n calendar years. */
export const daysOfYears = (n: number): number => Math.ceil(n * 365.25);

const Y1 = daysOfYears(1);
const Y2 = daysOfYears(2);
const Y5 = daysOfYears(5);

/** Periods per store and retention class (see the module comment for the source of each figure). */
export const DEFAULT_PERIODS: Readonly<Record<StoreKind, Readonly<Record<Retention, TierPolicy>>>> = {
  embedded: {
    /** Seed 000: DuckDB keeps 30 days; then archived to the audit trail's 5 years (ours: order records, see the module comment). */
    audit: { activeDays: 30, archiveDays: Y5 },
    /** Seed 000: DuckDB keeps 30 days; then archived to seed 000's 2 years for system events and performance samples. */
    operations: { activeDays: 30, archiveDays: Y2 },
    /** Seed 000: DuckDB keeps 30 days; then archived to seed 000's 1 year for alerts and anomalies. */
    incidents: { activeDays: 30, archiveDays: Y1 },
    /** Seed 002: active logs 30 days, archived to 90 days. */
    logs: { activeDays: 30, archiveDays: 90 },
  },
  clickhouse: {
    /** Ours, 5 years (seed 004 says 2-3 years for audit logs, seed 000 2 years for trade executions; see the module comment). */
    audit: { activeDays: Y5, archiveDays: null },
    /** Seed 000's ClickHouse TTL: 2 years for system events and performance samples. */
    operations: { activeDays: Y2, archiveDays: null },
    /** Seed 000's ClickHouse TTL: 1 year for alerts and anomalies. */
    incidents: { activeDays: Y1, archiveDays: null },
    /** Seed 002: active logs 30 days, archived to 90 days (TO VOLUME 'archive' where a storage policy has one). */
    logs: { activeDays: 30, archiveDays: 90 },
  },
  postgres: {
    /** Ours, 5 years (as on ClickHouse). */
    audit: { activeDays: Y5, archiveDays: null },
    /** Seed 000: 2 years for system events and performance samples. */
    operations: { activeDays: Y2, archiveDays: null },
    /** Seed 000: 1 year for alerts and anomalies. */
    incidents: { activeDays: Y1, archiveDays: null },
    /** Seed 002: active logs 30 days, archived to 90 days (`system_logs` follows it to `archived_system_logs`). */
    logs: { activeDays: 30, archiveDays: 90 },
  },
};

/** When the clean-up runs: a cron pattern (croner's, 5 or 6 fields) in an IANA time zone. */
export interface CleanupSchedule {
  readonly cron: string;
  readonly timeZone: string;
}

/** Daily at 02:00 (seed 002) in Asia/Taipei (the default trading calendar's zone; see the module comment). */
export const DEFAULT_CLEANUP_SCHEDULE: CleanupSchedule = { cron: '0 2 * * *', timeZone: 'Asia/Taipei' };

/** A key of an override: a table, or a retention class (every table of it). */
export type RetentionKey = TableName | Retention;

/** A partial policy as an override gives it (a bare period sets `activeDays` and no archive tier). */
export interface TierOverride {
  readonly activeDays: number;
  readonly archiveDays: number | null;
}

/** Overrides from a file or flags, before they are applied to the defaults. */
export interface RetentionOverrides {
  /** For every store. */
  readonly all?: Readonly<Partial<Record<RetentionKey, TierOverride>>>;
  /** For one store (after `all`). */
  readonly stores?: Readonly<Partial<Record<StoreKind, Readonly<Partial<Record<RetentionKey, TierOverride>>>>>>;
  readonly schedule?: Partial<CleanupSchedule>;
}

/** The resolved configuration: every table's policy on every store, and the schedule. */
export interface RetentionConfig {
  readonly periods: Readonly<Record<StoreKind, Readonly<Record<string, TierPolicy>>>>;
  readonly schedule: CleanupSchedule;
}

/** A retention setting that does not parse; the message names the key at fault and where it came from. */
export class RetentionConfigError extends Error {
  override readonly name = 'RetentionConfigError';
}

/**
 * Days of a period: `30d`, `12w`, `5y` (ceil(n × 365.25) days: {@link daysOfYears}); a bare number
 * is days. At least 1 day.
 * @param where - the key, for the message
 * @throws RetentionConfigError naming `where`
 */
export function parsePeriod(v: unknown, where: string): number {
  const s = typeof v === 'number' ? `${v}d` : typeof v === 'string' ? v.trim() : '';
  const m = /^(\d+)\s*(d|w|y)?$/i.exec(s);
  if (!m) throw new RetentionConfigError(`${where}: ${JSON.stringify(v)} is not a period (expected days, weeks or years: 30d, 12w, 5y)`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 'd').toLowerCase();
  const days = unit === 'y' ? daysOfYears(n) : unit === 'w' ? n * 7 : n;
  if (!Number.isSafeInteger(days) || days < 1) throw new RetentionConfigError(`${where}: ${JSON.stringify(v)} is not a period of at least 1 day`);
  return days;
}

/** The tables a key names: one table, or every table of a retention class. */
function tablesOf(key: RetentionKey, tables: readonly TableDef[]): TableDef[] {
  return tables.filter((t) => t.name === key || (t.retention === key && !tables.some((x) => x.name === key)));
}

function isKey(k: string, tables: readonly TableDef[]): k is RetentionKey {
  return tables.some((t) => t.name === k) || (RETENTION_CLASSES as readonly string[]).includes(k);
}

/**
 * One override value: a period (`30d`, no archive tier), `active:archive` (`30d:90d`,
 * `30d:none`), or an object `{ active, archive }` (archive a period, `none` or null).
 * @throws RetentionConfigError naming `where`
 */
export function parseTier(v: unknown, where: string): TierOverride {
  let active: unknown;
  let archive: unknown = null;
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) if (k !== 'active' && k !== 'archive') throw new RetentionConfigError(`${where}.${k}: unknown key (a table's retention has active and archive)`);
    if (!('active' in o)) throw new RetentionConfigError(`${where}.active: missing (how long rows stay in the table: 30d, 2y)`);
    active = o.active;
    archive = o.archive ?? null;
  } else if (typeof v === 'string' && v.includes(':')) {
    [active, archive] = v.split(':', 2).map((x) => x.trim());
  } else active = v;
  const activeDays = parsePeriod(active, typeof v === 'object' && v !== null ? `${where}.active` : where);
  const archiveDays = archive === null || archive === undefined || archive === 'none' ? null : parsePeriod(archive, typeof v === 'object' && v !== null ? `${where}.archive` : where);
  if (archiveDays !== null && archiveDays <= activeDays) {
    throw new RetentionConfigError(`${typeof v === 'object' && v !== null ? `${where}.archive` : where}: the archive tier keeps rows to ${archiveDays} days, which is not past the active period (${activeDays} days); give a longer archive age or none`);
  }
  return { activeDays, archiveDays };
}

/** A map of keys to tiers, each key checked against the tables and classes. */
function parseTiers(v: unknown, where: string, tables: readonly TableDef[]): Partial<Record<RetentionKey, TierOverride>> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new RetentionConfigError(`${where}: expected a map of tables or retention classes to periods`);
  const out: Partial<Record<RetentionKey, TierOverride>> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (!isKey(k, tables)) throw new RetentionConfigError(`${where}.${k}: not a table or retention class (classes: ${RETENTION_CLASSES.join(', ')}; tables: ${tables.map((t) => t.name).join(', ')})`);
    out[k] = parseTier(x, `${where}.${k}`);
  }
  return out;
}

/** Checks an IANA time zone name. @throws RetentionConfigError naming `where` */
export function checkTimeZone(tz: unknown, where: string): string {
  if (typeof tz !== 'string' || tz === '') throw new RetentionConfigError(`${where}: expected an IANA time zone name (Asia/Taipei, UTC)`);
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new RetentionConfigError(`${where}: ${JSON.stringify(tz)} is not an IANA time zone (Asia/Taipei, Europe/London, UTC)`);
  }
  return tz;
}

const FILE_KEYS = ['retention', 'schedule', ...RECORDER_STORES] as const;

/**
 * A retention config file's overrides (see the module comment for its shape).
 * @param text - the file's text, JSON or YAML (JSON is YAML)
 * @param source - the file's name, for messages
 * @throws RetentionConfigError naming the file and the key at fault
 */
export function parseRetentionFile(text: string, source: string, tables: readonly TableDef[] = TABLES): RetentionOverrides {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new RetentionConfigError(`${source}: not YAML or JSON (${(err as Error).message.split('\n')[0]})`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new RetentionConfigError(`${source}: expected a map at the top (retention, schedule, embedded, clickhouse, postgres)`);
  const d = doc as Record<string, unknown>;
  const at = (k: string) => `${source}: ${k}`;
  for (const k of Object.keys(d)) if (!(FILE_KEYS as readonly string[]).includes(k)) throw new RetentionConfigError(`${at(k)}: unknown key (expected ${FILE_KEYS.join(', ')})`);
  const stores: Partial<Record<StoreKind, Partial<Record<RetentionKey, TierOverride>>>> = {};
  for (const s of RECORDER_STORES) if (d[s] !== undefined) stores[s] = parseTiers(d[s], at(s), tables);
  let schedule: Partial<CleanupSchedule> | undefined;
  if (d.schedule !== undefined) {
    if (typeof d.schedule !== 'object' || d.schedule === null) throw new RetentionConfigError(`${at('schedule')}: expected { cron, timezone }`);
    const s = d.schedule as Record<string, unknown>;
    for (const k of Object.keys(s)) if (k !== 'cron' && k !== 'timezone') throw new RetentionConfigError(`${at(`schedule.${k}`)}: unknown key (expected cron, timezone)`);
    if (s.cron !== undefined && (typeof s.cron !== 'string' || s.cron.trim() === '')) throw new RetentionConfigError(`${at('schedule.cron')}: expected a cron pattern ("0 2 * * *")`);
    schedule = { ...(s.cron !== undefined ? { cron: String(s.cron) } : {}), ...(s.timezone !== undefined ? { timeZone: checkTimeZone(s.timezone, at('schedule.timezone')) } : {}) };
  }
  return {
    ...(d.retention !== undefined ? { all: parseTiers(d.retention, at('retention'), tables) } : {}),
    ...(Object.keys(stores).length ? { stores } : {}),
    ...(schedule ? { schedule } : {}),
  };
}

/**
 * The overrides of a `--retention` flag: `key=value` pairs, comma-separated, each key optionally
 * prefixed by a store (`clickhouse.logs=7d`); values as in {@link parseTier}.
 * @throws RetentionConfigError naming the pair at fault
 */
export function parseRetentionFlag(v: string, tables: readonly TableDef[] = TABLES): RetentionOverrides {
  const all: Partial<Record<RetentionKey, TierOverride>> = {};
  const stores: Partial<Record<StoreKind, Partial<Record<RetentionKey, TierOverride>>>> = {};
  for (const pair of v.split(',').map((x) => x.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new RetentionConfigError(`--retention ${pair}: expected key=period (audit=5y, logs=30d:90d)`);
    const full = pair.slice(0, eq).trim();
    const dot = full.indexOf('.');
    const store = dot > 0 ? full.slice(0, dot) : undefined;
    const key = dot > 0 ? full.slice(dot + 1) : full;
    if (store !== undefined && !(RECORDER_STORES as readonly string[]).includes(store)) throw new RetentionConfigError(`--retention ${full}: ${store} is not a store (${RECORDER_STORES.join(', ')})`);
    if (!isKey(key, tables)) throw new RetentionConfigError(`--retention ${full}: not a table or retention class (classes: ${RETENTION_CLASSES.join(', ')}; tables: ${tables.map((t) => t.name).join(', ')})`);
    const tier = parseTier(pair.slice(eq + 1).trim(), `--retention ${full}`);
    if (store === undefined) all[key] = tier;
    else (stores[store as StoreKind] ??= {})[key] = tier;
  }
  return { all, stores };
}

/** Applies a map of overrides: classes first, then tables (a table's own key wins). */
function apply(into: Record<string, TierPolicy>, o: Readonly<Partial<Record<RetentionKey, TierOverride>>> | undefined, tables: readonly TableDef[]): void {
  if (!o) return;
  const keys = Object.keys(o) as RetentionKey[];
  for (const k of [...keys.filter((x) => !tables.some((t) => t.name === x)), ...keys.filter((x) => tables.some((t) => t.name === x))]) {
    for (const t of tablesOf(k, tables)) into[t.name] = o[k]!;
  }
}

/**
 * The configuration: the defaults, then each set of overrides in order (a file's, then the flags').
 * @param tables - the tables to resolve (default: every table of tables.ts)
 */
export function resolveRetention(overrides: readonly RetentionOverrides[] = [], tables: readonly TableDef[] = TABLES): RetentionConfig {
  const periods = {} as Record<StoreKind, Record<string, TierPolicy>>;
  for (const s of RECORDER_STORES) {
    const p: Record<string, TierPolicy> = {};
    for (const t of tables) p[t.name] = DEFAULT_PERIODS[s][t.retention];
    for (const o of overrides) {
      apply(p, o.all, tables);
      apply(p, o.stores?.[s], tables);
    }
    periods[s] = p;
  }
  let schedule = DEFAULT_CLEANUP_SCHEDULE;
  for (const o of overrides) schedule = { ...schedule, ...o.schedule };
  return { periods, schedule };
}

/** The default configuration (no overrides). */
export const DEFAULT_RETENTION_CONFIG: RetentionConfig = resolveRetention();

/** A table's policy on a store, with the class default for a table the config does not list (a table added since it was resolved). */
export function policyOf(cfg: RetentionConfig, store: StoreKind, t: TableDef): TierPolicy {
  return cfg.periods[store][t.name] ?? DEFAULT_PERIODS[store][t.retention];
}

/** A period as the flags write it: `5y` when it is {@link daysOfYears}(5), else days. */
export function formatDays(days: number): string {
  for (let y = Math.floor(days / 365); y >= 1 && y >= Math.floor(days / 366); y--) if (daysOfYears(y) === days) return `${y}y`;
  return `${days}d`;
}

/** A policy as the flag would write it: `30d:5y`, or `2y` without an archive tier. */
export const formatTier = (p: TierPolicy): string => (p.archiveDays === null ? formatDays(p.activeDays) : `${formatDays(p.activeDays)}:${formatDays(p.archiveDays)}`);
