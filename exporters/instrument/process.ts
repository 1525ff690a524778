/**
 * Process metrics. CPU, RSS, start time and uptime are process-wide and collected at scrape time
 * in the rendering thread; event-loop delay, heap and garbage collection belong to the recording
 * thread, so that thread samples delay and heap once a second into shared memory (an unref'd timer:
 * a few microseconds per second) and records each garbage collection as V8 reports it (a
 * PerformanceObserver callback on its event loop after the collection, not inside it: one histogram
 * observation per collection, tens of nanoseconds).
 */
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { everyOnGrid } from '../lib/grid.js';
import {
  eventLoopLagMaxSeconds,
  eventLoopLagP99Seconds,
  nodejsGcDurationSeconds,
  nodejsHeapTotalBytes,
  nodejsHeapUsedBytes,
  processCpuSecondsTotal,
  processResidentMemoryBytes,
  processStartTimeSeconds,
  processUptimeSeconds,
  seriesCount,
  type NODEJS_GC_KINDS,
} from '../catalog/process.js';
import type { MetricRegistry } from './registry.js';
import type { Collector, SeriesView } from './view.js';

/** Process start, Unix seconds (from `performance.timeOrigin` of the main thread, shared by workers). */
function startTimeSeconds(): number {
  return (Date.now() - process.uptime() * 1000) / 1000;
}

/**
 * Scrape-time collectors for the rendering thread: `process_cpu_seconds_total`,
 * `process_resident_memory_bytes`, `process_start_time_seconds`, `tickwatch_process_uptime_seconds`
 * and `tickwatch_series{metric}` (from the view's layout).
 */
export function processCollectors(view: SeriesView): Collector[] {
  const start = startTimeSeconds();
  return [
    { def: processStartTimeSeconds, collect: () => [[[], start]] },
    { def: processUptimeSeconds, collect: () => [[[], Date.now() / 1000 - start]] },
    {
      def: processCpuSecondsTotal,
      collect: () => {
        const u = process.cpuUsage(); // getrusage(RUSAGE_SELF): every thread of the process, microseconds
        return [[[], (u.user + u.system) / 1e6]];
      },
    },
    { def: processResidentMemoryBytes, collect: () => [[[], process.memoryUsage.rss()]] },
    { def: seriesCount, collect: () => [...view.seriesCounts()].map(([name, n]) => [[name], n] as const) },
  ];
}

/** A running sampler; `stop()` clears its timer, disables the delay histogram and stops observing garbage collections. */
export interface Sampler {
  stop(): void;
}

/** The `kind` label of a V8 GC kind (`PerformanceEntry.detail.kind`, Node's `NODE_PERFORMANCE_GC_*` constants), as prom-client names it. */
const GC_KINDS: ReadonlyMap<number, (typeof NODEJS_GC_KINDS)[number]> = new Map([
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
  [constants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weakcb'],
]);

/**
 * Records every garbage collection of the calling thread's isolate into `nodejs_gc_duration_seconds{kind}`
 * (seconds, from the entry's `duration` in milliseconds). A kind outside the four is not recorded.
 * @returns the observer (disconnect it to stop)
 */
export function observeGc(reg: MetricRegistry): PerformanceObserver {
  const family = reg.histogram(nodejsGcDurationSeconds);
  const byKind = new Map([...GC_KINDS].map(([k, name]) => [k, family.with({ kind: name })]));
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
      const kind = e.detail?.kind;
      if (kind !== undefined) byKind.get(kind)?.observe(e.duration / 1000);
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  return obs;
}

/** One window's figures of a thread's event loop and heap. */
interface Reading {
  readonly p99: number;
  readonly max: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
}

/**
 * The calling thread's one delay monitor per window and resolution, shared by every registry of the
 * thread that samples it (module state is per thread: each worker loads its own copy). `tickwatch
 * start` runs three services in one thread; each once had its own monitor, and three timers at a 5 ms
 * resolution woke the idle process 600 times a second.
 */
const monitors = new Map<string, { readonly sinks: Set<(r: Reading) => void>; read(reset: boolean): Reading; stop(): void }>();

function threadMonitor(intervalMs: number, resolutionMs: number) {
  const key = `${intervalMs}/${resolutionMs}`;
  const known = monitors.get(key);
  if (known) return known;
  // The delays of one timer on the wall clock's grid (lib/grid.ts), ms, in the window so far.
  let delays: number[] = [];
  const sinks = new Set<(r: Reading) => void>();
  const read = (reset: boolean): Reading => {
    const m = process.memoryUsage();
    let max = 0;
    let p99 = 0;
    if (delays.length > 0) {
      const sorted = [...delays].sort((a, b) => a - b);
      max = sorted[sorted.length - 1]!;
      p99 = sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]!;
    }
    if (reset) delays = [];
    return { p99: p99 / 1000, max: max / 1000, heapUsed: m.heapUsed, heapTotal: m.heapTotal };
  };
  // One timer for both: each grid instant records its delay, and the instant that ends a window
  // (a multiple of intervalMs) hands the window to the sinks.
  const timer = everyOnGrid(
    resolutionMs,
    (due, now) => {
      delays.push(Math.max(0, now - due));
      if (due % intervalMs < resolutionMs) {
        const r = read(true);
        for (const s of sinks) s(r);
      }
    },
    { unref: true },
  );
  const monitor = {
    sinks,
    read,
    stop() {
      timer.stop();
      monitors.delete(key);
    },
  };
  monitors.set(key, monitor);
  return monitor;
}

/**
 * Samples the calling thread's event-loop delay (p99 and max over each window) and heap (used and
 * total) into `nodejs_eventloop_lag_p99_seconds`, `nodejs_eventloop_lag_max_seconds`,
 * `nodejs_heap_size_used_bytes` and `nodejs_heap_size_total_bytes` (from `process.memoryUsage()`,
 * the calling thread's isolate), and records its garbage collections ({@link observeGc}). Every
 * registry of a thread sampled with the same window and resolution shares one delay monitor and one
 * timer (so several services in one process wake it no more often than one), and gets the same figures.
 * @param intervalMs - window length in milliseconds (default 1000)
 * @param resolutionMs - how often the delay is sampled, ms (default 250; 100 until 7 December 2026,
 *   20 until 4 December). The sampler is a timer on the wall clock's grid (lib/grid.ts
 *   `everyOnGrid`), the instants the tailers' polls (every 100 or 500 ms) and the HFT exporter's
 *   tick (250 ms) fall on too, so an idle thread wakes once for all of them; each instant records how
 *   late the timer ran, and the window's p99 and maximum are of those delays (four a second: the
 *   p99 is the maximum). Before, Node's `monitorEventLoopDelay` woke the thread every 100 ms on
 *   instants of its own, and its window timer once more a second. A stall shows only as far as it
 *   runs past an instant: one longer than the resolution always shows, less up to one resolution;
 *   a shorter one shows in part, or not at all. Each wake-up of an idle thread costs CPU (lib/grid.ts
 *   has the figures; at 5 ms the old monitor alone took 1.0 % of a core on this project's 2-core VM).
 *   No alert reads these gauges, and a scrape sees only the window before it, so most stalls shorter
 *   than a scrape interval were never seen at 100 ms either.
 */
export function sampleRecordingThread(reg: MetricRegistry, intervalMs = 1000, resolutionMs = 250): Sampler {
  const p99 = reg.gauge(eventLoopLagP99Seconds).series();
  const max = reg.gauge(eventLoopLagMaxSeconds).series();
  const heap = reg.gauge(nodejsHeapUsedBytes).series();
  const heapTotal = reg.gauge(nodejsHeapTotalBytes).series();
  const gc = observeGc(reg);
  const sink = (r: Reading): void => {
    p99.set(r.p99);
    max.set(r.max);
    heap.set(r.heapUsed);
    heapTotal.set(r.heapTotal);
  };
  const monitor = threadMonitor(intervalMs, resolutionMs);
  // A registry that joins a running monitor starts from the window so far; the first one from an empty window.
  sink(monitor.read(monitor.sinks.size === 0));
  monitor.sinks.add(sink);
  return {
    stop: () => {
      monitor.sinks.delete(sink);
      if (monitor.sinks.size === 0) monitor.stop();
      gc.disconnect();
    },
  };
}
