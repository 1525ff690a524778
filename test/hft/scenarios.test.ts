/**
 * Each simulator scenario, run in simulated time through the real pipeline and derivation, drives
 * the metric its alert watches past the threshold in alert-rules/thresholds.ts; the normal
 * session drives none of them there (the issue-14 categories included: services, slippage,
 * security, anomalies, AI models, positions).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as T from '../../alert-rules/thresholds.js';
import * as C from '../../exporters/catalog/index.js';
import { ALWAYS_OPEN_CALENDAR, TradingCalendar } from '../../exporters/hft/calendar.js';
import type { AnomalyEvent } from '../../exporters/hft/anomalies.js';
import { Deriver } from '../../exporters/hft/derive.js';
import { DeadLetterFile } from '../../exporters/ingest/deadletter.js';
import { IngestPipeline } from '../../exporters/ingest/pipeline.js';
import { DEFAULT_MODEL } from '../../exporters/hft/simulator/model.js';
import { AI_MODEL, ATTACKED_USER } from '../../exporters/hft/simulator/operations.js';
import { generate } from '../../exporters/hft/simulator/run.js';
import { scenarioByName, SCENARIOS } from '../../exporters/hft/simulator/scenarios/index.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { captureLogging, tempDir } from '../helpers/env.js';
import { histogramQuantile } from '../helpers/promql.js';

const dir = tempDir();
const START = Date.UTC(2026, 10, 23, 1) / 1000; // a Monday, 09:00 in Taipei

interface Probe {
  t: number;
  gap: number;
  connected: number;
  occupancy: number;
  overflows: number;
  mode: number;
  submits: number;
  rejects: number;
  ack: number[];
  strategyLatency: number[];
  apiRatio: number;
  drawdownRatio: number;
  reconLag: number;
  recorderFailures: number;
  storeUp: number;
  /** Error and fatal log lines so far (every accepted line, tickwatch_log_events_total). */
  errorLines: number;
  fatalLines: number;
  /** Every line accepted so far. */
  lines: number;
  /** `service.failed` and `service.restarted` so far, every service together. */
  serviceFailures: number;
  serviceRestarts: number;
  /** Cumulative slippage buckets of each strategy (`hft_fill_slippage_ratio`). */
  slippage: number[][];
  /** Suspicious security detections so far, by reason. */
  suspicious: Record<string, number>;
  /** Security events counted so far (every kind and status). */
  securityEvents: number;
  /** Anomalies open now of severity critical, and detections so far (every kind and severity). */
  openCritical: number;
  detections: number;
  /** The AI model's accuracy as served (NaN while it has too few outcomes), its confidence and inference-latency buckets. */
  accuracy: number;
  confidence: number[];
  inference: number[];
  /** How many positions the top K holds, and the largest absolute notional among them. */
  topCount: number;
  topLargest: number;
}

const ENGINE_SERVICES = ['market_data', 'strategy_runner', 'risk_engine', 'order_adapter', 'execution'];

function run(name: string, duration?: number) {
  const reg = new MetricRegistry();
  const anomalies: AnomalyEvent[] = [];
  const deriver = new Deriver({
    registry: reg,
    calendar: new TradingCalendar(ALWAYS_OPEN_CALENDAR),
    feeds: DEFAULT_MODEL.feeds,
    strategies: DEFAULT_MODEL.strategies,
    onAnomaly: (ev) => anomalies.push(ev),
  });
  const pipeline = new IngestPipeline({ registry: reg, deadLetter: new DeadLetterFile(join(dir, `${name}.dead`)), log: captureLogging().logger('ingest'), consumers: [(ev, t) => deriver.apply(ev, t)] });
  const src = pipeline.source('inprocess', name);
  const sum = (f: () => number[]) => f().reduce((a, b) => a + b, 0);
  const strategies = DEFAULT_MODEL.strategies;
  const h = {
    gap: reg.gauge(C.feedGapSeconds).labels('twse-md'),
    connected: reg.gauge(C.gatewayConnected).labels('broker-a', 'order_entry'),
    occupancy: reg.gauge(C.busOccupancyRatio).labels('md-to-strategy'),
    overflows: reg.counter(C.busOverflowsTotal).labels('md-to-strategy'),
    mode: reg.gauge(C.stormguardMode).labels('mm-2330'),
    submits: strategies.map((s) => reg.counter(C.orderActionsTotal).labels(s, 'submit')),
    rejects: strategies.map((s) => reg.counter(C.orderActionsTotal).labels(s, 'reject')),
    ack: DEFAULT_MODEL.gateways.map((g) => reg.histogram(C.orderAckLatencySeconds).labels(g)),
    strat: strategies.map((s) => reg.histogram(C.strategyDecisionLatencySeconds).labels(s)),
    apiUsed: reg.gauge(C.apiUsageRequests).labels('broker-a-rest'),
    apiLimit: reg.gauge(C.apiLimitRequests).labels('broker-a-rest'),
    dd: strategies.map((s) => [reg.gauge(C.pnlDrawdown).labels(s), reg.gauge(C.dailyLossLimit).labels(s)] as const),
    lag: reg.gauge(C.reconciliationLagSeconds).labels('acct-1'),
    failures: C.AUDIT_TABLES.map((t) => reg.counter(C.recorderWriteFailuresTotal).labels(t)),
    up: reg.gauge(C.recorderStoreUp).labels('clickhouse'),
    logs: (level: string) => [...C.COMPONENTS, 'other'].map((c) => reg.counter(C.logEventsTotal).labels(c, level)),
    services: (event: 'failed' | 'restarted') => ENGINE_SERVICES.map((svc) => reg.counter(C.serviceEventsTotal).labels('monitor', svc, event)),
    slippage: strategies.map((s) => reg.histogram(C.fillSlippageRatio).labels(s)),
    suspicious: C.SUSPICIOUS_REASONS.map((r) => [r, reg.counter(C.securitySuspiciousTotal).labels(r)] as const),
    security: C.SECURITY_EVENT_KINDS.flatMap((e) => C.SECURITY_STATUSES.map((st) => reg.counter(C.securityEventsTotal).labels(e, st))),
    openCritical: C.ANOMALY_TYPES.map((a) => reg.gauge(C.anomaliesOpen).labels(a, 'critical')),
    detections: C.ANOMALY_TYPES.flatMap((a) => C.ANOMALY_SEVERITIES.map((sv) => reg.counter(C.anomaliesTotal).labels(a, sv))),
    confidence: reg.histogram(C.aiConfidenceRatio).labels(AI_MODEL),
    inference: reg.histogram(C.aiInferenceLatencySeconds).labels(AI_MODEL),
  };
  const addBuckets = (hs: { cumulativeBuckets(): number[] }[]) => hs.map((x) => x.cumulativeBuckets()).reduce((a, b) => a.map((v, i) => v + b[i]!));
  const probes: Probe[] = [];
  let next = START + 1;
  for (const [t, evs] of generate({ scenario: scenarioByName(name), seed: 11, start: START, speed: Infinity, duration })) {
    for (const e of evs) src.object(JSON.parse(JSON.stringify(e)));
    deriver.tick(t);
    if (t + 1e-9 >= next) {
      next += 1;
      probes.push({
        t: t - START,
        gap: h.gap.get(),
        connected: h.connected.get(),
        occupancy: h.occupancy.get(),
        overflows: h.overflows.get(),
        mode: h.mode.get(),
        submits: sum(() => h.submits.map((c) => c.get())),
        rejects: sum(() => h.rejects.map((c) => c.get())),
        ack: addBuckets(h.ack),
        strategyLatency: addBuckets(h.strat),
        apiRatio: h.apiUsed.get() / h.apiLimit.get(),
        drawdownRatio: Math.max(...h.dd.map(([d, l]) => d.get() / l.get())),
        reconLag: h.lag.get(),
        recorderFailures: sum(() => h.failures.map((c) => c.get())),
        storeUp: h.up.get(),
        errorLines: sum(() => h.logs('error').map((c) => c.get())),
        fatalLines: sum(() => h.logs('fatal').map((c) => c.get())),
        lines: pipeline.accepted,
        serviceFailures: sum(() => h.services('failed').map((c) => c.get())),
        serviceRestarts: sum(() => h.services('restarted').map((c) => c.get())),
        slippage: h.slippage.map((x) => x.cumulativeBuckets()),
        suspicious: Object.fromEntries(h.suspicious.map(([r, c]) => [r, c.get()])),
        securityEvents: sum(() => h.security.map((c) => c.get())),
        openCritical: sum(() => h.openCritical.map((g) => g.get())),
        detections: sum(() => h.detections.map((c) => c.get())),
        accuracy: deriver.models.accuracy(AI_MODEL) ?? Number.NaN,
        confidence: h.confidence.cumulativeBuckets(),
        inference: h.inference.cumulativeBuckets(),
        topCount: deriver.positions.top().length,
        topLargest: Math.max(0, ...deriver.positions.top().map((x) => Math.abs(x.notional))),
      });
    }
  }
  return { probes, pipeline, anomalies, deriver, registry: reg };
}

/** Value over a window like PromQL: `f(now) - f(now - w)`, for every probe with a full window. */
function windows(p: readonly Probe[], w: number, f: (a: Probe, b: Probe) => number): number[] {
  return p.slice(w).map((x, i) => f(p[i]!, x));
}
const rejectRatios = (p: readonly Probe[]) => windows(p, 60, (a, b) => (b.rejects - a.rejects) / Math.max(1, b.submits - a.submits));
const p99 = (p: readonly Probe[], key: 'ack' | 'strategyLatency', bounds: readonly number[]) =>
  windows(p, 60, (a, b) => histogramQuantile(0.99, bounds, b[key].map((v, i) => v - a[key][i]!)));
/** Slippage p95 per strategy over 5 minutes, as SlippageHigh computes it from the buckets (windows with fills only). */
const slippageP95 = (p: readonly Probe[]) =>
  windows(p, 300, (a, b) => Math.max(...b.slippage.map((c, s) => histogramQuantile(0.95, C.fillSlippageRatio.buckets, c.map((v, i) => v - a.slippage[s]![i]!))).filter((x) => !Number.isNaN(x)), -1));
/** Fills past the hard bound in the 5 minutes before each probe, every strategy together, as SlippageOutlier counts them. */
const outlierBound = C.fillSlippageRatio.buckets.indexOf(T.SLIPPAGE_OUTLIER_CRITICAL_RATIO);
const outliers = (x: Probe) => x.slippage.reduce((n, c) => n + c.at(-1)! - c[outlierBound]!, 0);
/** A histogram quantile over the last `w` seconds of one of the AI model's histograms. */
const aiQuantile = (p: readonly Probe[], key: 'confidence' | 'inference', q: number, w: number, bounds: readonly number[]) =>
  windows(p, w, (a, b) => histogramQuantile(q, bounds, b[key].map((v, i) => v - a[key][i]!)));

/** Longest run, in seconds, of consecutive probes for which `pred` holds. */
function longest(p: readonly Probe[], pred: (x: Probe) => boolean): number {
  let best = 0;
  let run = 0;
  for (const x of p) best = Math.max(best, (run = pred(x) ? run + 1 : 0));
  return best;
}

describe('simulator scenarios against the alert thresholds', () => {
  it('normal: drives no metric past any threshold over ten minutes, and every line it writes is valid', () => {
    const { probes: p, pipeline, anomalies } = run('normal', 600);
    expect(pipeline.rejected).toBe(0);
    expect(pipeline.accepted).toBeGreaterThan(20_000);
    expect(Math.max(...p.map((x) => x.gap))).toBeLessThan(T.FEED_GAP_CRITICAL_SECONDS);
    expect(Math.min(...p.map((x) => x.connected))).toBe(1);
    expect(Math.max(...p.map((x) => x.occupancy))).toBeLessThan(T.BUS_OCCUPANCY_WARNING_RATIO);
    expect(p.at(-1)!.overflows).toBe(0);
    expect(Math.max(...p.map((x) => x.mode))).toBe(0);
    expect(Math.max(...rejectRatios(p))).toBeLessThan(T.ORDER_REJECT_RATIO_CRITICAL);
    expect(Math.max(...p99(p, 'ack', C.orderAckLatencySeconds.buckets))).toBeLessThan(T.ORDER_ACK_LATENCY_P99_WARNING_SECONDS);
    expect(Math.max(...p99(p, 'strategyLatency', C.strategyDecisionLatencySeconds.buckets))).toBeLessThan(T.STRATEGY_LATENCY_P99_WARNING_SECONDS);
    expect(Math.max(...p.map((x) => x.apiRatio))).toBeLessThan(T.API_USAGE_WARNING_RATIO);
    expect(Math.max(...p.map((x) => x.drawdownRatio))).toBeLessThan(T.DRAWDOWN_WARNING_RATIO);
    expect(Math.max(...p.map((x) => x.reconLag))).toBeLessThan(T.RECONCILIATION_LAG_WARNING_SECONDS);
    expect(p.at(-1)!.recorderFailures).toBe(0);
    expect(p.at(-1)!.submits).toBeGreaterThan(1000);
    // The engine's own logs: errors now and then, far under EngineErrorsRising; no fatal; a line every second (heartbeats).
    expect(Math.max(...windows(p, 60, (a, b) => (b.errorLines - a.errorLines) / 60))).toBeLessThan(T.ENGINE_ERRORS_WARNING_PER_SECOND / 2);
    expect(p.at(-1)!.fatalLines).toBe(0);
    expect(longest(p, (x, i = p.indexOf(x)) => i > 0 && x.lines === p[i - 1]!.lines)).toBe(0);
    // Issue 14's categories: all there, none near its alert.
    expect(p.at(-1)!.serviceFailures + p.at(-1)!.serviceRestarts).toBe(0);
    expect(Math.max(...slippageP95(p))).toBeLessThan(T.SLIPPAGE_P95_WARNING_RATIO);
    expect(Math.max(...slippageP95(p))).toBeGreaterThan(0);
    expect(p.at(-1)!.slippage.every((c) => c.at(-1)! > 500)).toBe(true);
    expect(outliers(p.at(-1)!)).toBe(0);
    expect(p.at(-1)!.securityEvents).toBeGreaterThan(1000);
    expect(p.at(-1)!.suspicious).toEqual({ repeated_failures: 0, new_ip_after_mfa_failure: 0, refused_credentials: 0 });
    expect(Math.max(...p.map((x) => x.openCritical))).toBe(0);
    expect(anomalies).toEqual([]); // tickwatch's own detectors find nothing on a normal day
    expect(Math.max(...windows(p, 600, (a, b) => b.detections - a.detections), p.at(-1)!.detections)).toBeLessThanOrEqual(T.ANOMALY_DETECTIONS_WARNING);
    const accuracy = p.map((x) => x.accuracy).filter((x) => !Number.isNaN(x));
    expect(accuracy.length).toBeGreaterThan(500);
    expect(Math.min(...accuracy)).toBeGreaterThan(T.MODEL_ACCURACY_WARNING_RATIO);
    expect(Math.min(...aiQuantile(p, 'confidence', 0.5, 60, C.aiConfidenceRatio.buckets))).toBeGreaterThan(T.MODEL_CONFIDENCE_MEDIAN_WARNING_RATIO);
    expect(Math.max(...aiQuantile(p, 'inference', 0.99, 60, C.aiInferenceLatencySeconds.buckets))).toBeLessThan(T.MODEL_INFERENCE_P99_WARNING_SECONDS);
    expect(Math.min(...p.slice(5).map((x) => x.topCount))).toBe(C.TOP_POSITIONS_DEFAULT);
  });

  const faults: Record<string, (p: Probe[], r: ReturnType<typeof run>) => void> = {
    'feed-gap': (p) => {
      expect(longest(p, (x) => x.gap > T.FEED_GAP_CRITICAL_SECONDS)).toBeGreaterThanOrEqual(T.FEED_GAP_FOR_SECONDS + 5);
      expect(p.at(-1)!.gap).toBeLessThan(T.FEED_GAP_CRITICAL_SECONDS);
    },
    disconnect: (p) => {
      expect(longest(p, (x) => x.connected === 0)).toBeGreaterThanOrEqual(20);
      expect(p.at(-1)!.connected).toBe(1);
    },
    'bus-overflow': (p) => {
      expect(longest(p, (x) => x.occupancy > T.BUS_OCCUPANCY_CRITICAL_RATIO)).toBeGreaterThanOrEqual(T.BUS_OCCUPANCY_CRITICAL_FOR_SECONDS + 5);
      expect(p.at(-1)!.overflows).toBeGreaterThan(0);
      expect(p.at(-1)!.occupancy).toBeLessThan(T.BUS_OCCUPANCY_WARNING_RATIO);
    },
    'storm-warm': (p) => {
      expect(longest(p, (x) => x.mode === 1)).toBeGreaterThanOrEqual(30);
      expect(Math.max(...p.map((x) => x.mode))).toBe(1);
      expect(p.at(-1)!.mode).toBe(0);
    },
    'storm-halt': (p) => {
      expect(longest(p, (x) => x.mode === 3)).toBeGreaterThanOrEqual(30);
      expect(p.at(-1)!.mode).toBe(0);
    },
    'reject-spike': (p) => {
      expect(Math.max(...rejectRatios(p))).toBeGreaterThan(T.ORDER_REJECT_RATIO_CRITICAL * 2);
    },
    'latency-spike': (p) => {
      expect(Math.max(...p99(p, 'ack', C.orderAckLatencySeconds.buckets))).toBeGreaterThan(T.ORDER_ACK_LATENCY_P99_WARNING_SECONDS);
      expect(Math.max(...p99(p, 'strategyLatency', C.strategyDecisionLatencySeconds.buckets))).toBeGreaterThan(T.STRATEGY_LATENCY_P99_WARNING_SECONDS);
    },
    drawdown: (p) => {
      expect(Math.max(...p.map((x) => x.drawdownRatio))).toBeGreaterThan(T.DRAWDOWN_CRITICAL_RATIO);
      expect(p.at(-1)!.drawdownRatio).toBeLessThan(T.DRAWDOWN_WARNING_RATIO);
    },
    'api-limit': (p) => {
      expect(longest(p, (x) => x.apiRatio > T.API_USAGE_WARNING_RATIO)).toBeGreaterThanOrEqual(60);
    },
    'reconciliation-lag': (p) => {
      expect(Math.max(...p.map((x) => x.reconLag))).toBeGreaterThan(T.RECONCILIATION_LAG_WARNING_SECONDS);
      expect(p.at(-1)!.reconLag).toBeLessThan(10);
    },
    'engine-errors': (p) => {
      // The 1 m rate of error lines, as EngineErrorsRising computes it: above its threshold for longer than its hold.
      const perSecond = windows(p, 60, (a, b) => (b.errorLines - a.errorLines) / 60);
      let run = 0;
      let best = 0;
      for (const r of perSecond) best = Math.max(best, (run = r > T.ENGINE_ERRORS_WARNING_PER_SECOND ? run + 1 : 0));
      expect(best).toBeGreaterThanOrEqual(T.ENGINE_ERRORS_FOR_SECONDS + 10);
      expect(perSecond.at(-1)!).toBeLessThan(T.ENGINE_ERRORS_WARNING_PER_SECOND);
      expect(p.at(-1)!.fatalLines).toBe(0);
    },
    'engine-fatal': (p) => {
      expect(p.at(-1)!.fatalLines).toBe(1);
    },
    'engine-silent': (p) => {
      // Seconds in which no line at all arrived: longer than the exporter's silence limit and its hold.
      const silent = (x: Probe, i = p.indexOf(x)) => i > 0 && x.lines === p[i - 1]!.lines;
      expect(longest(p, silent)).toBeGreaterThanOrEqual(C.ENGINE_SILENT_AFTER_SECONDS + T.ENGINE_SILENT_FOR_SECONDS + 5);
      expect(silent(p.at(-1)!)).toBe(false);
    },
    'recorder-failure': (p) => {
      expect(p.at(-1)!.recorderFailures).toBeGreaterThan(100);
      expect(longest(p, (x) => x.storeUp === 0)).toBeGreaterThanOrEqual(30);
      expect(p.at(-1)!.storeUp).toBe(1);
    },
    'service-crash': (p) => {
      expect(p.at(-1)!.serviceFailures).toBeGreaterThanOrEqual(1);
      // More restarts within 10 minutes (the whole run) than ServiceRestartLoop lets pass; every failed service came back.
      expect(p.at(-1)!.serviceRestarts).toBeGreaterThan(T.SERVICE_RESTARTS_WARNING);
      expect(p.at(-1)!.serviceRestarts).toBe(p.at(-1)!.serviceFailures);
    },
    'login-attack': (p) => {
      // One attack on one user from one address: one detection, however long it lasts.
      expect(p.at(-1)!.suspicious).toEqual({ repeated_failures: 1, new_ip_after_mfa_failure: 0, refused_credentials: 0 });
      expect(p.find((x) => x.suspicious.repeated_failures! > 0)!.t).toBeLessThan(20 + C.SECURITY_FAILURES_LIMIT + 2);
    },
    'slippage-outlier': (p) => {
      expect(outliers(p.at(-1)!)).toBe(1);
      // One fill among thousands leaves the p95 where it was: SlippageHigh stays silent.
      expect(Math.max(...slippageP95(p))).toBeLessThan(T.SLIPPAGE_P95_WARNING_RATIO);
    },
    'model-drift': (p) => {
      expect(longest(p, (x) => x.accuracy < T.MODEL_ACCURACY_WARNING_RATIO)).toBeGreaterThanOrEqual(T.MODEL_ACCURACY_FOR_SECONDS + 10);
      expect(p.at(-1)!.accuracy).toBeGreaterThan(T.MODEL_ACCURACY_WARNING_RATIO);
      // As confident as ever: the drift does not collapse confidence.
      expect(Math.min(...aiQuantile(p, 'confidence', 0.5, 60, C.aiConfidenceRatio.buckets))).toBeGreaterThan(T.MODEL_CONFIDENCE_MEDIAN_WARNING_RATIO);
    },
    'position-jump': (p, r) => {
      // One critical position_jump of tickwatch's detector (the jump back refreshes it), open from the jump to the end of the run.
      const own = r.anomalies.map((a) => [a.event, a.anomaly_type, a.severity, a.detected_by, a.strategy]);
      expect(own).toEqual([['anomaly.detected', 'position_jump', 'critical', 'tickwatch', 'mm-2330']]);
      expect(longest(p, (x) => x.openCritical > 0)).toBeGreaterThanOrEqual(60);
      expect(p.at(-1)!.openCritical).toBe(1);
      // The jumped position is the largest of the top K while it lasts.
      expect(Math.max(...p.map((x) => x.topLargest))).toBeGreaterThan(C.POSITION_JUMP_NOTIONAL * 4);
    },
  };

  it('SlippageOutlier subtracts a bucket that exists: its hard bound is a bound of hft_fill_slippage_ratio', () => {
    expect(C.fillSlippageRatio.buckets).toContain(T.SLIPPAGE_OUTLIER_CRITICAL_RATIO);
    expect(outlierBound).toBeGreaterThan(0);
  });

  it('has a check for every fault scenario', () => {
    expect(Object.keys(faults).sort()).toEqual(SCENARIOS.filter((s) => s.name !== 'normal').map((s) => s.name).sort());
  });

  for (const [name, check] of Object.entries(faults)) {
    it(`${name}: drives its metric past the threshold, then recovers`, () => {
      const r = run(name);
      expect(r.pipeline.rejected).toBe(0);
      check(r.probes, r);
    });
  }

  it('is deterministic: the same seed and run id give the same stream', () => {
    const text = (seed: number) => [...generate({ scenario: scenarioByName('storm-halt'), seed, runId: 'det', start: START, speed: Infinity, duration: 20 })].map(([, e]) => JSON.stringify(e)).join('');
    expect(text(5)).toBe(text(5));
    expect(text(5)).not.toBe(text(6));
  });
});
