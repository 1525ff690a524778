/**
 * The host exporter's collector module: the `/metrics` worker imports it and calls
 * {@link createCollectorSets} once, then reads every set once per scrape (see `CollectorSet` in
 * exporters/instrument/view.ts). Nothing here spawns a process: every value comes from /proc and
 * /sys through `fs`, but the clock's: `timex` calls `adjtimex(2)` (through koffi, read only) and
 * `chrony` asks chronyd's command port over UDP on the loopback.
 *
 * Each collector runs in the instrumentation core's harness (exporters/instrument/collector.ts), so
 * that, like node_exporter, the scrape reports `node_scrape_collector_success{collector}` and
 * `node_scrape_collector_duration_seconds{collector}` for the same scrape; a collector whose source
 * is missing (no hwmon in a VM) reports success 0 silently, one that fails reports success 0 and
 * its error (logged by the exporter once per new message, not on every scrape).
 */
import { nodeScrapeCollectorDurationSeconds, nodeScrapeCollectorSuccess } from '../../catalog/host.js';
import { toCollectorSets as toHarnessSets } from '../../instrument/collector.js';
import type { CollectorSet } from '../../instrument/view.js';
import { DEFAULT_PATHS, type HostCollector, type HostCollectorName, type HostPaths } from '../collector.js';
import { createChronyCollector, DEFAULT_CHRONY_TIMEOUT_MS } from './chrony.js';
import { createCpuCollector } from './cpu.js';
import { createDiskstatsCollector } from './diskstats.js';
import { createFilesystemCollector } from './filesystem.js';
import { createHwmonCollector } from './hwmon.js';
import { createLoadavgCollector } from './loadavg.js';
import { createMeminfoCollector } from './meminfo.js';
import { createNetdevCollector } from './netdev.js';
import { createProcessCollector, type ProcessSpec } from './process.js';
import { createStatCollector } from './stat.js';
import { createThermalZoneCollector } from './thermal.js';
import { createTimexCollector } from './timex.js';
import { CHRONY_DEFAULT_ADDRESS } from '../chrony.js';

/** Options of the host collectors (structured-cloneable: they travel to the worker in `workerData`). */
export interface HostCollectorOptions {
  /** Where /proc, /sys and udev's data are (tests point these at fixtures). */
  readonly paths?: Partial<HostPaths>;
  /** Collectors to run (default: all). */
  readonly collectors?: readonly HostCollectorName[];
  /** Processes to report CPU and memory of (`tickwatch_host_process_*`). */
  readonly processes?: readonly ProcessSpec[];
  /** Regular expression of network devices to skip (default `^lo$`, node_exporter's). */
  readonly netdevExclude?: string;
  /** Regular expression of block devices to skip (default: node_exporter's partitions/ram/loop pattern). */
  readonly diskstatsExclude?: string;
  /** Regular expression of mount points to skip (default: node_exporter's). */
  readonly mountExclude?: string;
  /** Regular expression of filesystem types to skip (default: node_exporter's). */
  readonly fstypeExclude?: string;
  /** How long a `statfs` may take before its mount counts as stuck, in ms (default 1000). */
  readonly statfsTimeoutMs?: number;
  /** chronyd's command port, `host:port` (default 127.0.0.1:323; chrony_exporter's `--chrony.address`). */
  readonly chronyAddress?: string;
  /** How long to wait for chronyd's answer, in ms (default 1000). */
  readonly chronyTimeoutMs?: number;
}

/** Every collector name, in the order the sets are registered. */
export const ALL_HOST_COLLECTORS: readonly HostCollectorName[] = ['cpu', 'stat', 'loadavg', 'meminfo', 'netdev', 'diskstats', 'filesystem', 'hwmon', 'thermal_zone', 'timex', 'chrony', 'process'];

/**
 * Builds the enabled collectors.
 * @throws Error when an exclude pattern does not compile or a process name repeats
 */
export function createHostCollectors(o: HostCollectorOptions = {}): HostCollector[] {
  const paths: HostPaths = { ...DEFAULT_PATHS, ...o.paths };
  const enabled = new Set(o.collectors ?? ALL_HOST_COLLECTORS);
  const make: Record<HostCollectorName, () => HostCollector> = {
    cpu: () => createCpuCollector(paths),
    stat: () => createStatCollector(paths),
    loadavg: () => createLoadavgCollector(paths),
    meminfo: () => createMeminfoCollector(paths),
    netdev: () => createNetdevCollector(paths, o.netdevExclude),
    diskstats: () => createDiskstatsCollector(paths, o.diskstatsExclude),
    filesystem: () => createFilesystemCollector(paths, { mountExclude: o.mountExclude, fstypeExclude: o.fstypeExclude, statfsTimeoutMs: o.statfsTimeoutMs }),
    hwmon: () => createHwmonCollector(paths),
    thermal_zone: () => createThermalZoneCollector(paths),
    process: () => createProcessCollector(paths, o.processes ?? []),
    timex: () => createTimexCollector(),
    chrony: () => createChronyCollector({ address: o.chronyAddress ?? CHRONY_DEFAULT_ADDRESS, timeoutMs: o.chronyTimeoutMs ?? DEFAULT_CHRONY_TIMEOUT_MS }),
  };
  return ALL_HOST_COLLECTORS.filter((n) => enabled.has(n)).map((n) => make[n]());
}

/**
 * Wraps collectors into collector sets plus the `host.scrape` set that reports each one's
 * `node_scrape_collector_success` and `node_scrape_collector_duration_seconds` for the same scrape
 * (the instrumentation core's harness, exporters/instrument/collector.ts).
 */
export function toCollectorSets(collectors: readonly HostCollector[]): CollectorSet[] {
  return toHarnessSets(collectors, {
    prefix: 'host',
    metrics: { success: nodeScrapeCollectorSuccess, duration: nodeScrapeCollectorDurationSeconds },
    context: () => undefined,
  });
}

/**
 * The worker's entry point (see `CollectorModule` in exporters/instrument/worker.ts).
 * @param options - {@link HostCollectorOptions}
 */
export function createCollectorSets(options: unknown): CollectorSet[] {
  return toCollectorSets(createHostCollectors((options ?? {}) as HostCollectorOptions));
}
