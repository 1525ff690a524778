/**
 * Process metrics. CPU, RSS, start time and uptime are process-wide and collected at scrape time
 * in the rendering thread; event-loop delay and heap belong to the recording thread, so that thread
 * samples them once a second into shared memory (an unref'd timer: a few microseconds per second).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  eventLoopLagMaxSeconds,
  eventLoopLagP99Seconds,
  nodejsHeapUsedBytes,
  processCpuSecondsTotal,
  processResidentMemoryBytes,
  processStartTimeSeconds,
  processUptimeSeconds,
  seriesCount,
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

/** A running sampler; `stop()` clears its timer and disables the delay histogram. */
export interface Sampler {
  stop(): void;
}

/**
 * Samples the calling thread's event-loop delay (p99 and max over each window) and heap use into
 * `nodejs_eventloop_lag_p99_seconds`, `nodejs_eventloop_lag_max_seconds` and
 * `nodejs_heap_size_used_bytes`.
 * @param intervalMs - window length in milliseconds (default 1000)
 * @param resolutionMs - delay histogram timer resolution in milliseconds (default 5)
 */
export function sampleRecordingThread(reg: MetricRegistry, intervalMs = 1000, resolutionMs = 5): Sampler {
  const h = monitorEventLoopDelay({ resolution: resolutionMs });
  h.enable();
  const p99 = reg.gauge(eventLoopLagP99Seconds).series();
  const max = reg.gauge(eventLoopLagMaxSeconds).series();
  const heap = reg.gauge(nodejsHeapUsedBytes).series();
  const tick = (): void => {
    // The histogram records the whole delay of each timer tick, including the resolution itself.
    const res = resolutionMs * 1e6;
    p99.set(h.count > 0 ? Math.max(0, h.percentile(99) - res) / 1e9 : 0);
    max.set(h.count > 0 ? Math.max(0, h.max - res) / 1e9 : 0);
    heap.set(process.memoryUsage().heapUsed);
    h.reset();
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  return {
    stop: () => {
      clearInterval(timer);
      h.disable();
    },
  };
}
