/**
 * The composition root: the one place that wires tickwatch's services together. `tickwatch start`
 * (what `npm start` runs), the local stack, the drills and the dashboards' liveness test all start
 * their services through {@link startTickwatch}; no other module composes services.
 *
 * What it can start, each optional:
 * - the HFT exporter (file tail and/or TCP ingest, derived metrics on `/metrics`);
 * - audit recorders, each tailing an event file into its own store (embedded DuckDB or ClickHouse),
 *   with its query API;
 * - the host exporter;
 * - the ClickHouse exporter;
 * - the simulator, as a child process appending to the HFT exporter's file (the engine's stand-in:
 *   a process of its own, as a real engine is, so its CPU is not counted as tickwatch's).
 *
 * Ports default to the catalog's port plan (`exporters/catalog/jobs.ts`); 0 picks a free one.
 * Whatever fails to start stops what had started before it, then the error is thrown; a service
 * marked `optional` is logged and left out instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { JOBS, type JobName } from './catalog/jobs.js';
import { startClickHouseExporter, type ClickHouseExporter, type ClickHouseExporterConfig } from './clickhouse/exporter.js';
import { startHftExporter, type HftExporter, type HftExporterConfig } from './hft/exporter.js';
import { startHostExporter, type HostExporter, type HostExporterConfig } from './host/exporter.js';
import { fileSource } from './ingest/sources.js';
import type { EventConsumer } from './ingest/pipeline.js';
import type { Logging } from './lib/log.js';
import { CLI_ENTRY } from './lib/paths.js';
import { startRecorder, type RecorderConfig, type RunningRecorder } from './recorder/run.js';

/** The simulator as a child process (`tickwatch simulate`), appending to a file. */
export interface SimulatorPlan {
  readonly scenario: string;
  readonly seed: number;
  /** The file it appends to (the HFT exporter's first file by default). */
  readonly out?: string;
  /** Simulated seconds; 0 runs until stopped. Default: 0 for `normal`, the scenario's own otherwise. */
  readonly duration?: number;
  /** Simulated start: `now`, `session` or RFC 3339 (default `session`: the latest open session). */
  readonly start?: string;
  /** Rename the file to `.1` past this size (default 64 MiB). */
  readonly rotateBytes?: number;
  /** Also write the engine modules' own log lines to one file per service in this folder (`simulate --log-dir`). */
  readonly logDir?: string;
}

/** A service that may be left out when it cannot start (`tickwatch start` runs host and ClickHouse exporters beside the main job this way). */
interface Optional {
  /** Log a failure to start and go on without it, instead of failing the whole start. */
  readonly optional?: boolean;
}

/** What {@link startTickwatch} starts. */
export interface StartOptions {
  /** Tail offsets, dead letters, recorder WALs and the embedded store live here (created when missing). */
  readonly dataDir: string;
  /** The HFT exporter (`dataDir` defaults to the one above). */
  readonly hft?: (Omit<HftExporterConfig, 'dataDir'> & { readonly dataDir?: string }) | false;
  /**
   * Audit recorders; `events` defaults to every file of the HFT exporter (each in its format), and
   * the exporter passes them what arrives over TCP; `dataDir` defaults to the one above (the first)
   * or `<dataDir>/recorder-<i>`.
   */
  readonly recorders?: readonly (Omit<RecorderConfig, 'events' | 'dataDir'> & { readonly events?: RecorderConfig['events']; readonly dataDir?: string })[];
  readonly host?: (HostExporterConfig & Optional) | false;
  readonly clickhouse?: (ClickHouseExporterConfig & Optional) | false;
  readonly simulator?: SimulatorPlan | false;
}

/** One scrape target of the running services. */
export interface RunningTarget {
  readonly service: JobName;
  readonly job: string;
  /** `host:port`. */
  readonly instance: string;
  /** The job's scrape interval from the port plan. */
  readonly interval: string;
}

/** The running services. */
export interface Tickwatch {
  readonly hft: HftExporter | undefined;
  readonly recorders: readonly RunningRecorder[];
  readonly host: HostExporter | undefined;
  readonly clickhouse: ClickHouseExporter | undefined;
  readonly simulator: ChildProcess | undefined;
  /** Every `/metrics` endpoint with its job, for a Prometheus to scrape. */
  targets(): RunningTarget[];
  /** Stops the simulator, then every service; resolves when all have stopped. */
  close(): Promise<void>;
}

function target(service: JobName, url: string): RunningTarget {
  return { service, job: JOBS[service].job, instance: new URL(url).host, interval: JOBS[service].interval };
}

/**
 * Starts the services the options name, in dependency order (exporters, then recorders, then the
 * simulator that feeds them).
 * @throws Error when a non-optional service cannot start (a port taken, a store that cannot be
 *   opened); everything already started is stopped first
 */
export async function startTickwatch(o: StartOptions, logging: Logging): Promise<Tickwatch> {
  const log = logging.logger('start');
  mkdirSync(o.dataDir, { recursive: true });
  const started: { close(): Promise<unknown> }[] = [];
  let hft: HftExporter | undefined;
  let host: HostExporter | undefined;
  let clickhouse: ClickHouseExporter | undefined;
  const recorders: RunningRecorder[] = [];
  let simulator: ChildProcess | undefined;

  const optional = async <T>(name: string, o2: Optional, start: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await start();
    } catch (err) {
      if (!o2.optional) throw err;
      log.error(`${name}.start_failed`, `${name} not started: ${(err as Error).message}`, { err });
      return undefined;
    }
  };

  try {
    // Recorders first: the HFT exporter hands them what arrives over TCP (files they tail themselves).
    for (const [i, r] of (o.recorders ?? []).entries()) {
      // By default a recorder tails every file the exporter tails, each in its format: every source
      // reaches the store as well as the metrics.
      const events = r.events ?? (o.hft ? o.hft.files.map((f) => fileSource(f, o.hft ? o.hft.format : undefined)) : undefined);
      if (!events || (Array.isArray(events) && events.length === 0)) throw new Error('a recorder needs an event file to tail (give events, or an HFT exporter with files)');
      const dataDir = r.dataDir ?? (i === 0 ? o.dataDir : join(o.dataDir, `recorder-${i}`));
      mkdirSync(dataDir, { recursive: true });
      const rec = await startRecorder({ ...r, events, format: r.format ?? (o.hft ? o.hft.format : undefined), dataDir }, logging);
      recorders.push(rec);
      started.push(rec);
    }
    if (o.hft) {
      const dataDir = o.hft.dataDir ?? o.dataDir;
      mkdirSync(dataDir, { recursive: true });
      // TCP lines have no file for a recorder to tail: the exporter passes them on as they arrive
      // (durable once the recorder seals its next batch, as any other line).
      const toRecorders: EventConsumer = (ev, ts, raw, info) => {
        if (info.source !== 'file') for (const r of recorders) r.service.add(ev, ts, raw, info);
      };
      hft = await startHftExporter({ ...o.hft, dataDir, consumers: [...(o.hft.consumers ?? []), ...(recorders.length ? [toRecorders] : [])] }, logging);
      started.push(hft);
    }
    if (o.host) {
      const { optional: _, ...cfg } = o.host;
      host = await optional('host', o.host, () => startHostExporter(cfg, logging));
      if (host) started.push(host);
    }
    if (o.clickhouse) {
      const { optional: _, ...cfg } = o.clickhouse;
      clickhouse = await optional('clickhouse', o.clickhouse, () => startClickHouseExporter(cfg, logging));
      if (clickhouse) started.push(clickhouse);
    }
    if (o.simulator) {
      const s = o.simulator;
      const first = o.hft ? o.hft.files[0] : undefined;
      const out = s.out ?? (first === undefined ? undefined : fileSource(first).path);
      if (!out) throw new Error('the simulator needs a file to append to (give out, or an HFT exporter with a file)');
      const args = [CLI_ENTRY, 'simulate', '--scenario', s.scenario, '--out', out, '--speed', '1', '--start', s.start ?? 'session', '--seed', String(s.seed), '--rotate-bytes', String(s.rotateBytes ?? 64 * 1024 * 1024)];
      const duration = s.duration ?? (s.scenario === 'normal' ? 0 : undefined);
      if (duration !== undefined) args.push('--duration', String(duration));
      if (s.logDir) args.push('--log-dir', s.logDir);
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
      simulator = child;
      child.on('exit', (code, sig) => log.info('simulator.exited', `Simulator exited (${sig ?? code}).`, { code, signal: sig }));
      log.info('simulator.started', `Simulator (${s.scenario}) appending to ${out}.`, { pid: child.pid, file: out });
    }
  } catch (err) {
    simulator?.kill('SIGTERM');
    for (const s of started.reverse()) await s.close().catch(() => undefined);
    throw err;
  }

  return {
    hft,
    recorders,
    host,
    clickhouse,
    simulator,
    targets() {
      const out: RunningTarget[] = [];
      if (hft) out.push(target('hft', hft.metrics.url));
      for (const r of recorders) out.push(target('recorder', r.service.metrics.url));
      if (host) out.push(target('host', host.metrics.url));
      if (clickhouse) out.push(target('clickhouse', clickhouse.metrics.url));
      return out;
    },
    async close() {
      if (simulator && simulator.exitCode === null && simulator.signalCode === null) {
        const exited = new Promise<void>((r) => simulator!.once('exit', () => r()));
        simulator.kill('SIGTERM');
        await exited;
      }
      // Exporters first (they stop reading and passing TCP lines on), then recorders (they seal and flush what they have).
      await Promise.all([hft?.close(), host?.close(), clickhouse?.close()]);
      for (const r of recorders) await r.close();
    },
  };
}
