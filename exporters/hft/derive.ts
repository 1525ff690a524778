/**
 * Event-to-metric derivation: how each event type of the contract moves the catalog's metrics,
 * and the time-derived gauges on-call needs (feed gap while the session is open, reconciliation
 * lag, session open, intraday drawdown), and the feed availability SLO's counters (seconds of open
 * session per feed, and those of them inside a gap of more than 1 s).
 *
 * It also owns the exporter's stateful trackers, each bounded in memory: the security detector
 * (security.ts), the book of open anomalies and tickwatch's own anomaly detectors (anomalies.ts),
 * the position book with its top K (positions.ts) and the AI models' accuracy windows (models.ts).
 *
 * `apply` runs on the ingest path for every valid event; `tick` runs on a timer (every 250 ms by
 * default) with the exporter's {@link EventClock} time.
 */
import * as C from '../catalog/index.js';
import { STORMGUARD_MODE_VALUE } from '../catalog/stormguard.js';
import type { CounterSeries, GaugeSeries, HistogramSeries } from '../instrument/series.js';
import type { MetricRegistry } from '../instrument/registry.js';
import { AnomalyBook, AnomalyDetectors, type AnomalyDetectorOptions, type AnomalyEvent } from './anomalies.js';
import type { TradingCalendar } from './calendar.js';
import type { HftEvent } from '../events/index.js';
import { forEvents, handlersByName, type HandlerTable } from '../events/dispatch.js';
import { ModelMetrics } from './models.js';
import { PositionBook, type TopPositionsBoard } from './positions.js';
import { SecurityDetector, type SecurityDetectorOptions } from './security.js';

/** What the derivation is told up front. */
export interface DeriveOptions {
  readonly registry: MetricRegistry;
  readonly calendar: TradingCalendar;
  /** Feeds whose gap is tracked from start, before their first tick (so a feed that never ticks alerts). */
  readonly feeds?: readonly string[];
  /** Strategies whose StormGuard mode is exported as NORMAL before their first event. */
  readonly strategies?: readonly string[];
  /**
   * Told about every `anomaly.detected` and `anomaly.resolved` event tickwatch's own detectors
   * raise, at its time (Unix seconds), after it was counted; the exporter hands them on (to the audit
   * recorder, in `tickwatch start`). It must not throw (a throw is caught and dropped).
   */
  readonly onAnomaly?: (ev: AnomalyEvent, t: number) => void;
  /** The security detector's window, limit and bound (defaults: exporters/catalog/security.ts). */
  readonly security?: SecurityDetectorOptions;
  /** tickwatch's anomaly detectors' figures (defaults: exporters/catalog/anomalies.ts). */
  readonly anomalies?: AnomalyDetectorOptions;
  /** K of `hft_position_notional` (default 10; at most the board's K when a board is given). */
  readonly topPositions?: number;
  /** Where the top K positions are published for the `/metrics` worker (the exporter makes one). */
  readonly positionsBoard?: TopPositionsBoard;
}

/** Most (component, service) pairs whose four event kinds are made at 0 on first sight (the metric's series limit, over 4). */
const SERVICES_TRACKED = (C.serviceEventsTotal.maxSeries ?? 400) / 4;

type ServiceKind = (typeof C.SERVICE_EVENT_KINDS)[number];

interface FeedState {
  lastTick: number;
  readonly gap: GaugeSeries;
  readonly last: GaugeSeries;
  /** `hft_feed_open_seconds_total` and `hft_feed_gap_exceeded_seconds_total` of the feed. */
  readonly openSeconds: CounterSeries;
  readonly gapExceeded: CounterSeries;
  /** When the feed's open seconds started counting (NaN until its first tick while open). */
  watchedFrom: number;
  /** Up to when its open seconds are counted (NaN until then). */
  openCountedTo: number;
  /** Up to when the current gap's seconds are counted (-Infinity when none was). */
  gapCountedTo: number;
  /**
   * `hft_feed_events_total{feed,type}` of the feed by `type`, and its `hft_feed_tick_latency_seconds`,
   * resolved on first use: a `feed.tick` (three in four lines of the simulator's normal mix) then costs
   * one map lookup instead of two label resolutions (issue 19).
   */
  readonly events: Map<string, CounterSeries>;
  latency: HistogramSeries | undefined;
}

interface PnlState {
  day: string;
  peak: number;
}

/** Derives metrics from events. One per exporter (it owns per-feed and per-strategy state). */
export class Deriver {
  private readonly r: MetricRegistry;
  private readonly feeds = new Map<string, FeedState>();
  private readonly accounts = new Map<string, { lastMatch: number; lag: GaugeSeries }>();
  private readonly strategies = new Set<string>();
  private readonly pnl = new Map<string, PnlState>();
  private readonly sessionOpen: GaugeSeries;
  private open = false;
  /** Start of the session open at the last `tick` (-Infinity when the calendar knows none). */
  private openedAt = Number.NEGATIVE_INFINITY;
  private now = 0;
  /** Counters of each (component, service) seen, all four kinds made at 0 on first sight. */
  private readonly services = new Map<string, Readonly<Record<ServiceKind, CounterSeries>>>();
  /** `hft_security_events_total` by `<event>/<status>`, made at 0 at start. */
  private readonly securityEvents = new Map<string, CounterSeries>();
  private readonly suspicious = new Map<string, CounterSeries>();
  /** The security detector (bounded per-user and per-address windows). */
  readonly security: SecurityDetector;
  /** Open anomalies by id (whoever detected them) and their metrics. */
  readonly anomalyBook: AnomalyBook;
  /** tickwatch's own anomaly detectors. */
  readonly detectors: AnomalyDetectors;
  /** Positions by strategy and symbol: net exposure and the top K. */
  readonly positions: PositionBook;
  /** AI model metrics and accuracy windows. */
  readonly models: ModelMetrics;

  // Families, resolved once.
  private readonly f;

  constructor(private readonly opts: DeriveOptions) {
    const r = (this.r = opts.registry);
    this.f = {
      feedEvents: r.counter(C.feedEventsTotal),
      tickLatency: r.histogram(C.feedTickLatencySeconds),
      seqGaps: r.counter(C.feedSequenceGapsTotal),
      connected: r.gauge(C.gatewayConnected),
      reconnects: r.counter(C.gatewayReconnectsTotal),
      apiUsage: r.gauge(C.apiUsageRequests),
      apiLimit: r.gauge(C.apiLimitRequests),
      busOcc: r.gauge(C.busOccupancyRatio),
      busOverflows: r.counter(C.busOverflowsTotal),
      busPublished: r.counter(C.busPublishedTotal),
      intents: r.counter(C.strategyIntentsTotal),
      decisionLatency: r.histogram(C.strategyDecisionLatencySeconds),
      riskDecisions: r.counter(C.riskDecisionsTotal),
      riskRejects: r.counter(C.riskRejectsTotal),
      riskLatency: r.histogram(C.riskCheckLatencySeconds),
      sgMode: r.gauge(C.stormguardMode),
      sgTransitions: r.counter(C.stormguardTransitionsTotal),
      orderActions: r.counter(C.orderActionsTotal),
      orderRejects: r.counter(C.orderRejectsTotal),
      ackLatency: r.histogram(C.orderAckLatencySeconds),
      orderRate: r.gauge(C.orderRatePerSecond),
      orderRateLimit: r.gauge(C.orderRateLimitPerSecond),
      openOrders: r.gauge(C.openOrders),
      fills: r.counter(C.fillsTotal),
      notional: r.counter(C.filledNotionalTotal),
      slippage: r.histogram(C.fillSlippageRatio),
      realized: r.gauge(C.pnlRealized),
      unrealized: r.gauge(C.pnlUnrealized),
      drawdown: r.gauge(C.pnlDrawdown),
      lossLimit: r.gauge(C.dailyLossLimit),
      gross: r.gauge(C.exposureGross),
      long: r.gauge(C.exposureLong),
      short: r.gauge(C.exposureShort),
      leverage: r.gauge(C.leverageRatio),
      reconRuns: r.counter(C.reconciliationRunsTotal),
      reconMismatches: r.gauge(C.reconciliationMismatches),
      configChanges: r.counter(C.configChangesTotal),
      recRows: r.counter(C.recorderRowsWrittenTotal),
      recFailures: r.counter(C.recorderWriteFailuresTotal),
      recDuration: r.histogram(C.recorderWriteDurationSeconds),
      recUp: r.gauge(C.recorderStoreUp),
      recQueue: r.gauge(C.recorderQueueDepthRows).series(),
      recSpool: r.gauge(C.recorderSpoolBytes).series(),
      slippageTicks: r.histogram(C.fillSlippageTicks),
      serviceEvents: r.counter(C.serviceEventsTotal),
      perf: r.histogram(C.perfExecutionTimeSeconds),
    };
    for (const e of C.SECURITY_EVENT_KINDS)
      for (const st of C.SECURITY_STATUSES) this.securityEvents.set(`security.${e}/${st}`, r.counter(C.securityEventsTotal).labels(e, st));
    for (const reason of C.SUSPICIOUS_REASONS) this.suspicious.set(reason, r.counter(C.securitySuspiciousTotal).labels(reason));
    this.security = new SecurityDetector(opts.security);
    this.anomalyBook = new AnomalyBook(r);
    this.detectors = new AnomalyDetectors(opts.anomalies);
    this.positions = new PositionBook({ registry: r, topK: opts.topPositions, board: opts.positionsBoard });
    this.models = new ModelMetrics({ registry: r });
    this.sessionOpen = r.gauge(C.marketSessionOpen).labels(opts.calendar.exchange);
    for (const feed of opts.feeds ?? []) this.feed(feed, Number.NaN);
    for (const s of opts.strategies ?? []) this.strategy(s);
  }

  private feed(name: string, t: number): FeedState {
    let s = this.feeds.get(name);
    if (s === undefined) {
      s = {
        lastTick: t,
        gap: this.r.gauge(C.feedGapSeconds).labels(name),
        last: this.r.gauge(C.feedLastTickTimestampSeconds).labels(name),
        openSeconds: this.r.counter(C.feedOpenSecondsTotal).labels(name),
        gapExceeded: this.r.counter(C.feedGapExceededSecondsTotal).labels(name),
        watchedFrom: Number.NaN,
        openCountedTo: Number.NaN,
        gapCountedTo: Number.NEGATIVE_INFINITY,
        events: new Map(),
        latency: undefined,
      };
      this.feeds.set(name, s);
    }
    return s;
  }

  private strategy(name: string): void {
    if (this.strategies.has(name)) return;
    this.strategies.add(name);
    this.f.sgMode.labels(name).set(STORMGUARD_MODE_VALUE.NORMAL);
  }

  /**
   * Applies one valid event at its time `t` (Unix seconds): `feed.tick` (three in four lines of the
   * simulator's normal mix) inline, every other type through its own handler ({@link handlers}).
   */
  apply(ev: HftEvent, t: number): void {
    if (ev.event === 'feed.tick') return this.feedTick(ev, t);
    const h = this.handlers.get(ev.event);
    if (h !== undefined) h(ev, t);
  }

  /** A `feed.tick`: its feed's event count and latency, the end of a gap, and its last tick. */
  private feedTick(ev: Extract<HftEvent, { event: 'feed.tick' }>, t: number): void {
    const s = this.feed(ev.feed, t);
    const type = ev.type ?? 'tick';
    let events = s.events.get(type);
    if (events === undefined) s.events.set(type, (events = this.f.feedEvents.labels(ev.feed, type)));
    events.inc(ev.count ?? 1);
    if (ev.latency_ns !== undefined) (s.latency ??= this.f.tickLatency.labels(ev.feed)).observe(ev.latency_ns * 1e-9);
    if (!(s.lastTick >= t)) {
      // A tick that ends a gap over the bound counts it (what the timer has not counted yet).
      if (this.open && t - s.lastTick > C.FEED_GAP_BAD_AFTER_SECONDS) this.countGap(s, t);
      s.lastTick = t;
      s.last.set(t);
    }
    s.gap.set(0);
  }

  /**
   * Each event type's handler but `feed.tick`'s, by event name (a type without one moves no metric
   * here: `clock.sync`, `engine.heartbeat`, `store.cleanup`): one small function a type, each
   * optimized by V8 on its own. In one `switch` over every type (until 7 December 2026), a type seen
   * for the first time after the function was optimized (a rare one: a reconnect, a failed service)
   * threw the whole function's optimized code away, and V8 compiled it again: at 15,000 lines/s of
   * the normal mix, 10 deoptimizations in 100 s and 11 compiles of 14-21 ms each, 182 ms of V8's
   * compiler threads (`--trace-opt --trace-deopt`, issue 19). A handler seen late is compiled alone:
   * in the same run with this table, no deoptimization of `apply` and no compile over 4 ms, and V8's
   * compiles of the whole process took 921 ms against 1,209 (both processes tailing one file at once).
   * `test/hft/derive-handlers.test.ts` applies every type's example.
   */
  private readonly handlers = handlersByName<[t: number]>(this.handlerTable());

  private handlerTable(): HandlerTable<[t: number], Exclude<HftEvent['event'], 'feed.tick'>> {
    // Made while the instance's fields are initialised, before the constructor sets `this.f`: the
    // handlers read `this.f` when called.
    return {
      'feed.gap': (ev) => this.f.seqGaps.labels(ev.feed).inc(),
      'gateway.connect': (ev) => this.f.connected.labels(ev.gateway, ev.kind).set(1),
      'gateway.disconnect': (ev) => this.f.connected.labels(ev.gateway, ev.kind).set(0),
      'gateway.reconnect': (ev) => {
        this.f.connected.labels(ev.gateway, ev.kind).set(1);
        this.f.reconnects.labels(ev.gateway, ev.kind).inc();
      },
      'api.usage': (ev) => {
        this.f.apiUsage.labels(ev.api).set(ev.used);
        this.f.apiLimit.labels(ev.api).set(ev.limit);
      },
      'bus.occupancy': (ev) => {
        this.f.busOcc.labels(ev.bus).set(ev.occupancy);
        if (ev.published !== undefined) this.f.busPublished.labels(ev.bus).inc(ev.published);
      },
      'bus.overflow': (ev) => this.f.busOverflows.labels(ev.bus).inc(ev.dropped),
      'strategy.intent': (ev) => {
        this.strategy(ev.strategy);
        this.f.intents.labels(ev.strategy, ev.side).inc();
        this.f.decisionLatency.labels(ev.strategy).observe(ev.decision_latency_ns * 1e-9);
      },
      'risk.decision': (ev) => {
        this.strategy(ev.strategy);
        this.f.riskDecisions.labels(ev.strategy, ev.decision).inc();
        if (ev.decision === 'reject') this.f.riskRejects.labels(ev.strategy, ev.reason ?? 'other').inc();
        if (ev.latency_ns !== undefined) this.f.riskLatency.labels(ev.strategy).observe(ev.latency_ns * 1e-9);
      },
      'stormguard.transition': (ev) => {
        this.strategy(ev.strategy);
        this.f.sgMode.labels(ev.strategy).set(STORMGUARD_MODE_VALUE[ev.to]);
        this.f.sgTransitions.labels(ev.strategy, ev.from, ev.to).inc();
      },
      'order.submitted': (ev, t) => {
        this.f.orderActions.labels(ev.strategy, 'submit').inc();
        const a = this.detectors.order(ev, t);
        if (a) this.raise(a, t);
      },
      'order.acked': (ev) => {
        this.f.orderActions.labels(ev.strategy, 'ack').inc();
        this.f.ackLatency.labels(ev.gateway).observe(ev.latency_ns * 1e-9);
      },
      'order.rejected': (ev) => {
        this.f.orderActions.labels(ev.strategy, 'reject').inc();
        this.f.orderRejects.labels(ev.strategy, ev.reason).inc();
      },
      'order.cancel_requested': (ev) => this.f.orderActions.labels(ev.strategy, 'cancel').inc(),
      'order.canceled': (ev) => this.f.orderActions.labels(ev.strategy, 'cancel_ack').inc(),
      'order.replaced': (ev) => this.f.orderActions.labels(ev.strategy, 'replace').inc(),
      'order.expired': (ev) => this.f.orderActions.labels(ev.strategy, 'expire').inc(),
      'order.rate': (ev) => {
        this.f.orderRate.labels(ev.gateway).set(ev.orders_per_second);
        this.f.orderRateLimit.labels(ev.gateway).set(ev.limit_per_second);
        if (ev.open_orders) for (const [s, n] of Object.entries(ev.open_orders)) this.f.openOrders.labels(s).set(n);
      },
      'execution.fill': (ev, t) => {
        const full = !(ev.leaves_qty! > 0);
        this.f.orderActions.labels(ev.strategy, full ? 'fill' : 'partial_fill').inc();
        this.f.fills.labels(ev.strategy, ev.side).inc();
        this.f.notional.labels(ev.strategy).inc(ev.qty * ev.price);
        if (ev.slippage_ratio !== undefined) this.f.slippage.labels(ev.strategy).observe(ev.slippage_ratio);
        if (ev.slippage_ticks !== undefined) this.f.slippageTicks.labels(ev.strategy).observe(ev.slippage_ticks);
        const a = this.detectors.fill(ev, t);
        if (a) this.raise(a, t);
      },
      'pnl.snapshot': (ev, t) => this.snapshot(ev, t),
      'reconciliation.result': (ev, t) => {
        this.f.reconRuns.labels(ev.account, ev.result).inc();
        if (ev.mismatches !== undefined) this.f.reconMismatches.labels(ev.account).set(ev.mismatches);
        const a = this.account(ev.account, t);
        if (ev.result === 'match' && t > a.lastMatch) {
          a.lastMatch = t;
          a.lag.set(0);
        }
      },
      'config.changed': (ev) => this.f.configChanges.labels(ev.component).inc(),
      'recorder.write': (ev) => {
        this.f.recRows.labels(ev.table).inc(ev.rows);
        this.f.recDuration.labels(ev.store).observe(ev.duration_ns * 1e-9);
        this.f.recUp.labels(ev.store).set(1);
      },
      'recorder.write_failed': (ev) => {
        this.f.recFailures.labels(ev.table).inc();
        this.f.recUp.labels(ev.store).set(0);
      },
      'recorder.status': (ev) => {
        this.f.recQueue.set(ev.queue_depth);
        this.f.recSpool.set(ev.spool_bytes);
        this.f.recUp.labels(ev.store).set(ev.store_up ? 1 : 0);
      },
      'service.started': (ev) => this.service(ev.component, ev.service).started.inc(),
      'service.stopped': (ev) => this.service(ev.component, ev.service).stopped.inc(),
      'service.restarted': (ev) => this.service(ev.component, ev.service).restarted.inc(),
      'service.failed': (ev) => this.service(ev.component, ev.service).failed.inc(),
      'perf.sample': (ev) => this.f.perf.labels(ev.service, ev.operation).observe(ev.execution_time_ms / 1000),
      ...forEvents(['security.login', 'security.logout', 'security.mfa_success', 'security.mfa_failed', 'security.session_expired', 'security.permission_denied'], (ev, t) => {
        this.securityEvents.get(`${ev.event}/${ev.status}`)?.inc();
        for (const reason of this.security.observe(ev, t)) this.suspicious.get(reason)!.inc();
      }),
      ...forEvents(['anomaly.detected', 'anomaly.resolved'], (ev) => this.anomalyBook.apply(ev)),
      'ai.decision': (ev) => this.models.decision(ev),
      'ai.outcome': (ev) => this.models.outcome(ev),
      'position.snapshot': (ev, t) => {
        const a = this.detectors.position(this.positions.apply(ev, t), t);
        if (a) this.raise(a, t);
      },
    };
  }

  /** The counters of a (component, service) pair; the first sight makes all four kinds at 0. */
  private service(component: string, service: string): Readonly<Record<ServiceKind, CounterSeries>> {
    const key = `${component}\u0000${service}`;
    let c = this.services.get(key);
    if (c === undefined) {
      const fam = this.f.serviceEvents;
      c = { started: fam.labels(component, service, 'started'), stopped: fam.labels(component, service, 'stopped'), restarted: fam.labels(component, service, 'restarted'), failed: fam.labels(component, service, 'failed') };
      if (this.services.size < SERVICES_TRACKED) this.services.set(key, c);
    }
    return c;
  }

  /** Counts an anomaly event of tickwatch's own detectors and hands it on. */
  private raise(ev: AnomalyEvent, t: number): void {
    this.anomalyBook.apply(ev);
    try {
      this.opts.onAnomaly?.(ev, t);
    } catch {
      // A consumer's failure must not stop derivation; the anomaly is counted all the same.
    }
  }

  private account(name: string, t: number) {
    let a = this.accounts.get(name);
    if (a === undefined) this.accounts.set(name, (a = { lastMatch: t, lag: this.r.gauge(C.reconciliationLagSeconds).labels(name) }));
    return a;
  }

  private snapshot(ev: Extract<HftEvent, { event: 'pnl.snapshot' }>, t: number): void {
    const f = this.f;
    const s = ev.strategy;
    this.strategy(s);
    f.realized.labels(s).set(ev.realized);
    f.unrealized.labels(s).set(ev.unrealized);
    const gross = ev.exposure_long + ev.exposure_short;
    f.long.labels(s).set(ev.exposure_long);
    f.short.labels(s).set(ev.exposure_short);
    f.gross.labels(s).set(gross);
    const lev = ev.leverage ?? (ev.equity ? gross / ev.equity : undefined);
    if (lev !== undefined) f.leverage.labels(s).set(lev);
    if (ev.daily_loss_limit !== undefined) f.lossLimit.labels(s).set(ev.daily_loss_limit);
    let dd = ev.drawdown;
    if (dd === undefined) {
      // Intraday peak of total PnL, reset when the exchange-local date changes.
      const total = ev.realized + ev.unrealized;
      const day = this.opts.calendar.localDate(t);
      let p = this.pnl.get(s);
      if (p === undefined || p.day !== day) this.pnl.set(s, (p = { day, peak: Math.max(0, total) }));
      if (total > p.peak) p.peak = total;
      dd = p.peak - total;
    }
    f.drawdown.labels(s).set(dd);
  }

  /**
   * Updates the time-derived gauges at `now` (Unix seconds, the exporter clock): session open,
   * feed gap (seconds since the last tick while open, else 0), reconciliation lag.
   */
  tick(now: number): void {
    this.now = now;
    const wasOpen = this.open;
    this.open = this.opts.calendar.isOpen(now);
    this.sessionOpen.set(this.open ? 1 : 0);
    if (this.open && !wasOpen) {
      // A session just opened: a gap counts from the open, not from yesterday's last tick.
      const open = this.opts.calendar.lastOpen(now) ?? now;
      this.openedAt = open;
      for (const s of this.feeds.values()) if (!(s.lastTick >= open)) s.lastTick = open;
    }
    for (const s of this.feeds.values()) {
      if (s.lastTick !== s.lastTick) s.lastTick = now; // tracked from start, never ticked
      s.gap.set(this.open ? Math.max(0, now - s.lastTick) : 0);
      if (this.open) this.countOpen(s, now);
    }
    for (const a of this.accounts.values()) a.lag.set(Math.max(0, now - a.lastMatch));
    this.positions.refresh(now);
    for (const r of this.detectors.expire(now)) this.raise(r, now);
  }

  /**
   * The feed availability SLO's counters at `now` while the session is open: the open seconds since
   * they were last counted (not before the session's open; a feed's first count only starts the
   * count), and the seconds of a gap still open once it has lasted
   * {@link C.FEED_GAP_COUNT_OPEN_AFTER_SECONDS} ({@link countGap}; a shorter gap over the bound is
   * counted by the tick that ends it, from the ticks' own timestamps).
   */
  private countOpen(s: FeedState, now: number): void {
    if (s.watchedFrom !== s.watchedFrom) s.watchedFrom = s.openCountedTo = now;
    const from = Math.max(s.openCountedTo, this.openedAt);
    if (now > from) s.openSeconds.inc(now - from);
    if (now > s.openCountedTo) s.openCountedTo = now;
    if (now - s.lastTick > Math.max(C.FEED_GAP_BAD_AFTER_SECONDS, C.FEED_GAP_COUNT_OPEN_AFTER_SECONDS)) this.countGap(s, now);
  }

  /**
   * Counts a gap over the bound whole: from its last tick (once the gap passes the bound, the
   * seconds before count too), or from where it was counted to, up to `t`; never before the
   * session's open or before the feed's open seconds started counting, so it stays within them.
   */
  private countGap(s: FeedState, t: number): void {
    const from = Math.max(s.lastTick, s.gapCountedTo, this.openedAt, s.watchedFrom);
    if (t > from) s.gapExceeded.inc(t - from);
    if (t > s.gapCountedTo) s.gapCountedTo = t;
  }

  /** Whether the trading session was open at the last `tick`. */
  get isOpen(): boolean {
    return this.open;
  }

  /** The time of the last `tick`. */
  get lastTickTime(): number {
    return this.now;
  }
}
