/**
 * `timex`: the kernel's NTP state, as node_exporter 1.5's `timex` collector exports it
 * (https://github.com/prometheus/node_exporter/blob/v1.5.0/collector/timex.go), read with
 * `adjtimex(2)` and `modes` 0, which only reads (setting anything needs CAP_SYS_TIME; this never
 * sets anything).
 *
 * Node.js has no binding for `adjtimex` and no file under /proc or /sys carries `struct timex`, so
 * the call goes through koffi (a maintained FFI library whose npm package ships prebuilt binaries,
 * `@koromix/koffi-linux-x64`, no compiler at install) into the C library's `adjtimex`: one system
 * call of about 10 µs, no process spawned. `struct timex` is laid out as glibc's
 * `<bits/timex.h>` declares it for 64-bit Linux (`__syscall_slong_t` = `long`, 8 bytes; 208 bytes
 * with the 11 reserved ints at the end), which koffi checks against the C alignment rules at load.
 *
 * Conversions, as node_exporter's: `offset` and the PPS `jitter` are in µs, or in ns when the
 * status has `STA_NANO` (0x2000); `maxerror`, `esterror` and `tick` are always µs; `freq`,
 * `ppsfreq` and `stabil` are ppm with a 16-bit binary fraction (adjtimex(2), NOTES), so
 * `freq / 2^16 / 10^6` is a ratio (node_exporter serves `1 + freq / 65536e6` as the frequency
 * adjustment ratio); `node_timex_sync_status` is 0 when adjtimex returns `TIME_ERROR` (5), which
 * the kernel returns while `STA_UNSYNC` (0x40) is set, else 1.
 */
import { createRequire } from 'node:module';
import {
  nodeTimexEstimatedErrorSeconds,
  nodeTimexFrequencyAdjustmentRatio,
  nodeTimexLoopTimeConstant,
  nodeTimexMaxerrorSeconds,
  nodeTimexOffsetSeconds,
  nodeTimexPpsCalibrationTotal,
  nodeTimexPpsErrorTotal,
  nodeTimexPpsFrequencyHertz,
  nodeTimexPpsJitterSeconds,
  nodeTimexPpsJitterTotal,
  nodeTimexPpsShiftSeconds,
  nodeTimexPpsStabilityExceededTotal,
  nodeTimexPpsStabilityHertz,
  nodeTimexStatus,
  nodeTimexSyncStatus,
  nodeTimexTaiOffsetSeconds,
  nodeTimexTickSeconds,
} from '../../catalog/clock.js';
import { NoDataError, Samples } from '../../instrument/collector.js';
import type { HostCollector } from '../collector.js';

/** Clock state `TIME_ERROR`: the clock is not synchronised (linux/timex.h). */
export const TIME_ERROR = 5;
/** Status bit: the clock is not synchronised. */
export const STA_UNSYNC = 0x40;
/** Status bit: `offset` and `jitter` are in nanoseconds, not microseconds. */
export const STA_NANO = 0x2000;
/** ppm with a 16-bit binary fraction, to a ratio: divide by 2^16 × 10^6 (adjtimex(2), NOTES). */
export const PPM16FRAC = 1_000_000 * 65_536;

/** `struct timex` as adjtimex fills it (the fields node_exporter reads, plus the rest for completeness). */
export interface Timex {
  readonly modes: number;
  /** Remaining PLL offset: µs, or ns with {@link STA_NANO}. */
  readonly offset: number;
  /** Frequency offset, ppm × 2^16. */
  readonly freq: number;
  /** Maximum error, µs. */
  readonly maxerror: number;
  /** Estimated error, µs. */
  readonly esterror: number;
  /** Status bits (STA_*). */
  readonly status: number;
  /** PLL time constant. */
  readonly constant: number;
  /** Clock precision, µs. */
  readonly precision: number;
  /** Frequency tolerance, ppm × 2^16. */
  readonly tolerance: number;
  /** Current time (seconds, and µs or ns with STA_NANO). */
  readonly time: { readonly tv_sec: number; readonly tv_usec: number };
  /** µs between clock ticks. */
  readonly tick: number;
  /** PPS frequency, ppm × 2^16. */
  readonly ppsfreq: number;
  /** PPS jitter: µs, or ns with STA_NANO. */
  readonly jitter: number;
  /** PPS interval duration (log2 of seconds). */
  readonly shift: number;
  /** PPS stability, ppm × 2^16. */
  readonly stabil: number;
  readonly jitcnt: number;
  readonly calcnt: number;
  readonly errcnt: number;
  readonly stbcnt: number;
  /** TAI − UTC, seconds. */
  readonly tai: number;
}

/** One read: the clock state adjtimex returned (TIME_OK 0 ... TIME_ERROR 5) and the structure. */
export interface TimexReading {
  readonly state: number;
  readonly timex: Timex;
}

/** The glibc `struct timex` size on 64-bit Linux (bits/timex.h). */
const TIMEX_SIZE_64 = 208;

type AdjtimexFn = (t: Record<string, unknown>) => number;
let adjtimexFn: AdjtimexFn | undefined;
let errnoFn: (() => number) | undefined;

/**
 * Binds libc's `adjtimex` through koffi, once per thread.
 * @throws NoDataError on a platform whose `struct timex` layout is not the 64-bit Linux one
 */
function bind(): AdjtimexFn {
  if (adjtimexFn) return adjtimexFn;
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) throw new NoDataError(`adjtimex: struct timex is laid out for 64-bit Linux only, not ${process.platform}/${process.arch}`);
  // koffi is loaded here, in the thread that reads, and only when the collector runs.
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  const timeval = koffi.struct({ tv_sec: 'long', tv_usec: 'long' });
  const struct = koffi.struct({
    modes: 'unsigned int',
    offset: 'long',
    freq: 'long',
    maxerror: 'long',
    esterror: 'long',
    status: 'int',
    constant: 'long',
    precision: 'long',
    tolerance: 'long',
    time: timeval,
    tick: 'long',
    ppsfreq: 'long',
    jitter: 'long',
    shift: 'int',
    stabil: 'long',
    jitcnt: 'long',
    calcnt: 'long',
    errcnt: 'long',
    stbcnt: 'long',
    tai: 'int',
    reserved: koffi.array('int', 11),
  });
  if (koffi.sizeof(struct) !== TIMEX_SIZE_64 || koffi.offsetof(struct, 'tai') !== 160) throw new Error(`adjtimex: struct timex would be ${koffi.sizeof(struct)} bytes here, not ${TIMEX_SIZE_64}`);
  const libc = koffi.load('libc.so.6');
  const fn = libc.func('adjtimex', 'int', [koffi.inout(koffi.pointer(struct))]) as unknown as AdjtimexFn;
  errnoFn = () => koffi.errno();
  adjtimexFn = fn;
  return fn;
}

/**
 * Reads the kernel's clock state with `adjtimex(&t)`, `t.modes` = 0 (read only).
 * @throws NoDataError when the call is refused (EPERM: a seccomp profile; node_exporter reports no
 *   data then too) or the platform is not 64-bit Linux; Error on any other failure
 */
export function readAdjtimex(): TimexReading {
  const fn = bind();
  const t: Record<string, unknown> = { modes: 0 };
  const state = fn(t);
  if (state < 0) {
    const errno = errnoFn?.() ?? 0;
    if (errno === 1) throw new NoDataError('adjtimex: EPERM');
    throw new Error(`adjtimex failed (errno ${errno})`);
  }
  return { state, timex: t as unknown as Timex };
}

/**
 * The clock's state as the rules and the synchronisation log read it, in seconds.
 * @param r - one adjtimex read
 */
export function kernelClock(r: TimexReading): { synchronised: boolean; offsetSeconds: number; maxErrorSeconds: number; estimatedErrorSeconds: number } {
  const divisor = (r.timex.status & STA_NANO) !== 0 ? 1e9 : 1e6;
  return { synchronised: r.state !== TIME_ERROR, offsetSeconds: r.timex.offset / divisor, maxErrorSeconds: r.timex.maxerror / 1e6, estimatedErrorSeconds: r.timex.esterror / 1e6 };
}

/** node_exporter's samples of one read (its exact conversions; see the module comment). */
export function timexSamples(r: TimexReading): Samples {
  const t = r.timex;
  const divisor = (t.status & STA_NANO) !== 0 ? 1e9 : 1e6;
  const s = new Samples();
  s.add(nodeTimexSyncStatus, [], r.state === TIME_ERROR ? 0 : 1);
  s.add(nodeTimexOffsetSeconds, [], t.offset / divisor);
  s.add(nodeTimexFrequencyAdjustmentRatio, [], 1 + t.freq / PPM16FRAC);
  s.add(nodeTimexMaxerrorSeconds, [], t.maxerror / 1e6);
  s.add(nodeTimexEstimatedErrorSeconds, [], t.esterror / 1e6);
  s.add(nodeTimexStatus, [], t.status);
  s.add(nodeTimexLoopTimeConstant, [], t.constant);
  s.add(nodeTimexTickSeconds, [], t.tick / 1e6);
  s.add(nodeTimexPpsFrequencyHertz, [], t.ppsfreq / PPM16FRAC);
  s.add(nodeTimexPpsJitterSeconds, [], t.jitter / divisor);
  s.add(nodeTimexPpsShiftSeconds, [], t.shift);
  s.add(nodeTimexPpsStabilityHertz, [], t.stabil / PPM16FRAC);
  s.add(nodeTimexPpsJitterTotal, [], t.jitcnt);
  s.add(nodeTimexPpsCalibrationTotal, [], t.calcnt);
  s.add(nodeTimexPpsErrorTotal, [], t.errcnt);
  s.add(nodeTimexPpsStabilityExceededTotal, [], t.stbcnt);
  s.add(nodeTimexTaiOffsetSeconds, [], t.tai);
  return s;
}

/** The `timex` collector; `read` is {@link readAdjtimex} (tests give a fixed read). */
export function createTimexCollector(read: () => TimexReading = readAdjtimex): HostCollector {
  return {
    name: 'timex',
    defs: [
      nodeTimexSyncStatus,
      nodeTimexOffsetSeconds,
      nodeTimexFrequencyAdjustmentRatio,
      nodeTimexMaxerrorSeconds,
      nodeTimexEstimatedErrorSeconds,
      nodeTimexStatus,
      nodeTimexLoopTimeConstant,
      nodeTimexTickSeconds,
      nodeTimexPpsFrequencyHertz,
      nodeTimexPpsJitterSeconds,
      nodeTimexPpsShiftSeconds,
      nodeTimexPpsStabilityHertz,
      nodeTimexPpsJitterTotal,
      nodeTimexPpsCalibrationTotal,
      nodeTimexPpsErrorTotal,
      nodeTimexPpsStabilityExceededTotal,
      nodeTimexTaiOffsetSeconds,
    ],
    collect: () => timexSamples(read()),
  };
}
