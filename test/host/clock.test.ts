/**
 * The clock collectors and the synchronisation log, without a daemon: node_exporter's timex
 * conversions on a fixed `struct timex`, the real adjtimex of this machine (read only), chronyd's
 * command protocol on crafted packets, the statuses and their hysteresis, the `clock.sync` events
 * (schema-checked) and the `system_events` rows they become. test/host/chronyd.test.ts runs the same
 * against a real chronyd and Prometheus.
 */
import { describe, expect, it } from 'vitest';
import { VALIDATORS, type HftEvent } from '../../exporters/events/index.js';
import { chronyFloat, parseTrackingReply, parseChronyAddress, refIdHex, refIdText, trackingRequest, TRACKING_LENGTH } from '../../exporters/host/chrony.js';
import { ALERT_BOUNDS, chronyReading, classify, startClockSync, syncEvent, type ClockSyncEvent } from '../../exporters/host/clock-sync.js';
import { createChronyCollector } from '../../exporters/host/collectors/chrony.js';
import { createTimexCollector, readAdjtimex, STA_NANO, STA_UNSYNC, TIME_ERROR, timexSamples, type Timex } from '../../exporters/host/collectors/timex.js';
import { rowsFor } from '../../exporters/recorder/rows.js';
import * as T from '../../alert-rules/thresholds.js';

const base: Timex = {
  modes: 0,
  offset: -150_000,
  freq: -1_234_567,
  maxerror: 12_500,
  esterror: 730,
  status: 0x2001, // STA_PLL | STA_NANO
  constant: 6,
  precision: 1,
  tolerance: 32_768_000,
  time: { tv_sec: 1_700_000_000, tv_usec: 5 },
  tick: 10_000,
  ppsfreq: 655_360,
  jitter: 2_000,
  shift: 4,
  stabil: 65_536,
  jitcnt: 1,
  calcnt: 2,
  errcnt: 3,
  stbcnt: 4,
  tai: 37,
};

const value = (s: ReturnType<typeof timexSamples>, name: string) => (s.map.get(name) as readonly (readonly [readonly string[], number])[])[0]![1];

describe('timex: node_exporter 1.5 conversions', () => {
  it('scales offset and jitter by STA_NANO, errors and tick by µs, frequencies by 2^16 × 10^6', () => {
    const s = timexSamples({ state: 0, timex: base });
    expect(value(s, 'node_timex_sync_status')).toBe(1);
    expect(value(s, 'node_timex_offset_seconds')).toBeCloseTo(-150e-6, 12); // ns with STA_NANO
    expect(value(s, 'node_timex_pps_jitter_seconds')).toBeCloseTo(2e-6, 12);
    expect(value(s, 'node_timex_frequency_adjustment_ratio')).toBe(1 + -1_234_567 / 65_536e6);
    expect(value(s, 'node_timex_maxerror_seconds')).toBe(0.0125);
    expect(value(s, 'node_timex_estimated_error_seconds')).toBe(0.00073);
    expect(value(s, 'node_timex_tick_seconds')).toBe(0.01);
    expect(value(s, 'node_timex_pps_frequency_hertz')).toBe(655_360 / 65_536e6);
    expect(value(s, 'node_timex_pps_stability_hertz')).toBe(1e-6);
    expect(value(s, 'node_timex_status')).toBe(0x2001);
    expect(value(s, 'node_timex_tai_offset_seconds')).toBe(37);
    expect([...s.map.keys()]).toHaveLength(17);
    // Microseconds without STA_NANO; TIME_ERROR is not synchronised.
    const us = timexSamples({ state: TIME_ERROR, timex: { ...base, status: STA_UNSYNC } });
    expect(value(us, 'node_timex_offset_seconds')).toBe(-0.15);
    expect(value(us, 'node_timex_sync_status')).toBe(0);
    expect(STA_NANO).toBe(0x2000);
  });

  it("reads this machine's clock state through adjtimex (koffi, modes 0) and serves all 17 series", async () => {
    const r = readAdjtimex();
    expect(r.state).toBeGreaterThanOrEqual(0);
    expect(r.state).toBeLessThanOrEqual(5);
    expect(r.timex.tick).toBeGreaterThan(0); // USER_HZ-based tick, 10,000 µs on most kernels
    expect(r.timex.maxerror).toBeGreaterThanOrEqual(0);
    expect(Math.abs(r.timex.time.tv_sec - Date.now() / 1000)).toBeLessThan(5);
    const s = await createTimexCollector().collect();
    expect(s.count('node_timex_sync_status')).toBe(1);
    expect([...s.map.keys()]).toHaveLength(17);
  });
});

/** A tracking reply as chronyd 4.3 builds it (cmdmon.c handle_tracking), with floats in chrony's format. */
function reply(seq: number, o: { refId?: number; ip4?: [number, number, number, number] | null; stratum?: number; leap?: number; floats?: number[]; status?: number }): Buffer {
  const b = Buffer.alloc(TRACKING_LENGTH);
  b.writeUInt8(6, 0);
  b.writeUInt8(2, 1);
  b.writeUInt16BE(33, 4);
  b.writeUInt16BE(5, 6);
  b.writeUInt16BE(o.status ?? 0, 8);
  b.writeUInt32BE(seq, 16);
  b.writeUInt32BE(o.refId ?? 0x7f000001, 28);
  if (o.ip4 !== null) {
    (o.ip4 ?? [127, 0, 0, 1]).forEach((x, i) => b.writeUInt8(x, 32 + i));
    b.writeUInt16BE(1, 48);
  }
  b.writeUInt16BE(o.stratum ?? 2, 52);
  b.writeUInt16BE(o.leap ?? 0, 54);
  b.writeUInt32BE(0, 56);
  b.writeUInt32BE(1_700_000_000, 60);
  b.writeUInt32BE(500_000_000, 64);
  (o.floats ?? []).forEach((f, i) => b.writeUInt32BE(f >>> 0, 68 + 4 * i));
  return b;
}

/** A chrony Float from exponent and coefficient: coef × 2^(exp − 25). */
const float = (exp: number, coef: number) => (((exp & 0x7f) << 25) | (coef & 0x1ffffff)) >>> 0;

describe("chronyd's command protocol (REQ_TRACKING)", () => {
  it('pads the request to the reply length and decodes the reply field by field', () => {
    const req = trackingRequest(0xdeadbeef);
    expect(req.length).toBe(104);
    expect([...req.subarray(0, 12)]).toEqual([6, 1, 0, 0, 0, 33, 0, 0, 0xde, 0xad, 0xbe, 0xef]);
    // -2^-13 s = −122.07 µs (coef −1 × 2^(12 − 25)), 2^-12 s, 0.5 ppm...
    const t = parseTrackingReply(reply(0xdeadbeef, { floats: [float(12, -1), float(13, 1), float(-8, 1 << 16), float(24, 1), float(0, 0), float(1, 3), float(1, 1), float(2, 1), float(25, 64)] }), 0xdeadbeef);
    expect(t.address).toBe('127.0.0.1');
    expect(t.stratum).toBe(2);
    expect(t.refTime).toBe(1_700_000_000.5);
    expect(t.currentCorrection).toBe(-(2 ** -13));
    expect(t.lastOffset).toBe(2 ** -12);
    expect(t.rmsOffset).toBe(2 ** 16 * 2 ** -33);
    expect(t.freqPpm).toBe(0.5);
    expect(t.lastUpdateInterval).toBe(64);
    expect(refIdHex(t.refId)).toBe('7F000001');
  });

  it('decodes floats as util.c does, refclock reference IDs as text, and refuses foreign replies', () => {
    expect(chronyFloat(float(25, 1))).toBe(1);
    expect(chronyFloat(float(25, -3))).toBe(-3);
    expect(chronyFloat(float(-64, 1))).toBe(2 ** -89);
    expect(refIdText(0x50505300)).toBe('PPS');
    const refclock = parseTrackingReply(reply(7, { refId: 0x53484d30, ip4: null }), 7);
    expect(refclock.address).toBeNull();
    expect(refIdText(refclock.refId)).toBe('SHM0');
    expect(() => parseTrackingReply(reply(7, {}), 8)).toThrow(/sequence/);
    expect(() => parseTrackingReply(reply(7, { status: 2 }), 7)).toThrow(/STT_UNAUTH.*cmdallow/);
    expect(() => parseTrackingReply(reply(7, {}).subarray(0, 60), 7)).toThrow(/60 bytes/);
    expect(parseChronyAddress('[::1]:323')).toEqual({ host: '::1', port: 323 });
    expect(parseChronyAddress('127.0.0.1')).toEqual({ host: '127.0.0.1', port: 323 });
    expect(() => parseChronyAddress('127.0.0.1:0')).toThrow(/bad port/);
  });

  it('serves chrony_up 0 and fails the collector, without throwing, when nothing listens', async () => {
    const s = await createChronyCollector({ address: '127.0.0.1:9', timeoutMs: 500 }).collect();
    expect(s.map.get('chrony_up')).toEqual([[[], 0]]);
    expect(s.error?.message).toMatch(/not listening|did not answer/);
  });
});

describe('the synchronisation log', () => {
  const r = (offsetSeconds: number, synchronised = true) => ({ source: 'chrony' as const, synchronised, offsetSeconds, maxErrorSeconds: Math.abs(offsetSeconds) + 1e-6, reference: '127.0.0.1', stratum: 2 });

  it("measures against the alerts' bounds, with 10 % hysteresis on the way back", () => {
    expect(ALERT_BOUNDS.criticalSeconds).toBe(T.CLOCK_OFFSET_CRITICAL_SECONDS);
    expect(ALERT_BOUNDS.warningSeconds).toBe(T.CLOCK_OFFSET_WARNING_SECONDS);
    expect(classify(r(40e-6), undefined)).toBe('within_tolerance');
    expect(classify(r(-60e-6), undefined)).toBe('offset_high');
    expect(classify(r(101e-6), 'offset_high')).toBe('offset_critical');
    expect(classify(r(95e-6), 'offset_critical')).toBe('offset_critical'); // not yet under 90 µs
    expect(classify(r(89e-6), 'offset_critical')).toBe('offset_high');
    expect(classify(r(48e-6), 'offset_high')).toBe('offset_high'); // not yet under 45 µs
    expect(classify(r(44e-6), 'offset_high')).toBe('within_tolerance');
    expect(classify(r(0, false), 'within_tolerance')).toBe('unsynchronised');
    expect(classify(null, 'within_tolerance')).toBe('unavailable');
  });

  it("takes chronyd's larger of Last offset and System time, signed fast-positive, and chronyc's error bound", () => {
    const t = { refId: 0x7f000001, address: '127.0.0.1', stratum: 2, leapStatus: 0, refTime: 0, currentCorrection: 0.0002, lastOffset: 1e-8, rmsOffset: 0, freqPpm: 0, residFreqPpm: 0, skewPpm: 0, rootDelay: 4e-6, rootDispersion: 1e-6 , lastUpdateInterval: 0.25 };
    expect(chronyReading(t)).toEqual({ source: 'chrony', synchronised: true, offsetSeconds: -0.0002, maxErrorSeconds: 0.0002 + 1e-6 + 2e-6, reference: '127.0.0.1', stratum: 2 });
    expect(chronyReading({ ...t, lastOffset: 0.0003, leapStatus: 3 })).toMatchObject({ synchronised: false, offsetSeconds: 0.0003 });
  });

  it('writes schema-valid clock.sync events that land in system_events as service clock.<source>, kind sync', () => {
    const ev = syncEvent('chrony', r(-212e-6), 'offset_critical', 'within_tolerance', new Date('2026-12-02T01:02:03.456Z'), 'trade-host-1');
    expect(VALIDATORS.get('clock.sync')!.Check(ev), JSON.stringify([...VALIDATORS.get('clock.sync')!.Errors(ev)])).toBe(true);
    expect(ev).toMatchObject({ level: 'error', source: 'chrony', status: 'offset_critical', previous_status: 'within_tolerance', offset_seconds: -212e-6, tolerance_seconds: 100e-6, reference: '127.0.0.1', stratum: 2 });
    expect(ev.message).toBe('chrony clock offset −212 µs is past the 100 µs tolerance (was within_tolerance; reference 127.0.0.1; stratum 2; max error 213 µs)');
    const back = syncEvent('chrony', r(3e-6), 'within_tolerance', 'offset_critical', new Date(), 'h');
    expect(back).toMatchObject({ level: 'info', status: 'within_tolerance', tolerance_seconds: 50e-6 });
    const rows = rowsFor(ev as unknown as HftEvent);
    expect(rows.map(([t]) => t)).toEqual(['logs', 'system_events']);
    expect(rows[1]![1]).toMatchObject({ service: 'clock.chrony', kind: 'sync', status: 'offset_critical', instance_id: 'trade-host-1', reason: ev.message });
    expect(JSON.parse(String(rows[1]![1].fields))).toMatchObject({ offset_seconds: -212e-6, reference: '127.0.0.1' });
  });

  it('writes one event per change: the first reading, each crossing, and nothing while the status holds', async () => {
    const offsets = [0, 0, 60e-6, 120e-6, 95e-6, 80e-6, 10e-6, 10e-6];
    let i = 0;
    const events: ClockSyncEvent[] = [];
    const kernel = (offset: number) => ({ state: 0, timex: { offset: offset * 1e6, status: 0, maxerror: 100, esterror: 10 } as unknown as Timex });
    const sync = startClockSync({ kernel: true, readKernel: () => kernel(offsets[Math.min(i++, offsets.length - 1)]!) }, { intervalMs: 60_000 }, (e) => events.push(e));
    for (let k = 1; k < offsets.length; k++) await sync.check();
    sync.stop();
    expect(events.map((e) => `${e.previous_status ?? '-'}>${e.status}`)).toEqual(['->within_tolerance', 'within_tolerance>offset_high', 'offset_high>offset_critical', 'offset_critical>offset_high', 'offset_high>within_tolerance']);
    expect(events.every((e) => e.source === 'kernel' && VALIDATORS.get('clock.sync')!.Check(e))).toBe(true);
  });
});
