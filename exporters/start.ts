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
 *
 * tickwatch's own services report about themselves like the engine's (seed 000's system_event_log,
 * performance_log): `service.started` once all have started, `service.stopped` when they are closed,
 * and a `perf.sample` per service every minute (operation `run`: the process's CPU time and percent
 * over the minute, its resident memory; the services share one process, so they share its figures).
 * These are in-process events (component `monitor`, `service: 'tickwatch-hft'`, ...): the HFT
 * exporter counts them (`HftExporter.report`, which does not take them for the engine speaking) and
 * passes them to the recorders, which record them; without an exporter they go to the recorders
 * directly. The HFT exporter's own anomaly detections reach the recorders the same way
 * (`onAnomaly`), so the audit trail has them beside the engine's, and so does the host exporter's
 * clock synchronisation log (`clock.sync`, exporters/host/clock-sync.ts) into `system_events`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { JOBS, type JobName } from './catalog/jobs.js';
import { startClickHouseExporter, type ClickHouseExporter, type ClickHouseExporterConfig } from './clickhouse/exporter.js';
import { startHftExporter, type HftExporter, type HftExporterConfig } from './hft/exporter.js';
import { startHostExporter, type HostExporter, type HostExporterConfig } from './host/exporter.js';
import { CLICKHOUSE_SERVER_PROCESS } from './host/collectors/process.js';
import { isLoopbackUrl } from './clickhouse/collectors/index.js';
import { VALIDATORS, type HftEvent } from './events/index.js';
import { fileSource } from './ingest/sources.js';
import type { EventConsumer, EventInfo } from './ingest/pipeline.js';
import type { Logging } from './lib/log.js';
import { CLI_ENTRY } from './lib/paths.js';
import { startRecorder, type RecorderConfig, type RunningRecorder } from './recorder/run.js';
import { loadWebConfig } from './instrument/web/config.js';
import { refusalEvent, type WebAccess, type WebRefusal } from './instrument/web/server.js';

/**
 * The host exporter's configuration with the ClickHouse server ({@link CLICKHOUSE_SERVER_PROCESS})
 * among its processes, when the ClickHouse exporter watches a server on this host (a loopback URL)
 * and no process of that name is configured: the Recorder & ClickHouse dashboard's server CPU and
 * disk IO panels read it. A remote server's process is not in this host's /proc.
 */
function withClickHouseServer(cfg: HostExporterConfig, clickhouseUrl: string): HostExporterConfig {
  const processes = cfg.processes ?? [];
  if (!isLoopbackUrl(clickhouseUrl) || processes.some((p) => p.name === CLICKHOUSE_SERVER_PROCESS.name)) return cfg;
  return { ...cfg, processes: [...processes, CLICKHOUSE_SERVER_PROCESS] };
}

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
  /**
   * tickwatch's reports about its own services (`service.started` / `service.stopped`, a
   * `perf.sample` per service every `perfIntervalMs`, default 60,000); default on, `false` for none.
   */
  readonly selfReport?: boolean | { readonly perfIntervalMs?: number };
  /**
   * The web configuration (`--web.config.file`: TLS, basic auth; instrument/web/) of every service
   * that names none of its own: each `/metrics`, the recorders' query APIs and webhook. Refusals
   * that are worth auditing become `security.permission_denied` events of tickwatch's own, like the
   * reports above: through the HFT exporter (its security detector: SuspiciousLoginActivity) to
   * the recorders (audit_security). Absent: plain HTTP, as before.
   */
  readonly web?: WebAccess;
}

/** The `service` name each of tickwatch's own services reports under. */
export const SELF_SERVICES = { hft: 'tickwatch-hft', recorder: 'tickwatch-recorder', host: 'tickwatch-host', clickhouse: 'tickwatch-clickhouse' } as const satisfies Record<JobName, string>;

/** How the recorders are told an in-process event was read (a tickwatch line used as it is). */
const INPROCESS: EventInfo = { format: 'tickwatch', known: true, mapped: false, source: 'inprocess' };

/** One of tickwatch's own services, for its reports. */
interface OwnService {
  readonly service: (typeof SELF_SERVICES)[JobName];
  readonly instance: string;
  readonly startedAt: Date;
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
  if (o.web) loadWebConfig(resolve(o.web.configFile)); // a bad file is named before anything starts
  mkdirSync(o.dataDir, { recursive: true });
  const started: { close(): Promise<unknown> }[] = [];
  let hft: HftExporter | undefined;
  let host: HostExporter | undefined;
  let clickhouse: ClickHouseExporter | undefined;
  const recorders: RunningRecorder[] = [];
  let simulator: ChildProcess | undefined;
  const own: OwnService[] = [];
  const self = (service: OwnService['service'], suffix = ''): void => {
    own.push({ service, instance: `${hostname()}:${process.pid}${suffix}`, startedAt: new Date() });
  };
  /**
   * One of tickwatch's own events: through the HFT exporter while it runs (counted there, and passed
   * on to the recorders by its consumer), else straight to the recorders. Never throws.
   */
  let hftOpen = false;
  const record = (fields: Record<string, unknown> & { event: string }, at = new Date()): void => {
    const ev = { ts: at.toISOString(), level: 'info', component: 'monitor', ...fields };
    try {
      if (hft && hftOpen) {
        hft.report(ev);
        return;
      }
      if (!VALIDATORS.get(ev.event)?.Check(ev)) return;
      for (const r of recorders) r.service.add(ev as unknown as HftEvent, at.getTime() / 1000, undefined, INPROCESS);
    } catch (err) {
      log.warn('start.self_report_failed', `A report about tickwatch's own ${String(fields.service)} was not recorded: ${(err as Error).message}`, { err });
    }
  };

  /** A refusal of a service's HTTP server: the audited ones become tickwatch's own security events. */
  const auditRefusal = (r: WebRefusal): void => {
    if (r.audit) record(refusalEvent(r), new Date(r.at));
  };

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
      const rec = await startRecorder({ ...r, events, format: r.format ?? (o.hft ? o.hft.format : undefined), redactKeys: r.redactKeys ?? (o.hft ? o.hft.redactKeys : undefined), dataDir, web: r.web ?? o.web, onWebRefusal: r.onWebRefusal ?? auditRefusal }, logging);
      recorders.push(rec);
      started.push(rec);
      self(SELF_SERVICES.recorder, i === 0 ? '' : `/recorder-${i}`);
    }
    if (o.hft) {
      const dataDir = o.hft.dataDir ?? o.dataDir;
      mkdirSync(dataDir, { recursive: true });
      // TCP lines have no file for a recorder to tail: the exporter passes them on as they arrive
      // (durable once the recorder seals its next batch, as any other line).
      const toRecorders: EventConsumer = (ev, ts, raw, info) => {
        if (info.source !== 'file') for (const r of recorders) r.service.add(ev, ts, raw, info);
      };
      // tickwatch's own anomaly detections go to the recorders too (the exporter imports no recorder).
      const given = o.hft.onAnomaly;
      const onAnomaly: HftExporterConfig['onAnomaly'] = (ev, t) => {
        given?.(ev, t);
        for (const r of recorders) r.service.add(ev, t, undefined, INPROCESS);
      };
      hft = await startHftExporter({ ...o.hft, web: o.hft.web ?? o.web, dataDir, onAnomaly, consumers: [...(o.hft.consumers ?? []), ...(recorders.length ? [toRecorders] : [])] }, logging);
      // One read of each file for the exporter and the recorders (FileTailer.carry): a recorder's
      // tailer reads by itself only while the two part (README: Overhead, 6 December 2026).
      // A file named twice has two tailers on each side: each recorder tailer takes one leader.
      const shared: string[] = [];
      const carried = new Set<object>();
      for (const lead of hft.tailers)
        for (const r of recorders)
          for (const t of r.service.tailers)
            if (!carried.has(t) && lead.carry(t)) {
              carried.add(t);
              shared.push(t.path);
            }
      if (shared.length) log.info('start.shared_reads', `The recorder takes the exporter's reads of ${shared.length} file(s) while both stand at the same line.`, { files: shared });
      started.push(hft);
      hftOpen = true;
      self(SELF_SERVICES.hft);
    }
    if (o.host) {
      const { optional: _, ...given } = o.host;
      const chCfg = o.clickhouse ? withClickHouseServer(given, o.clickhouse.url) : given;
      // The clock synchronisation log (clock.sync) reaches the recorders as tickwatch's own events do.
      const sync = chCfg.clockSync;
      const synced: HostExporterConfig = sync === false ? chCfg : { ...chCfg, clockSync: { ...sync, onEvent: (ev) => (sync?.onEvent?.(ev), record(ev)) } };
      const cfg: HostExporterConfig = { ...synced, web: synced.web ?? o.web, onWebRefusal: synced.onWebRefusal ?? auditRefusal };
      host = await optional('host', o.host, () => startHostExporter(cfg, logging));
      if (host) {
        started.push(host);
        self(SELF_SERVICES.host);
      }
    }
    if (o.clickhouse) {
      const { optional: _, ...given } = o.clickhouse;
      const cfg: ClickHouseExporterConfig = { ...given, web: given.web ?? o.web, onWebRefusal: given.onWebRefusal ?? auditRefusal };
      clickhouse = await optional('clickhouse', o.clickhouse, () => startClickHouseExporter(cfg, logging));
      if (clickhouse) {
        started.push(clickhouse);
        self(SELF_SERVICES.clickhouse);
      }
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

  // Every service is up: each reports its start (at the time it started), then a perf sample a minute.
  const reports = o.selfReport ?? true;
  const version = process.env.npm_package_version;
  let perfTimer: NodeJS.Timeout | undefined;
  if (reports) {
    for (const s of own)
      record({ event: 'service.started', service: s.service, status: 'running', instance_id: s.instance, ...(version ? { version } : {}), message: `${s.service} started` }, s.startedAt);
    const every = (typeof reports === 'object' ? reports.perfIntervalMs : undefined) ?? 60_000;
    let cpu = process.cpuUsage();
    let since = performance.now();
    perfTimer = setInterval(() => {
      const total = process.cpuUsage();
      const now = performance.now();
      const cpuMs = (total.user - cpu.user + total.system - cpu.system) / 1000;
      const fields = {
        operation: 'run',
        execution_time_ms: Math.round(cpuMs * 1000) / 1000,
        cpu_percent: Math.round((cpuMs / Math.max(1, now - since)) * 1000) / 10,
        memory_mb: Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10,
      };
      cpu = total;
      since = now;
      for (const s of own) record({ event: 'perf.sample', level: 'debug', service: s.service, instance_id: s.instance, ...fields });
    }, every);
    perfTimer.unref();
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
      clearInterval(perfTimer);
      // Each service says it stops while the exporter can still count it and the recorders record it.
      if (reports) for (const s of [...own].reverse()) record({ event: 'service.stopped', service: s.service, status: 'stopped', instance_id: s.instance, reason: 'tickwatch closed', message: `${s.service} stopping` });
      // Exporters first (they stop reading and passing TCP lines on), then recorders (they seal and flush what they have).
      hftOpen = false;
      await Promise.all([hft?.close(), host?.close(), clickhouse?.close()]);
      for (const r of recorders) await r.close();
    },
  };
}
