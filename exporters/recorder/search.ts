/**
 * `tickwatch logs search` and `tickwatch audit verify`: the whole story of one trade (correlation id) across the log stream and
 * the audit tables, in time order. A running recorder answers on its query API (127.0.0.1:9474),
 * because the embedded store is locked by its writer; with no recorder running, the store is
 * opened directly. Verifying the hash chains goes the same way.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { PORTS } from '../catalog/jobs.js';
import type { ChainHeads } from './chain.js';
import { verifyStore, type ChainReport } from './verify.js';
import { formatNanos } from './rows.js';
import type { AuditStore, FoundRow, SearchQuery } from './stores/store.js';
import { TABLES } from './tables.js';

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

/** Runs a search on a store. */
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
    fields: JSON.parse(r.fields) as unknown,
  }));
}

/**
 * Parses `--since` (`15m`, `1h`, `2d`, or an RFC 3339 time) to nanoseconds since the epoch.
 * @throws Error naming the value when it is neither
 */
export function parseSince(v: string, nowMs = Date.now()): bigint {
  const m = /^(\d+)(s|m|h|d)$/.exec(v);
  if (m) return BigInt(nowMs - Number(m[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[m[2] as 's' | 'm' | 'h' | 'd']) * 1_000_000n;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new Error(`--since '${v}': use 30m, 1h, 2d or an RFC 3339 time`);
  return BigInt(t) * 1_000_000n;
}

/**
 * Starts the query API of a running recorder (loopback only): `GET /api/v1/search`,
 * `GET /api/v1/verify` (the chain reports, checked against `storedHeads` when given) and
 * `GET /api/v1/chain-heads` (those heads, `{}` without them).
 * @param storedHeads - the running recorder's {@link Recorder.storedHeads}
 */
export async function startQueryApi(store: AuditStore, port: number = PORTS.recorderQuery, host = '127.0.0.1', storedHeads?: () => ChainHeads): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.get('/api/v1/search', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    if (!q.correlation_id) return reply.code(400).send({ error: 'correlation_id is required' });
    try {
      const rows = await search(store, {
        correlationId: q.correlation_id,
        sinceNs: q.since ? parseSince(q.since) : undefined,
        component: q.component,
        level: q.level,
        limit: q.limit ? Number(q.limit) : undefined,
      });
      return reply.send(rows);
    } catch (err) {
      return reply.code(400).send({ error: (err as Error).message });
    }
  });
  // The audit tables' hash chains (`tickwatch audit verify` asks here while a recorder runs).
  app.get('/api/v1/verify', async (_req, reply) => {
    try {
      return reply.send(await verifyStore(store, TABLES, 20, storedHeads?.()));
    } catch (err) {
      return reply.code(500).send({ error: (err as Error).message });
    }
  });
  app.get('/api/v1/chain-heads', async (_req, reply) => reply.send(storedHeads?.() ?? {}));
  await app.listen({ host, port });
  return app;
}

/** Formats chain reports for the terminal: one line per table, then its problems. */
export function formatChainReports(reports: readonly ChainReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    const from = r.rows === 0 ? 'empty' : `seq ${r.firstSeq}..${r.head.seq}${r.firstSeq > 1 ? ' (older rows expired by retention)' : ''}`;
    const anchor = r.anchor ? `  (recorder's head: seq ${r.anchor.seq})` : '';
    lines.push(`${r.problemCount === 0 ? 'ok  ' : 'FAIL'} ${r.table.padEnd(28)} ${String(r.rows).padStart(9)} rows  ${from}  head ${r.head.hash.slice(0, 16)}${anchor}${r.problemCount ? `  ${r.problemCount} problem(s)` : ''}`);
    for (const p of r.problems) lines.push(`       ${p}`);
    if (r.problemCount > r.problems.length) lines.push(`       ... and ${r.problemCount - r.problems.length} more`);
  }
  return lines.join('\n');
}

/** Formats results as aligned text lines for the terminal. */
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
      const f = r.fields as Record<string, unknown>;
      const skip = new Set(['ts', 'level', 'component', 'event', 'correlation_id', 'message']);
      const extra = Object.entries(f)
        .filter(([k]) => !skip.has(k))
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      return `${r.ts}  ${r.level.padEnd(5)} ${r.component.padEnd(15)} ${r.event.padEnd(22)} [${r.tables.join(', ')}] ${extra}${r.message ? `  "${r.message}"` : ''}`;
    })
    .join('\n');
}
