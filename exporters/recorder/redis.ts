/**
 * The recorder's Redis hot state (seed 000: "real-time state in Redis with a 7-day expiry"):
 * `tickwatch recorder --redis-url redis://127.0.0.1:6379` keeps the recent trade executions, the
 * open anomalies and the open alerts in Redis for other services to read. Redis is a cache beside
 * the store of record (DuckDB, ClickHouse): every row is in the store whether Redis took it or not,
 * so losing Redis loses nothing.
 *
 * ## Keys and structures
 *
 * Every key starts with the prefix (default `tickwatch:`, `--redis-prefix`); `P` below stands for it.
 *
 * | key | type | holds |
 * |---|---|---|
 * | `P trade_executions` | stream | one entry per `trade_executions` row (fills SUCCESS or PARTIAL, rejects FAILED), fields {@link TRADE_STREAM_FIELDS} as strings (absent when the line did not say); entry id: when Redis took it |
 * | `P anomalies:open` | hash | open anomalies: field `anomaly_id`, value JSON with {@link ANOMALY_JSON_FIELDS}; set by `anomaly.detected`, removed by `anomaly.resolved` or a row with status `CLOSED` |
 * | `P anomalies:open:seen` | sorted set | member `anomaly_id`, score: when the recorder last wrote it (ms since the epoch) |
 * | `P alerts:open` | hash | open alerts: field the alert's fingerprint, value JSON ({@link HotAlert}, plus `alertname` and `severity` from its labels); set while firing, removed when resolved |
 * | `P alerts:open:seen` | sorted set | member fingerprint, score: when the recorder last wrote it (ms since the epoch) |
 *
 * Age (7 days, {@link HOT_STATE_TTL_SECONDS}):
 * - the stream is trimmed by age on every add: `XADD P trade_executions MINID ~ <now - 7 d> * ...`
 *   (Redis 6.2+; Debian 12 ships 7.0). `~` trims whole stream nodes only, so up to one node of
 *   entries older than 7 days (at most `stream-node-max-entries`, 100 by default) may linger;
 * - an open item not written for 7 days is removed with its `seen` member (checked once a minute,
 *   {@link RedisHotStateConfig.pruneEveryMs}), so an item whose close was dropped while Redis was
 *   down does not stay open forever (Redis 7.0 has no per-field expiry; `HEXPIRE` came in 7.4);
 * - every key written gets `EXPIRE 7 d` again, so a structure nobody writes for 7 days disappears.
 *
 * Reading it: `XREVRANGE tickwatch:trade_executions + - COUNT 100` (the newest fills),
 * `XREAD BLOCK 0 STREAMS tickwatch:trade_executions $` (follow), `HGETALL tickwatch:anomalies:open`,
 * `HVALS tickwatch:alerts:open`.
 *
 * ## Never slowing the recorder
 *
 * The recorder hands each batch to {@link RedisHotState.recordBatch} after the store committed it;
 * that call only puts references to the rows on a bounded in-memory queue (10,000 writes by
 * default: when full the oldest write is dropped, counted `queue_full`) and returns. The queue is
 * sent to Redis pipelined (up to 500 writes a round trip) from the event loop, one round trip in
 * flight at a time. While Redis is down or not answering (a round trip older than 5 s), writes are
 * dropped and counted (`down`); a command Redis refuses is counted `error`. The client (node-redis,
 * `@redis/client`) reconnects by its own backoff (50 ms doubling to 2 s, with jitter). Nothing is
 * backfilled after an outage: the store of record has every row, and the hot state fills again from
 * the next batch on (the stream has a gap; an anomaly or alert opened while Redis was down shows
 * once it is written again, one closed while down lingers until its 7-day prune).
 *
 * Metrics (exporters/catalog/redis.ts): `hft_recorder_redis_up`, `hft_recorder_redis_writes_total{structure}`,
 * `hft_recorder_redis_dropped_total{reason}`; RecorderRedisDown warns (alert-rules/redis.ts).
 *
 * Client: `@redis/client` (node-redis' core, the client Redis maintains; the `redis` package adds
 * only the module commands): typed, promise-based, pipelines the commands sent in one tick, and
 * `disableOfflineQueue` makes a command fail at once while disconnected instead of piling up.
 */
import { createClient, ErrorReply } from '@redis/client';
import { REDIS_DROP_REASONS, recorderRedisDroppedTotal, recorderRedisUp, recorderRedisWritesTotal, type REDIS_STRUCTURES } from '../catalog/redis.js';
import type { TableName } from '../catalog/tables.js';
import type { MetricRegistry } from '../instrument/registry.js';
import type { Log } from '../lib/log.js';
import { formatNanos, type Row } from './rows.js';

/**
 * How long the hot state keeps an item: 7 days, in seconds. Source: seed 000 ("Redis: real-time
 * state, 7-day expiry"; the design card's "Redis (seed 000's 7-day hot state)").
 */
export const HOT_STATE_TTL_SECONDS = 7 * 24 * 3600;

/** The key prefix when none is given. */
export const DEFAULT_REDIS_KEY_PREFIX = 'tickwatch:';

/** A hot-state structure (the `structure` label of the metrics). */
export type HotStructure = (typeof REDIS_STRUCTURES)[number];

/** Why a write was dropped (the `reason` label). */
export type DropReason = (typeof REDIS_DROP_REASONS)[number];

/**
 * The fields of a `trade_executions` stream entry, in this order: `ts` is the event time (RFC 3339
 * UTC, nanoseconds), `event` `execution.fill` or `order.rejected`, the others the table's columns
 * (exporters/catalog/tables.ts: volume and prices as decimal numbers, `latency_ns` in ns, slippage
 * in ticks and as a ratio) and the event's `correlation_id`. A field whose value is null is left out.
 */
export const TRADE_STREAM_FIELDS = [
  'ts',
  'event',
  'trade_id',
  'order_id',
  'strategy',
  'gateway',
  'broker',
  'symbol',
  'side',
  'order_type',
  'volume',
  'price',
  'leaves_qty',
  'slippage_ticks',
  'slippage_ratio',
  'status',
  'reason',
  'latency_ns',
  'instance_id',
  'correlation_id',
] as const;

/**
 * The keys of an open anomaly's JSON (the `anomaly_log` columns, exporters/catalog/tables.ts, and
 * `ts` as RFC 3339 UTC with nanoseconds); a key whose value is null is left out.
 */
export const ANOMALY_JSON_FIELDS = ['anomaly_id', 'ts', 'detected_by', 'anomaly_type', 'severity', 'status', 'strategy', 'symbol', 'value', 'expected', 'message', 'correlation_id'] as const;

/**
 * An alert as Alertmanager's webhook sends it (payload version 4, one element of `alerts`): the
 * alert-history part of the recorder hands these to {@link RedisHotState.recordAlerts}.
 */
export interface HotAlert {
  /** Alertmanager's fingerprint of the label set: the hash field. */
  readonly fingerprint: string;
  /** `firing` sets the field, `resolved` removes it. */
  readonly status: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** RFC 3339. */
  readonly startsAt?: string;
  /** RFC 3339 (Alertmanager sends `0001-01-01T00:00:00Z` while firing). */
  readonly endsAt?: string;
  readonly generatorURL?: string;
}

/** Where and how the hot state is kept (`tickwatch recorder --redis-url`). */
export interface RedisHotStateConfig {
  /** `redis[s]://[[user][:password]@]host[:port][/db]`. */
  readonly url: string;
  /** Prefix of every key (default {@link DEFAULT_REDIS_KEY_PREFIX}, `tickwatch:`). */
  readonly keyPrefix?: string;
  /** Age at which items go, seconds (default {@link HOT_STATE_TTL_SECONDS}, 7 days). */
  readonly ttlSeconds?: number;
  /** Writes held while they wait for Redis; past it the oldest is dropped (default 10,000). */
  readonly maxQueue?: number;
  /** Writes sent in one round trip (default 500). */
  readonly maxPipeline?: number;
  /** A round trip unanswered this long marks Redis down (not answering), ms (default 5,000). */
  readonly writeTimeoutMs?: number;
  /** How often open items not written for `ttlSeconds` are removed, ms (default 60,000). */
  readonly pruneEveryMs?: number;
}

/** The keys of the hot state for a prefix (see the module comment). */
export interface HotStateKeys {
  readonly tradeExecutions: string;
  readonly anomaliesOpen: string;
  readonly anomaliesOpenSeen: string;
  readonly alertsOpen: string;
  readonly alertsOpenSeen: string;
}

/** The hot state's keys under `prefix` (default `tickwatch:`). */
export function hotStateKeys(prefix: string = DEFAULT_REDIS_KEY_PREFIX): HotStateKeys {
  return {
    tradeExecutions: `${prefix}trade_executions`,
    anomaliesOpen: `${prefix}anomalies:open`,
    anomaliesOpenSeen: `${prefix}anomalies:open:seen`,
    alertsOpen: `${prefix}alerts:open`,
    alertsOpenSeen: `${prefix}alerts:open:seen`,
  };
}

/**
 * Removes the members of a `seen` sorted set (KEYS[2]) scored below ARGV[1] (ms) and their fields
 * of the hash (KEYS[1]), at most 1,000 a call; returns how many.
 */
const PRUNE_SCRIPT = `local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1], 'LIMIT', 0, 1000)
if #old > 0 then
  redis.call('HDEL', KEYS[1], unpack(old))
  redis.call('ZREM', KEYS[2], unpack(old))
end
return #old`;

/** One queued write: a reference to what to write, turned into commands when it is sent. */
type Op = { readonly s: 'trade_executions'; readonly row: Row } | { readonly s: 'anomalies_open'; readonly row: Row } | { readonly s: 'alerts_open'; readonly alert: HotAlert };

/** A fixed-size FIFO: pushing onto a full one drops (and returns) the oldest. */
class Ring<T> {
  private readonly buf: (T | undefined)[];
  private head = 0;
  size = 0;
  constructor(readonly capacity: number) {
    this.buf = new Array<T | undefined>(capacity);
  }
  /**
   * Adds `x` at the end.
   * @returns true when the queue was full and its oldest item was dropped to make room
   */
  push(x: T): boolean {
    const full = this.size === this.capacity;
    this.buf[(this.head + this.size) % this.capacity] = x;
    if (full) this.head = (this.head + 1) % this.capacity;
    else this.size++;
    return full;
  }
  /** Removes and returns up to `n` items, oldest first. */
  take(n: number): T[] {
    const out: T[] = [];
    while (out.length < n && this.size > 0) {
      out.push(this.buf[this.head]!);
      this.buf[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.size--;
    }
    return out;
  }
}

const str = (v: string | number | null | undefined): string | undefined => (v === null || v === undefined ? undefined : String(v));

/** A row's event time as RFC 3339 UTC with nanoseconds (`ts_ns` is a decimal string of ns). */
function rowTs(row: Row): string | undefined {
  const ns = row.ts_ns;
  if (typeof ns !== 'string' && typeof ns !== 'number') return undefined;
  try {
    return formatNanos(BigInt(ns));
  } catch {
    return undefined;
  }
}

/** The field/value pairs of a trade execution's stream entry ({@link TRADE_STREAM_FIELDS}). */
export function tradeStreamFields(row: Row): string[] {
  const out: string[] = [];
  for (const f of TRADE_STREAM_FIELDS) {
    const v = f === 'ts' ? rowTs(row) : str(row[f]);
    if (v !== undefined) out.push(f, v);
  }
  return out;
}

/** An open anomaly's JSON ({@link ANOMALY_JSON_FIELDS}). */
export function anomalyJson(row: Row): string {
  const o: Record<string, string | number> = {};
  for (const f of ANOMALY_JSON_FIELDS) {
    const v = f === 'ts' ? rowTs(row) : row[f];
    if (v !== null && v !== undefined) o[f] = v;
  }
  return JSON.stringify(o);
}

/** Whether an `anomaly_log` row closes its anomaly: `anomaly.resolved`, or status CLOSED. */
const closes = (row: Row): boolean => row.event === 'anomaly.resolved' || row.status === 'CLOSED';

/** One command of a round trip, and the write it belongs to (none for EXPIRE and the prune). */
interface Sent {
  readonly args: string[];
  readonly op?: number;
}

/**
 * The hot state: a Redis connection and a bounded queue of writes. Create it with
 * {@link RedisHotState.start}; feed it {@link recordBatch} (the recorder, after each commit) and
 * {@link recordAlerts} (the alert history). No method waits for Redis or throws because of it.
 */
export class RedisHotState {
  /** The keys written (see the module comment). */
  readonly keys: HotStateKeys;
  private readonly client;
  private readonly queue: Ring<Op>;
  private readonly ttlSeconds: number;
  private readonly maxPipeline: number;
  private readonly writeTimeoutMs: number;
  private readonly pruneEveryMs: number;
  private readonly m;
  private inflight: Promise<unknown> | undefined;
  private scheduled = false;
  private closed = false;
  /** A round trip has been unanswered for `writeTimeoutMs`. */
  private stalled = false;
  private wasUp: boolean | undefined;
  private lastPrune = -Infinity;
  private idle: (() => void)[] = [];

  private constructor(
    cfg: RedisHotStateConfig,
    private readonly log: Log,
    registry: MetricRegistry,
  ) {
    const url = new URL(cfg.url);
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new Error(`--redis-url: ${url.protocol} is not redis: or rediss: (redis://127.0.0.1:6379)`);
    const positive = (name: string, v: number | undefined, d: number): number => {
      const x = v ?? d;
      if (!Number.isInteger(x) || x < 1) throw new RangeError(`Redis hot state: ${name} must be a positive integer, got ${x}`);
      return x;
    };
    this.ttlSeconds = positive('ttlSeconds', cfg.ttlSeconds, HOT_STATE_TTL_SECONDS);
    this.queue = new Ring(positive('maxQueue', cfg.maxQueue, 10_000));
    this.maxPipeline = positive('maxPipeline', cfg.maxPipeline, 500);
    this.writeTimeoutMs = positive('writeTimeoutMs', cfg.writeTimeoutMs, 5000);
    this.pruneEveryMs = positive('pruneEveryMs', cfg.pruneEveryMs, 60_000);
    this.keys = hotStateKeys(cfg.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX);
    const up = registry.gauge(recorderRedisUp).series();
    const writes = registry.counter(recorderRedisWritesTotal);
    const dropped = registry.counter(recorderRedisDroppedTotal);
    this.m = {
      up,
      writes: { trade_executions: writes.labels('trade_executions'), anomalies_open: writes.labels('anomalies_open'), alerts_open: writes.labels('alerts_open') },
      dropped: { down: dropped.labels('down'), queue_full: dropped.labels('queue_full'), error: dropped.labels('error') },
    };
    up.set(0);
    // The client's own reconnection (exponential backoff to 2 s with jitter) is left as it is; a
    // command while disconnected fails at once (disableOfflineQueue) rather than waiting.
    this.client = createClient({ url: cfg.url, disableOfflineQueue: true, commandsQueueMaxLength: this.maxPipeline * 4 + 64, name: 'tickwatch-recorder' });
    for (const ev of ['ready', 'end', 'reconnecting'] as const) this.client.on(ev, () => this.refreshUp());
    this.client.on('error', (err: unknown) => this.refreshUp(err));
  }

  /**
   * Creates the hot state and starts connecting in the background (Redis may be down: writes are
   * dropped and counted until it answers).
   * @throws Error when the URL is not a redis:// or rediss:// URL, RangeError on a bad size
   */
  static start(cfg: RedisHotStateConfig, deps: { readonly registry: MetricRegistry; readonly log: Log }): RedisHotState {
    const h = new RedisHotState(cfg, deps.log, deps.registry);
    h.client.connect().catch((err: unknown) => {
      if (!h.closed) h.log.error('recorder.redis_gave_up', 'The Redis client stopped reconnecting; the hot state stays empty until the recorder restarts (the store has every row).', { err });
    });
    return h;
  }

  /** Redis is connected and answering: writes are queued, not dropped. */
  get answering(): boolean {
    return this.client.isReady && !this.stalled && !this.closed;
  }

  /** Writes waiting to be sent. */
  get queued(): number {
    return this.queue.size;
  }

  /**
   * Takes a committed batch (the recorder's `onCommitted`): its `trade_executions` rows become
   * stream entries, its `anomaly_log` rows set or remove open anomalies. Returns at once.
   */
  recordBatch(tables: ReadonlyMap<TableName, readonly Row[]>): void {
    for (const row of tables.get('trade_executions') ?? []) this.enqueue({ s: 'trade_executions', row });
    for (const row of tables.get('anomaly_log') ?? []) if (typeof row.anomaly_id === 'string' && row.anomaly_id !== '') this.enqueue({ s: 'anomalies_open', row });
  }

  /**
   * Takes alerts as Alertmanager's webhook sends them (for the recorder's alert history, once it
   * receives them): a firing alert is set in `P alerts:open` under its fingerprint, a resolved one
   * removed. Returns at once; alerts without a fingerprint are skipped.
   */
  recordAlerts(alerts: readonly HotAlert[]): void {
    for (const alert of alerts) if (alert.fingerprint) this.enqueue({ s: 'alerts_open', alert });
  }

  /** Resolves when nothing is queued or in flight (tests, shutdown). */
  settled(): Promise<void> {
    if (this.queue.size === 0 && !this.inflight && !this.scheduled) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  /** Stops: waits up to 1 s for the round trip in flight, drops what is queued, closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.inflight) await Promise.race([this.inflight, new Promise((r) => setTimeout(r, 1000).unref())]);
    this.queue.take(this.queue.size);
    this.client.destroy();
    this.m.up.set(0);
    for (const r of this.idle.splice(0)) r();
  }

  private enqueue(op: Op): void {
    if (!this.answering) {
      this.m.dropped.down.inc();
      return;
    }
    if (this.queue.push(op)) this.m.dropped.queue_full.inc();
    this.schedule();
  }

  private refreshUp(err?: unknown): void {
    const up = this.answering;
    this.m.up.set(up ? 1 : 0);
    if (up === this.wasUp) return;
    const first = this.wasUp === undefined;
    this.wasUp = up;
    if (up) {
      this.log.info('recorder.redis_up', `Redis hot state ready (${this.keys.tradeExecutions}, ${this.keys.anomaliesOpen}, ${this.keys.alertsOpen}); what was dropped while it was down is not backfilled (the store has every row).`);
      this.schedule();
    } else if (!this.closed && (!first || err !== undefined)) {
      this.log.warn('recorder.redis_down', 'Redis hot state unreachable; its writes are dropped and counted until it answers (the audit store keeps recording every row).', { err: err ?? null });
      // What waits in the queue cannot be sent now.
      this.dropQueued('down');
    }
  }

  private dropQueued(reason: DropReason): void {
    const n = this.queue.take(this.queue.size).length;
    if (n) this.m.dropped[reason].inc(n);
    this.wake();
  }

  private wake(): void {
    if (this.queue.size === 0 && !this.inflight && !this.scheduled) for (const r of this.idle.splice(0)) r();
  }

  private schedule(): void {
    if (this.scheduled || this.inflight || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  /** The commands of a round trip: each write's, then EXPIRE on every key written, then the prune when due. */
  private commands(ops: readonly Op[]): Sent[] {
    const k = this.keys;
    const now = Date.now();
    const ttl = String(this.ttlSeconds);
    const cutoff = String(now - this.ttlSeconds * 1000);
    const sent: Sent[] = [];
    const touched = new Set<string>();
    ops.forEach((o, i) => {
      if (o.s === 'trade_executions') {
        sent.push({ args: ['XADD', k.tradeExecutions, 'MINID', '~', cutoff, '*', ...tradeStreamFields(o.row)], op: i });
        touched.add(k.tradeExecutions);
        return;
      }
      const anomaly = o.s === 'anomalies_open';
      const hash = anomaly ? k.anomaliesOpen : k.alertsOpen;
      const seen = anomaly ? k.anomaliesOpenSeen : k.alertsOpenSeen;
      const id = anomaly ? (o.row.anomaly_id as string) : o.alert.fingerprint;
      if (anomaly ? !closes(o.row) : o.alert.status === 'firing') {
        sent.push({ args: ['HSET', hash, id, anomaly ? anomalyJson(o.row) : alertJson(o.alert)], op: i }, { args: ['ZADD', seen, String(now), id], op: i });
        touched.add(hash).add(seen);
      } else sent.push({ args: ['HDEL', hash, id], op: i }, { args: ['ZREM', seen, id], op: i });
    });
    for (const key of touched) sent.push({ args: ['EXPIRE', key, ttl] });
    if (now - this.lastPrune >= this.pruneEveryMs) {
      this.lastPrune = now;
      for (const [hash, seen] of [
        [k.anomaliesOpen, k.anomaliesOpenSeen],
        [k.alertsOpen, k.alertsOpenSeen],
      ] as const)
        sent.push({ args: ['EVAL', PRUNE_SCRIPT, '2', hash, seen, cutoff] });
    }
    return sent;
  }

  /** Sends the queue, a pipelined round trip at a time, one in flight. */
  private async flush(): Promise<void> {
    while (!this.inflight && !this.closed && this.queue.size > 0) {
      if (!this.answering) return this.dropQueued('down');
      const ops = this.queue.take(this.maxPipeline);
      const sent = this.commands(ops);
      const round = Promise.allSettled(sent.map((c) => this.client.sendCommand(c.args)));
      this.inflight = round;
      const watchdog = setTimeout(() => {
        this.stalled = true;
        this.log.warn('recorder.redis_stalled', `A Redis round trip has not been answered for ${this.writeTimeoutMs} ms; hot-state writes are dropped until it is.`);
        this.refreshUp();
      }, this.writeTimeoutMs);
      watchdog.unref();
      const results = await round;
      clearTimeout(watchdog);
      this.inflight = undefined;
      // A write counts once: written when all its commands succeeded, else dropped for the first failure's reason.
      const failed = new Map<number, DropReason>();
      let refused: unknown;
      results.forEach((r, j) => {
        if (r.status === 'fulfilled') return;
        if (r.reason instanceof ErrorReply) refused ??= r.reason;
        const op = sent[j]!.op;
        if (op !== undefined && !failed.has(op)) failed.set(op, r.reason instanceof ErrorReply ? 'error' : 'down');
      });
      ops.forEach((o, i) => {
        const why = failed.get(i);
        if (why) this.m.dropped[why].inc();
        else this.m.writes[o.s].inc();
      });
      // A refusal (not a lost connection, which refreshUp reports): a command Redis does not take.
      if (refused !== undefined) this.log.warn('recorder.redis_refused', 'Redis refused hot-state commands (their writes are counted as dropped, reason error).', { err: refused });
      if (this.stalled) {
        this.stalled = false;
        this.refreshUp();
      }
    }
    this.wake();
  }
}

/** An open alert's JSON: the webhook's alert with `alertname` and `severity` lifted from its labels. */
function alertJson(a: HotAlert): string {
  return JSON.stringify({ alertname: a.labels.alertname, severity: a.labels.severity, ...a });
}
