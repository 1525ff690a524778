/**
 * The host exporter: node_exporter-compatible host metrics plus CPU and memory of configured
 * processes, served on 127.0.0.1:9471 by the instrumentation core's `/metrics` worker.
 *
 * All reading happens in that worker at scrape time (see collectors/index.ts); this thread only
 * starts it. Nothing spawns a process, at start-up or per scrape. The `systeminformation` package
 * was measured for the static facts and left out: on these machines `osInfo()` took 626 ms and ran
 * 10 child processes, `cpu()` 6, `fsSize()` 3, `networkStats()` 3, `currentLoad()` 512 ms; every
 * figure we need is one read of /proc or /sys away, and USER_HZ is fixed at 100.
 */
import { PORTS } from '../catalog/jobs.js';
import { MetricRegistry } from '../instrument/registry.js';
import { startMetricsServer, type MetricsServer } from '../instrument/server.js';
import type { Logging } from '../lib/log.js';
import { createHostCollectors, type HostCollectorOptions } from './collectors/index.js';

/** Configuration of the host exporter. */
export interface HostExporterConfig extends HostCollectorOptions {
  /** `/metrics` address; default 127.0.0.1. */
  readonly host?: string;
  /** `/metrics` port; default 9471; 0 picks a free one. */
  readonly port?: number;
}

/** A running host exporter. */
export interface HostExporter {
  readonly metrics: MetricsServer;
  /** Stops the `/metrics` worker. */
  close(): Promise<void>;
}

const COLLECTORS_URL = new URL(import.meta.url.endsWith('.ts') ? './collectors/index.ts' : './collectors/index.js', import.meta.url);

/**
 * Starts the host exporter.
 * @throws Error when an option is invalid (a pattern that does not compile, a process name given
 *   twice) or the address cannot be bound
 */
export async function startHostExporter(cfg: HostExporterConfig, logging?: Logging): Promise<HostExporter> {
  const { host, port, ...collectorOptions } = cfg;
  createHostCollectors(collectorOptions); // validates here, where the error can be reported, rather than in the worker
  const log = logging?.logger('host');
  const reg = new MetricRegistry({ slotsPerSegment: 1024, maxSlots: 1 << 16 });
  const metrics = await startMetricsServer(reg, {
    host: host ?? '127.0.0.1',
    port: port ?? PORTS.host,
    service: 'tickwatch-host',
    collectorModules: [{ url: COLLECTORS_URL.href, options: collectorOptions }],
    onProblem: (message) => (log ? log.warn('host.collector_problem', message) : process.stderr.write(`tickwatch host: ${message}\n`)),
  });
  metrics.setReady(true);
  log?.info('host.started', `Host exporter serving ${metrics.url}/metrics.`, { url: metrics.url, processes: (cfg.processes ?? []).map((p) => p.name) });
  return { metrics, close: () => metrics.close() };
}
