/**
 * The clock synchronisation log: the host exporter reads each time source once a second (the
 * kernel's adjtimex state; chronyd's tracking report when the `chrony` collector is on) and writes
 * a `clock.sync` event (exporters/events/clock.ts) whenever a source's status changes, so that every
 * breach of the offset bounds and every return within them is on record with its time, offset,
 * error bound, source and reference (FINRA Rule 4590's log of synchronisations and drift beyond
 * tolerance; MiFID II RTS 25 Art. 4's traceability). `tickwatch start` hands the events to the
 * recorders, which store them in `system_events`; alone, the host exporter writes them to its log.
 *
 * The bounds are the clock alerts' own (alert-rules/thresholds.ts, read here as the simulator's
 * scenarios read it), so the log and ClockOffsetHigh / ClockOffsetCritical measure the same
 * offset against the same figures: the kernel's `node_timex_offset_seconds`, and for chrony the
 * larger in magnitude of `Last offset` and `System time` (what chronyd measured at its last update,
 * and what it still has to correct: the system clock's distance from chronyd's estimate of UTC now).
 * The alerts add their `for:` holds; the log records the reading that crossed.
 *
 * A status returns from a band only below the band's bound less {@link CLOCK_SYNC_HYSTERESIS_RATIO}
 * of it, so an offset hovering at a bound writes one breach, not one event a second. Reads run here,
 * on the exporter's main thread (never a trading thread): about 10 µs for adjtimex, one loopback
 * datagram each way for chronyd.
 */
import { hostname } from 'node:os';
import { CLOCK_OFFSET_CRITICAL_SECONDS, CLOCK_OFFSET_WARNING_SECONDS } from '../../alert-rules/thresholds.js';
import type { clockSync } from '../events/clock.js';
import type { EventOf } from '../events/define.js';
import { queryTracking, referenceName, LEAP_STATUS, type ChronyTracking } from './chrony.js';
import { kernelClock, readAdjtimex, type TimexReading } from './collectors/timex.js';
import { everyOnGrid } from '../lib/grid.js';

/** A `clock.sync` event, as written. */
export type ClockSyncEvent = EventOf<typeof clockSync>;
/** A time source. */
export type ClockSource = ClockSyncEvent['source'];
/** A source's status. */
export type ClockStatus = ClockSyncEvent['status'];

/** Share of a bound an offset must fall below to leave its band (10 %: a 100 µs breach ends under 90 µs). */
export const CLOCK_SYNC_HYSTERESIS_RATIO = 0.1;
/** Default interval between reads, in ms. */
export const DEFAULT_CLOCK_SYNC_INTERVAL_MS = 1000;

/** The bounds the statuses are measured against, in seconds. */
export interface ClockBounds {
  readonly warningSeconds: number;
  readonly criticalSeconds: number;
  readonly hysteresisRatio: number;
}

/** The clock alerts' bounds (alert-rules/thresholds.ts). */
export const ALERT_BOUNDS: ClockBounds = { warningSeconds: CLOCK_OFFSET_WARNING_SECONDS, criticalSeconds: CLOCK_OFFSET_CRITICAL_SECONDS, hysteresisRatio: CLOCK_SYNC_HYSTERESIS_RATIO };

/** One reading of a source, in seconds. */
export interface ClockReading {
  readonly source: ClockSource;
  /** Whether the source counts the clock as synchronised. */
  readonly synchronised: boolean;
  /** Offset from the reference; positive: the clock is fast. */
  readonly offsetSeconds: number;
  readonly maxErrorSeconds?: number;
  readonly reference?: string;
  readonly stratum?: number;
}

/** The kernel's reading: adjtimex's state, offset and maximum error. */
export function kernelReading(r: TimexReading): ClockReading {
  const k = kernelClock(r);
  return { source: 'kernel', synchronised: k.synchronised, offsetSeconds: k.offsetSeconds, maxErrorSeconds: k.maxErrorSeconds };
}

/**
 * chronyd's reading: synchronised unless its leap status is 3; the offset is the larger in
 * magnitude of Last offset and System time (sign turned so that positive means fast); the error bound is chronyc's documented one,
 * |System time| + root dispersion + root delay / 2 (chronyc(1), tracking).
 */
export function chronyReading(t: ChronyTracking): ClockReading {
  // Last offset is positive when the clock was fast; System time (the correction still to apply) is
  // positive when the clock is slow (chronyc prints it as "slow of NTP time"): turn it to fast-positive.
  const offset = Math.abs(t.lastOffset) > Math.abs(t.currentCorrection) ? t.lastOffset : -t.currentCorrection;
  return {
    source: 'chrony',
    synchronised: t.leapStatus !== LEAP_STATUS.unsynchronised,
    offsetSeconds: offset,
    maxErrorSeconds: Math.abs(t.currentCorrection) + t.rootDispersion + t.rootDelay / 2,
    reference: referenceName(t) || undefined,
    stratum: t.stratum,
  };
}

/**
 * The status of a reading, given the status before (for the hysteresis).
 * @param r - the reading, or null when the source did not answer
 */
export function classify(r: ClockReading | null, previous: ClockStatus | undefined, b: ClockBounds = ALERT_BOUNDS): ClockStatus {
  if (!r) return 'unavailable';
  if (!r.synchronised) return 'unsynchronised';
  const a = Math.abs(r.offsetSeconds);
  const keep = 1 - b.hysteresisRatio;
  if (a > b.criticalSeconds || (previous === 'offset_critical' && a > b.criticalSeconds * keep)) return 'offset_critical';
  if (a > b.warningSeconds || ((previous === 'offset_critical' || previous === 'offset_high') && a > b.warningSeconds * keep)) return 'offset_high';
  return 'within_tolerance';
}

const LEVEL: Readonly<Record<ClockStatus, ClockSyncEvent['level']>> = { within_tolerance: 'info', offset_high: 'warn', offset_critical: 'error', unsynchronised: 'error', unavailable: 'warn' };

/** A duration in the unit that reads best, to 4 significant digits: µs under 1 ms, ms under 1 s, else s. */
const us = (s: number) => (s < 1e-3 ? `${Number((s * 1e6).toPrecision(4))} µs` : s < 1 ? `${Number((s * 1e3).toPrecision(4))} ms` : `${Number(s.toPrecision(4))} s`);
const signedUs = (s: number) => `${s >= 0 ? '+' : '−'}${us(Math.abs(s))}`;

/** The event for a status change (or a first observation when `previous` is undefined). */
export function syncEvent(source: ClockSource, r: ClockReading | null, status: ClockStatus, previous: ClockStatus | undefined, at: Date, instance: string, b: ClockBounds = ALERT_BOUNDS): ClockSyncEvent {
  const tolerance = status === 'offset_critical' ? b.criticalSeconds : b.warningSeconds;
  const offset = r?.offsetSeconds ?? 0;
  const what: Record<ClockStatus, string> = {
    within_tolerance: `is within the ${us(b.warningSeconds)} tolerance`,
    offset_high: `is past the ${us(b.warningSeconds)} warning bound`,
    offset_critical: `is past the ${us(b.criticalSeconds)} tolerance`,
    unsynchronised: 'is not synchronised',
    unavailable: 'is not answering',
  };
  const details = [previous ? `was ${previous}` : 'first reading', r?.reference ? `reference ${r.reference}` : '', r?.stratum !== undefined && r.reference ? `stratum ${r.stratum}` : '', r?.maxErrorSeconds !== undefined ? `max error ${us(r.maxErrorSeconds)}` : ''].filter(Boolean);
  const subject = status === 'unsynchronised' || status === 'unavailable' ? `${source} clock` : `${source} clock offset ${signedUs(offset)}`;
  return {
    ts: at.toISOString(),
    component: 'monitor',
    level: LEVEL[status],
    event: 'clock.sync',
    source,
    status,
    ...(previous ? { previous_status: previous } : {}),
    offset_seconds: offset,
    ...(r?.maxErrorSeconds !== undefined ? { max_error_seconds: r.maxErrorSeconds } : {}),
    tolerance_seconds: tolerance,
    ...(r?.reference ? { reference: r.reference } : {}),
    ...(r?.stratum !== undefined && r.reference ? { stratum: Math.min(16, r.stratum) } : {}),
    instance_id: instance,
    message: `${subject} ${what[status]} (${details.join('; ')})`,
  };
}

/** Options of {@link startClockSync}. */
export interface ClockSyncOptions {
  /** ms between reads (default {@link DEFAULT_CLOCK_SYNC_INTERVAL_MS}). */
  readonly intervalMs?: number;
  /** Called with each event (the composition root passes them to the recorders). */
  readonly onEvent?: (ev: ClockSyncEvent) => void;
}

/** What the watch reads. */
export interface ClockSyncSources {
  /** Read the kernel's state (the `timex` collector is on). */
  readonly kernel: boolean;
  /** chronyd's command port (the `chrony` collector is on), and its timeout in ms. */
  readonly chrony?: { readonly address: string; readonly timeoutMs: number };
  /** For tests: the kernel read (default {@link readAdjtimex}). */
  readonly readKernel?: () => TimexReading;
}

/** A running watch. */
export interface ClockSync {
  /** The last status of each source read so far. */
  status(): Partial<Record<ClockSource, ClockStatus>>;
  /** Reads every source once now (the timer does it every interval). */
  check(): Promise<void>;
  stop(): void;
}

/**
 * Starts watching the clock: reads every source now, then every `intervalMs`; each status change
 * is passed to `emit` (the exporter logs it and hands it to `onEvent`). A source that was never
 * seen answering (chronyd not installed) writes nothing until it answers; one that stops answering
 * writes `unavailable`.
 */
export function startClockSync(sources: ClockSyncSources, o: ClockSyncOptions, emit: (ev: ClockSyncEvent) => void, bounds: ClockBounds = ALERT_BOUNDS): ClockSync {
  const last: Partial<Record<ClockSource, ClockStatus>> = {};
  const instance = hostname();
  let running: Promise<void> | undefined;
  const note = (source: ClockSource, r: ClockReading | null) => {
    const previous = last[source];
    if (r === null && previous === undefined) return; // never seen: nothing to lose
    const status = classify(r, previous, bounds);
    if (status === previous) return;
    last[source] = status;
    emit(syncEvent(source, r, status, previous, new Date(), instance, bounds));
  };
  const readKernel = sources.readKernel ?? readAdjtimex;
  const check = async () => {
    if (sources.kernel) {
      let r: ClockReading | null = null;
      try {
        r = kernelReading(readKernel());
      } catch {
        r = null; // adjtimex refused (seccomp) or not 64-bit Linux: the collector says so on each scrape
      }
      note('kernel', r);
    }
    if (sources.chrony) {
      let r: ClockReading | null = null;
      try {
        r = chronyReading(await queryTracking(sources.chrony.address, sources.chrony.timeoutMs));
      } catch {
        r = null;
      }
      note('chrony', r);
    }
  };
  const tick = () => {
    if (running) return; // a slow chronyd: skip rather than pile up
    running = check().finally(() => (running = undefined));
  };
  tick();
  // On the wall clock's grid (lib/grid.ts), with the process's other periodic timers.
  const timer = everyOnGrid(o.intervalMs ?? DEFAULT_CLOCK_SYNC_INTERVAL_MS, tick, { unref: true });
  return {
    status: () => ({ ...last }),
    check: async () => {
      await running;
      await check();
    },
    stop: () => timer.stop(),
  };
}
