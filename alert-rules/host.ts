/**
 * Host alerts, on the node_exporter-compatible metrics of the host exporter (`tickwatch-host` job;
 * they work unchanged on node_exporter's): CPU saturation, memory pressure, a filesystem filling up
 * or full, NIC errors and drops. The host exporter being down is ExporterTargetDown (pipeline.ts).
 */
import * as C from '../exporters/catalog/index.js';
import { defaultTarget } from '../exporters/catalog/jobs.js';
import { PANELS } from '../query/panels.js';
import { alert, holdFor, input, type AlertRule, type RuleGroup, type Thresholds } from './model.js';
import { durWords, num, promDur, promPct } from '../query/format.js';
import { avg, predictLinear, rate, sel, sum } from '../query/promql.js';
import { hold } from './testing.js';
import * as T from './thresholds.js';

/** The host exporter's target labels, for the promtool cases. */
export const HOST_TARGET = defaultTarget('host');

const target = ['job', 'instance'] as const;
const nic = [...target, 'device'] as const;
const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** HostCpuSaturated with the thresholds `t`: average CPU idle under 10 % for 5 minutes. */
export const hostCpuSaturated = (t: Thresholds): AlertRule => alert({
  name: 'HostCpuSaturated',
  family: 'host_cpu',
  severity: 'warning',
  expr: avg(target, rate(sel(C.nodeCpuSecondsTotal, { mode: 'idle' }), '2m')).lt(t.HOST_CPU_IDLE_WARNING_RATIO),
  for: `${t.HOST_CPU_FOR_SECONDS}s`,
  summary: 'Host CPU saturated',
  description:
    `The CPUs of {{ $labels.instance }} are only {{ $value | humanizePercentage }} idle on average over the last 2 minutes (warning under ${promPct(t.HOST_CPU_IDLE_WARNING_RATIO)} for ${promDur(t.HOST_CPU_FOR_SECONDS)}). The engine, the exporters and the recorder compete for CPU: latency rises.`,
  panel: PANELS.hostCpu,
  tests: {
    firing: [
      {
        name: 'two cores 5 % idle for 8 minutes',
        series: [input(C.nodeCpuSecondsTotal, { ...HOST_TARGET, cpu: '0', mode: 'idle' }, '0+0.05x600'), input(C.nodeCpuSecondsTotal, { ...HOST_TARGET, cpu: '1', mode: 'idle' }, '0+0.05x600')],
        at: '480s',
        alerts: [{ labels: { ...HOST_TARGET }, description: `The CPUs of ${HOST_TARGET.instance} are only 5% idle on average over the last 2 minutes (warning under ${promPct(t.HOST_CPU_IDLE_WARNING_RATIO)} for ${promDur(t.HOST_CPU_FOR_SECONDS)}). The engine, the exporters and the recorder compete for CPU: latency rises.` }],
      },
    ],
    silent: [
      { name: 'idle just over 10 %', series: [input(C.nodeCpuSecondsTotal, { ...HOST_TARGET, cpu: '0', mode: 'idle' }, '0+0.11x600')], at: '480s' },
      { name: 'one core pinned at 100 %, the other idle', series: [input(C.nodeCpuSecondsTotal, { ...HOST_TARGET, cpu: '0', mode: 'idle' }, hold(0, 600)), input(C.nodeCpuSecondsTotal, { ...HOST_TARGET, cpu: '1', mode: 'idle' }, '0+0.9x600')], at: '480s' },
    ],
  },
});

const memRatio = sel(C.nodeMemoryMemAvailableBytes).div(sel(C.nodeMemoryMemTotalBytes));
const memSeries = (availableBytes: number, n: number) => [input(C.nodeMemoryMemAvailableBytes, HOST_TARGET, hold(availableBytes, n)), input(C.nodeMemoryMemTotalBytes, HOST_TARGET, hold(16 * GiB, n))];

/** HostMemoryPressure with the thresholds `t`: MemAvailable under 10 % of RAM for 2 minutes. */
export const hostMemoryPressure = (t: Thresholds): AlertRule => alert({
  name: 'HostMemoryPressure',
  family: 'host_memory',
  severity: 'warning',
  expr: memRatio.lt(t.HOST_MEMORY_AVAILABLE_WARNING_RATIO),
  for: holdFor(t.HOST_MEMORY_WARNING_FOR_SECONDS),
  summary: 'Host memory running low',
  description: `Only {{ $value | humanizePercentage }} of the RAM of {{ $labels.instance }} is available (warning under ${promPct(t.HOST_MEMORY_AVAILABLE_WARNING_RATIO)}). The kernel reclaims page cache and may swap: latency spikes, then the OOM killer.`,
  panel: PANELS.hostMemory,
  tests: {
    firing: [
      {
        name: '1 GiB of 16 GiB available for 3 minutes',
        series: memSeries(1 * GiB, 200),
        at: '180s',
        alerts: [{ labels: { ...HOST_TARGET }, description: `Only 6.25% of the RAM of ${HOST_TARGET.instance} is available (warning under ${promPct(t.HOST_MEMORY_AVAILABLE_WARNING_RATIO)}). The kernel reclaims page cache and may swap: latency spikes, then the OOM killer.` }],
      },
    ],
    silent: [{ name: '11 % available', series: memSeries(0.11 * 16 * GiB, 200), at: '180s' }],
  },
});

/** HostMemoryCritical with the thresholds `t`: MemAvailable under 5 % of RAM for 1 minute. */
export const hostMemoryCritical = (t: Thresholds): AlertRule => alert({
  name: 'HostMemoryCritical',
  family: 'host_memory',
  severity: 'critical',
  expr: memRatio.lt(t.HOST_MEMORY_AVAILABLE_CRITICAL_RATIO),
  for: holdFor(t.HOST_MEMORY_CRITICAL_FOR_SECONDS),
  summary: 'Host almost out of memory',
  description: `Only {{ $value | humanizePercentage }} of the RAM of {{ $labels.instance }} is available (critical under ${promPct(t.HOST_MEMORY_AVAILABLE_CRITICAL_RATIO)}). The OOM killer may take the trading engine or the recorder next.`,
  panel: PANELS.hostMemory,
  tests: {
    firing: [
      {
        name: '512 MiB of 16 GiB available for 2 minutes',
        series: memSeries(512 * MiB, 150),
        at: '120s',
        alerts: [{ labels: { ...HOST_TARGET }, description: `Only 3.125% of the RAM of ${HOST_TARGET.instance} is available (critical under ${promPct(t.HOST_MEMORY_AVAILABLE_CRITICAL_RATIO)}). The OOM killer may take the trading engine or the recorder next.` }],
      },
    ],
    silent: [{ name: '6.25 % available', series: memSeries(1 * GiB, 150), at: '120s' }],
  },
});

const fs = { ...HOST_TARGET, device: '/dev/nvme0n1p2', fstype: 'ext4', mountpoint: '/var/lib/tickwatch' } as const;
const fsLabels = { job: fs.job, instance: fs.instance, device: fs.device, fstype: fs.fstype, mountpoint: fs.mountpoint };
const availRatio = sel(C.nodeFilesystemAvailBytes).div(sel(C.nodeFilesystemSizeBytes));
const writable = sel(C.nodeFilesystemReadonly).eq(0);
const fsSeries = (avail: string, readonly: number, n: number) => [input(C.nodeFilesystemAvailBytes, fs, avail), input(C.nodeFilesystemSizeBytes, fs, hold(100 * GiB, n)), input(C.nodeFilesystemReadonly, fs, hold(readonly, n))];

/** HostDiskFilling with the thresholds `t`: under 20 % free and, on the last 30 minutes' trend, full within 4 hours. */
export const hostDiskFilling = (t: Thresholds): AlertRule => alert({
  name: 'HostDiskFilling',
  family: 'host_disk',
  severity: 'warning',
  expr: availRatio
    .lt(t.HOST_DISK_FILLING_AVAILABLE_RATIO)
    .and(predictLinear(sel(C.nodeFilesystemAvailBytes), '30m', t.HOST_DISK_FILLING_HORIZON_SECONDS).lt(0))
    .and(writable),
  for: holdFor(t.HOST_DISK_FILLING_FOR_SECONDS),
  summary: 'Filesystem filling up',
  description:
    `{{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.instance }} has {{ $value | humanizePercentage }} free and, at the rate of the last 30 minutes, will be full within ${durWords(t.HOST_DISK_FILLING_HORIZON_SECONDS)}. Event files, the spool and ClickHouse stop writing when it is.`,
  panel: PANELS.hostDisk,
  tests: {
    firing: [
      {
        name: '19 GiB of 100 GiB free, shrinking 2 MiB/s',
        series: fsSeries(`${19 * GiB}-${2 * MiB}x2300`, 0, 2300),
        at: '2200s',
        alerts: [{ labels: fsLabels, description: `/var/lib/tickwatch (/dev/nvme0n1p2) on ${HOST_TARGET.instance} has 14.7% free and, at the rate of the last 30 minutes, will be full within ${durWords(t.HOST_DISK_FILLING_HORIZON_SECONDS)}. Event files, the spool and ClickHouse stop writing when it is.` }],
      },
    ],
    silent: [
      { name: 'shrinking 0.5 MiB/s: not full within 4 h', series: fsSeries(`${19 * GiB}-${0.5 * MiB}x2300`, 0, 2300), at: '2200s' },
      { name: 'read-only filesystem', series: fsSeries(`${19 * GiB}-${2 * MiB}x2300`, 1, 2300), at: '2200s' },
    ],
  },
});

/** HostDiskAlmostFull with the thresholds `t`: under 5 % free for 2 minutes. */
export const hostDiskAlmostFull = (t: Thresholds): AlertRule => alert({
  name: 'HostDiskAlmostFull',
  family: 'host_disk',
  severity: 'critical',
  expr: availRatio.lt(t.HOST_DISK_AVAILABLE_CRITICAL_RATIO).and(writable),
  for: holdFor(t.HOST_DISK_CRITICAL_FOR_SECONDS),
  summary: 'Filesystem almost full',
  description: `{{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.instance }} has only {{ $value | humanizePercentage }} free (critical under ${promPct(t.HOST_DISK_AVAILABLE_CRITICAL_RATIO)}). Writes of event files, the recorder spool and ClickHouse parts are about to fail.`,
  panel: PANELS.hostDisk,
  tests: {
    firing: [
      {
        name: '4 GiB of 100 GiB free',
        series: fsSeries(hold(4 * GiB, 200), 0, 200),
        at: '180s',
        alerts: [{ labels: fsLabels, description: `/var/lib/tickwatch (/dev/nvme0n1p2) on ${HOST_TARGET.instance} has only 4% free (critical under ${promPct(t.HOST_DISK_AVAILABLE_CRITICAL_RATIO)}). Writes of event files, the recorder spool and ClickHouse parts are about to fail.` }],
      },
    ],
    silent: [{ name: '6 GiB of 100 GiB free', series: fsSeries(hold(6 * GiB, 200), 0, 200), at: '180s' }],
  },
});

const dev = { ...HOST_TARGET, device: 'ens1f0' } as const;
const nicLabels = { job: dev.job, instance: dev.instance, device: dev.device };

/** HostNetworkErrors with the thresholds `t`: NIC receive plus transmit errors over 0.1/s for 2 minutes. */
export const hostNetworkErrors = (t: Thresholds): AlertRule => alert({
  name: 'HostNetworkErrors',
  family: 'host_network',
  severity: 'warning',
  expr: sum(nic, rate(sel(C.nodeNetworkReceiveErrsTotal), '5m'))
    .add(sum(nic, rate(sel(C.nodeNetworkTransmitErrsTotal), '5m')))
    .gt(t.HOST_NIC_ERRORS_PER_SECOND_WARNING),
  for: holdFor(t.HOST_NIC_ERRORS_FOR_SECONDS),
  summary: 'Network interface errors',
  description: `NIC {{ $labels.device }} on {{ $labels.instance }} reports {{ $value | printf "%.2f" }} receive and transmit errors per second over 5 minutes (warning above ${num(t.HOST_NIC_ERRORS_PER_SECOND_WARNING)}/s). Market data and order traffic through it may be corrupted or retransmitted.`,
  panel: PANELS.hostNetwork,
  tests: {
    firing: [
      {
        name: 'one receive error a second',
        series: [input(C.nodeNetworkReceiveErrsTotal, dev, '0+1x600'), input(C.nodeNetworkTransmitErrsTotal, dev, hold(0, 600))],
        at: '500s',
        alerts: [{ labels: nicLabels, description: `NIC ens1f0 on ${HOST_TARGET.instance} reports 1.00 receive and transmit errors per second over 5 minutes (warning above ${num(t.HOST_NIC_ERRORS_PER_SECOND_WARNING)}/s). Market data and order traffic through it may be corrupted or retransmitted.` }],
      },
    ],
    silent: [{ name: 'one error every 20 s', series: [input(C.nodeNetworkReceiveErrsTotal, dev, '0+0.05x600'), input(C.nodeNetworkTransmitErrsTotal, dev, hold(0, 600))], at: '500s' }],
  },
});

/** HostNetworkDrops with the thresholds `t`: dropped packets over 1 % of the traffic for 5 minutes. */
export const hostNetworkDrops = (t: Thresholds): AlertRule => alert({
  name: 'HostNetworkDrops',
  family: 'host_network',
  severity: 'warning',
  expr: sum(nic, rate(sel(C.nodeNetworkReceiveDropTotal), '5m'))
    .add(sum(nic, rate(sel(C.nodeNetworkTransmitDropTotal), '5m')))
    .div(sum(nic, rate(sel(C.nodeNetworkReceivePacketsTotal), '5m')).add(sum(nic, rate(sel(C.nodeNetworkTransmitPacketsTotal), '5m'))))
    .gt(t.HOST_NIC_DROP_RATIO_WARNING),
  for: holdFor(t.HOST_NIC_DROPS_FOR_SECONDS),
  summary: 'Network interface dropping packets',
  description: `NIC {{ $labels.device }} on {{ $labels.instance }} drops {{ $value | humanizePercentage }} of its packets over 5 minutes (warning above ${promPct(t.HOST_NIC_DROP_RATIO_WARNING)}). Dropped market data means gaps; dropped order traffic means retransmits and latency.`,
  panel: PANELS.hostNetwork,
  tests: {
    firing: [
      {
        name: '10 drops per 500 packets a second',
        series: [
          input(C.nodeNetworkReceiveDropTotal, dev, '0+10x900'),
          input(C.nodeNetworkTransmitDropTotal, dev, hold(0, 900)),
          input(C.nodeNetworkReceivePacketsTotal, dev, '0+200x900'),
          input(C.nodeNetworkTransmitPacketsTotal, dev, '0+300x900'),
        ],
        at: '700s',
        alerts: [{ labels: nicLabels, description: `NIC ens1f0 on ${HOST_TARGET.instance} drops 2% of its packets over 5 minutes (warning above ${promPct(t.HOST_NIC_DROP_RATIO_WARNING)}). Dropped market data means gaps; dropped order traffic means retransmits and latency.` }],
      },
    ],
    silent: [
      {
        name: '4 drops per 500 packets a second',
        series: [
          input(C.nodeNetworkReceiveDropTotal, dev, '0+4x900'),
          input(C.nodeNetworkTransmitDropTotal, dev, hold(0, 900)),
          input(C.nodeNetworkReceivePacketsTotal, dev, '0+200x900'),
          input(C.nodeNetworkTransmitPacketsTotal, dev, '0+300x900'),
        ],
        at: '700s',
      },
    ],
  },
});

/** Host rules with the thresholds `t` (the live rules use thresholds.ts; tests pass modified copies). */
export const hostRules = (t: Thresholds): RuleGroup => ({
  name: 'host',
  interval: '5s',
  rules: [hostCpuSaturated(t), hostMemoryPressure(t), hostMemoryCritical(t), hostDiskFilling(t), hostDiskAlmostFull(t), hostNetworkErrors(t), hostNetworkDrops(t)],
});

/** Host rules. */
export const hostGroup: RuleGroup = hostRules(T);
