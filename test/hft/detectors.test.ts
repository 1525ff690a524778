/**
 * The HFT exporter's stateful detectors on their own: the security detector (exporters/hft/security.ts),
 * tickwatch's anomaly detectors and the book of open anomalies (anomalies.ts), and the AI models'
 * accuracy windows (models.ts). Each finds what it should, stays silent on what it should not, and
 * keeps its memory at its bound however many distinct users, addresses, symbols or strategies it sees.
 */
import { describe, expect, it } from 'vitest';
import * as C from '../../exporters/catalog/index.js';
import { VALIDATORS, type HftEvent } from '../../exporters/events/index.js';
import { AnomalyBook, AnomalyDetectors, type AnomalyEvent } from '../../exporters/hft/anomalies.js';
import { ModelMetrics } from '../../exporters/hft/models.js';
import { PositionBook } from '../../exporters/hft/positions.js';
import { SecurityDetector, type SecurityEvent } from '../../exporters/hft/security.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { samplesOf } from '../helpers/env.js';

const T0 = Date.UTC(2026, 10, 23, 1) / 1000;
const ts = (t: number) => new Date(t * 1000).toISOString();

type Kind = 'login' | 'logout' | 'mfa_success' | 'mfa_failed' | 'session_expired' | 'permission_denied';
/** A security event, checked against its schema (the detector sees only valid events). */
function sec(kind: Kind, user: string, ip: string | undefined, status: 'SUCCESS' | 'FAILURE'): SecurityEvent {
  const ev = { ts: ts(T0), level: 'info', component: 'monitor', event: `security.${kind}`, user_id: user, status, ...(ip ? { source_ip: ip } : {}) };
  expect(VALIDATORS.get(ev.event)!.Check(ev)).toBe(true);
  return ev as SecurityEvent;
}

/** Checks an anomaly event a detector raised against the contract. */
function valid(ev: AnomalyEvent): AnomalyEvent {
  const check = VALIDATORS.get(ev.event)!;
  expect(check.Check(ev), JSON.stringify([...check.Errors(ev)])).toBe(true);
  return ev;
}

describe('the security detector', () => {
  it('counts one user\'s repeated failures once, at the limit within the window, and again after a quiet window', () => {
    const d = new SecurityDetector();
    const fail = (t: number) => d.observe(sec('login', 'user-1', `10.0.0.${t % 7}`, 'FAILURE'), t);
    for (let i = 0; i < C.SECURITY_FAILURES_LIMIT - 1; i++) expect(fail(T0 + i * 10)).toEqual([]);
    expect(fail(T0 + 40)).toEqual(['repeated_failures']);
    // Still going: the same episode, not counted again.
    for (let i = 1; i <= 20; i++) expect(fail(T0 + 40 + i)).toEqual([]);
    // Quiet for a whole window, then a new run of failures: a new episode.
    const later = T0 + 60 + C.SECURITY_WINDOW_SECONDS + 1;
    for (let i = 0; i < C.SECURITY_FAILURES_LIMIT - 1; i++) expect(fail(later + i)).toEqual([]);
    expect(fail(later + 10)).toEqual(['repeated_failures']);
  });

  it('counts failures from one address across users, and refused second factors as failures', () => {
    const d = new SecurityDetector();
    const out: string[][] = [];
    for (let i = 0; i < C.SECURITY_FAILURES_LIMIT; i++) out.push(d.observe(sec(i % 2 ? 'mfa_failed' : 'login', `user-${i}`, '203.0.113.9', 'FAILURE'), T0 + i));
    expect(out).toEqual([[], [], [], [], ['repeated_failures']]);
  });

  it('does not count failures spread wider than the window, nor successes', () => {
    const d = new SecurityDetector();
    for (let i = 0; i < 50; i++) {
      expect(d.observe(sec('login', 'user-1', '10.0.0.1', 'FAILURE'), T0 + i * (C.SECURITY_WINDOW_SECONDS / (C.SECURITY_FAILURES_LIMIT - 1)) + 1)).toEqual([]);
      expect(d.observe(sec('login', 'user-1', '10.0.0.1', 'SUCCESS'), T0 + i * 100 + 2)).toEqual([]);
      expect(d.observe(sec('mfa_success', 'user-1', '10.0.0.1', 'SUCCESS'), T0 + i * 100 + 3)).toEqual([]);
    }
  });

  it('flags a login from an address never seen for the user right after a refused second factor, and nothing else', () => {
    const d = new SecurityDetector();
    expect(d.observe(sec('login', 'user-7', '10.1.1.1', 'SUCCESS'), T0)).toEqual([]);
    expect(d.observe(sec('mfa_failed', 'user-7', '10.1.1.1', 'FAILURE'), T0 + 5)).toEqual([]);
    // Again from the same address: the user retrying.
    expect(d.observe(sec('login', 'user-7', '10.1.1.1', 'SUCCESS'), T0 + 20)).toEqual([]);
    // From elsewhere, within the window: someone else holds the password.
    expect(d.observe(sec('login', 'user-7', '198.51.100.4', 'SUCCESS'), T0 + 60)).toEqual(['new_ip_after_mfa_failure']);
    // That address is now seen for the user.
    expect(d.observe(sec('login', 'user-7', '198.51.100.4', 'SUCCESS'), T0 + 70)).toEqual([]);
    // Another new address, but the refused factor is older than the window.
    expect(d.observe(sec('login', 'user-7', '198.51.100.5', 'SUCCESS'), T0 + 5 + C.SECURITY_WINDOW_SECONDS + 1)).toEqual([]);
    // A new address without any refused factor is a user on a new device, not suspicious.
    expect(d.observe(sec('login', 'user-8', '10.2.2.2', 'SUCCESS'), T0)).toEqual([]);
    expect(d.observe(sec('login', 'user-8', '10.2.2.3', 'SUCCESS'), T0 + 30)).toEqual([]);
  });

  it('counts repeated refused access as refused_credentials', () => {
    const d = new SecurityDetector({ limit: 3 });
    const deny = (t: number) => d.observe(sec('permission_denied', 'user-9', '10.3.3.3', 'FAILURE'), t);
    expect([deny(T0), deny(T0 + 1), deny(T0 + 2), deny(T0 + 3)]).toEqual([[], [], ['refused_credentials'], []]);
  });

  it('keeps its per-user and per-address maps at their bound through a million distinct users and addresses', () => {
    const d = new SecurityDetector();
    let found = 0;
    for (let i = 0; i < 1_000_000; i++) {
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      // A failed login of a new user from a new address each time: nothing repeats, nothing is suspicious.
      found += d.observe({ ts: '', level: 'warn', component: 'monitor', event: 'security.login', user_id: `u${i}`, source_ip: ip, status: 'FAILURE' }, T0 + i / 1000).length;
      if (i % 100_000 === 0) expect(d.trackedUsers).toBeLessThanOrEqual(C.SECURITY_TRACKED_KEYS);
    }
    expect(found).toBe(0);
    expect(d.trackedUsers).toBe(C.SECURITY_TRACKED_KEYS);
    expect(d.trackedAddresses).toBe(C.SECURITY_TRACKED_KEYS);
    // The most recent keys are the ones kept: a recent user still counts towards the limit.
    for (let k = 1; k < C.SECURITY_FAILURES_LIMIT; k++) expect(d.observe({ ts: '', level: 'warn', component: 'monitor', event: 'security.login', user_id: 'u999999', status: 'FAILURE' }, T0 + 1000 + k)).toEqual(k === C.SECURITY_FAILURES_LIMIT - 1 ? ['repeated_failures'] : []);
  });
});

describe("tickwatch's anomaly detectors", () => {
  const fill = (symbol: string, price: number, strategy = 'mm-2330') =>
    ({ ts: '', level: 'info', component: 'execution', event: 'execution.fill', strategy, order_id: 'o-1', side: 'buy', symbol, qty: 1000, price }) as Extract<HftEvent, { event: 'execution.fill' }>;
  const order = (strategy: string, qty: number) => ({ ts: '', level: 'info', component: 'order_adapter', event: 'order.submitted', strategy, gateway: 'broker-a', order_id: 'o-1', side: 'buy', symbol: '2330', qty }) as Extract<HftEvent, { event: 'order.submitted' }>;

  it('raises a price outlier once while it is open, and resolves it when it is not seen again', () => {
    const d = new AnomalyDetectors({ idPrefix: 'tw-test' });
    for (let i = 0; i < C.PRICE_WINDOW_FILLS; i++) expect(d.fill(fill('2330', 1000 + (i % 5) - 2), T0 + i)).toBeUndefined();
    // 4 % off: within the bound.
    expect(d.fill(fill('2330', 1040), T0 + 60)).toBeUndefined();
    const a = valid(d.fill(fill('2330', 1080), T0 + 61)!);
    expect(a).toMatchObject({ event: 'anomaly.detected', anomaly_id: 'tw-test-1', detected_by: 'tickwatch', anomaly_type: 'price_outlier', severity: 'high', status: 'OPEN', symbol: '2330', value: 1080, expected: 1000 });
    // Seen again while open: refreshed, no second event.
    expect(d.fill(fill('2330', 920), T0 + 100)).toBeUndefined();
    expect(d.expire(T0 + 100 + C.ANOMALY_RESOLVE_AFTER_SECONDS - 1)).toEqual([]);
    const [r] = d.expire(T0 + 100 + C.ANOMALY_RESOLVE_AFTER_SECONDS);
    expect(valid(r!)).toMatchObject({ event: 'anomaly.resolved', anomaly_id: 'tw-test-1', status: 'CLOSED', anomaly_type: 'price_outlier' });
    expect(d.openOwn).toBe(0);
    // A symbol with too few fills has no reference yet.
    for (let i = 0; i < C.PRICE_MIN_FILLS - 1; i++) d.fill(fill('2454', 500), T0 + i);
    expect(d.fill(fill('2454', 900), T0 + 20)).toBeUndefined();
  });

  it("raises an order far above its strategy's recent sizes", () => {
    const d = new AnomalyDetectors();
    for (let i = 0; i < C.ORDER_SIZE_MIN_ORDERS; i++) expect(d.order(order('arb-etf', 1000 * (1 + (i % 5))), T0 + i)).toBeUndefined();
    expect(d.order(order('arb-etf', 25_000), T0 + 30)).toBeUndefined(); // 8.3 times the median of 3,000
    expect(valid(d.order(order('arb-etf', 40_000), T0 + 31)!)).toMatchObject({ anomaly_type: 'order_size_outlier', severity: 'high', strategy: 'arb-etf', value: 40_000, expected: 3000 });
    // Another strategy has its own reference.
    expect(d.order(order('mom-fut', 40_000), T0 + 32)).toBeUndefined();
  });

  it('raises a critical position jump past the bound between close snapshots only', () => {
    const reg = new MetricRegistry();
    const book = new PositionBook({ registry: reg });
    const d = new AnomalyDetectors();
    const snap = (symbol: string, quantity: number, price: number, t: number) =>
      d.position(book.apply({ ts: '', level: 'debug', component: 'monitor', event: 'position.snapshot', strategy: 'mm-2330', symbol, quantity, notional: quantity * price, price }, t), t);
    // A first snapshot is a baseline, however large.
    expect(snap('2330', 100_000, 1000, T0)).toBeUndefined();
    // A change of 4,000 shares at 1,000: 4,000,000, under the 5,000,000 bound.
    expect(snap('2330', 104_000, 1000, T0 + 1)).toBeUndefined();
    // A price move of an unchanged position is no jump.
    expect(snap('2330', 104_000, 1100, T0 + 2)).toBeUndefined();
    const a = valid(snap('2330', 110_000, 1000, T0 + 3)!);
    expect(a).toMatchObject({ anomaly_type: 'position_jump', severity: 'critical', level: 'error', strategy: 'mm-2330', symbol: '2330', value: 6_000_000, expected: C.POSITION_JUMP_NOTIONAL });
    // After a gap longer than the window, the next snapshot is a new baseline.
    expect(snap('2317', 1000, 100, T0)).toBeUndefined();
    expect(snap('2317', 1_000_000, 100, T0 + C.POSITION_JUMP_WINDOW_SECONDS + 1)).toBeUndefined();
  });

  it('keeps every per-key map at its bound through a million distinct symbols and strategies, and its open anomalies at theirs', () => {
    const d = new AnomalyDetectors();
    let raised = 0;
    for (let i = 0; i < 1_000_000; i++) {
      if (d.fill(fill(`S${i}`, 100), T0 + i / 1000)) raised++;
      if (d.order(order(`strategy-${i}`, 1000), T0 + i / 1000)) raised++;
    }
    expect(raised).toBe(0);
    expect(d.trackedSymbols).toBe(C.ANOMALY_TRACKED_KEYS);
    expect(d.trackedStrategies).toBe(C.ANOMALY_TRACKED_KEYS);
    // 200,000 distinct open anomalies at a bound of 1,000: at most the bound open; those dropped for room are resolved.
    const small = new AnomalyDetectors({ priceMinFills: 1, trackedKeys: 1000 });
    let detected = 0;
    let resolved = 0;
    for (let i = 0; i < 200_000; i++) {
      small.fill(fill(`S${i}`, 100), T0);
      if (small.fill(fill(`S${i}`, 200), T0)) detected++;
      if (i % 1000 === 0) {
        resolved += small.expire(T0).length;
        expect(small.openOwn).toBeLessThanOrEqual(1000);
      }
    }
    resolved += small.expire(T0).length;
    expect(detected).toBe(200_000);
    expect(small.trackedSymbols).toBe(1000);
    expect(resolved + small.openOwn).toBe(detected);
  });

  it('the book of open anomalies counts each id once, closes it once, and keeps at most its bound open', async () => {
    const reg = new MetricRegistry();
    const book = new AnomalyBook(reg, 3);
    const ev = (event: 'anomaly.detected' | 'anomaly.resolved', id: string, severity: 'high' | 'critical' = 'critical') =>
      ({ ts: '', level: 'warn', component: 'risk_engine', event, anomaly_id: id, detected_by: 'risk_engine', anomaly_type: 'volatility_spike', severity, status: event === 'anomaly.detected' ? 'OPEN' : 'CLOSED' }) as AnomalyEvent;
    const open = () => reg.gauge(C.anomaliesOpen).labels('volatility_spike', 'critical').get();
    const total = () => reg.counter(C.anomaliesTotal).labels('volatility_spike', 'critical').get();
    book.apply(ev('anomaly.detected', 'a'));
    book.apply(ev('anomaly.detected', 'a')); // repeated
    book.apply(ev('anomaly.resolved', 'x')); // never opened
    expect([open(), total()]).toEqual([1, 1]);
    book.apply(ev('anomaly.resolved', 'a'));
    book.apply(ev('anomaly.resolved', 'a'));
    expect([open(), total()]).toEqual([0, 1]);
    for (const id of ['b', 'c', 'd', 'e', 'f']) book.apply(ev('anomaly.detected', id));
    expect([open(), total(), book.openCount]).toEqual([3, 6, 3]);
    // Every kind and severity is served from the start at 0.
    const samples = (await samplesOf(reg)).filter((s) => s.name === 'hft_anomalies_total');
    expect(samples).toHaveLength(C.ANOMALY_TYPES.length * C.ANOMALY_SEVERITIES.length);
  });
});

describe('the AI models metrics', () => {
  const outcome = (model: string, correct: boolean) => ({ ts: '', level: 'info', component: 'strategy_runner', event: 'ai.outcome', model_id: model, model_version: '1', decision_id: 'd', correct }) as Extract<HftEvent, { event: 'ai.outcome' }>;

  it('serves accuracy over the last outcomes from the first one, reports it for the alert once there are enough, and keeps a bounded number of models', async () => {
    const reg = new MetricRegistry();
    const m = new ModelMetrics({ registry: reg });
    expect((await samplesOf(reg)).some((s) => s.name === 'hft_ai_accuracy_ratio')).toBe(false);
    for (let i = 0; i < C.AI_ACCURACY_MIN_OUTCOMES - 1; i++) m.outcome(outcome('alpha-gbm', false));
    expect(m.accuracy('alpha-gbm')).toBeUndefined();
    expect((await samplesOf(reg)).find((s) => s.name === 'hft_ai_accuracy_ratio')?.value).toBe(0);
    m.outcome(outcome('alpha-gbm', true));
    expect(m.accuracy('alpha-gbm')).toBe(1 / C.AI_ACCURACY_MIN_OUTCOMES);
    // A full window of right calls pushes the wrong ones out.
    for (let i = 0; i < C.AI_ACCURACY_WINDOW_OUTCOMES; i++) m.outcome(outcome('alpha-gbm', true));
    expect(m.accuracy('alpha-gbm')).toBe(1);
    for (let i = 0; i < C.AI_ACCURACY_WINDOW_OUTCOMES / 4; i++) m.outcome(outcome('alpha-gbm', false));
    expect(m.accuracy('alpha-gbm')).toBe(0.75);
    expect(reg.gauge(C.aiAccuracyRatio).labels('alpha-gbm').get()).toBe(0.75);
    expect(reg.counter(C.aiOutcomesTotal).labels('alpha-gbm', 'wrong').get()).toBe(C.AI_ACCURACY_MIN_OUTCOMES - 1 + C.AI_ACCURACY_WINDOW_OUTCOMES / 4);
    for (let i = 0; i < 10_000; i++) m.outcome(outcome(`model-${i}`, true));
    expect(m.trackedModels).toBe(C.AI_TRACKED_MODELS);
  });
});
