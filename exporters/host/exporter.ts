/**
 * The host exporter: node_exporter-compatible host metrics plus CPU and memory of configured
 * processes, served on 127.0.0.1:9471 by the instrumentation core's `/metrics` worker.
 *
 * All scrape-time reading happens in that worker (see collectors/index.ts); this thread starts it
 * and runs the clock synchronisation log (clock-sync.ts: adjtimex and chronyd's tracking report
 * once a second, a `clock.sync` event per change of status). Nothing spawns a process, at start-up
 * or per scrape. The `systeminformation` package
 * was measured for the static facts and left out: on these machines `osInfo()` took 626 ms and ran
 * 10 child processes, `cpu()` 6, `fsSize()` 3, `networkStats()` 3, `currentLoad()` 512 ms; every
 * figure we need is one read of /proc or /sys away, and USER_HZ is fixed at 100.
 */
import { PORTS } from '../catalog/jobs.js';
import { MetricRegistry } from '../instrument/registry.js';
import { startMetricsServer, type MetricsServer } from '../instrument/server.js';
import { logRefusal, type WebAccess, type WebRefusal } from '../instrument/web/server.js';
import type { Logging } from '../lib/log.js';
import { CHRONY_DEFAULT_ADDRESS } from './chrony.js';
import { startClockSync, type ClockSync, type ClockSyncOptions } from './clock-sync.js';
import { DEFAULT_CHRONY_TIMEOUT_MS } from './collectors/chrony.js';
import { ALL_HOST_COLLECTORS, createHostCollectors, type HostCollectorOptions } from './collectors/index.js';

/** Configuration of the host exporter. */
export interface HostExporterConfig extends HostCollectorOptions {
  /** `/metrics` address; default 127.0.0.1. */
  readonly host?: string;
  /** `/metrics` port; default 9471; 0 picks a free one. */
  readonly port?: number;
  /**
   * The clock synchronisation log (clock-sync.ts): on by default for the sources whose collectors
   * are on (`timex`: the kernel, `chrony`: chronyd); `false` for none. Its events go to the log and
   * to `onEvent`.
   */
  readonly clockSync?: ClockSyncOptions | false;
  /** The web configuration of `/metrics` (`--web.config.file`: TLS, basic auth; instrument/web/); absent: plain HTTP. */
  readonly web?: WebAccess;
  /**
   * Told about each refusal of `/metrics` (already counted and logged). `tickwatch start` records
   * the audited ones as security events; alone, the exporter only logs them. Must not throw.
   */
  readonly onWebRefusal?: (r: WebRefusal) => void;
}

/** A running host exporter. */
export interface HostExporter {
  readonly metrics: MetricsServer;
  /** The clock synchronisation log, when on. */
  readonly clockSync: ClockSync | undefined;
  /** Stops the clock watch and the `/metrics` worker. */
  close(): Promise<void>;
}

const COLLECTORS_URL = new URL(import.meta.url.endsWith('.ts') ? './collectors/index.ts' : './collectors/index.js', import.meta.url);

/**
 * Starts the host exporter.
 * @throws Error when an option is invalid (a pattern that does not compile, a process name given
 *   twice) or the address cannot be bound
 */
export async function startHostExporter(cfg: HostExporterConfig, logging?: Logging): Promise<HostExporter> {
  const { host, port, clockSync: syncOptions, web, onWebRefusal, ...collectorOptions } = cfg;
  createHostCollectors(collectorOptions); // validates here, where the error can be reported, rather than in the worker
  const log = logging?.logger('host');
  const reg = new MetricRegistry({ slotsPerSegment: 1024, maxSlots: 1 << 16 });
  const metrics = await startMetricsServer(reg, {
    host: host ?? '127.0.0.1',
    port: port ?? PORTS.host,
    service: 'tickwatch-host',
    collectorModules: [{ url: COLLECTORS_URL.href, options: collectorOptions }],
    onProblem: (message) => (log ? log.warn('host.collector_problem', message) : process.stderr.write(`tickwatch host: ${message}\n`)),
    web,
    onRefusal: (r) => (logRefusal(log, r), onWebRefusal?.(r)),
  });
  metrics.setReady(true);
  log?.info('host.started', `Host exporter serving ${metrics.url}/metrics.`, { url: metrics.url, processes: (cfg.processes ?? []).map((p) => p.name) });
  const enabled = new Set(cfg.collectors ?? ALL_HOST_COLLECTORS);
  let clockSync: ClockSync | undefined;
  if (syncOptions !== false && (enabled.has('timex') || enabled.has('chrony'))) {
    const o = syncOptions ?? {};
    const chrony = enabled.has('chrony') ? { address: cfg.chronyAddress ?? CHRONY_DEFAULT_ADDRESS, timeoutMs: cfg.chronyTimeoutMs ?? DEFAULT_CHRONY_TIMEOUT_MS } : undefined;
    clockSync = startClockSync({ kernel: enabled.has('timex'), chrony }, o, (ev) => {
      // The line is the host exporter's own (component host): the event's `component` would be a second key of that name.
      const { ts: _ts, level, event, message, component: _component, ...fields } = ev;
      if (log) log[level === 'info' ? 'info' : level === 'warn' ? 'warn' : 'error'](event, message ?? event, fields);
      try {
        o.onEvent?.(ev);
      } catch (err) {
        log?.warn('host.clock_sync_delivery_failed', `A clock.sync event was not delivered: ${(err as Error).message}`, { err });
      }
    });
  }
  return {
    metrics,
    clockSync,
    close: () => {
      clockSync?.stop();
      return metrics.close();
    },
  };
}
