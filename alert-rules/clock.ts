/**
 * Clock synchronisation alerts (MiFID II RTS 25: a high-frequency trader's business clocks within
 * 100 µs of UTC; FINRA Rule 4590), on the host exporter's `timex` and `chrony` series through the
 * recording rules `source:clock_offset_seconds:abs` and `source:clock_synchronised:bool`
 * (query/recording.ts), which put the kernel's view (`source="kernel"`) and chronyd's
 * (`source="chrony"`) side by side. Each alert carries the `source` label: which view crossed.
 *
 * The offset compared is the kernel's adjtimex offset, and for chronyd the larger of |Last offset|
 * (what it measured at its last update) and |System time| (what it has still to correct: the system
 * clock's distance from chronyd's estimate of UTC now). Taking the larger means neither a fresh
 * step nor a correction still being slewed hides a breach. The host exporter's synchronisation log
 * (`clock.sync` system events) measures the same offsets against the same bounds.
 */
import * as C from '../exporters/catalog/index.js';
import { PANELS } from '../query/panels.js';
import { clockOffsetAbs, clockSynchronised, rec } from '../query/recording.js';
import { durWords, promDur } from '../query/format.js';
import { HOST_TARGET } from './host.js';
import { alert, holdFor, input, type AlertRule, type InputSeries, type RuleGroup, type Thresholds } from './model.js';
import { hold } from './testing.js';
import * as T from './thresholds.js';

const kernel = { ...HOST_TARGET, source: 'kernel' };
const chrony = { ...HOST_TARGET, source: 'chrony' };

/** The host exporter's clock series for `n` + 1 seconds: the kernel's offset and sync status, and chronyd's tracking figures. */
function clockSeries(n: number, o: { kernelOffset?: number; kernelSync?: number; lastOffset?: number; systemTime?: number; leap?: number; chrony?: boolean }): InputSeries[] {
  const out = [input(C.nodeTimexOffsetSeconds, HOST_TARGET, hold(o.kernelOffset ?? 0, n)), input(C.nodeTimexSyncStatus, HOST_TARGET, hold(o.kernelSync ?? 1, n))];
  if (o.chrony === false) return out;
  return [
    ...out,
    input(C.chronyTrackingLastOffsetSeconds, HOST_TARGET, hold(o.lastOffset ?? 0, n)),
    input(C.chronyTrackingSystemTimeSeconds, HOST_TARGET, hold(o.systemTime ?? 0, n)),
    input(C.chronyTrackingLeapStatus, HOST_TARGET, hold(o.leap ?? 0, n)),
  ];
}

const offsetText = (t: Thresholds, value: string, bound: string, instance = '{{ $labels.instance }}', source = '{{ $labels.source }}') =>
  `The ${source} view puts the clock of ${instance} ${value} off its reference, ${bound}. Order and trade timestamps no longer meet MiFID II RTS 25 for high-frequency trading once their divergence from UTC passes ${durWords(t.CLOCK_OFFSET_CRITICAL_SECONDS)}.`;

/** ClockOffsetCritical with the thresholds `t`: |offset| past the RTS 25 bound (100 µs) for 10 s. */
export const clockOffsetCritical = (t: Thresholds): AlertRule => {
  const text = (value: string, instance?: string, source?: string) => offsetText(t, value, `past the ${durWords(t.CLOCK_OFFSET_CRITICAL_SECONDS)} tolerance for ${promDur(t.CLOCK_OFFSET_CRITICAL_FOR_SECONDS)}`, instance, source);
  return alert({
    name: 'ClockOffsetCritical',
    family: 'clock_offset',
    severity: 'critical',
    expr: rec(clockOffsetAbs).gt(t.CLOCK_OFFSET_CRITICAL_SECONDS),
    for: holdFor(t.CLOCK_OFFSET_CRITICAL_FOR_SECONDS),
    summary: 'Clock offset past the MiFID II tolerance',
    description: text('{{ $value | humanizeDuration }}'),
    panel: PANELS.clockSync,
    tests: {
      firing: [
        {
          name: "chronyd's System time 212 µs slow for 30 s",
          series: clockSeries(40, { lastOffset: 0.000001, systemTime: 0.000212 }),
          at: '30s',
          alerts: [{ labels: chrony, description: text('212us', HOST_TARGET.instance, 'chrony') }],
        },
        {
          name: 'kernel PLL offset −150 µs for 30 s',
          series: clockSeries(40, { kernelOffset: -0.00015, chrony: false }),
          at: '30s',
          alerts: [{ labels: kernel, description: text('150us', HOST_TARGET.instance, 'kernel') }],
        },
      ],
      silent: [
        { name: 'chronyd 99 µs off', series: clockSeries(40, { lastOffset: -0.000099, systemTime: 0.00005 }), at: '30s' },
        { name: '212 µs for less than the hold', series: clockSeries(40, { systemTime: 0.000212 }), at: `${Math.floor(t.CLOCK_OFFSET_CRITICAL_FOR_SECONDS / 2)}s` as `${number}s` },
      ],
    },
  });
};

/** ClockOffsetHigh with the thresholds `t`: |offset| past half the RTS 25 bound (50 µs) for 30 s. */
export const clockOffsetHigh = (t: Thresholds): AlertRule => {
  const text = (value: string, instance?: string, source?: string) =>
    offsetText(t, value, `past the ${durWords(t.CLOCK_OFFSET_WARNING_SECONDS)} warning bound for ${promDur(t.CLOCK_OFFSET_WARNING_FOR_SECONDS)}`, instance, source);
  return alert({
    name: 'ClockOffsetHigh',
    family: 'clock_offset',
    severity: 'warning',
    expr: rec(clockOffsetAbs).gt(t.CLOCK_OFFSET_WARNING_SECONDS),
    for: holdFor(t.CLOCK_OFFSET_WARNING_FOR_SECONDS),
    summary: 'Clock offset high',
    description: text('{{ $value | humanizeDuration }}'),
    panel: PANELS.clockSync,
    tests: {
      firing: [
        {
          name: "chronyd's Last offset +64 µs for a minute",
          series: clockSeries(70, { lastOffset: 0.000064, systemTime: -0.00001 }),
          at: '60s',
          alerts: [{ labels: chrony, description: text('64us', HOST_TARGET.instance, 'chrony') }],
        },
      ],
      silent: [{ name: 'chronyd and the kernel within 49 µs', series: clockSeries(70, { kernelOffset: 0.000049, lastOffset: -0.000049, systemTime: 0.00003 }), at: '60s' }],
    },
  });
};

/** ClockNotSynchronised with the thresholds `t`: a time source not synchronised for 2 minutes. */
export const clockNotSynchronised = (t: Thresholds): AlertRule => {
  const text = (value: string, instance = '{{ $labels.instance }}', source = '{{ $labels.source }}') =>
    `The ${source} view of the clock of ${instance} has not been synchronised for ${durWords(t.CLOCK_UNSYNC_FOR_SECONDS)} (synchronised = ${value}): the kernel reports TIME_ERROR (STA_UNSYNC set: no NTP daemon disciplines the clock) or chronyd has no selectable source (leap status 3). The clock runs free: nothing bounds its divergence from UTC, and the ${durWords(t.CLOCK_OFFSET_CRITICAL_SECONDS)} MiFID II RTS 25 tolerance cannot be shown.`;
  const n = t.CLOCK_UNSYNC_FOR_SECONDS + 60;
  return alert({
    name: 'ClockNotSynchronised',
    family: 'clock_sync',
    severity: 'critical',
    expr: rec(clockSynchronised).eq(0),
    for: holdFor(t.CLOCK_UNSYNC_FOR_SECONDS),
    summary: 'Clock not synchronised',
    description: text('{{ $value }}'),
    panel: PANELS.clockSync,
    tests: {
      firing: [
        {
          name: 'kernel STA_UNSYNC, chronyd synchronised',
          series: clockSeries(n, { kernelSync: 0 }),
          at: `${n}s` as `${number}s`,
          alerts: [{ labels: kernel, description: text('0', HOST_TARGET.instance, 'kernel') }],
        },
        {
          name: 'chronyd leap status 3 (no selectable source)',
          series: clockSeries(n, { leap: 3 }),
          at: `${n}s` as `${number}s`,
          alerts: [{ labels: chrony, description: text('0', HOST_TARGET.instance, 'chrony') }],
        },
      ],
      silent: [
        { name: 'both synchronised', series: clockSeries(n, {}), at: `${n}s` as `${number}s` },
        { name: 'kernel unsynchronised for less than the hold', series: clockSeries(n, { kernelSync: 0 }), at: `${Math.floor(t.CLOCK_UNSYNC_FOR_SECONDS / 2)}s` as `${number}s` },
      ],
    },
  });
};

/** Clock rules with the thresholds `t` (the live rules use thresholds.ts; tests pass modified copies). */
export const clockRules = (t: Thresholds): RuleGroup => ({
  name: 'clock',
  interval: '5s',
  rules: [clockNotSynchronised(t), clockOffsetCritical(t), clockOffsetHigh(t)],
});

/** Clock rules. */
export const clockGroup: RuleGroup = clockRules(T);
