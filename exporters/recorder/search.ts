/**
 * Reading what the recorder stored: search the log stream by time, component, level, event type,
 * status, ids and message (seed 003's `search_logs`), one trade's story across the log stream and
 * the audit tables (seed 002's first canned query), execution time per service over a window
 * (seed 002's second), and the audit tables' hash chains. A running recorder answers on its query
 * API (127.0.0.1:9474), because the embedded store is locked by its writer; with no recorder running,
 * the commands open the store directly.
 *
 * API (loopback only): `GET /api/v1/logs` (search, paged by cursor), `GET /api/v1/trade` (a trade's
 * story), `GET /api/v1/exec-time`, `GET /api/v1/verify`, `GET /api/v1/chain-heads`, `POST /api/v1/cleanup` (the retention
 * clean-up on demand: `?dry_run=1&now=<iso>`, answers its report), and the alert
 * history's `GET /api/v1/alerts` and `POST /api/v1/alertmanager/webhook` (alerts.ts). Query
 * parameters are the commands' flags in snake case; errors answer 400 with `{ error }`.
 */
import type { FastifyInstance } from 'fastify';
import { createWebApp, type WebAccess, type WebRefusal } from '../instrument/web/server.js';
import { LOG_LEVELS, type LogLevel } from '../catalog/enums.js';
import { PORTS } from '../catalog/jobs.js';
import type { ChainHeads } from './chain.js';
import { formatNanos } from './rows.js';
import type { AuditStore, ExecTimeRow, FoundRow, LogQuery, LogRow, SearchQuery } from './stores/store.js';
import { TABLES } from '../catalog/tables.js';
import { verifyStore } from './verify.js';
import { terminalTable } from '../lib/table.js';
import { registerAlertRoutes, type AlertReceiver } from './alerts.js';

/** A search result as JSON (ts as RFC 3339 with nanoseconds). */
export interface FoundJson {
  readonly ts: string;
  readonly ts_ns: string;
  readonly table: string;
  readonly event: string;
  readonly component: string;
  readonly level: string;
  readonly message: string | null;
  readonly fields: unknown;
}

/** One trade's story: every row of a correlation id across the log stream and the audit tables. */
export async function search(store: AuditStore, q: SearchQuery): Promise<FoundJson[]> {
  const rows: FoundRow[] = await store.search(q, TABLES);
  return rows.map((r) => ({
    ts: formatNanos(r.ts_ns),
    ts_ns: String(r.ts_ns),
    table: r.table,
    event: r.event,
    component: r.component,
    level: r.level,
    message: r.message,
    fields: parseFields(r.fields),
  }));
}

/** The stored line as JSON, or as the string it is when it no longer parses (a damaged row). */
function parseFields(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return s;
  }
}

/**
 * Parses a time flag (`--since`, `--until`): a duration back from now (`15m`, `1h`, `2d`, `90s`) or
 * an RFC 3339 time, to nanoseconds since the epoch.
 * @throws Error naming the flag and value when it is neither
 */
export function parseTime(v: string, flag = '--since', nowMs = Date.now()): bigint {
  const m = /^(\d+)(s|m|h|d)$/.exec(v);
  if (m) return BigInt(nowMs - Number(m[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[m[2] as 's' | 'm' | 'h' | 'd']) * 1_000_000n;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new Error(`${flag} '${v}': use 30m, 1h, 2d or an RFC 3339 time`);
  return BigInt(t) * 1_000_000n;
}

/** `--since` of the commands: see {@link parseTime}. */
export function parseSince(v: string, nowMs = Date.now()): bigint {
  return parseTime(v, '--since', nowMs);
}

/** A row of the log stream as JSON: `ts` RFC 3339 with nanoseconds, `fields` the line as written. */
export interface LogJson {
  readonly ts: string;
  readonly ts_ns: string;
  readonly level: string;
  readonly component: string;
  readonly event: string;
  readonly message: string | null;
  readonly correlation_id: string | null;
  readonly intent_id: string | null;
  readonly trace_id: string | null;
  readonly status: string | null;
  readonly duration_ns: number | null;
  readonly format: string;
  readonly fields: unknown;
}

/** A page of a log search; `next_cursor` fetches the rows after it (absent on the last page). */
export interface LogPage {
  readonly rows: readonly LogJson[];
  readonly next_cursor?: string;
}

/** The filters of a log search as the CLI and the API take them (strings, as typed). */
export interface LogFilters {
  readonly since?: string;
  readonly until?: string;
  /** Comma-separated components. */
  readonly component?: string;
  readonly level?: string;
  readonly event?: string;
  readonly status?: string;
  readonly correlation_id?: string;
  readonly intent_id?: string;
  readonly trace_id?: string;
  /** A substring of the message. */
  readonly q?: string;
  readonly limit?: string;
  readonly cursor?: string;
}

/** Default page size of a log search. */
export const DEFAULT_LOG_LIMIT = 100;

function encodeCursor(r: LogRow): string {
  return Buffer.from(JSON.stringify({ t: r.ts_ns.toString(), f: r.fields })).toString('base64url');
}

function decodeCursor(c: string): { tsNs: bigint; fields: string } {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as { t: string; f: string };
    if (typeof v.t !== 'string' || !/^\d+$/.test(v.t) || typeof v.f !== 'string') throw new Error('shape');
    return { tsNs: BigInt(v.t), fields: v.f };
  } catch {
    throw new Error('cursor: not a cursor this search returned');
  }
}

/**
 * The store query the filters describe.
 * @throws Error naming the filter when a value is invalid (a time, a level, a limit, a cursor)
 */
export function logQuery(f: LogFilters, nowMs = Date.now()): LogQuery {
  const level = f.level === undefined || f.level === '' ? undefined : f.level === 'warning' ? 'warn' : f.level;
  if (level !== undefined && !(LOG_LEVELS as readonly string[]).includes(level)) throw new Error(`level '${f.level}': one of ${LOG_LEVELS.join(', ')}`);
  const limit = f.limit === undefined || f.limit === '' ? DEFAULT_LOG_LIMIT : Number(f.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new Error(`limit '${f.limit}': a whole number from 1 to 10000`);
  const components = f.component
    ?.split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const some = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
  return {
    ...(some(f.since) ? { sinceNs: parseTime(f.since!, 'since', nowMs) } : {}),
    ...(some(f.until) ? { untilNs: parseTime(f.until!, 'until', nowMs) } : {}),
    ...(components?.length ? { components } : {}),
    ...(level ? { minLevel: level as LogLevel } : {}),
    ...(some(f.event) ? { event: f.event } : {}),
    ...(some(f.status) ? { status: f.status } : {}),
    ...(some(f.correlation_id) ? { correlationId: f.correlation_id } : {}),
    ...(some(f.intent_id) ? { intentId: f.intent_id } : {}),
    ...(some(f.trace_id) ? { traceId: f.trace_id } : {}),
    ...(some(f.q) ? { text: f.q } : {}),
    ...(some(f.cursor) ? { after: decodeCursor(f.cursor!) } : {}),
    limit,
  };
}

/** Runs a log search: one page, in time order, and the cursor of the next when there is one. */
export async function searchLogs(store: AuditStore, q: LogQuery): Promise<LogPage> {
  const rows = await store.searchLogs({ ...q, limit: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    rows: page.map((r) => ({
      ts: formatNanos(r.ts_ns),
      ts_ns: String(r.ts_ns),
      level: r.level,
      component: r.component,
      event: r.event,
      message: r.message,
      correlation_id: r.correlation_id,
      intent_id: r.intent_id,
      trace_id: r.trace_id,
      status: r.status,
      duration_ns: r.duration_ns,
      format: r.format ?? 'tickwatch',
      fields: parseFields(r.fields),
    })),
    ...(rows.length > q.limit && last ? { next_cursor: encodeCursor(last) } : {}),
  };
}

/** Execution time per component over [since, until) (default: the last hour). */
export async function execTime(store: AuditStore, since?: string, until?: string, nowMs = Date.now()): Promise<ExecTimeRow[]> {
  return store.execTime(since ? parseTime(since, 'since', nowMs) : BigInt(nowMs - 3_600_000) * 1_000_000n, until ? parseTime(until, 'until', nowMs) : BigInt(nowMs + 1) * 1_000_000n);
}

/** The retention clean-up as the query API serves it: verify's checkpoint key, and a run on demand. */
export interface RetentionApi {
  /** The key that signs the chain checkpoints (verify checks them with it). */
  readonly key?: import('./checkpoint.js').CheckpointKey;
  /** Runs the clean-up now (`POST /api/v1/cleanup?dry_run=1&now=<iso>`). */
  readonly run?: (o: { dryRun?: boolean; now?: Date }) => Promise<import('./cleanup.js').CleanupReport>;
}

/** The web configuration of the query API (`--web.config.file`), and where its refusals go. */
export interface QueryApiWeb {
  readonly access: WebAccess;
  /** Told about each refusal (counts and records them: run.ts). Must not throw. */
  readonly onRefusal: (r: WebRefusal) => void;
  /** Told when the file becomes invalid or valid again. */
  readonly onProblem?: (message: string) => void;
}

/**
 * Starts the query API of a running recorder (loopback only, see the module comment).
 * @param storedHeads - the running recorder's `storedHeads` (the anchors of `/api/v1/verify`)
 * @param alerts - the running recorder's alert history receiver (serves Alertmanager's webhook)
 * @param retention - the running recorder's clean-up (`POST /api/v1/cleanup`) and checkpoint key (verify)
 * @param web - TLS and basic authentication of every route, the webhook included (instrument/web/); absent: plain HTTP
 * @throws WebConfigError when `web` names an invalid web configuration file
 * @throws Error when the port cannot be bound
 */
export async function startQueryApi(store: AuditStore, port: number = PORTS.recorderQuery, host = '127.0.0.1', storedHeads?: () => ChainHeads, alerts?: AlertReceiver, retention?: RetentionApi, web?: QueryApiWeb): Promise<FastifyInstance> {
  const app = createWebApp({ service: 'tickwatch-recorder-api', ...(web ? { web: web.access, onRefusal: web.onRefusal, onProblem: web.onProblem } : {}) });
  const bad = (reply: { code(n: number): { send(b: unknown): unknown } }, err: unknown) => reply.code(400).send({ error: (err as Error).message });
  app.get('/api/v1/logs', async (req, reply) => {
    try {
      return reply.send(await searchLogs(store, logQuery(req.query as LogFilters)));
    } catch (err) {
      return bad(reply, err);
    }
  });
  app.get('/api/v1/trade', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    if (!q.correlation_id) return reply.code(400).send({ error: 'correlation_id is required' });
    try {
      return reply.send(
        await search(store, {
          correlationId: q.correlation_id,
          sinceNs: q.since ? parseSince(q.since) : undefined,
          component: q.component,
          level: q.level,
          limit: q.limit ? Number(q.limit) : undefined,
        }),
      );
    } catch (err) {
      return bad(reply, err);
    }
  });
  app.get('/api/v1/exec-time', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    try {
      return reply.send(await execTime(store, q.since, q.until));
    } catch (err) {
      return bad(reply, err);
    }
  });
  // The audit tables' hash chains (`tickwatch audit verify` asks here while a recorder runs).
  app.get('/api/v1/verify', async (_req, reply) => {
    try {
      return reply.send(await verifyStore(store, TABLES, 20, storedHeads?.(), retention?.key));
    } catch (err) {
      return reply.code(500).send({ error: (err as Error).message });
    }
  });
  app.get('/api/v1/chain-heads', async (_req, reply) => reply.send(storedHeads?.() ?? {}));
  // The retention clean-up on demand (`tickwatch store cleanup` asks here while a recorder runs).
  app.post('/api/v1/cleanup', async (req, reply) => {
    if (!retention?.run) return reply.code(404).send({ error: 'this recorder runs no retention clean-up' });
    const q = req.query as Record<string, string | undefined>;
    const now = q.now === undefined ? undefined : new Date(q.now);
    if (now && Number.isNaN(now.getTime())) return reply.code(400).send({ error: `now: not a time: ${q.now}` });
    try {
      const { cleanupReportJson } = await import('./cleanup.js');
      return reply.send(cleanupReportJson(await retention.run({ dryRun: q.dry_run === '1' || q.dry_run === 'true', ...(now ? { now } : {}) })));
    } catch (err) {
      return reply.code(500).send({ error: (err as Error).message });
    }
  });
  registerAlertRoutes(app, store, alerts, parseTime);
  await app.listen({ host, port });
  return app;
}

/** Formats chain reports for the terminal: one line per table, then its problems. */
export function formatChainReports(reports: readonly import('./verify.js').ChainReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    const cut = r.checkpoint ? ` (from the retention checkpoint at seq ${r.checkpoint.seq}, ${r.checkpoint.signed ? 'signed' : 'not signed'})` : r.firstSeq > 1 ? ' (older rows gone)' : '';
    const from = r.rows === 0 ? (r.head.seq > 0 ? `empty: every row removed by retention up to seq ${r.head.seq}` : 'empty') : `seq ${r.firstSeq}..${r.head.seq}${cut}`;
    const anchor = r.anchor ? `  (recorder's head: seq ${r.anchor.seq})` : '';
    lines.push(`${r.problemCount === 0 ? 'ok  ' : 'FAIL'} ${r.table.padEnd(28)} ${String(r.rows).padStart(9)} rows  ${from}  head ${r.head.hash.slice(0, 16)}${anchor}${r.problemCount ? `  ${r.problemCount} problem(s)` : ''}`);
    for (const p of r.problems) lines.push(`       ${p}`);
    if (r.problemCount > r.problems.length) lines.push(`       ... and ${r.problemCount - r.problems.length} more`);
  }
  return lines.join('\n');
}

/** Formats a trade's story as aligned text lines for the terminal. */
export function formatStory(rows: readonly FoundJson[]): string {
  if (rows.length === 0) return 'no events for that correlation id';
  // One line per event: the tables it is recorded in are listed together.
  const merged: (FoundJson & { tables: string[] })[] = [];
  for (const r of rows) {
    const last = merged.at(-1);
    if (last && last.ts_ns === r.ts_ns && last.event === r.event && JSON.stringify(last.fields) === JSON.stringify(r.fields)) last.tables.push(r.table);
    else merged.push({ ...r, tables: [r.table] });
  }
  return merged
    .map((r) => {
      const f = (typeof r.fields === 'object' && r.fields !== null ? r.fields : {}) as Record<string, unknown>;
      const skip = new Set(['ts', 'level', 'component', 'event', 'correlation_id', 'message']);
      const extra = Object.entries(f)
        .filter(([k]) => !skip.has(k))
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      return `${r.ts}  ${r.level.padEnd(5)} ${r.component.padEnd(15)} ${r.event.padEnd(22)} [${r.tables.join(', ')}] ${extra}${r.message ? `  "${r.message}"` : ''}`;
    })
    .join('\n');
}

/** Formats a page of log rows as a table for the terminal: time, level, component, event, ids, message. */
export function formatLogTable(rows: readonly LogJson[]): string {
  if (rows.length === 0) return 'no log rows match';
  const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const head = ['time (UTC)', 'level', 'component', 'event', 'correlation', 'status', 'message'];
  const body = rows.map((r) => [r.ts.slice(0, 23), r.level, cut(r.component, 18), cut(r.event, 28), r.correlation_id ?? '', r.status ?? '', cut((r.message ?? '').replace(/\s+/g, ' '), 100)]);
  return terminalTable(head, body);
}


/** Formats execution time per component for the terminal. */
export function formatExecTime(rows: readonly ExecTimeRow[]): string {
  if (rows.length === 0) return 'no events stated an execution time in that window';
  const ms = (ns: number) => (ns / 1e6).toFixed(3);
  const head = ['component', 'events', 'avg ms', 'max ms'];
  const body = rows.map((r) => [r.component, String(r.events), ms(r.avg_ns), ms(r.max_ns)]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [head, ...body].map((cells) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')).join('\n');
}
