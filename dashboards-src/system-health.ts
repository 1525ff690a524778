/**
 * System health: are the tickwatch exporters scraped; how does the host behave (CPU busy and per
 * core, load, memory and swap, network interfaces, disk latency and queue, filesystems, the
 * configured processes, temperatures), from the host exporter's node_exporter-compatible metrics
 * (job `tickwatch-host`), and its clock's offset and synchronisation (MiFID II RTS 25); and how do the tickwatch processes and the instrumentation core behave
 * (CPU, memory, heap and garbage collection, event-loop lag, series, cardinality folds)? Every
 * panel follows the `job` and `instance` variables: host panels show the host exporter targets picked, process panels every
 * tickwatch target picked (the host and ClickHouse exporters are tickwatch processes too).
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { avg, increase, max, PROMETHEUS_SERIES, quantile, rate, sel, sum, sumOf } from '../query/promql.js';
import * as T from '../alert-rules/thresholds.js';
import * as C from '../exporters/catalog/index.js';
import {
  COLOR,
  RATE,
  UNIT,
  buildDashboard,
  complement,
  countBy,
  criticalAt,
  dur,
  flagMappings,
  targetFilter as I,
  linked,
  lowIsBad,
  orZero,
  pct,
  stateTimelinePanel,
  statPanel,
  timeseriesPanel,
  valueMappings,
  warningAt,
  type Row,
} from './common.js';
import { DASHBOARD_UIDS, PANELS } from '../query/panels.js';
import { clockOffsetAbs, clockSynchronised, rec } from '../query/recording.js';

/**
 * The host rows of the system health dashboard, on the host exporter's metrics filtered by the
 * `job` and `instance` variables ({@link targetFilter}): CPU and memory, network interfaces, disks
 * and filesystems, configured processes and sensors. Panel ids 20 to 38; 20 to 23 are the panels
 * the host alerts link to.
 */
export function hostRows(): Row[] {
  const host = ['job', 'instance'];
  const nic = [...host, 'device'];
  const busyPerCore = sum([...host, 'cpu'], rate(sel(C.nodeCpuSecondsTotal, { ...I, mode: { ne: 'idle' } }), RATE));
  const idle = rate(sel(C.nodeCpuSecondsTotal, { ...I, mode: 'idle' }), RATE);
  const memTotal = sel(C.nodeMemoryMemTotalBytes, I);
  const memAvailable = sel(C.nodeMemoryMemAvailableBytes, I);
  const perSecond = (a: Parameters<typeof rate>[0], b: Parameters<typeof rate>[0]) => sum(nic, rate(a, RATE)).add(sum(nic, rate(b, RATE)));
  const nicErrors = perSecond(sel(C.nodeNetworkReceiveErrsTotal, I), sel(C.nodeNetworkTransmitErrsTotal, I));
  const nicDrops = perSecond(sel(C.nodeNetworkReceiveDropTotal, I), sel(C.nodeNetworkTransmitDropTotal, I));
  const nicPackets = perSecond(sel(C.nodeNetworkReceivePacketsTotal, I), sel(C.nodeNetworkTransmitPacketsTotal, I));
  return [
    {
      title: 'Host CPU and memory',
      panels: [
        timeseriesPanel({
          ...linked(PANELS.hostCpu),
          description: `Share of CPU time not idle, averaged over all cores of each host (1 minus the idle rate; iowait, steal and interrupts count as busy). HostCpuSaturated warns when it stays above the dashed line (under ${pct(T.HOST_CPU_IDLE_WARNING_RATIO)} idle) for ${dur(T.HOST_CPU_FOR_SECONDS)}. An engine that busy-polls on isolated cores keeps those at 100 % on a normal day: see CPU busy per core.`,
          unit: UNIT.ratio,
          queries: [{ expr: complement(avg(host, idle)), legend: '{{instance}}' }],
          thresholds: [warningAt(oneMinus(T.HOST_CPU_IDLE_WARNING_RATIO))],
          min: 0,
          max: 1,
          width: 8,
        }),
        timeseriesPanel(
          {
            id: 24,
            title: 'CPU busy per core',
            description: 'Share of each core\'s time in any mode but idle (user, system, iowait, irq, softirq, steal, nice) over the rate interval. Cores pinned near 100 % are busy-polling threads or a hot spot; one saturated core can add latency that the host average hides.',
            unit: UNIT.ratio,
            queries: [{ expr: busyPerCore, legend: '{{instance}} cpu {{cpu}}' }],
            min: 0,
            max: 1,
            width: 8,
          },
          { legendCalcs: ['lastNotNull', 'max'] },
        ),
        timeseriesPanel(
          {
            id: 25,
            title: 'CPU time by mode',
            description: 'Where the busy CPU time goes: share of all cores\' time spent in each non-idle mode, averaged over the cores of each host. Rising iowait means processes wait on disks; steal means the hypervisor gives the time to other guests.',
            unit: UNIT.ratio,
            queries: [{ expr: avg([...host, 'mode'], rate(sel(C.nodeCpuSecondsTotal, { ...I, mode: { ne: 'idle' } }), RATE)), legend: '{{instance}} {{mode}}' }],
            min: 0,
            width: 8,
          },
          { stacked: true },
        ),
        timeseriesPanel({
          id: 26,
          title: 'Load average',
          description: 'Runnable plus uninterruptible (waiting on I/O) tasks averaged over 1, 5 and 15 minutes, and the number of cores for comparison: a load above the core count for long means tasks wait for CPU or I/O.',
          unit: UNIT.count,
          queries: [
            { expr: max(host, sel(C.nodeLoad1, I)), legend: '{{instance}} 1m' },
            { expr: max(host, sel(C.nodeLoad5, I)), legend: '{{instance}} 5m' },
            { expr: max(host, sel(C.nodeLoad15, I)), legend: '{{instance}} 15m' },
            { expr: countBy(host, sel(C.nodeCpuSecondsTotal, { ...I, mode: 'idle' })), legend: '{{instance}} cores' },
          ],
          min: 0,
          width: 8,
        }),
        timeseriesPanel({
          ...linked(PANELS.hostMemory),
          description: `MemAvailable over MemTotal: the share of RAM the kernel can give to new work without swapping. HostMemoryPressure warns under ${pct(T.HOST_MEMORY_AVAILABLE_WARNING_RATIO)} (orange below the upper dashed line) for 2 minutes and HostMemoryCritical pages under ${pct(T.HOST_MEMORY_AVAILABLE_CRITICAL_RATIO)} (red) for 1 minute: the OOM killer is next.`,
          unit: UNIT.ratio,
          queries: [{ expr: memAvailable.div(memTotal), legend: '{{instance}}' }],
          ...lowIsBad({ critical: T.HOST_MEMORY_AVAILABLE_CRITICAL_RATIO, warning: T.HOST_MEMORY_AVAILABLE_WARNING_RATIO }),
          min: 0,
          max: 1,
          width: 8,
        }),
        timeseriesPanel({
          id: 27,
          title: 'Memory and swap',
          description: 'RAM in use (MemTotal minus MemAvailable), page cache and buffers (reclaimable), RAM size, and swap in use (SwapTotal minus SwapFree; 0 on a host without swap). Swap in use on a trading host means latency spikes whenever a swapped-out page is touched.',
          unit: UNIT.bytes,
          queries: [
            { expr: memTotal.sub(memAvailable), legend: '{{instance}} used' },
            { expr: sel(C.nodeMemoryCachedBytes, I).add(sel(C.nodeMemoryBuffersBytes, I)), legend: '{{instance}} cache and buffers' },
            { expr: memTotal, legend: '{{instance}} total' },
            { expr: sel(C.nodeMemorySwapTotalBytes, I).sub(sel(C.nodeMemorySwapFreeBytes, I)), legend: '{{instance}} swap used' },
          ],
          min: 0,
          width: 8,
        }),
      ],
    },
    {
      title: 'Host network',
      panels: [
        timeseriesPanel({
          id: 28,
          title: 'NIC throughput',
          description: 'Bytes received and transmitted per second by each network interface (loopback excluded by the exporter).',
          unit: UNIT.bytesPerSecond,
          queries: [
            { expr: sum(nic, rate(sel(C.nodeNetworkReceiveBytesTotal, I), RATE)), legend: '{{instance}} {{device}} received' },
            { expr: sum(nic, rate(sel(C.nodeNetworkTransmitBytesTotal, I), RATE)), legend: '{{instance}} {{device}} transmitted' },
          ],
          min: 0,
          width: 8,
        }),
        timeseriesPanel(
          {
            ...linked(PANELS.hostNetwork),
            description: `Receive plus transmit errors and dropped packets per second on each interface (left axis; 0 on a healthy NIC), and dropped packets over packets received plus transmitted (right axis; empty while an interface carries no traffic). HostNetworkErrors warns when errors stay above ${T.HOST_NIC_ERRORS_PER_SECOND_WARNING}/s over 5 minutes and HostNetworkDrops when the drop ratio stays above ${pct(T.HOST_NIC_DROP_RATIO_WARNING)} (the dashed lines): dropped market data means gaps, dropped order traffic retransmits.`,
            unit: UNIT.packetsPerSecond,
            queries: [
              { expr: nicErrors, legend: '{{instance}} {{device}} errors' },
              { expr: nicDrops, legend: '{{instance}} {{device}} drops' },
              { expr: nicDrops.div(nicPackets), legend: '{{instance}} {{device}} drop ratio' },
            ],
            thresholds: [warningAt(T.HOST_NIC_ERRORS_PER_SECOND_WARNING)],
            min: 0,
            width: 16,
          },
          { rightAxis: { refIds: ['C'], unit: UNIT.ratio, min: 0, thresholds: [warningAt(T.HOST_NIC_DROP_RATIO_WARNING)] } },
        ),
      ],
    },
    {
      title: 'Host disks and filesystems',
      panels: [
        timeseriesPanel(
          {
            ...linked(PANELS.hostDisk),
            description: `Share of each filesystem in use: 1 minus the space available to unprivileged users over the size (space reserved for root counts as used). HostDiskFilling warns above the orange line (under ${pct(T.HOST_DISK_FILLING_AVAILABLE_RATIO)} free) when the last 30 minutes' trend fills it within ${T.HOST_DISK_FILLING_HORIZON_SECONDS / 3600} hours; HostDiskAlmostFull pages above the red line (under ${pct(T.HOST_DISK_AVAILABLE_CRITICAL_RATIO)} free). Event files, the recorder spool and ClickHouse stop writing on a full disk.`,
            unit: UNIT.ratio,
            queries: [{ expr: complement(sel(C.nodeFilesystemAvailBytes, I).div(sel(C.nodeFilesystemSizeBytes, I))), legend: '{{instance}} {{mountpoint}} ({{device}})' }],
            thresholds: [warningAt(oneMinus(T.HOST_DISK_FILLING_AVAILABLE_RATIO)), criticalAt(oneMinus(T.HOST_DISK_AVAILABLE_CRITICAL_RATIO))],
            min: 0,
            max: 1,
            width: 12,
          },
          { legendCalcs: ['lastNotNull'] },
        ),
        timeseriesPanel(
          {
            id: 29,
            title: 'Disk I/O latency',
            description: 'Average time one read and one write took on each block device over the rate interval (time spent by all reads over reads completed, the same for writes); empty while a device does no reads or writes.',
            unit: UNIT.seconds,
            queries: [
              { expr: rate(sel(C.nodeDiskReadTimeSecondsTotal, I), RATE).div(rate(sel(C.nodeDiskReadsCompletedTotal, I), RATE)), legend: '{{instance}} {{device}} read' },
              { expr: rate(sel(C.nodeDiskWriteTimeSecondsTotal, I), RATE).div(rate(sel(C.nodeDiskWritesCompletedTotal, I), RATE)), legend: '{{instance}} {{device}} write' },
            ],
            min: 0,
            width: 12,
          },
          { legendCalcs: ['lastNotNull', 'max'] },
        ),
        timeseriesPanel({
          id: 30,
          title: 'Disk busy',
          description: 'Share of time each block device had I/O in flight (rate of its I/O time). Near 100 % an HDD is saturated; an SSD or NVMe device serves requests in parallel and can take more, so read it with the latency and the queue.',
          unit: UNIT.ratio,
          queries: [{ expr: rate(sel(C.nodeDiskIoTimeSecondsTotal, I), RATE), legend: '{{instance}} {{device}}' }],
          min: 0,
          max: 1,
          width: 6,
        }),
        timeseriesPanel({
          id: 31,
          title: 'Disk queue',
          description: 'Average number of I/Os in flight or waiting on each block device over the rate interval (rate of the weighted I/O time). A queue that grows with the latency means the device does not keep up.',
          unit: UNIT.count,
          queries: [{ expr: rate(sel(C.nodeDiskIoTimeWeightedSecondsTotal, I), RATE), legend: '{{instance}} {{device}}' }],
          min: 0,
          width: 6,
        }),
        timeseriesPanel({
          id: 32,
          title: 'Disk operations',
          description: 'Reads and writes completed per second on each block device.',
          unit: UNIT.iops,
          queries: [
            { expr: rate(sel(C.nodeDiskReadsCompletedTotal, I), RATE), legend: '{{instance}} {{device}} reads' },
            { expr: rate(sel(C.nodeDiskWritesCompletedTotal, I), RATE), legend: '{{instance}} {{device}} writes' },
          ],
          min: 0,
          width: 6,
        }),
        timeseriesPanel({
          id: 33,
          title: 'Disk throughput',
          description: 'Bytes read and written per second on each block device.',
          unit: UNIT.bytesPerSecond,
          queries: [
            { expr: rate(sel(C.nodeDiskReadBytesTotal, I), RATE), legend: '{{instance}} {{device}} read' },
            { expr: rate(sel(C.nodeDiskWrittenBytesTotal, I), RATE), legend: '{{instance}} {{device}} written' },
          ],
          min: 0,
          width: 6,
        }),
      ],
    },
    {
      title: 'Host processes and sensors',
      panels: [
        timeseriesPanel({
          id: 34,
          title: 'Configured process CPU',
          description: 'CPU time (user plus system) per second of the processes the host exporter is configured to watch (its --process options: the trading engine, the recorder), summed over the processes matching each name: 100 % is one full core.',
          unit: UNIT.ratio,
          queries: [{ expr: sum([...host, 'name'], rate(sel(C.hostProcessCpuSecondsTotal, I), RATE)), legend: '{{instance}} {{name}}' }],
          min: 0,
          width: 8,
        }),
        timeseriesPanel({
          id: 35,
          title: 'Configured process memory',
          description: 'Resident memory (VmRSS) of the processes the host exporter is configured to watch, summed over the processes matching each name.',
          unit: UNIT.bytes,
          queries: [{ expr: max([...host, 'name'], sel(C.hostProcessResidentMemoryBytes, I)), legend: '{{instance}} {{name}}' }],
          min: 0,
          width: 8,
        }),
        statPanel({
          id: 36,
          title: 'Configured processes running',
          description: 'Processes running that match each configured name; NOT RUNNING (red) when none does, for example the trading engine is down.',
          unit: UNIT.count,
          queries: [{ expr: max([...host, 'name'], sel(C.hostProcesses, I)), legend: '{{instance}} {{name}}' }],
          thresholds: [],
          mappings: valueMappings({ 0: { text: 'NOT RUNNING', color: COLOR.critical } }),
          width: 8,
        }),
        timeseriesPanel(
          {
            id: 37,
            title: 'Temperatures',
            description: 'Temperature sensors of each host: hardware monitors (hwmon chips: CPU packages and cores, NVMe drives, NICs) and ACPI thermal zones. Empty on a host without sensors (most virtual machines): Host collectors then shows hwmon or thermal_zone as NO DATA.',
            unit: UNIT.celsius,
            queries: [
              { expr: max([...host, 'chip', 'sensor'], sel(C.nodeHwmonTempCelsius, I)), legend: '{{instance}} {{chip}} {{sensor}}' },
              { expr: max([...host, 'type', 'zone'], sel(C.nodeThermalZoneTemp, I)), legend: '{{instance}} zone {{zone}} {{type}}' },
            ],
            width: 12,
          },
          { legendCalcs: ['lastNotNull', 'max'] },
        ),
        stateTimelinePanel({
          id: 38,
          title: 'Host collectors',
          description: 'Whether each collector of the host exporter read its source on the last scrape. NO DATA is normal for a source the host does not have (no hwmon or thermal zones in a VM); a collector that used to be OK and turns NO DATA has failed (the exporter logs why).',
          unit: UNIT.state,
          queries: [{ expr: max([...host, 'collector'], sel(C.nodeScrapeCollectorSuccess, I)), legend: '{{instance}} {{collector}}' }],
          mappings: flagMappings({ text: 'NO DATA', color: COLOR.warning }, { text: 'OK', color: COLOR.ok }),
          width: 12,
        }),
        timeseriesPanel(
          {
            ...linked(PANELS.clockSync),
            description: `Offset of each host's clock from its reference as a magnitude, per time source (left axis): the kernel's adjtimex offset (source kernel; near 0 when chronyd, which slews the clock itself, disciplines it), and chronyd's larger of Last offset and System time (source chrony, where chronyd answers the host exporter); and whether each source counts the clock as synchronised (right axis: 1 yes, 0 no). ClockOffsetHigh warns above the orange line (${dur(T.CLOCK_OFFSET_WARNING_SECONDS)}) for ${dur(T.CLOCK_OFFSET_WARNING_FOR_SECONDS)}; ClockOffsetCritical pages above the red line (${dur(T.CLOCK_OFFSET_CRITICAL_SECONDS)}, the MiFID II RTS 25 bound for high-frequency trading) for ${dur(T.CLOCK_OFFSET_CRITICAL_FOR_SECONDS)}; ClockNotSynchronised pages when a source stays at 0 for ${dur(T.CLOCK_UNSYNC_FOR_SECONDS)}. Every crossing is in the synchronisation log: system_events rows of service clock.kernel and clock.chrony.`,
            unit: UNIT.seconds,
            queries: [
              { expr: rec(clockOffsetAbs, I), legend: '{{instance}} {{source}} offset' },
              { expr: rec(clockSynchronised, I), legend: '{{instance}} {{source}} synchronised' },
            ],
            thresholds: [warningAt(T.CLOCK_OFFSET_WARNING_SECONDS), criticalAt(T.CLOCK_OFFSET_CRITICAL_SECONDS)],
            min: 0,
            width: 24,
          },
          { rightAxis: { refIds: ['B'], unit: UNIT.state, min: 0, max: 1 }, legendCalcs: ['lastNotNull', 'max'] },
        ),
      ],
    },
  ];
}

/** `1 - ratio` for a threshold: an alert's free or idle share as the used or busy share the panel shows. */
function oneMinus(ratio: number): number {
  return Number((1 - ratio).toPrecision(12));
}

/** The system health dashboard (uid `tickwatch-system-health`). */
export function systemHealthDashboard(): Dashboard {
  const target = ['job', 'instance'];
  const perTarget = '{{job}} {{instance}}';
  return buildDashboard({
    uid: DASHBOARD_UIDS.system,
    title: 'tickwatch / System health',
    description:
      'Scrape health of every tickwatch exporter; the host (from the host exporter, job tickwatch-host): CPU busy and per core, load, memory and swap, network interfaces, disk latency and queue, filesystem use, the configured processes and temperatures; and the tickwatch processes themselves: CPU, resident memory, V8 heap used and total, recording-thread garbage collection and event-loop lag, series allocated by the instrumentation core and label lookups its cardinality guard folded.',
    tags: ['system', 'host'],
    jobs: ['hft', 'recorder', 'host', 'clickhouse'],
    variables: [],
    rows: [
      {
        title: 'Targets',
        panels: [
          stateTimelinePanel({
            ...linked(PANELS.targetsUp),
            description:
              'Whether Prometheus\' last scrape of each tickwatch exporter of the selected jobs and instances succeeded. The Job and Instance variables list targets from this same series, so a target that never came up still shows. ExporterTargetDown fires when a scrape keeps failing.',
            unit: UNIT.state,
            queries: [{ expr: sel(PROMETHEUS_SERIES.up, I), legend: perTarget }],
            mappings: flagMappings({ text: 'DOWN', color: COLOR.critical }, { text: 'UP', color: COLOR.ok }),
            width: 18,
          }),
          statPanel({
            id: 2,
            title: 'Uptime',
            description: 'Seconds since each tickwatch process started; a reset means a restart.',
            unit: UNIT.seconds,
            queries: [{ expr: max(target, sel(C.processUptimeSeconds, I)), legend: perTarget }],
          }),
        ],
      },
      {
        title: 'Engine',
        panels: [
          timeseriesPanel(
            {
              ...linked(PANELS.engineUp),
              description: `Seconds since the newest event from the engine (any type, of any source), per HFT exporter, and whether the engine counts as heard from (right axis: 1 heard from, 0 silent). The exporter calls the engine silent after ${dur(C.ENGINE_SILENT_AFTER_SECONDS)} without an event while the session is open, or ${dur(C.ENGINE_HEARTBEAT_TIMEOUT_SECONDS)} without a heartbeat at any hour; EngineSilent pages then, and the engine's last reported values (positions, connections, PnL) are no longer served.`,
              unit: UNIT.seconds,
              queries: [
                { expr: max(target, sel(C.engineSilenceSeconds, I)), legend: `${perTarget} silence` },
                { expr: max(target, sel(C.engineUp, I)), legend: `${perTarget} heard from` },
              ],
              thresholds: [warningAt(C.ENGINE_HEARTBEAT_TIMEOUT_SECONDS), criticalAt(C.ENGINE_SILENT_AFTER_SECONDS)],
              min: 0,
              width: 12,
            },
            { rightAxis: { refIds: ['B'], unit: UNIT.state, min: 0, max: 1 } },
          ),
          timeseriesPanel(
            {
              ...linked(PANELS.engineLogs),
              description: `Log lines the engine wrote per second, every accepted line of every source (event types of the contract or not), per HFT exporter and level. EngineErrorsRising warns above ${T.ENGINE_ERRORS_WARNING_PER_SECOND} error lines a second for ${dur(T.ENGINE_ERRORS_FOR_SECONDS)}; EngineFatal pages on any fatal line. Read them with tickwatch logs search --level error.`,
              unit: UNIT.eventsPerSecond,
              queries: [{ expr: sum([...target, 'level'], rate(sel(C.logEventsTotal, I), RATE)), legend: '{{instance}} {{level}}' }],
              thresholds: [warningAt(T.ENGINE_ERRORS_WARNING_PER_SECOND)],
              min: 0,
              width: 12,
            },
            { stacked: true },
          ),
        ],
      },
      {
        title: 'Engine services',
        panels: [
          timeseriesPanel(
            {
              ...linked(PANELS.serviceEvents),
              description: `Failures and restarts of the engine's services and tickwatch's own per point, per instance and service (service.failed, service.restarted). ServiceFailed pages on any failure; ServiceRestartLoop warns from the ${T.SERVICE_RESTARTS_WARNING + 1}th restart of one service in 10 minutes. Each with its reason and exit code: Logs & audit, Service events.`,
              unit: UNIT.count,
              queries: [{ expr: sum([...target, 'service', 'event'], increase(sel(C.serviceEventsTotal, { ...I, event: { re: 'failed|restarted' } }), '$__interval')), legend: '{{instance}} {{service}} {{event}}' }],
              thresholds: [criticalAt(1)],
              min: 0,
              width: 12,
            },
            { bars: true, stacked: true },
          ),
          timeseriesPanel(
            {
              id: 41,
              title: 'Operation time by service p99',
              description: "p99 over the rate interval of the execution time of the operation each service samples (perf.sample: decode a tick, compute a signal, a risk check...), per instance, by service and operation. The samples themselves, with CPU, memory and disk: Logs & audit, Operation time by service.",
              unit: UNIT.seconds,
              queries: [{ expr: quantile(0.99, C.perfExecutionTimeSeconds, ['job', 'instance', 'service', 'operation'], RATE, I), legend: '{{instance}} {{service}} {{operation}}' }],
              min: 0,
              width: 12,
            },
            { legendCalcs: ['lastNotNull', 'max'] },
          ),
        ],
      },
      ...hostRows(),
      {
        title: 'Processes',
        panels: [
          timeseriesPanel({
            id: 3,
            title: 'CPU usage',
            description: 'CPU time (user plus system) each process used per second over the rate interval: 100 % is one full core.',
            unit: UNIT.ratio,
            queries: [{ expr: sum(target, rate(sel(C.processCpuSecondsTotal, I), RATE)), legend: perTarget }],
            min: 0,
            width: 6,
          }),
          timeseriesPanel({
            id: 4,
            title: 'Resident memory',
            description: 'Resident memory size of each process.',
            unit: UNIT.bytes,
            queries: [{ expr: max(target, sel(C.processResidentMemoryBytes, I)), legend: perTarget }],
            min: 0,
            width: 6,
          }),
          timeseriesPanel({
            id: 5,
            title: 'Heap used vs total',
            description: "V8 heap of the recording thread of each process: in use, and allocated by V8 (used plus free; it grows towards the heap limit when garbage outlives the young generation). Used climbing with total after every major GC is a leak.",
            unit: UNIT.bytes,
            queries: [
              { expr: max(target, sel(C.nodejsHeapUsedBytes, I)), legend: `${perTarget} used` },
              { expr: max(target, sel(C.nodejsHeapTotalBytes, I)), legend: `${perTarget} total` },
            ],
            min: 0,
            width: 6,
          }),
          timeseriesPanel(
            {
              id: 6,
              title: 'Event-loop lag',
              description: 'Event-loop delay of the recording thread over the last window: p99 and maximum. Lag here delays event ingest, not scrapes (a worker thread serves /metrics).',
              unit: UNIT.seconds,
              queries: [
                { expr: max(target, sel(C.eventLoopLagP99Seconds, I)), legend: `${perTarget} p99` },
                { expr: max(target, sel(C.eventLoopLagMaxSeconds, I)), legend: `${perTarget} max` },
              ],
              min: 0,
              width: 6,
            },
            { legendCalcs: ['lastNotNull', 'max'] },
          ),
          timeseriesPanel(
            {
              id: 50,
              title: 'GC time per second',
              description:
                "Seconds per second the recording thread of each tickwatch service spent in garbage collection, by kind (minor: young-generation scavenges; major: mark-sweep-compact; incremental: marking steps; weakcb: weak callbacks), from nodejs_gc_duration_seconds: 1 % is 10 ms of every second. The recording thread does no other work during a pause, so GC time shows up as event-loop lag and ingest delay.",
              unit: UNIT.ratio,
              queries: [{ expr: sum([...target, 'kind'], rate(sumOf(C.nodejsGcDurationSeconds, I), RATE)), legend: `${perTarget} {{kind}}` }],
              min: 0,
              width: 12,
            },
            { stacked: true },
          ),
          timeseriesPanel(
            {
              id: 51,
              title: 'GC pause p99',
              description: 'The 99th percentile of one garbage collection of the recording thread over the rate interval, per service and kind (empty for a kind that did not run): the longest stalls GC adds to event ingest.',
              unit: UNIT.seconds,
              queries: [{ expr: quantile(0.99, C.nodejsGcDurationSeconds, ['job', 'instance', 'kind'], RATE, I), legend: `${perTarget} {{kind}}` }],
              min: 0,
              width: 12,
            },
            { legendCalcs: ['lastNotNull', 'max'] },
          ),
        ],
      },
      {
        title: 'Instrumentation core',
        panels: [
          timeseriesPanel(
            {
              id: 7,
              title: 'Series per metric',
              description: 'Series the instrumentation core has allocated, per target and metric. A metric that climbs towards its series limit starts folding label sets into other.',
              unit: UNIT.count,
              queries: [{ expr: sum([...target, 'metric'], sel(C.seriesCount, I)), legend: '{{instance}} {{metric}}' }],
              min: 0,
              width: 8,
            },
            { legendCalcs: ['lastNotNull', 'max'] },
          ),
          timeseriesPanel(
            {
              id: 8,
              title: 'Cardinality folds',
              description:
                'Label lookups per second the cardinality guard folded into the other series, by metric and reason (unknown label value, series limit, capacity); a 0 line for a target while it folds nothing. Folds hide detail: find the label value or limit behind them.',
              unit: UNIT.opsPerSecond,
              queries: [
                {
                  expr: orZero(sum([...target, 'metric', 'reason'], rate(sel(C.cardinalityOverflowTotal, I), RATE)), target, sel(C.buildInfo, I)),
                  legend: '{{metric}} {{reason}} {{instance}}',
                },
              ],
              min: 0,
              width: 8,
            },
            { stacked: true },
          ),
          timeseriesPanel({
            id: 9,
            title: 'Invalid metric updates',
            description: 'Metric updates the recording API refused per second (a negative counter increment or NaN), by metric; a 0 line for a target while it refuses none. Any value is a bug in the caller.',
            unit: UNIT.opsPerSecond,
            queries: [{ expr: orZero(sum([...target, 'metric'], rate(sel(C.invalidUpdatesTotal, I), RATE)), target, sel(C.buildInfo, I)), legend: '{{metric}} {{instance}}' }],
            min: 0,
            width: 8,
          }),
        ],
      },
    ],
  });
}
