/**
 * The host exporter's collector module: the `/metrics` worker imports it and calls
 * {@link createCollectorSets} once, then reads every set once per scrape (see `CollectorSet` in
 * exporters/instrument/view.ts). Nothing here spawns a process: every value comes from /proc and
 * /sys through `fs`.
 *
 * Each collector is wrapped so that, like node_exporter, the scrape reports
 * `node_scrape_collector_success{collector}` and `node_scrape_collector_duration_seconds{collector}`
 * for the same scrape; a collector whose source is missing (no hwmon in a VM) reports success 0
 * silently, one that fails reports success 0 and its error (logged by the exporter once per new
 * message, not on every scrape).
 */
import { nodeScrapeCollectorDurationSeconds, nodeScrapeCollectorSuccess } from '../../catalog/host.js';
import { DEFAULT_MAX_SERIES, type MetricDef } from '../../catalog/types.js';
import type { CollectedSamples, CollectorSet } from '../../instrument/view.js';
import { DEFAULT_PATHS, NoDataError, type HostCollector, type HostCollectorName, type HostPaths, type Samples } from '../collector.js';
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
}

/** Every collector name, in the order the sets are registered. */
export const ALL_HOST_COLLECTORS: readonly HostCollectorName[] = ['cpu', 'stat', 'loadavg', 'meminfo', 'netdev', 'diskstats', 'filesystem', 'hwmon', 'thermal_zone', 'process'];

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
  };
  return ALL_HOST_COLLECTORS.filter((n) => enabled.has(n)).map((n) => make[n]());
}

/** What one scrape learned about each collector. */
interface Outcome {
  success: number;
  seconds: number;
}

/**
 * Wraps collectors into collector sets plus the `host.scrape` set that reports each one's success
 * and duration for the same scrape (it waits for the asynchronous ones still running).
 */
export function toCollectorSets(collectors: readonly HostCollector[]): CollectorSet[] {
  const outcomes = new Map<HostCollectorName, Outcome>();
  const inflight = new Set<Promise<unknown>>();

  const wrap = (c: HostCollector): CollectorSet => {
    const limits = new Map(c.defs.map((d: MetricDef) => [d.name, d.maxSeries ?? DEFAULT_MAX_SERIES]));
    const capped = new Set<string>();
    let lastError: string | undefined;
    const done = (t0: number, samples: Samples): ReadonlyMap<string, CollectedSamples> => {
      outcomes.set(c.name, { success: 1, seconds: (performance.now() - t0) / 1000 });
      lastError = undefined;
      const out = new Map<string, CollectedSamples>();
      const newlyCapped: string[] = [];
      for (const [name, list] of samples.map) {
        const limit = limits.get(name) ?? DEFAULT_MAX_SERIES;
        const arr = list as readonly (readonly [readonly string[], number])[];
        if (arr.length <= limit) out.set(name, arr);
        else {
          out.set(name, arr.slice(0, limit));
          if (!capped.has(name)) newlyCapped.push(`${name} has ${arr.length} series, more than its limit of ${limit}: the first ${limit} are kept from now on`);
          capped.add(name);
        }
      }
      if (newlyCapped.length) throw new Error(newlyCapped.join('; '));
      return out;
    };
    const failed = (t0: number, err: unknown): ReadonlyMap<string, CollectedSamples> => {
      outcomes.set(c.name, { success: 0, seconds: (performance.now() - t0) / 1000 });
      if (err instanceof NoDataError) return new Map();
      const msg = err instanceof Error ? err.message : String(err);
      if (msg === lastError) return new Map(); // already reported: success 0 says it is still failing
      lastError = msg;
      throw err instanceof Error ? err : new Error(msg);
    };
    return {
      name: `host.${c.name}`,
      defs: c.defs,
      collect() {
        const t0 = performance.now();
        let r: Samples | Promise<Samples>;
        try {
          r = c.collect();
        } catch (err) {
          return failed(t0, err);
        }
        if (!(r instanceof Promise)) return done(t0, r);
        const p = r.then(
          (samples) => done(t0, samples),
          (err: unknown) => failed(t0, err),
        );
        inflight.add(p);
        void p.finally(() => inflight.delete(p)).catch(() => undefined);
        return p;
      },
    };
  };

  const scrape: CollectorSet = {
    name: 'host.scrape',
    defs: [nodeScrapeCollectorSuccess, nodeScrapeCollectorDurationSeconds],
    async collect() {
      await Promise.allSettled([...inflight]);
      const success: [string[], number][] = [];
      const duration: [string[], number][] = [];
      for (const c of collectors) {
        const o = outcomes.get(c.name);
        if (!o) continue;
        success.push([[c.name], o.success]);
        duration.push([[c.name], o.seconds]);
      }
      return new Map([
        [nodeScrapeCollectorSuccess.name, success],
        [nodeScrapeCollectorDurationSeconds.name, duration],
      ]);
    },
  };

  // The scrape set goes last: the view starts sets in registration order, so by the time it runs
  // every collector of this scrape has finished or registered its pending promise.
  return [...collectors.map(wrap), scrape];
}

/**
 * The worker's entry point (see `CollectorModule` in exporters/instrument/worker.ts).
 * @param options - {@link HostCollectorOptions}
 */
export function createCollectorSets(options: unknown): CollectorSet[] {
  return toCollectorSets(createHostCollectors((options ?? {}) as HostCollectorOptions));
}
