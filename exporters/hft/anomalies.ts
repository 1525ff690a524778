/**
 * Anomalies in the HFT exporter: the book of open anomalies behind `hft_anomalies_total` and
 * `hft_anomalies_open` (whoever detected them), and tickwatch's own rule-based detectors, which emit
 * the same `anomaly.detected` / `anomaly.resolved` events as an engine's detectors would
 * (`detected_by: tickwatch`, component `monitor`), so they are counted the same way and, through the
 * exporter's `onAnomaly` hook, recorded in the same audit table.
 *
 * The detectors (defaults in exporters/catalog/anomalies.ts):
 * - price outlier (`price_outlier`, high): a fill whose price is further than `priceOutlierRatio`
 *   (5 %) from the median of its symbol's last `priceWindow` (50) fill prices;
 * - order size outlier (`order_size_outlier`, high): an order whose quantity is more than
 *   `orderSizeFactor` (10) times the median of its strategy's last `orderSizeWindow` (100) orders;
 * - position jump (`position_jump`, critical): a strategy's position in one instrument changes by
 *   more than `positionJumpNotional` (5,000,000, account currency) between two snapshots at most
 *   `positionJumpWindowSeconds` (10 s) apart, the change in quantity priced at the mark. Critical
 *   because the bound is the risk desk's "never without a human" figure: AnomalyCritical pages on it.
 *
 * An anomaly of these detectors is keyed by its kind, strategy and symbol: while it is open a
 * repeat only refreshes it (no second event, no second count), and it resolves itself
 * `resolveAfterSeconds` (300 s) after it was last seen. Memory is bounded: each detector's per-key
 * windows and the open anomalies each hold at most `trackedKeys` (10,000) entries, least recently
 * seen evicted first; the book of open anomalies by id holds at most `ANOMALY_OPEN_TRACKED`.
 */
import {
  ANOMALY_OPEN_TRACKED,
  ANOMALY_RESOLVE_AFTER_SECONDS,
  ANOMALY_TRACKED_KEYS,
  anomaliesOpen,
  anomaliesTotal,
  ORDER_SIZE_MIN_ORDERS,
  ORDER_SIZE_OUTLIER_FACTOR,
  ORDER_SIZE_WINDOW,
  POSITION_JUMP_NOTIONAL,
  POSITION_JUMP_WINDOW_SECONDS,
  PRICE_MIN_FILLS,
  PRICE_OUTLIER_RATIO,
  PRICE_WINDOW_FILLS,
} from '../catalog/anomalies.js';
import { ANOMALY_SEVERITIES, ANOMALY_TYPES } from '../catalog/enums.js';
import type { HftEvent } from '../events/index.js';
import { formatTimestamp } from '../ingest/timestamp.js';
import type { MetricRegistry } from '../instrument/registry.js';
import type { CounterSeries, GaugeSeries } from '../instrument/series.js';
import { LruMap } from './bounded.js';

/** An `anomaly.detected` event. */
export type AnomalyDetected = Extract<HftEvent, { event: 'anomaly.detected' }>;
/** An `anomaly.resolved` event. */
export type AnomalyResolved = Extract<HftEvent, { event: 'anomaly.resolved' }>;
/** Either anomaly event. */
export type AnomalyEvent = AnomalyDetected | AnomalyResolved;

type AnomalyType = (typeof ANOMALY_TYPES)[number];
type Severity = (typeof ANOMALY_SEVERITIES)[number];

/**
 * Open anomalies by id and the metrics they move: `hft_anomalies_total{anomaly_type,severity}` on a
 * new detection, `hft_anomalies_open` up on a detection and down on its resolution. Every label set
 * exists from the start at 0. A detection of an id already open, or a resolution of an id not open,
 * changes nothing. At most `tracked` ids are held; past it the one opened longest ago is dropped
 * (and leaves the open gauge).
 */
export class AnomalyBook {
  private readonly open: LruMap<string, { readonly total: CounterSeries; readonly gauge: GaugeSeries }>;
  private readonly total = new Map<string, CounterSeries>();
  private readonly gauges = new Map<string, GaugeSeries>();

  constructor(registry: MetricRegistry, tracked = ANOMALY_OPEN_TRACKED) {
    const total = registry.counter(anomaliesTotal);
    const open = registry.gauge(anomaliesOpen);
    for (const type of ANOMALY_TYPES)
      for (const severity of ANOMALY_SEVERITIES) {
        this.total.set(`${type}/${severity}`, total.labels(type, severity));
        this.gauges.set(`${type}/${severity}`, open.labels(type, severity));
      }
    this.open = new LruMap(tracked, (_id, s) => s.gauge.dec());
  }

  /** Anomalies open now (held by id). */
  get openCount(): number {
    return this.open.size;
  }

  /** Applies one anomaly event (valid against its schema). */
  apply(ev: AnomalyEvent): void {
    if (ev.event === 'anomaly.resolved') {
      const s = this.open.peek(ev.anomaly_id);
      if (s === undefined) return;
      this.open.delete(ev.anomaly_id);
      s.gauge.dec();
      return;
    }
    if (this.open.peek(ev.anomaly_id) !== undefined) return;
    const key = `${ev.anomaly_type}/${ev.severity}`;
    const s = { total: this.total.get(key)!, gauge: this.gauges.get(key)! };
    s.total.inc();
    s.gauge.inc();
    this.open.set(ev.anomaly_id, s);
  }
}

/** Options of {@link AnomalyDetectors}; every figure defaults to exporters/catalog/anomalies.ts. */
export interface AnomalyDetectorOptions {
  /** Distance from the symbol's median fill price that is an outlier, ratio of the median (default 0.05). */
  readonly priceOutlierRatio?: number;
  /** Fill prices per symbol in the reference window (default 50). */
  readonly priceWindow?: number;
  /** Fills of a symbol needed before one can be an outlier (default 10). */
  readonly priceMinFills?: number;
  /** Multiple of the strategy's median order quantity that is an outlier (default 10). */
  readonly orderSizeFactor?: number;
  /** Order quantities per strategy in the reference window (default 100). */
  readonly orderSizeWindow?: number;
  /** Orders of a strategy needed before one can be an outlier (default 20). */
  readonly orderSizeMinOrders?: number;
  /** Position change between two snapshots that is a jump, account currency (default 5,000,000). */
  readonly positionJumpNotional?: number;
  /** Longest gap between two snapshots of a position that are compared, seconds (default 10). */
  readonly positionJumpWindowSeconds?: number;
  /** Seconds after its last sighting that a detector's anomaly resolves itself (default 300). */
  readonly resolveAfterSeconds?: number;
  /** Bound of each per-key map (symbols, strategies, open anomalies), entries (default 10,000). */
  readonly trackedKeys?: number;
  /** Start of the ids of this detector's anomalies (`<prefix>-<n>`); default `tw-<start time base36>`, unique per exporter run. */
  readonly idPrefix?: string;
}

/**
 * The last `size` values of a key, and their median. The values are also kept sorted as they come
 * and go (a binary search and a shift of at most `size` numbers each), so the median is a read:
 * copying and sorting the window at every order and fill cost 2.4-2.9 µs an event, a tenth of
 * ingest's time on the simulator's normal mix (issue 19, `npm run bench -- ingest`). Values must
 * not be NaN (the detectors take only positive prices and quantities).
 */
class ValueWindow {
  /** A plain array, grown to `size`: a typed array per key costs an ArrayBuffer each, slow to allocate and collect by the million. */
  private readonly values: number[] = [];
  /** The same values in ascending order. */
  private readonly sorted: number[] = [];
  private n = 0;
  private next = 0;
  constructor(private readonly size: number) {}
  get count(): number {
    return this.n;
  }
  add(v: number): void {
    const sorted = this.sorted;
    if (this.n === this.size) {
      // Out goes the oldest value: its first copy in the sorted values (any copy is the same number).
      let j = lowerBound(sorted, this.values[this.next]!);
      for (; j < this.n - 1; j++) sorted[j] = sorted[j + 1]!;
      sorted.length = this.n - 1;
    } else this.n++;
    const i = lowerBound(sorted, v);
    sorted.push(v);
    for (let j = sorted.length - 1; j > i; j--) sorted[j] = sorted[j - 1]!;
    sorted[i] = v;
    this.values[this.next] = v;
    this.next = (this.next + 1) % this.size;
  }
  /** The median of the values held (NaN when none). */
  median(): number {
    if (this.n === 0) return Number.NaN;
    const s = this.sorted;
    const mid = this.n >> 1;
    return this.n % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  }
}

/** The first index of ascending `a` whose value is not below `v` (`a.length` when none). */
function lowerBound(a: readonly number[], v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A position's change between two snapshots, as the position book sees it. */
export interface PositionChange {
  readonly strategy: string;
  readonly symbol: string;
  /** Signed quantity now. */
  readonly quantity: number;
  /** Mark price now (account currency per unit of quantity, >= 0). */
  readonly price: number;
  /** The previous snapshot's quantity and time (Unix seconds); undefined for a position's first snapshot. */
  readonly previous: { readonly quantity: number; readonly at: number } | undefined;
}

interface OwnAnomaly {
  readonly id: string;
  readonly type: AnomalyType;
  readonly severity: Severity;
  readonly strategy: string | undefined;
  readonly symbol: string | undefined;
  lastSeen: number;
}

/** One formatter for every message (`toLocaleString` builds a formatter per call: tens of µs each). */
const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });
const fmt = (n: number): string => NUMBER.format(n);

/**
 * tickwatch's own rule-based anomaly detectors. One per exporter; each method runs on the ingest
 * path for its event and returns the `anomaly.detected` event it raises (a new anomaly) or
 * undefined; {@link expire} returns the `anomaly.resolved` events due.
 */
export class AnomalyDetectors {
  readonly priceOutlierRatio: number;
  readonly orderSizeFactor: number;
  readonly positionJumpNotional: number;
  readonly positionJumpWindowSeconds: number;
  readonly resolveAfterSeconds: number;
  private readonly priceWindow: number;
  private readonly priceMinFills: number;
  private readonly orderSizeWindow: number;
  private readonly orderSizeMinOrders: number;
  private readonly prices: LruMap<string, ValueWindow>;
  private readonly sizes: LruMap<string, ValueWindow>;
  private readonly own: LruMap<string, OwnAnomaly>;
  /** Open anomalies dropped for room: {@link expire} resolves them. */
  private readonly dropped: OwnAnomaly[] = [];
  private readonly idPrefix: string;
  private seq = 0;

  /** @throws RangeError when a figure is not positive (windows and the bound: positive integers) */
  constructor(o: AnomalyDetectorOptions = {}) {
    this.priceOutlierRatio = o.priceOutlierRatio ?? PRICE_OUTLIER_RATIO;
    this.priceWindow = o.priceWindow ?? PRICE_WINDOW_FILLS;
    this.priceMinFills = o.priceMinFills ?? PRICE_MIN_FILLS;
    this.orderSizeFactor = o.orderSizeFactor ?? ORDER_SIZE_OUTLIER_FACTOR;
    this.orderSizeWindow = o.orderSizeWindow ?? ORDER_SIZE_WINDOW;
    this.orderSizeMinOrders = o.orderSizeMinOrders ?? ORDER_SIZE_MIN_ORDERS;
    this.positionJumpNotional = o.positionJumpNotional ?? POSITION_JUMP_NOTIONAL;
    this.positionJumpWindowSeconds = o.positionJumpWindowSeconds ?? POSITION_JUMP_WINDOW_SECONDS;
    this.resolveAfterSeconds = o.resolveAfterSeconds ?? ANOMALY_RESOLVE_AFTER_SECONDS;
    for (const [name, v] of Object.entries({ priceOutlierRatio: this.priceOutlierRatio, orderSizeFactor: this.orderSizeFactor, positionJumpNotional: this.positionJumpNotional, positionJumpWindowSeconds: this.positionJumpWindowSeconds, resolveAfterSeconds: this.resolveAfterSeconds }))
      if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`anomaly detector option ${name} must be a positive number, got ${v}`);
    for (const [name, v] of Object.entries({ priceWindow: this.priceWindow, priceMinFills: this.priceMinFills, orderSizeWindow: this.orderSizeWindow, orderSizeMinOrders: this.orderSizeMinOrders }))
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`anomaly detector option ${name} must be a positive integer, got ${v}`);
    const keys = o.trackedKeys ?? ANOMALY_TRACKED_KEYS;
    this.prices = new LruMap(keys);
    this.sizes = new LruMap(keys);
    this.own = new LruMap(keys, (_key, a) => this.dropped.push(a));
    this.idPrefix = o.idPrefix ?? `tw-${Date.now().toString(36)}`;
  }

  /** Symbols whose fill prices are held (at most the bound). */
  get trackedSymbols(): number {
    return this.prices.size;
  }

  /** Strategies whose order sizes are held (at most the bound). */
  get trackedStrategies(): number {
    return this.sizes.size;
  }

  /** Anomalies of these detectors open now (at most the bound). */
  get openOwn(): number {
    return this.own.size;
  }

  /** A fill: its price against its symbol's recent fills (fills without a symbol are not compared). */
  fill(ev: Extract<HftEvent, { event: 'execution.fill' }>, t: number): AnomalyDetected | undefined {
    if (ev.symbol === undefined || !(ev.price > 0)) return undefined;
    let w = this.prices.get(ev.symbol);
    if (w === undefined) this.prices.set(ev.symbol, (w = new ValueWindow(this.priceWindow)));
    let out: AnomalyDetected | undefined;
    if (w.count >= this.priceMinFills) {
      const median = w.median();
      const off = Math.abs(ev.price - median) / median;
      if (off > this.priceOutlierRatio) {
        out = this.raise('price_outlier', 'high', ev.strategy, ev.symbol, ev.price, median, t, `fill price ${fmt(ev.price)} of ${ev.symbol} is ${fmt(off * 100)} % from the median ${fmt(median)} of its last ${w.count} fills (bound ${fmt(this.priceOutlierRatio * 100)} %)`);
      }
    }
    w.add(ev.price);
    return out;
  }

  /** An order sent: its quantity against its strategy's recent orders. */
  order(ev: Extract<HftEvent, { event: 'order.submitted' }>, t: number): AnomalyDetected | undefined {
    if (!(ev.qty > 0)) return undefined;
    let w = this.sizes.get(ev.strategy);
    if (w === undefined) this.sizes.set(ev.strategy, (w = new ValueWindow(this.orderSizeWindow)));
    let out: AnomalyDetected | undefined;
    if (w.count >= this.orderSizeMinOrders) {
      const median = w.median();
      if (median > 0 && ev.qty > this.orderSizeFactor * median) {
        out = this.raise('order_size_outlier', 'high', ev.strategy, ev.symbol, ev.qty, median, t, `order of ${fmt(ev.qty)} from ${ev.strategy} is ${fmt(ev.qty / median)} times the median ${fmt(median)} of its last ${w.count} orders (bound ${fmt(this.orderSizeFactor)} times)`);
      }
    }
    w.add(ev.qty);
    return out;
  }

  /** A position snapshot: its change since the previous one, when that is recent enough to compare. */
  position(c: PositionChange, t: number): AnomalyDetected | undefined {
    const p = c.previous;
    if (p === undefined || !(t - p.at <= this.positionJumpWindowSeconds)) return undefined;
    const change = Math.abs(c.quantity - p.quantity) * c.price;
    if (!(change > this.positionJumpNotional)) return undefined;
    return this.raise(
      'position_jump',
      'critical',
      c.strategy,
      c.symbol,
      change,
      this.positionJumpNotional,
      t,
      `position of ${c.strategy} in ${c.symbol} changed by ${fmt(change)} (quantity ${fmt(p.quantity)} to ${fmt(c.quantity)}) in ${fmt(Math.max(0, t - p.at))} s; bound ${fmt(this.positionJumpNotional)}`,
    );
  }

  /**
   * The detectors' anomalies not seen for `resolveAfterSeconds` at `now` (Unix seconds), resolved:
   * each leaves the open set and comes back as an `anomaly.resolved` event; so do those dropped
   * because `trackedKeys` anomalies were open (so no anomaly stays open in the book for ever).
   */
  expire(now: number): AnomalyResolved[] {
    const out: AnomalyResolved[] = [];
    const due: [OwnAnomaly, string][] = this.dropped.splice(0).map((a) => [a, `dropped: ${fmt(this.own.max)} of tickwatch's anomalies were open`]);
    for (let e = this.own.oldest(); e !== undefined && now - e[1].lastSeen >= this.resolveAfterSeconds; e = this.own.oldest()) {
      this.own.delete(e[0]);
      due.push([e[1], `not seen again for ${fmt(this.resolveAfterSeconds)} s`]);
    }
    for (const [a, message] of due) {
      out.push({
        ts: formatTimestamp(now),
        level: 'info',
        component: 'monitor',
        event: 'anomaly.resolved',
        anomaly_id: a.id,
        detected_by: 'tickwatch',
        anomaly_type: a.type,
        severity: a.severity,
        status: 'CLOSED',
        ...(a.strategy !== undefined ? { strategy: a.strategy } : {}),
        ...(a.symbol !== undefined ? { symbol: a.symbol } : {}),
        message,
      });
    }
    return out;
  }

  private raise(type: AnomalyType, severity: Severity, strategy: string | undefined, symbol: string | undefined, value: number, expected: number, t: number, message: string): AnomalyDetected | undefined {
    const key = `${type}\u0000${strategy ?? ''}\u0000${symbol ?? ''}`;
    const open = this.own.get(key);
    if (open !== undefined) {
      if (t > open.lastSeen) open.lastSeen = t;
      return undefined;
    }
    const id = `${this.idPrefix}-${++this.seq}`;
    this.own.set(key, { id, type, severity, strategy, symbol, lastSeen: t });
    return {
      ts: formatTimestamp(t),
      level: severity === 'critical' ? 'error' : 'warn',
      component: 'monitor',
      event: 'anomaly.detected',
      anomaly_id: id,
      detected_by: 'tickwatch',
      anomaly_type: type,
      severity,
      status: 'OPEN',
      ...(strategy !== undefined ? { strategy } : {}),
      ...(symbol !== undefined ? { symbol } : {}),
      value,
      expected,
      message,
    };
  }
}
