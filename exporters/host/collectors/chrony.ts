/**
 * `chrony`: chronyd's tracking report (what `chronyc tracking` prints), asked over chronyd's
 * command port at each scrape (exporters/host/chrony.ts; no process spawned) and served under the
 * community chrony_exporter's names (`chrony_up`, `chrony_tracking_*`,
 * https://github.com/SuperQ/chrony_exporter/blob/main/collector/tracking.go), plus
 * `chrony_tracking_leap_status`, which chrony_exporter lacks. chrony_exporter's optional DNS lookup
 * of the source's name is not done: `tracking_name` is the address (or the refclock's reference ID).
 *
 * A chronyd that does not answer (not installed, not running, `cmdport 0`, or this address not in
 * its `cmdallow`) gives `chrony_up 0` and `node_scrape_collector_success{collector="chrony"} 0`,
 * not an error in the log: the harness counts it as a failed collector that still served samples.
 */
import {
  chronyTrackingFrequencyPpms,
  chronyTrackingInfo,
  chronyTrackingLastOffsetSeconds,
  chronyTrackingLeapStatus,
  chronyTrackingReferenceTimestampSeconds,
  chronyTrackingRemoteReference,
  chronyTrackingResidualFrequencyPpms,
  chronyTrackingRmsOffsetSeconds,
  chronyTrackingRootDelaySeconds,
  chronyTrackingRootDispersionSeconds,
  chronyTrackingSkewPpms,
  chronyTrackingStratum,
  chronyTrackingSystemTimeSeconds,
  chronyTrackingUpdateIntervalSeconds,
  chronyUp,
} from '../../catalog/clock.js';
import { Samples } from '../../instrument/collector.js';
import { LOCAL_REFERENCE_ADDRESS, parseChronyAddress, queryTracking, refIdHex, referenceName, type ChronyTracking } from '../chrony.js';
import type { HostCollector } from '../collector.js';

/** Default time to wait for chronyd's answer, in ms: a local daemon answers in well under 1 ms. */
export const DEFAULT_CHRONY_TIMEOUT_MS = 1000;

/** Where chronyd listens, and how long to wait. */
export interface ChronyOptions {
  /** chronyd's command port, `host:port` (default 127.0.0.1:323). */
  readonly address: string;
  /** ms to wait for the answer (default {@link DEFAULT_CHRONY_TIMEOUT_MS}). */
  readonly timeoutMs?: number;
}

/** The samples of one tracking report (chrony_exporter's conversions: seconds and ppm as chronyd gives them). */
export function trackingSamples(t: ChronyTracking): Samples {
  const s = new Samples();
  const name = referenceName(t);
  s.add(chronyUp, [], 1);
  s.add(chronyTrackingInfo, [t.address ?? name, name, refIdHex(t.refId)], 1);
  s.add(chronyTrackingLastOffsetSeconds, [], t.lastOffset);
  s.add(chronyTrackingReferenceTimestampSeconds, [], t.refTime);
  s.add(chronyTrackingSystemTimeSeconds, [], t.currentCorrection);
  s.add(chronyTrackingRemoteReference, [], t.address === LOCAL_REFERENCE_ADDRESS ? 0 : 1);
  s.add(chronyTrackingRmsOffsetSeconds, [], t.rmsOffset);
  s.add(chronyTrackingRootDelaySeconds, [], t.rootDelay);
  s.add(chronyTrackingRootDispersionSeconds, [], t.rootDispersion);
  s.add(chronyTrackingFrequencyPpms, [], t.freqPpm);
  s.add(chronyTrackingResidualFrequencyPpms, [], t.residFreqPpm);
  s.add(chronyTrackingSkewPpms, [], t.skewPpm);
  s.add(chronyTrackingUpdateIntervalSeconds, [], t.lastUpdateInterval);
  s.add(chronyTrackingStratum, [], t.stratum);
  s.add(chronyTrackingLeapStatus, [], t.leapStatus);
  return s;
}

/**
 * The `chrony` collector.
 * @throws Error when the address is not `host:port`
 */
export function createChronyCollector(o: ChronyOptions): HostCollector {
  parseChronyAddress(o.address);
  const timeoutMs = o.timeoutMs ?? DEFAULT_CHRONY_TIMEOUT_MS;
  return {
    name: 'chrony',
    defs: [
      chronyUp,
      chronyTrackingInfo,
      chronyTrackingLastOffsetSeconds,
      chronyTrackingReferenceTimestampSeconds,
      chronyTrackingSystemTimeSeconds,
      chronyTrackingRemoteReference,
      chronyTrackingRmsOffsetSeconds,
      chronyTrackingRootDelaySeconds,
      chronyTrackingRootDispersionSeconds,
      chronyTrackingFrequencyPpms,
      chronyTrackingResidualFrequencyPpms,
      chronyTrackingSkewPpms,
      chronyTrackingUpdateIntervalSeconds,
      chronyTrackingStratum,
      chronyTrackingLeapStatus,
    ],
    async collect() {
      try {
        return trackingSamples(await queryTracking(o.address, timeoutMs));
      } catch (err) {
        const s = new Samples();
        s.add(chronyUp, [], 0);
        s.error = err as Error;
        return s;
      }
    },
  };
}
