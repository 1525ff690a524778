/**
 * Starts the `/metrics` worker for a registry and hands back a small control handle.
 *
 * ```ts
 * const reg = new MetricRegistry();
 * const server = await startMetricsServer(reg, { port: 9470, service: 'tickwatch-hft' });
 * server.setReady(true); // /-/ready answers 200 from now on
 * ```
 */
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { buildInfo } from '../catalog/process.js';
import { sampleRecordingThread, type Sampler } from './process.js';
import type { LayoutMessage } from './protocol.js';
import type { MetricRegistry } from './registry.js';
import type { WorkerConfig, WorkerReply } from './worker.js';
import { loadWebConfig } from './web/config.js';
import { refusalCounter, type WebAccess, type WebRefusal } from './web/server.js';

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  /** Address to bind; default 127.0.0.1. */
  readonly host?: string;
  /** TCP port; 0 picks a free one (see {@link MetricsServer.port}). */
  readonly port: number;
  /** Service name for `tickwatch_build_info` and the index page. */
  readonly service: string;
  /** Sample event-loop delay and heap, and record garbage collections, of this thread (default true). */
  readonly sampleProcess?: boolean;
  /** Build version for `tickwatch_build_info` (default: package version). */
  readonly version?: string;
  /**
   * Told about layout problems the worker met and about the worker's death (default: a line on
   * stderr). The recording thread is never affected by either.
   */
  readonly onProblem?: (message: string) => void;
  /** Scrape-time collector modules for the worker (see `WorkerConfig.collectorModules`). */
  readonly collectorModules?: WorkerConfig['collectorModules'];
  /** Serve OpenMetrics when the Accept header asks for it (default true; see `WorkerConfig.openMetrics`). */
  readonly openMetrics?: boolean;
  /**
   * The web configuration (`--web.config.file`, exporter-toolkit's format: web/config.ts), applied
   * by the worker to `/metrics`, the health endpoints (unless `healthOpen`) and the index page.
   * Absent: plain HTTP without authentication (the default).
   */
  readonly web?: WebAccess;
  /**
   * Told about each refusal of the worker's server (already counted in
   * `tickwatch_web_refusals_total`): the service turns the audited ones into security events
   * (web/server.ts `refusalEvent`). Must not throw.
   */
  readonly onRefusal?: (r: WebRefusal) => void;
}

/** A running metrics server. */
export interface MetricsServer {
  /** The bound port. */
  readonly port: number;
  /** `http://host:port`, or `https://host:port` under a web configuration with TLS. */
  readonly url: string;
  /** Flips `/-/ready` between 200 (true) and 503 (false). Lock-free: one atomic store. */
  setReady(ready: boolean): void;
  /** Stops the worker and the sampler. */
  close(): Promise<void>;
}

const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);

/**
 * Starts a worker on an ES module. When running from TypeScript sources (tsx, vitest), the worker
 * registers tsx's loader before importing the module: Node 20 does not pass the parent's loader
 * hooks to workers, and `--import tsx` in a worker's execArgv does not cover its entry module.
 */
export function spawnModuleWorker(url: URL, workerData: unknown): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData });
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

/**
 * Spawns the worker, replays the registry's layout to it and forwards every later change.
 * @throws WebConfigError when `web` names a file that is not a valid web configuration (checked
 *   here, before the worker starts, so the message reaches the command line)
 * @throws Error when the worker cannot bind the address (the message says why)
 */
export async function startMetricsServer(reg: MetricRegistry, opts: MetricsServerOptions): Promise<MetricsServer> {
  const host = opts.host ?? '127.0.0.1';
  const control = new SharedArrayBuffer(4);
  const flags = new Int32Array(control);
  const web = opts.web ? { ...opts.web, configFile: resolve(opts.web.configFile) } : undefined;
  const tls = web ? loadWebConfig(web.configFile).tls !== undefined : false;
  // Served only under a web configuration: without one nothing is refused, and the output is as before.
  const countRefusal = web ? refusalCounter(reg) : undefined;
  const workerData: WorkerConfig = { host, port: opts.port, control, service: opts.service, collectorModules: opts.collectorModules, openMetrics: opts.openMetrics, web };
  const worker = spawnModuleWorker(WORKER_URL, workerData);
  const version = opts.version ?? process.env.npm_package_version ?? '0.1.0';
  reg.gauge(buildInfo).with({ service: opts.service, version, nodejs_version: process.version }).set(1);

  // Layout messages: the replay goes in one batch; later ones are sent as they happen.
  const backlog: LayoutMessage[] = [];
  let unsubscribe = reg.subscribe((m) => backlog.push(m));
  worker.postMessage(backlog.splice(0));
  unsubscribe();
  let replayed = false;
  unsubscribe = reg.subscribe((m) => {
    if (replayed) worker.postMessage(m);
  });
  replayed = true;

  const port = await new Promise<number>((done, reject) => {
    const onMsg = (m: WorkerReply): void => {
      if (m.t === 'problem' || m.t === 'refusal') return;
      if (m.t === 'listening') done(m.port);
      else reject(new Error(`metrics server on ${host}:${opts.port}: ${m.message}`));
      worker.off('message', onMsg);
    };
    worker.on('message', onMsg);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`metrics worker exited with code ${code} before listening`)));
  });
  const problem = opts.onProblem ?? ((msg: string) => process.stderr.write(`tickwatch metrics worker: ${msg}\n`));
  let closing = false;
  worker.on('message', (m: WorkerReply) => {
    if (m.t === 'problem') problem(m.message);
    else if (m.t === 'refusal') {
      countRefusal?.(m.refusal);
      try {
        opts.onRefusal?.(m.refusal);
      } catch (err) {
        problem(`a refusal was not reported: ${(err as Error).message}`);
      }
    }
  });
  worker.on('exit', (code) => {
    if (!closing) problem(`the /metrics worker exited with code ${code}; /metrics is down, recording goes on`);
  });
  const sampler: Sampler | undefined = opts.sampleProcess === false ? undefined : sampleRecordingThread(reg);
  return {
    port,
    url: `${tls ? 'https' : 'http'}://${host}:${port}`,
    setReady(ready) {
      Atomics.store(flags, 0, ready ? 1 : 0);
    },
    async close() {
      closing = true;
      sampler?.stop();
      unsubscribe();
      await worker.terminate();
    },
  };
}
