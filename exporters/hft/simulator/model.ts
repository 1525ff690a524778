/**
 * A model of the trading engine that emits the event stream a real session produces: feed ticks
 * (with a burst after the start), strategy intents, risk decisions, order lifecycles with
 * log-normal latencies, fills and cancels, PnL random walks, and the periodic bus, API, rate,
 * reconciliation and recorder reports. Fault knobs (see `scenarios/types.ts`) bend it.
 *
 * Time is simulated: `step()` advances the model by `dt` seconds and returns the events of that
 * step in time order, so the output is the same for the same seed and run id whatever the pacing.
 *
 * Every id the model makes (correlation, intent and order ids, the config change's correlation id)
 * carries the seed and a run id: `c-<seed base36>-<run id>-<n>`, e.g. `c-1-mwsk6n4033tphi-75`. The
 * run id is fresh on every run unless given ({@link ModelOptions.runId}), so runs appended to the same
 * file or audit store never share an id; a seed plus a run id reproduces a stream byte for byte.
 */
import { randomBytes } from 'node:crypto';
import { AUDIT_TABLES, ORDER_REJECT_REASONS, RISK_REJECT_REASONS, type StormGuardMode } from '../../catalog/enums.js';
import { formatTimestamp } from '../../ingest/timestamp.js';
import { Operations } from './operations.js';
import { Rng } from './rng.js';
import type { Faults } from './scenarios/index.js';

/** One event as written: `ts` first, then the envelope, then the fields. */
export type SimEvent = { ts: string; level: string; component: string; event: string } & Record<string, unknown>;

/** Shape of the simulated engine. */
export interface ModelOptions {
  readonly seed: number;
  /**
   * Run id that every generated id carries (see {@link isRunId}: 1 to {@link RUN_ID_MAX_LENGTH}
   * characters of `[A-Za-z0-9_-]`). Default: a fresh one from {@link newRunId}, so two runs with the
   * same seed never share an id; give one to reproduce a stream.
   */
  readonly runId?: string;
  /** Simulated start, Unix seconds. */
  readonly start: number;
  /** Ticks per second across all feeds in the steady state. */
  readonly tickRate: number;
  readonly feeds: readonly string[];
  readonly strategies: readonly string[];
  /** Order-entry gateways; strategies are spread over them. */
  readonly gateways: readonly string[];
  /** Intents per second per strategy. */
  readonly intentRate: number;
  /** Daily loss limit per strategy, account currency. */
  readonly dailyLossLimit: number;
  /** Order-rate limit per gateway, orders per second. */
  readonly orderRateLimit: number;
  /** Broker API limit per 10 s window. */
  readonly apiLimit: number;
}

/** Longest run id, in characters: generated ids stay well within the event schemas' limits (order_id: 64). */
export const RUN_ID_MAX_LENGTH = 16;

const RUN_ID = new RegExp(`^[A-Za-z0-9_-]{1,${RUN_ID_MAX_LENGTH}}$`);

/** Whether `v` can be a run id: 1 to {@link RUN_ID_MAX_LENGTH} characters of `[A-Za-z0-9_-]`. */
export function isRunId(v: string): boolean {
  return RUN_ID.test(v);
}

/**
 * A fresh run id: the simulated start in whole milliseconds, base36 (8 characters for today's
 * dates), then 6 random base36 characters from `crypto.randomBytes` (runs that start at the same
 * simulated time, as `--start session` runs of one day do, differ by those), e.g. `mwsk6n4033tphi`.
 * @param start - simulated start, Unix seconds (a start before 1970 counts as 0)
 * @returns 14 characters of `[0-9a-z]` for starts up to the year 2059
 */
export function newRunId(start: number): string {
  const ms = Math.max(0, Math.floor(start * 1000));
  const random = randomBytes(6).readUIntBE(0, 6) % 36 ** 6;
  return ms.toString(36) + random.toString(36).padStart(6, '0');
}

/** Defaults that `tickwatch simulate` uses. */
export const DEFAULT_MODEL: Omit<ModelOptions, 'seed' | 'start' | 'runId'> = {
  tickRate: 200,
  feeds: ['twse-md', 'tpex-md'],
  strategies: ['mm-2330', 'arb-etf', 'mom-fut'],
  gateways: ['broker-a', 'broker-b'],
  intentRate: 4,
  dailyLossLimit: 500_000,
  orderRateLimit: 250,
  apiLimit: 500,
};

interface Scheduled {
  readonly t: number;
  readonly ev: () => SimEvent;
}

interface StrategyState {
  readonly name: string;
  readonly gateway: string;
  realized: number;
  unrealized: number;
  mode: StormGuardMode;
  position: number;
  open: number;
}

/** The engine model. */
export class EngineModel {
  readonly rng: Rng;
  /**
   * The engine's own log lines (heartbeats aside) draw from their own source, so adding or
   * changing them leaves the trading stream of a seed as it was.
   */
  private readonly logRng: Rng;
  private heartbeats = 0;
  /** The run id every generated id carries (`opts.runId`, or a fresh one). */
  readonly runId: string;
  private t: number;
  private seq = 0;
  private readonly queue = new Map<number, Scheduled[]>();
  private readonly strategies: StrategyState[];
  private busOcc = 0.15;
  private nextSecond: number;
  private nextRecon: number;
  private submittedThisSecond = new Map<string, number>();
  private gatewayUp = new Map<string, boolean>();
  private started = false;
  /** `<seed base36>-<run id>`: the middle of every generated id. */
  private readonly tag: string;
  /** The desk around the engine: services, perf samples, logins, the AI model, positions, anomalies (operations.ts). */
  private readonly ops: Operations;
  /** The slippage-outlier fault is on (its outlier is armed once, when it turns on). */
  private outlierFault = false;
  /** Slippage the next fill of the first strategy gets instead of its drawn one (the slippage-outlier fault). */
  private armedSlippage: number | undefined;

  /**
   * A model at `opts.start`, before its first step.
   * @throws Error when `opts.runId` is given and is not a valid run id (see {@link isRunId})
   */
  constructor(readonly opts: ModelOptions) {
    if (opts.runId !== undefined && !isRunId(opts.runId)) throw new Error(`run id '${opts.runId}': use 1 to ${RUN_ID_MAX_LENGTH} characters of A-Z, a-z, 0-9, _ and -`);
    this.runId = opts.runId ?? newRunId(opts.start);
    this.rng = new Rng(opts.seed);
    this.logRng = new Rng((opts.seed ^ 0x51ed) >>> 0);
    this.t = opts.start;
    this.nextSecond = opts.start;
    this.nextRecon = opts.start + 1;
    this.tag = `${opts.seed.toString(36)}-${this.runId}`;
    this.strategies = opts.strategies.map((name, i) => ({
      name,
      gateway: opts.gateways[i % opts.gateways.length]!,
      realized: 0,
      unrealized: 0,
      mode: 'NORMAL',
      position: 0,
      open: 0,
    }));
    this.ops = new Operations(opts.seed, this.tag, opts.start, opts.strategies, (t, component, event, fields, level) => this.ev(t, component, event, fields, level));
  }

  /** Simulated time now, Unix seconds. */
  get now(): number {
    return this.t;
  }

  private ev(t: number, component: string, event: string, fields: Record<string, unknown>, level = 'info'): SimEvent {
    return { ts: formatTimestamp(t), level, component, event, ...fields };
  }

  private schedule(t: number, ev: () => SimEvent): void {
    const k = Math.floor(t * 1000);
    const list = this.queue.get(k);
    if (list) list.push({ t, ev });
    else this.queue.set(k, [{ t, ev }]);
  }

  /**
   * Advances the model by `dt` seconds under `faults` and returns that step's events in time order.
   * @param dt - step length in seconds (0.05 is a good default)
   */
  step(dt: number, faults: Faults): SimEvent[] {
    const out: Scheduled[] = [];
    const t0 = this.t;
    const t1 = t0 + dt;
    const emit = (t: number, ev: () => SimEvent): void => {
      if (t < t1) out.push({ t, ev });
      else this.schedule(t, ev);
    };
    if (!this.started) this.begin(t0, emit);
    if (faults.slippageOutlierRatio === undefined) this.outlierFault = false;
    else if (!this.outlierFault) {
      this.outlierFault = true;
      this.armedSlippage = faults.slippageOutlierRatio;
    }
    this.ticks(t0, dt, faults, emit);
    this.trading(t0, dt, faults, emit);
    while (this.nextSecond < t1) {
      this.everySecond(this.nextSecond, faults, emit);
      this.engineLogs(this.nextSecond, faults, emit);
      this.ops.everySecond(this.nextSecond, faults, emit);
      this.nextSecond += 1;
    }
    while (this.nextRecon < t1) {
      this.reconcile(this.nextRecon, faults, emit);
      this.nextRecon += 5;
    }
    this.gateways(t0, faults, emit);
    this.storm(t0, faults, emit);
    // Due scheduled events (millisecond buckets in [t0, t1)).
    for (let k = Math.floor(t0 * 1000); k < Math.floor(t1 * 1000); k++) {
      const list = this.queue.get(k);
      if (list) {
        this.queue.delete(k);
        out.push(...list);
      }
    }
    this.t = t1;
    out.sort((a, b) => a.t - b.t);
    return out.map((s) => s.ev());
  }

  private begin(t: number, emit: (t: number, ev: () => SimEvent) => void): void {
    this.started = true;
    for (const f of this.opts.feeds) emit(t, () => this.ev(t, 'market_data', 'gateway.connect', { gateway: f, kind: 'market_data' }));
    for (const g of this.opts.gateways) {
      this.gatewayUp.set(g, true);
      emit(t, () => this.ev(t, 'order_adapter', 'gateway.connect', { gateway: g, kind: 'order_entry' }));
    }
    emit(t, () =>
      this.ev(t, 'risk_engine', 'config.changed', {
        operator_id: 'ops-sim',
        config_hash: hashHex(this.opts.seed, 12),
        previous_hash: hashHex(this.opts.seed + 1, 12),
        key: 'limits.daily_loss',
        diff: `-400000\n+${this.opts.dailyLossLimit}`,
        correlation_id: `cfg-${this.tag}-1`,
      }),
    );
    this.ops.begin(t, emit);
  }

  private ticks(t0: number, dt: number, faults: Faults, emit: (t: number, ev: () => SimEvent) => void): void {
    const since = t0 - this.opts.start;
    // Tick burst after the open: 3x for the first 30 s, easing to 1x by 90 s.
    const burst = since < 30 ? 3 : since < 90 ? 3 - (2 * (since - 30)) / 60 : 1;
    const perFeed = (this.opts.tickRate * burst * dt) / this.opts.feeds.length;
    const factor = faults.latencyFactor ?? 1;
    for (const feed of this.opts.feeds) {
      if (faults.silentFeeds?.includes(feed)) continue;
      const n = this.rng.poisson(perFeed);
      for (let i = 0; i < n; i++) {
        const t = t0 + this.rng.next() * dt;
        const latency = Math.round(this.rng.lognormal(150_000, 0.55) * factor);
        const type = this.rng.chance(0.8) ? 'tick' : this.rng.chance(0.5) ? 'quote' : 'trade';
        const symbol = this.rng.pick(['2330', '2317', '2454', '0050', '2412']);
        emit(t, () => this.ev(t, 'market_data', 'feed.tick', { feed, type, symbol, count: 1, latency_ns: latency }, 'debug'));
      }
      if (this.rng.chance(dt / 600)) emit(t0, () => this.ev(t0, 'market_data', 'feed.gap', { feed, from_seq: 1000 + this.seq, to_seq: 1003 + this.seq }, 'warn'));
    }
  }

  private trading(t0: number, dt: number, faults: Faults, emit: (t: number, ev: () => SimEvent) => void): void {
    const factor = faults.latencyFactor ?? 1;
    const rejectP = faults.rejectRatio ?? 0.005;
    for (const s of this.strategies) {
      const n = this.rng.poisson(this.opts.intentRate * dt);
      for (let i = 0; i < n; i++) {
        const id = ++this.seq;
        const cid = `c-${this.tag}-${id}`;
        const iid = `i-${this.tag}-${id}`;
        const oid = `o-${this.tag}-${id}`;
        const side = this.rng.chance(0.5) ? 'buy' : 'sell';
        const qty = 1000 * (1 + this.rng.int(5));
        const price = Math.round((1000 + this.rng.normal() * 5) * 2) / 2;
        const t = t0 + this.rng.next() * dt;
        const decision = Math.round(this.rng.lognormal(800, 0.5) * factor);
        // The first strategy asks the AI model (its own random source: the trading draws stay as they were).
        if (s === this.strategies[0]) this.ops.decision(t, t0, s.name, iid, cid, faults, emit);
        emit(t, () => this.ev(t, 'strategy_runner', 'strategy.intent', { strategy: s.name, side, symbol: '2330', qty, price, decision_latency_ns: decision, intent_id: iid, correlation_id: cid }));
        const tr = t + 1e-6;
        const riskLatency = Math.round(this.rng.lognormal(300, 0.4));
        let reason: string | undefined;
        if (s.mode === 'HALT') reason = 'stormguard';
        else if (this.rng.chance(0.01)) reason = this.rng.pick(RISK_REJECT_REASONS.filter((r) => r !== 'stormguard'));
        const rr = reason;
        emit(tr, () =>
          this.ev(tr, 'risk_engine', 'risk.decision', rr ? { strategy: s.name, decision: 'reject', reason: rr, latency_ns: riskLatency, intent_id: iid, correlation_id: cid } : { strategy: s.name, decision: 'accept', latency_ns: riskLatency, intent_id: iid, correlation_id: cid }, rr ? 'warn' : 'info'),
        );
        if (reason) continue;
        if (faults.downGateways?.includes(s.gateway)) continue; // no session: the adapter holds the intent
        const ts = tr + 5e-6;
        this.submittedThisSecond.set(s.gateway, (this.submittedThisSecond.get(s.gateway) ?? 0) + 1);
        s.open++;
        emit(ts, () => this.ev(ts, 'order_adapter', 'order.submitted', { strategy: s.name, gateway: s.gateway, order_id: oid, side, symbol: '2330', qty, price, intent_id: iid, correlation_id: cid }));
        const ack = Math.round(this.rng.lognormal(250_000, 0.6) * factor);
        const ta = ts + ack * 1e-9;
        if (this.rng.chance(rejectP)) {
          const why = this.rng.pick(ORDER_REJECT_REASONS.slice(0, 3));
          s.open--;
          emit(ta, () => this.ev(ta, 'order_adapter', 'order.rejected', { strategy: s.name, gateway: s.gateway, order_id: oid, reason: why, broker_code: `E${1000 + this.rng.int(99)}`, latency_ns: ack, correlation_id: cid }, 'warn'));
          continue;
        }
        emit(ta, () => this.ev(ta, 'order_adapter', 'order.acked', { strategy: s.name, gateway: s.gateway, order_id: oid, latency_ns: ack, correlation_id: cid }));
        if (this.rng.chance(0.6)) {
          const tf = ta + 0.05 + this.rng.next() * 0.4;
          const partial = this.rng.chance(0.3);
          const fillQty = partial ? qty / 2 : qty;
          const fill = (t: number, q: number, leaves: number, n: number) => () => {
            if (leaves === 0) s.open--;
            s.position += side === 'buy' ? q : -q;
            // Drawn whatever happens, so an outlier leaves the rest of the stream as it was.
            const drawn = Math.round(this.rng.normal() * 0.0002 * 1e6) / 1e6;
            let slippage = drawn;
            if (this.armedSlippage !== undefined && s === this.strategies[0]) {
              slippage = this.armedSlippage;
              this.armedSlippage = undefined;
            }
            return this.ev(t, 'execution', 'execution.fill', {
              strategy: s.name,
              gateway: s.gateway,
              order_id: oid,
              side,
              symbol: '2330',
              qty: q,
              price,
              leaves_qty: leaves,
              slippage_ratio: slippage,
              slippage_ticks: Math.round((slippage * price) / tickSize(price) * 100) / 100,
              trade_id: `t-${this.tag}-${id}-${n}`,
              order_type: 'limit',
              broker: s.gateway,
              latency_ns: Math.round((t - ts) * 1e9),
              correlation_id: cid,
            });
          };
          emit(tf, fill(tf, fillQty, qty - fillQty, 1));
          if (partial) {
            const tf2 = tf + 0.02 + this.rng.next() * 0.2;
            emit(tf2, fill(tf2, qty - fillQty, 0, 2));
          }
        } else {
          const tc = ta + 0.1 + this.rng.next() * 0.3;
          const tca = tc + Math.round(this.rng.lognormal(200_000, 0.5)) * 1e-9;
          emit(tc, () => this.ev(tc, 'order_adapter', 'order.cancel_requested', { strategy: s.name, gateway: s.gateway, order_id: oid, correlation_id: cid }));
          emit(tca, () => {
            s.open--;
            return this.ev(tca, 'order_adapter', 'order.canceled', { strategy: s.name, gateway: s.gateway, order_id: oid, latency_ns: Math.round((tca - tc) * 1e9), correlation_id: cid });
          });
        }
      }
    }
  }

  private everySecond(t: number, faults: Faults, emit: (t: number, ev: () => SimEvent) => void): void {
    // Bus occupancy: a bounded random walk unless a fault pins it.
    this.busOcc = Math.min(0.35, Math.max(0.05, this.busOcc + this.rng.normal() * 0.02));
    const occ = faults.busOccupancy ?? this.busOcc;
    emit(t, () => this.ev(t, 'monitor', 'bus.occupancy', { bus: 'md-to-strategy', occupancy: round(occ, 4), published: Math.round(this.opts.tickRate * 1.1) }, 'debug'));
    if (faults.busOverflowPerSecond) emit(t, () => this.ev(t, 'monitor', 'bus.overflow', { bus: 'md-to-strategy', dropped: faults.busOverflowPerSecond! }, 'error'));
    const usage = faults.apiUsageRatio ?? 0.2 + this.rng.next() * 0.2;
    emit(t, () => this.ev(t, 'order_adapter', 'api.usage', { api: 'broker-a-rest', used: Math.round(usage * this.opts.apiLimit), limit: this.opts.apiLimit, window_s: 10 }, 'debug'));
    for (const g of this.opts.gateways) {
      const n = this.submittedThisSecond.get(g) ?? 0;
      const open: Record<string, number> = {};
      for (const s of this.strategies) if (s.gateway === g) open[s.name] = Math.max(0, s.open);
      emit(t, () => this.ev(t, 'order_adapter', 'order.rate', { gateway: g, orders_per_second: n, limit_per_second: this.opts.orderRateLimit, open_orders: open }, 'debug'));
    }
    this.submittedThisSecond = new Map();
    const limit = this.opts.dailyLossLimit;
    for (const s of this.strategies) {
      const drift = (faults.pnlDriftPerSecond ?? 0) * limit;
      // Realized PnL walks with a slight upward drift (a profitable day) plus the fault's drift;
      // unrealized PnL is mean-reverting noise around zero.
      s.realized += drift + this.rng.normal() * limit * 0.0015 + limit * 0.0002;
      s.unrealized = s.unrealized * 0.8 + this.rng.normal() * limit * 0.002;
      const long = Math.max(0, s.position) * 1000 + 1_000_000 + this.rng.next() * 200_000;
      const short = Math.max(0, -s.position) * 1000 + 500_000 + this.rng.next() * 100_000;
      emit(t, () =>
        this.ev(t, 'monitor', 'pnl.snapshot', {
          strategy: s.name,
          realized: round(s.realized, 2),
          unrealized: round(s.unrealized, 2),
          daily_loss_limit: limit,
          exposure_long: round(long, 2),
          exposure_short: round(short, 2),
          equity: 20_000_000,
        }),
      );
    }
    const failing = faults.recorderFailing ?? false;
    for (const table of AUDIT_TABLES) {
      // An engine's own recorder keeps no alert history (Alertmanager notifies tickwatch's): leaving
      // it out also keeps every seeded stream as it was before the table existed.
      if (table === 'alert_log') continue;
      if (failing) emit(t, () => this.ev(t, 'recorder', 'recorder.write_failed', { table, store: 'clickhouse', error: 'connect ECONNREFUSED 127.0.0.1:9000' }, 'error'));
      else emit(t, () => this.ev(t, 'recorder', 'recorder.write', { table, rows: 100 + this.rng.int(400), store: 'clickhouse', duration_ns: Math.round(this.rng.lognormal(4e6, 0.5)) }, 'debug'));
    }
    const since = failing ? (t - this.opts.start) % 1000 : 0;
    emit(t, () => this.ev(t, 'recorder', 'recorder.status', { store: 'clickhouse', queue_depth: failing ? 1500 * (1 + since) : this.rng.int(800), spool_bytes: failing ? 250_000 * (1 + since) : 0, store_up: !failing }, failing ? 'warn' : 'debug'));
  }

  /**
   * Once a second: the heartbeat (`engine.heartbeat`, component monitor), and the engine modules'
   * own log lines, event types outside the contract as a real engine writes them: an info line
   * about every three seconds, a warning about every 20 s, an error about every four minutes
   * (well under EngineErrorsRising), plus the fault's error burst or fatal line.
   */
  private engineLogs(t: number, faults: Faults, emit: (t: number, ev: () => SimEvent) => void): void {
    const r = this.logRng;
    const seq = this.heartbeats++;
    emit(t, () => this.ev(t, 'monitor', 'engine.heartbeat', { interval_ms: 1000, seq }, 'debug'));
    const at = (): number => t + r.next() * 0.999;
    if (r.chance(0.33)) {
      const [component, event, message, fields] = r.pick(INFO_LOGS);
      const ts = at();
      emit(ts, () => this.logLine(ts, component, event, { message, ...fields }, 'info'));
    }
    if (r.chance(0.05)) {
      const [component, event, message, fields] = r.pick(WARN_LOGS);
      const ts = at();
      emit(ts, () => this.logLine(ts, component, event, { message, ...fields }, 'warn'));
    }
    const errors = (faults.errorLogsPerSecond ?? 0) + (r.chance(0.004) ? 1 : 0);
    for (let i = 0; i < errors; i++) {
      const [component, event, message, fields] = r.pick(ERROR_LOGS);
      const ts = at();
      emit(ts, () => this.logLine(ts, component, event, { message, ...fields }, 'error'));
    }
    if (faults.fatalLog && !this.fatalWritten) {
      this.fatalWritten = true;
      emit(t, () => this.logLine(t, 'strategy_runner', 'process.crashed', { message: 'strategy process mm-2330 exited on SIGSEGV; restarting', exit_signal: 'SIGSEGV', strategy: 'mm-2330' }, 'fatal'));
    }
  }

  private fatalWritten = false;

  /**
   * A line of an engine module's own log (not the trading event stream): marked with a
   * non-enumerable `stream: 'log'` (JSON leaves it out) so a runner can write it to its service's
   * log file ({@link isServiceLog}).
   */
  private logLine(t: number, component: string, event: string, fields: Record<string, unknown>, level: string): SimEvent {
    const e = this.ev(t, component, event, fields, level);
    Object.defineProperty(e, 'stream', { value: 'log', enumerable: false });
    return e;
  }

  private reconcile(t: number, faults: Faults, emit: (t: number, ev: () => SimEvent) => void): void {
    const ok = !faults.reconciliationFailing;
    emit(t, () => this.ev(t, 'monitor', 'reconciliation.result', { account: 'acct-1', result: ok ? 'match' : 'error', mismatches: 0 }, ok ? 'info' : 'error'));
  }

  private gateways(t: number, faults: Faults, emit: (t: number, ev: () => SimEvent) => void): void {
    for (const g of this.opts.gateways) {
      const down = faults.downGateways?.includes(g) ?? false;
      const up = this.gatewayUp.get(g) ?? true;
      if (down && up) {
        this.gatewayUp.set(g, false);
        emit(t, () => this.ev(t, 'order_adapter', 'gateway.disconnect', { gateway: g, kind: 'order_entry', reason: 'heartbeat timeout' }, 'error'));
      } else if (!down && !up) {
        this.gatewayUp.set(g, true);
        emit(t, () => this.ev(t, 'order_adapter', 'gateway.reconnect', { gateway: g, kind: 'order_entry', attempt: 1 }, 'warn'));
      }
    }
  }

  private storm(t: number, faults: Faults, emit: (t: number, ev: () => SimEvent) => void): void {
    const s = this.strategies[0];
    if (!s) return;
    const want: StormGuardMode = faults.stormMode ?? 'NORMAL';
    if (want !== s.mode) {
      const from = s.mode;
      s.mode = want;
      emit(t, () => this.ev(t, 'risk_engine', 'stormguard.transition', { strategy: s.name, from, to: want, reason: want === 'NORMAL' ? 'conditions cleared' : 'reject and latency storm' }, want === 'NORMAL' ? 'info' : 'warn'));
    }
  }
}

/** TWSE's tick size for a price (the exchange's price ladder for stocks). */
function tickSize(price: number): number {
  return price < 10 ? 0.01 : price < 50 ? 0.05 : price < 100 ? 0.1 : price < 500 ? 0.5 : price < 1000 ? 1 : 5;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A deterministic hex string from a seed (for simulated config hashes). */
function hashHex(seed: number, len: number): string {
  const r = new Rng(seed);
  let s = '';
  while (s.length < len) s += Math.floor(r.next() * 16).toString(16);
  return s;
}

/** Whether an event is a line of an engine module's own log (see `EngineModel.logLine`). */
export function isServiceLog(e: SimEvent): boolean {
  return (e as { stream?: string }).stream === 'log';
}

/** A log line of an engine module: component, event type (outside the contract), message, fields. */
type LogLine = readonly [component: string, event: string, message: string, fields: Record<string, unknown>];

/** Info lines the engine's modules write in a normal session. */
const INFO_LOGS: readonly LogLine[] = [
  ['strategy_runner', 'strategy.signal_computed', 'signal refreshed', { strategy: 'mm-2330', features: 42 }],
  ['risk_engine', 'risk.limits_checked', 'pre-trade limits evaluated', { checks: 7 }],
  ['order_adapter', 'session.keepalive', 'broker session keepalive answered', { gateway: 'broker-a', rtt_ms: 0.8 }],
  ['strategy_runner', 'strategy.params_loaded', 'strategy parameters in force', { strategy: 'arb-etf', version: 12 }],
];

/** Warnings the engine's modules write now and then in a normal session. */
const WARN_LOGS: readonly LogLine[] = [
  ['strategy_runner', 'strategy.signal_stale', 'signal older than its refresh interval; using the last one', { strategy: 'mom-fut', age_ms: 180 }],
  ['order_adapter', 'broker.slow_response', 'broker answered slower than usual', { gateway: 'broker-b', duration_ms: 9.5 }],
  ['risk_engine', 'risk.limit_near', 'position close to its limit', { strategy: 'mm-2330', used_ratio: 0.86 }],
];

/** Errors: rare in a normal session, a burst in the engine-errors scenario. */
const ERROR_LOGS: readonly LogLine[] = [
  ['strategy_runner', 'strategy.exception', 'ZeroDivisionError in signal calc', { strategy: 'mom-fut', exception: 'ZeroDivisionError: float division by zero' }],
  ['risk_engine', 'risk.table_lookup_failed', "KeyError: 'TXFL6' in the margin table", { symbol_count: 1 }],
  ['order_adapter', 'broker.reply_unparsed', 'could not parse the broker reply; order state re-queried', { gateway: 'broker-a' }],
];
