/**
 * Clock synchronisation metrics, exported by the host exporter (`tickwatch host`, 127.0.0.1:9471):
 * the kernel's NTP state as node_exporter 1.5's `timex` collector names it (read with `adjtimex(2)`,
 * modes 0: read only), and chronyd's tracking report as the community chrony_exporter
 * (github.com/SuperQ/chrony_exporter, `collector/tracking.go`) names it, read over chronyd's command
 * protocol (`REQ_TRACKING`).
 *
 * Why: MiFID II RTS 25 (Commission Delegated Regulation (EU) 2017/574) Art. 3 and its Annex, Table
 * 2, require the business clocks of a trading venue member that trades with high-frequency
 * algorithmic techniques to stay within 100 µs of UTC with a timestamp granularity of 1 µs or
 * finer, and Art. 4 requires traceability to UTC; FINRA Rule 4590 asks for a log of the times
 * clocks are synchronised and the results, drift beyond tolerance included. The alerts (alert-rules/clock.ts)
 * watch these series; the host exporter's synchronisation log (exporters/host/clock-sync.ts) writes
 * each breach and each return as a `clock.sync` system event.
 *
 * Units follow the upstream exporters: node_exporter turns the kernel's microseconds (or
 * nanoseconds with `STA_NANO`) into seconds and its 16.16 fixed-point ppm into a ratio;
 * chrony_exporter keeps chrony's ppm as `_ppms`.
 */
import { counter, gauge } from './types.js';

const domain = 'clock';
const exportedBy = ['host'] as const;
const nodeExporter = 'node_exporter' as const;
const chronyExporter = 'chrony_exporter' as const;

// ---- timex: the kernel's view (adjtimex(2), struct timex) -----------------------------------

const timex = <const N extends string>(name: N, help: string, unit: 'seconds' | 'ratio' | 'count' | 'boolean') => gauge({ name, help, unit, domain, exportedBy, compat: nodeExporter });
const timexCount = <const N extends string>(name: N, help: string) => counter({ name, help, unit: 'count', domain, exportedBy, compat: nodeExporter });

/**
 * 1 while the kernel counts its clock as synchronised: `adjtimex` returned a clock state other than
 * `TIME_ERROR` (5), which it returns while `STA_UNSYNC` is set (no NTP daemon has disciplined the
 * clock lately, or the daemon said so). ClockNotSynchronised pages when it stays 0.
 */
export const nodeTimexSyncStatus = timex('node_timex_sync_status', 'Whether the kernel counts the clock as synchronised to a reliable server (1) or not (0): adjtimex returned a state other than TIME_ERROR.', 'boolean');
/**
 * The offset the kernel's PLL/FLL still has to correct (`timex.offset`, in µs, or in ns with
 * `STA_NANO`), in seconds. A daemon that slews the clock itself (chronyd) leaves it near 0; ntpd
 * with the kernel discipline keeps its measured offset here.
 */
export const nodeTimexOffsetSeconds = timex('node_timex_offset_seconds', 'Time offset between the local system clock and the reference clock, in seconds (adjtimex offset).', 'seconds');
/** 1 + `timex.freq` / 2^16 / 10^6: the clock's frequency correction as a ratio (1 = none). */
export const nodeTimexFrequencyAdjustmentRatio = timex('node_timex_frequency_adjustment_ratio', 'Local clock frequency adjustment as a ratio: 1 plus adjtimex freq (ppm with a 16-bit fraction) over 2^16 × 10^6.', 'ratio');
/**
 * The kernel's maximum error bound (`timex.maxerror`, µs), in seconds. The NTP daemon sets it; the
 * kernel adds 500 µs to it every second (the 500 ppm worst-case tolerance) and caps it at 16 s,
 * where it also sets `STA_UNSYNC`.
 */
export const nodeTimexMaxerrorSeconds = timex('node_timex_maxerror_seconds', 'Maximum error bound of the clock, in seconds (adjtimex maxerror; grows 500 µs a second until the NTP daemon resets it, capped at 16 s).', 'seconds');
/** The estimated error the NTP daemon last set (`timex.esterror`, µs), in seconds. */
export const nodeTimexEstimatedErrorSeconds = timex('node_timex_estimated_error_seconds', 'Estimated error of the clock, in seconds (adjtimex esterror, set by the NTP daemon).', 'seconds');
/** The status bits (`STA_PLL` 0x1, `STA_UNSYNC` 0x40, `STA_NANO` 0x2000, ...; linux/timex.h). */
export const nodeTimexStatus = timex('node_timex_status', 'Value of the adjtimex status bits (STA_PLL 0x1, STA_UNSYNC 0x40, STA_NANO 0x2000; see linux/timex.h).', 'count');
/** The PLL time constant (`timex.constant`). */
export const nodeTimexLoopTimeConstant = timex('node_timex_loop_time_constant', 'Phase-locked loop time constant (adjtimex constant).', 'count');
/** Microseconds between clock ticks (`timex.tick`), in seconds. */
export const nodeTimexTickSeconds = timex('node_timex_tick_seconds', 'Seconds between clock ticks (adjtimex tick, in µs, over 10^6).', 'seconds');
/** PPS frequency (`timex.ppsfreq`, ppm with a 16-bit fraction) over 2^16 × 10^6, as node_exporter scales it. */
export const nodeTimexPpsFrequencyHertz = timex('node_timex_pps_frequency_hertz', 'Pulse per second frequency: adjtimex ppsfreq (ppm with a 16-bit fraction) over 2^16 × 10^6, as node_exporter scales it; 0 without a PPS signal.', 'ratio');
/** PPS jitter (`timex.jitter`, µs or ns with `STA_NANO`), in seconds. */
export const nodeTimexPpsJitterSeconds = timex('node_timex_pps_jitter_seconds', 'Pulse per second jitter, in seconds (adjtimex jitter); 0 without a PPS signal.', 'seconds');
/** PPS calibration interval (`timex.shift`, as given: the log2 of seconds). */
export const nodeTimexPpsShiftSeconds = timex('node_timex_pps_shift_seconds', 'Pulse per second interval duration (adjtimex shift, as the kernel gives it); 0 without a PPS signal.', 'seconds');
/** PPS stability (`timex.stabil`, ppm with a 16-bit fraction) over 2^16 × 10^6. */
export const nodeTimexPpsStabilityHertz = timex('node_timex_pps_stability_hertz', 'Pulse per second stability, average of recent frequency changes: adjtimex stabil over 2^16 × 10^6; 0 without a PPS signal.', 'ratio');
/** PPS jitter limit exceeded (`timex.jitcnt`). */
export const nodeTimexPpsJitterTotal = timexCount('node_timex_pps_jitter_total', 'Pulse per second count of jitter limit exceeded events (adjtimex jitcnt).');
/** PPS calibration intervals (`timex.calcnt`). */
export const nodeTimexPpsCalibrationTotal = timexCount('node_timex_pps_calibration_total', 'Pulse per second count of calibration intervals (adjtimex calcnt).');
/** PPS calibration errors (`timex.errcnt`). */
export const nodeTimexPpsErrorTotal = timexCount('node_timex_pps_error_total', 'Pulse per second count of calibration errors (adjtimex errcnt).');
/** PPS stability limit exceeded (`timex.stbcnt`). */
export const nodeTimexPpsStabilityExceededTotal = timexCount('node_timex_pps_stability_exceeded_total', 'Pulse per second count of stability limit exceeded events (adjtimex stbcnt).');
/** TAI − UTC the kernel was told (`timex.tai`), in seconds; 0 when no daemon set it. */
export const nodeTimexTaiOffsetSeconds = timex('node_timex_tai_offset_seconds', 'International Atomic Time (TAI) offset from UTC the kernel was told, in seconds (adjtimex tai).', 'seconds');

// ---- chrony: chronyd's tracking report (chronyc tracking) -----------------------------------

const chrony = <const N extends string>(name: N, help: string, unit: 'seconds' | 'count' | 'boolean' | 'timestamp_seconds') => gauge({ name, help, unit, domain, exportedBy, compat: chronyExporter });

/** 1 when chronyd answered the tracking request on this scrape, 0 when it did not (not running, not listening, timed out). */
export const chronyUp = chrony('chrony_up', 'Whether chronyd answered the tracking request of this scrape (1) or not (0).', 'boolean');
/**
 * The reference chronyd tracks, as labels: `tracking_address` (the source's IP address, or the
 * reference ID as text for a reference clock or none), `tracking_name` (the reference ID as
 * chronyc prints it; no DNS lookup), `tracking_refid` (the reference ID in hex, 8 digits).
 */
export const chronyTrackingInfo = gauge({
  name: 'chrony_tracking_info',
  help: 'The reference chronyd tracks: its address, name (reference ID as text) and reference ID in hex; always 1.',
  unit: 'info',
  labels: { tracking_address: 'open', tracking_name: 'open', tracking_refid: 'open' },
  maxSeries: 10,
  domain,
  exportedBy,
  compat: chronyExporter,
});
/** Offset chronyd measured at its last clock update (`Last offset`), seconds; positive: the clock was fast. */
export const chronyTrackingLastOffsetSeconds = chrony('chrony_tracking_last_offset_seconds', 'Offset chronyd estimated at its last clock update, in seconds (Last offset of chronyc tracking; positive: the local clock was fast).', 'seconds');
/** Long-term average of the offset (`RMS offset`), seconds. */
export const chronyTrackingRmsOffsetSeconds = chrony('chrony_tracking_rms_offset_seconds', 'Long-term root-mean-square average of the offset, in seconds (RMS offset of chronyc tracking).', 'seconds');
/**
 * The correction chronyd has still to apply to the system clock (`System time`), seconds: how far
 * the system clock is from chronyd's estimate of true time right now (chronyd slews it away; with
 * `chronyd -x`, which never touches the clock, it stays). Positive when the clock is slow, the
 * opposite sign of Last offset (chronyc prints it as "slow" or "fast of NTP time").
 */
export const chronyTrackingSystemTimeSeconds = chrony('chrony_tracking_system_time_seconds', 'Correction chronyd has still to apply to the system clock, in seconds: its offset from chronyd\'s estimate of true time (System time of chronyc tracking; positive: the clock is slow).', 'seconds');
/** Frequency error of the system clock chronyd corrects (`Frequency`), ppm. */
export const chronyTrackingFrequencyPpms = chrony('chrony_tracking_frequency_ppms', 'Rate by which the system clock would be wrong if chronyd did not correct it, in ppm (Frequency of chronyc tracking).', 'count');
/** Difference between the frequency the reference suggests and the one in use (`Residual freq`), ppm. */
export const chronyTrackingResidualFrequencyPpms = chrony('chrony_tracking_residual_frequency_ppms', 'Difference between the frequency the reference suggests and the one in use, in ppm (Residual freq of chronyc tracking).', 'count');
/** Estimated error bound on the frequency (`Skew`), ppm. */
export const chronyTrackingSkewPpms = chrony('chrony_tracking_skew_ppms', 'Estimated error bound on the frequency, in ppm (Skew of chronyc tracking).', 'count');
/** Total network path delay to the stratum-1 source (`Root delay`), seconds. */
export const chronyTrackingRootDelaySeconds = chrony('chrony_tracking_root_delay_seconds', 'Total of the network path delays to the stratum-1 computer the clock is ultimately synchronised to, in seconds (Root delay).', 'seconds');
/** Total dispersion to the stratum-1 source (`Root dispersion`), seconds. */
export const chronyTrackingRootDispersionSeconds = chrony('chrony_tracking_root_dispersion_seconds', 'Total of all measurement errors to the NTP root, in seconds (Root dispersion).', 'seconds');
/** Seconds between the last two clock updates (`Update interval`). */
export const chronyTrackingUpdateIntervalSeconds = chrony('chrony_tracking_update_interval_seconds', 'Time between the last two measurements from the reference source that chronyd processed, in seconds (Update interval).', 'seconds');
/** Time of the last measurement from the reference (`Ref time`), Unix seconds; 0 before the first. */
export const chronyTrackingReferenceTimestampSeconds = chrony('chrony_tracking_reference_timestamp_seconds', 'Time of the last measurement from the reference source, in seconds since the Unix epoch (Ref time; 0 before the first).', 'timestamp_seconds');
/** Stratum of this host (the reference's plus one; 0 before the first measurement). */
export const chronyTrackingStratum = chrony('chrony_tracking_stratum', 'Stratum of this host: the reference\'s stratum plus one (Stratum of chronyc tracking).', 'count');
/** 1 while the reference is a remote source, 0 for chronyd's local reference (127.127.1.1). */
export const chronyTrackingRemoteReference = chrony('chrony_tracking_remote_reference', 'Whether chronyd tracks a remote source (1) or its own local reference, 127.127.1.1 (0).', 'boolean');
/**
 * chronyd's leap status: 0 normal, 1 a second is inserted at the end of the day, 2 deleted, 3 not
 * synchronised (no selectable source yet, or lost). Ours: chrony_exporter (up to its August 2026
 * master) has no such series; named in its namespace so that the tracking report stays together.
 * ClockNotSynchronised pages when it stays 3.
 */
export const chronyTrackingLeapStatus = gauge({
  name: 'chrony_tracking_leap_status',
  help: 'Leap status of chronyd: 0 normal, 1 insert second, 2 delete second, 3 not synchronised (Leap status of chronyc tracking).',
  unit: 'state',
  valueMap: { 0: 'normal', 1: 'insert second', 2: 'delete second', 3: 'not synchronised' },
  domain,
  exportedBy,
  compat: chronyExporter,
});
