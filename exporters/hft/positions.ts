/**
 * Positions in the HFT exporter, from `position.snapshot` events: net exposure per strategy
 * (`hft_exposure_net`) and the K largest positions by absolute notional across strategies
 * (`hft_position_notional{strategy,symbol}`, K = 10 by default).
 *
 * Why a scrape-time collector for the top K: the registry (exporters/instrument) allocates a series
 * for good and has no delete, so a gauge per (strategy, symbol) would keep every position that ever
 * entered the top K, with its last value, for the exporter's life (thousands of symbols a day). A
 * fixed pool of K registry series cannot help either: a series' label values are fixed when it is
 * made. So the book publishes the current top K into a small {@link TopPositionsBoard} in shared
 * memory, and the `/metrics` worker reads it at every scrape (positions-collector.ts, loaded through
 * the instrumentation core's existing `collectorModules` option): exactly the current K label sets
 * are served, a position that leaves the top K leaves `/metrics`, and Prometheus marks its series
 * stale. Nothing in exporters/instrument changes.
 *
 * Memory is bounded: at most `POSITIONS_TRACKED` (100,000) positions, least recently reported
 * dropped first, and a position not reported for `POSITION_STALE_SECONDS` (60 s) is dropped too; a
 * snapshot with quantity 0 closes its position.
 */
import { POSITION_STALE_SECONDS, POSITIONS_TRACKED, TOP_POSITIONS_DEFAULT, TOP_POSITIONS_MAX, exposureNet } from '../catalog/positions.js';
import type { HftEvent } from '../events/index.js';
import type { MetricRegistry } from '../instrument/registry.js';
import type { GaugeSeries } from '../instrument/series.js';
import type { PositionChange } from './anomalies.js';
import { LruMap } from './bounded.js';

/** One position in the top K. */
export interface TopPosition {
  readonly strategy: string;
  readonly symbol: string;
  /** Signed market value, account currency. */
  readonly notional: number;
}

/** Bytes of UTF-8 kept per strategy name (the event schema allows 64 characters: at most 256 bytes). */
const STRATEGY_BYTES = 256;
/** Bytes of UTF-8 kept per symbol (the schema allows 32 characters: at most 128 bytes). */
const SYMBOL_BYTES = 128;
/** Header: seq, count, stale, k (Int32 each). */
const HEADER_BYTES = 16;
/** A slot: notional (float64), strategy length, symbol length (uint16 each), 4 bytes padding, the two names. */
const SLOT_BYTES = 8 + 2 + 2 + 4 + STRATEGY_BYTES + SYMBOL_BYTES;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/**
 * The current top K positions in a SharedArrayBuffer, written by the recording thread and read by
 * the `/metrics` worker at scrape time. A sequence lock keeps a read consistent: the writer makes
 * the sequence odd while it writes and even when done; a reader that sees it odd, or changed across
 * its read, reads again. One writer only.
 */
export class TopPositionsBoard {
  /** The memory both threads map (pass it to the worker as the collector's `buffer` option). */
  readonly buffer: SharedArrayBuffer;
  private readonly header: Int32Array;
  private readonly view: DataView;
  private readonly bytes: Uint8Array;
  /** The most positions it holds. */
  readonly k: number;

  /**
   * A board for `k` positions, or a view of an existing board's buffer (in the worker).
   * @throws RangeError when `k` is not an integer from 1 to `TOP_POSITIONS_MAX`, or the buffer is too small for its k
   */
  constructor(k: number | SharedArrayBuffer) {
    if (typeof k === 'number') {
      if (!Number.isInteger(k) || k < 1 || k > TOP_POSITIONS_MAX) throw new RangeError(`top positions: K is an integer from 1 to ${TOP_POSITIONS_MAX}, got ${k}`);
      this.buffer = new SharedArrayBuffer(HEADER_BYTES + k * SLOT_BYTES);
      this.header = new Int32Array(this.buffer, 0, 4);
      Atomics.store(this.header, 3, k);
    } else {
      this.buffer = k;
      this.header = new Int32Array(this.buffer, 0, 4);
    }
    this.k = Atomics.load(this.header, 3);
    if (this.buffer.byteLength < HEADER_BYTES + this.k * SLOT_BYTES) throw new RangeError('top positions: the buffer is smaller than its K slots');
    this.view = new DataView(this.buffer);
    this.bytes = new Uint8Array(this.buffer);
  }

  /** Publishes `top` (at most `k` positions; more are cut). */
  publish(top: readonly TopPosition[]): void {
    const n = Math.min(top.length, this.k);
    Atomics.add(this.header, 0, 1); // odd: writing
    for (let i = 0; i < n; i++) {
      const p = top[i]!;
      const base = HEADER_BYTES + i * SLOT_BYTES;
      this.view.setFloat64(base, p.notional, true);
      const s = utf8.encodeInto(p.strategy, this.bytes.subarray(base + 16, base + 16 + STRATEGY_BYTES));
      const y = utf8.encodeInto(p.symbol, this.bytes.subarray(base + 16 + STRATEGY_BYTES, base + SLOT_BYTES));
      this.view.setUint16(base + 8, s.written, true);
      this.view.setUint16(base + 10, y.written, true);
    }
    Atomics.store(this.header, 1, n);
    Atomics.add(this.header, 0, 1); // even: done
  }

  /** Marks the board stale (the engine is silent: nothing is served) or fresh again. */
  setStale(stale: boolean): void {
    Atomics.store(this.header, 2, stale ? 1 : 0);
  }

  /** Whether the board is stale now. */
  get stale(): boolean {
    return Atomics.load(this.header, 2) === 1;
  }

  /**
   * The positions published last; none while the board is stale. Retries while a write is under
   * way (a write takes microseconds); after 1,000 tries it returns nothing for this scrape.
   */
  read(): TopPosition[] {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const before = Atomics.load(this.header, 0);
      if (before & 1) continue;
      if (Atomics.load(this.header, 2) === 1) return [];
      const n = Math.min(Atomics.load(this.header, 1), this.k);
      const out: TopPosition[] = [];
      for (let i = 0; i < n; i++) {
        const base = HEADER_BYTES + i * SLOT_BYTES;
        const sl = Math.min(this.view.getUint16(base + 8, true), STRATEGY_BYTES);
        const yl = Math.min(this.view.getUint16(base + 10, true), SYMBOL_BYTES);
        out.push({
          notional: this.view.getFloat64(base, true),
          // TextDecoder does not read shared memory: copy the bytes out first.
          strategy: fromUtf8.decode(this.bytes.slice(base + 16, base + 16 + sl)),
          symbol: fromUtf8.decode(this.bytes.slice(base + 16 + STRATEGY_BYTES, base + 16 + STRATEGY_BYTES + yl)),
        });
      }
      if (Atomics.load(this.header, 0) === before) return out;
    }
    return [];
  }
}

/** A `position.snapshot` event. */
export type PositionSnapshot = Extract<HftEvent, { event: 'position.snapshot' }>;

interface Position {
  readonly strategy: string;
  readonly symbol: string;
  quantity: number;
  notional: number;
  price: number;
  at: number;
}

/** Options of a {@link PositionBook}. */
export interface PositionBookOptions {
  readonly registry: MetricRegistry;
  /** K of the top positions (default `TOP_POSITIONS_DEFAULT`, 10). */
  readonly topK?: number;
  /** Where the top K goes for the `/metrics` worker; without one the top K is only kept here ({@link top}). */
  readonly board?: TopPositionsBoard;
  /** Positions kept at most (default `POSITIONS_TRACKED`, 100,000). */
  readonly tracked?: number;
  /** Seconds without a snapshot after which a position is dropped (default `POSITION_STALE_SECONDS`, 60). */
  readonly staleAfterSeconds?: number;
}

/**
 * The positions the engine reported, by strategy and symbol. `apply` runs on the ingest path (a map
 * update); `refresh` (from the exporter's tick) drops stale positions, recomputes net exposure per
 * strategy and the top K, and publishes them.
 */
export class PositionBook {
  readonly topK: number;
  private readonly positions: LruMap<string, Position>;
  private readonly staleAfter: number;
  private readonly net = new Map<string, GaugeSeries>();
  private current: TopPosition[] = [];
  private dirty = false;

  /** @throws RangeError when K is outside 1 to `TOP_POSITIONS_MAX`, or the board was made for fewer positions */
  constructor(private readonly o: PositionBookOptions) {
    this.topK = o.topK ?? o.board?.k ?? TOP_POSITIONS_DEFAULT;
    if (!Number.isInteger(this.topK) || this.topK < 1 || this.topK > TOP_POSITIONS_MAX) throw new RangeError(`top positions: K is an integer from 1 to ${TOP_POSITIONS_MAX}, got ${this.topK}`);
    if (o.board && o.board.k < this.topK) throw new RangeError(`top positions: the board holds ${o.board.k} positions, fewer than K = ${this.topK}`);
    this.staleAfter = o.staleAfterSeconds ?? POSITION_STALE_SECONDS;
    this.positions = new LruMap(o.tracked ?? POSITIONS_TRACKED, () => (this.dirty = true));
  }

  /** Positions held now (at most the bound). */
  get size(): number {
    return this.positions.size;
  }

  /**
   * Applies a snapshot at its time `t` (Unix seconds).
   * @returns the change since the position's previous snapshot, for the jump detector
   */
  apply(ev: PositionSnapshot, t: number): PositionChange {
    const key = `${ev.strategy}\u0000${ev.symbol}`;
    const p = this.positions.get(key);
    const price = ev.price ?? (ev.quantity !== 0 ? Math.abs(ev.notional / ev.quantity) : (p?.price ?? 0));
    const change: PositionChange = { strategy: ev.strategy, symbol: ev.symbol, quantity: ev.quantity, price, previous: p && { quantity: p.quantity, at: p.at } };
    this.strategyNet(ev.strategy);
    this.dirty = true;
    if (ev.quantity === 0) this.positions.delete(key);
    else if (p === undefined) this.positions.set(key, { strategy: ev.strategy, symbol: ev.symbol, quantity: ev.quantity, notional: ev.notional, price, at: t });
    else if (t >= p.at) Object.assign(p, { quantity: ev.quantity, notional: ev.notional, price, at: t });
    return change;
  }

  private strategyNet(strategy: string): GaugeSeries {
    let g = this.net.get(strategy);
    if (g === undefined) {
      g = this.o.registry.gauge(exposureNet).labels(strategy);
      // Strategies past the metric's series limit share its `other` series; they are not held here.
      if (this.net.size < (exposureNet.maxSeries ?? 100)) this.net.set(strategy, g);
    }
    return g;
  }

  /**
   * At `now` (Unix seconds, the exporter's clock): drops positions not reported for the stale limit,
   * then, when anything changed, sets net exposure per strategy and publishes the top K.
   */
  refresh(now: number): void {
    for (let e = this.positions.oldest(); e !== undefined && now - e[1].at > this.staleAfter; e = this.positions.oldest()) {
      this.positions.delete(e[0]);
      this.dirty = true;
    }
    if (!this.dirty) return;
    this.dirty = false;
    const sums = new Map<string, number>();
    const k = this.topK;
    const top: Position[] = [];
    for (const p of this.positions.values()) {
      sums.set(p.strategy, (sums.get(p.strategy) ?? 0) + p.notional);
      const size = Math.abs(p.notional);
      if (top.length === k && !(size > Math.abs(top[k - 1]!.notional))) continue;
      // Insertion into the K kept, largest first (K is small).
      let i = top.length === k ? k - 1 : top.length;
      while (i > 0 && Math.abs(top[i - 1]!.notional) < size) {
        if (i < k) top[i] = top[i - 1]!;
        i--;
      }
      top[i] = p;
    }
    for (const [s, g] of this.net) g.set(sums.get(s) ?? 0);
    this.current = top.map((p) => ({ strategy: p.strategy, symbol: p.symbol, notional: p.notional }));
    this.o.board?.publish(this.current);
  }

  /** The top K as of the last {@link refresh}, largest first. */
  top(): readonly TopPosition[] {
    return this.current;
  }
}
