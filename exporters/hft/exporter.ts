/**
 * The HFT exporter: tails the engine's event and log file(s) and/or listens for NDJSON over TCP,
 * in each source's log format (tickwatch, structlog, Loguru, pino; see events/formats.ts), derives
 * the catalog's metrics from the events, counts every log line, watches the engine's liveness, and
 * serves the metrics on `/metrics` from a worker thread.
 *
 * Besides the engine's events it takes tickwatch's own reports about itself ({@link HftExporter.report}:
 * `service.*`, `perf.sample`), which are counted like any event but are not the engine speaking;
 * and its own detectors' anomalies go to {@link HftExporterConfig.onAnomaly}.
 */
import { join } from 'node:path';
import { PORTS } from '../catalog/jobs.js';
import { TOP_POSITIONS_DEFAULT } from '../catalog/positions.js';
import { MetricRegistry } from '../instrument/registry.js';
import { startMetricsServer, type MetricsServer } from '../instrument/server.js';
import { auditBudget, logRefusal, refusalEvent, type WebAccess, type WebRefusal } from '../instrument/web/server.js';
import type { Logging } from '../lib/log.js';
import { TradingCalendar, TWSE_CALENDAR, type CalendarConfig } from './calendar.js';
import type { FormatOption } from '../events/formats.js';
import { fileSource, type FileSpec } from '../ingest/sources.js';
import type { AnomalyDetectorOptions, AnomalyEvent } from './anomalies.js';
import { EventClock } from './clock.js';
import { Deriver } from './derive.js';
import { TopPositionsBoard } from './positions.js';
import type { SecurityDetectorOptions } from './security.js';
import { EngineLiveness } from './liveness.js';
import { DeadLetterFile } from '../ingest/deadletter.js';
import { IngestPipeline, type EventConsumer } from '../ingest/pipeline.js';
import { Redactor } from '../ingest/redact.js';
import { FileTailer } from '../ingest/tail.js';
import { peerAddress, startTcpIngest, TCP_AUDITED_REASONS, tcpRefusalEvent, tcpIngestMetrics, type TcpIngest, type TcpIngestOptions, type TcpRefusal } from '../ingest/tcp.js';
import { everyOnGrid } from '../lib/grid.js';

/** Where the TCP ingest listens, and its access settings and bounds (see ingest/tcp.ts). */
export type TcpListenConfig = { readonly host?: string; readonly port: number } & Pick<
  TcpIngestOptions,
  'tokenFile' | 'tls' | 'maxConnections' | 'maxLinesPerSecond' | 'idleTimeoutMs' | 'authTimeoutMs'
>;

/** Configuration of the HFT exporter. */
export interface HftExporterConfig {
  /** `/metrics` address; default 127.0.0.1:9470. */
  readonly host?: string;
  readonly port?: number;
  /** Files to tail: paths, or sources with their format and default component (see ingest/sources.ts). */
  readonly files: readonly FileSpec[];
  /** Format of the files that name none, and of TCP connections; default `auto` (detected per line). */
  readonly format?: FormatOption;
  /**
   * TCP ingest address and access settings (token file, TLS, bounds; defaults in
   * `TCP_INGEST_DEFAULTS`, ingest/tcp.ts), or null for none; default 127.0.0.1:9478, no token, no TLS.
   */
  readonly tcp?: TcpListenConfig | null;
  /** Folder for tail offsets and the dead-letter file. */
  readonly dataDir: string;
  readonly calendar?: CalendarConfig;
  readonly feeds?: readonly string[];
  readonly strategies?: readonly string[];
  /** Poll interval of the event files in ms while they are busy (default 100; ingest/tail.ts). */
  readonly pollMs?: number;
  /** Poll interval of a quiet event file in ms (`--idle-poll-ms`; default DEFAULT_IDLE_POLL_MS, ingest/tail.ts). */
  readonly idlePollMs?: number;
  /** Longest accepted line in bytes (default 65,536). */
  readonly maxLineBytes?: number;
  /**
   * Secret-looking key words whose values are redacted before a line is dead-lettered, logged or
   * handed to the consumers (ingest/redact.ts); default DEFAULT_REDACT_KEYS, `[]` for none.
   */
  readonly redactKeys?: readonly string[];
  /** Where to start a file with no saved offset (default start). */
  readonly from?: 'start' | 'end';
  /** How often time-derived gauges are updated, in ms (default 250), on the wall clock's grid (lib/grid.ts). */
  readonly tickMs?: number;
  /** More consumers of valid events (the audit recorder). */
  readonly consumers?: readonly EventConsumer[];
  /** Seconds without any event, while the session is open, after which the engine is silent (default 10). */
  readonly engineSilentAfter?: number;
  /** Heartbeat age in seconds after which the engine is silent at any hour (default 5). */
  readonly heartbeatTimeout?: number;
  readonly registry?: MetricRegistry;
  /** K of `hft_position_notional`: the largest positions by absolute notional (default 10, at most 100). */
  readonly topPositions?: number;
  /** The security detector's window, failure limit and map bound (defaults: exporters/catalog/security.ts). */
  readonly security?: SecurityDetectorOptions;
  /** tickwatch's anomaly detectors' figures, e.g. `positionJumpNotional` (defaults: exporters/catalog/anomalies.ts). */
  readonly anomalies?: AnomalyDetectorOptions;
  /**
   * Told about each `anomaly.detected` / `anomaly.resolved` event of tickwatch's own detectors, with
   * its time in Unix seconds (already counted in the exporter's metrics). `tickwatch start` passes
   * them to the audit recorders; the exporter itself imports no recorder. Must not throw.
   */
  readonly onAnomaly?: (ev: AnomalyEvent, t: number) => void;
  /** The web configuration of `/metrics` (`--web.config.file`: TLS, basic auth; instrument/web/); absent: plain HTTP. */
  readonly web?: WebAccess;
  /**
   * Told about each refusal of `/metrics` (already counted and logged). Absent: the exporter
   * reports the audited ones to itself as `security.permission_denied` events ({@link HftExporter.report}:
   * counted, watched by the security detector, handed to the consumers). Must not throw.
   */
  readonly onWebRefusal?: (r: WebRefusal) => void;
}

/** A running exporter. */
export interface HftExporter {
  readonly metrics: MetricsServer;
  readonly tcp: TcpIngest | undefined;
  readonly pipeline: IngestPipeline;
  readonly deriver: Deriver;
  readonly clock: EventClock;
  readonly liveness: EngineLiveness;
  readonly tailers: readonly FileTailer[];
  readonly deadLetter: DeadLetterFile;
  readonly registry: MetricRegistry;
  /** The top K positions as the `/metrics` worker reads them. */
  readonly positionsBoard: TopPositionsBoard;
  /**
   * Takes one of tickwatch's own events (an in-process source, `inprocess`/`tickwatch`: `service.started`
   * of its services, `perf.sample`): validated, counted and derived like any event, and handed to
   * the consumers (the recorders, in `tickwatch start`), but it neither moves the exporter's clock nor
   * counts as the engine being heard from (its time is tickwatch's, not the engine's).
   * @returns whether it was valid (an invalid one is dead-lettered like any bad line)
   */
  report(event: Readonly<Record<string, unknown>>): boolean;
  /** Stops ingest, saves offsets, stops the metrics worker. */
  close(): Promise<void>;
}

const POSITIONS_COLLECTOR_URL = new URL(import.meta.url.endsWith('.ts') ? './positions-collector.ts' : './positions-collector.js', import.meta.url);

/**
 * Starts the exporter.
 * @throws Error when a port cannot be bound or the calendar is invalid
 */
export async function startHftExporter(cfg: HftExporterConfig, logging: Logging): Promise<HftExporter> {
  const log = logging.logger('hft');
  const registry = cfg.registry ?? new MetricRegistry();
  const calendar = new TradingCalendar(cfg.calendar ?? TWSE_CALENDAR);
  const clock = new EventClock();
  const positionsBoard = new TopPositionsBoard(cfg.topPositions ?? TOP_POSITIONS_DEFAULT);
  const deriver = new Deriver({
    registry,
    calendar,
    feeds: cfg.feeds,
    strategies: cfg.strategies,
    security: cfg.security,
    anomalies: cfg.anomalies,
    topPositions: positionsBoard.k,
    positionsBoard,
    onAnomaly: cfg.onAnomaly,
  });
  const liveness = new EngineLiveness({ registry, silentAfter: cfg.engineSilentAfter, heartbeatTimeout: cfg.heartbeatTimeout, start: clock.now() });
  const deadLetter = new DeadLetterFile(join(cfg.dataDir, 'dead-letter.ndjson'), undefined, (err) =>
    log.error('ingest.deadletter_failed', 'Writing the dead-letter file failed; rejected lines are still counted.', { err }),
  );
  /** Set while {@link HftExporter.report} hands one of tickwatch's own events to the pipeline (synchronous). */
  let reporting = false;
  const pipeline = new IngestPipeline({
    registry,
    deadLetter,
    log: logging.logger('ingest'),
    redactor: new Redactor(cfg.redactKeys),
    consumers: [
      (ev, t, _raw, info) => {
        if (!reporting) {
          clock.observe(t);
          liveness.observe(t, ev.event === 'engine.heartbeat');
        }
        if (info.known) deriver.apply(ev, t);
      },
      ...(cfg.consumers ?? []),
    ],
  });
  const own = pipeline.source('inprocess', 'tickwatch', { format: 'tickwatch' });
  const report = (event: Readonly<Record<string, unknown>>): boolean => {
    reporting = true;
    try {
      return own.object(event);
    } finally {
      reporting = false;
    }
  };
  const onWebRefusal = cfg.onWebRefusal ?? ((r: WebRefusal) => void (r.audit && report(refusalEvent(r))));
  // A wrong token or a failed TLS handshake at the TCP ingest is a refused login too: the same
  // security event, within the same per-address budget, as the web servers audit theirs.
  const tcpAudit = auditBudget();
  const onTcpRefusal = (r: TcpRefusal): void => {
    if (!TCP_AUDITED_REASONS.has(r.reason)) return;
    void tcpAudit(peerAddress(r.peer)).then((audited) => void (audited && report(tcpRefusalEvent(r))));
  };
  const metrics = await startMetricsServer(registry, {
    host: cfg.host,
    port: cfg.port ?? PORTS.hft,
    service: 'tickwatch-hft',
    onProblem: (m) => log.warn('metrics.problem', m),
    collectorModules: [{ url: POSITIONS_COLLECTOR_URL.href, options: { buffer: positionsBoard.buffer } }],
    web: cfg.web,
    onRefusal: (r) => (logRefusal(log, r), onWebRefusal(r)),
  });
  const tailers = cfg.files.map((spec, i) => {
    const s = fileSource(spec, cfg.format);
    return new FileTailer(
      { path: s.path, statePath: join(cfg.dataDir, `tail-${i}.json`), pollMs: cfg.pollMs, idlePollMs: cfg.idlePollMs, maxLineBytes: cfg.maxLineBytes, from: cfg.from },
      pipeline.source('file', s.path, { format: s.format, component: s.component }),
      logging.logger('ingest'),
    );
  });
  let tcp: TcpIngest | undefined;
  try {
    if (cfg.tcp === null) tcpIngestMetrics(registry); // served at 0 without a listener
    else {
      tcp = await startTcpIngest(
        pipeline,
        { ...cfg.tcp, host: cfg.tcp?.host, port: cfg.tcp?.port ?? PORTS.ingestTcp, maxLineBytes: cfg.maxLineBytes, format: cfg.format, registry, onRefusal: onTcpRefusal },
        logging.logger('ingest'),
      );
    }
  } catch (err) {
    await metrics.close();
    throw err;
  }
  for (const t of tailers) t.start();
  const tick = (): void => {
    const now = clock.now();
    deriver.tick(now);
    // While the engine is silent its last reported values are not served (catalog: freshness 'engine'),
    // the top positions (served by the worker's collector) included.
    liveness.tick(now, deriver.isOpen, (up) => {
      registry.setStale('engine', !up);
      positionsBoard.setStale(!up);
    });
  };
  tick();
  // On the wall clock's grid (lib/grid.ts): the tailers' polls and the event-loop delay sampler wake
  // the thread at the same instants.
  const ticker = everyOnGrid(cfg.tickMs ?? 250, () => tick());
  metrics.setReady(true);
  log.info('hft.started', `HFT exporter ready: ${metrics.url}/metrics`, { files: cfg.files, tcp_port: tcp?.port ?? null, metrics_url: metrics.url, poll_ms: tailers[0]?.pollMs ?? null, idle_poll_ms: tailers[0]?.idlePollMs ?? null });
  return {
    metrics,
    tcp,
    pipeline,
    deriver,
    clock,
    liveness,
    tailers,
    deadLetter,
    registry,
    positionsBoard,
    report,
    async close() {
      ticker.stop();
      metrics.setReady(false);
      for (const t of tailers) t.stop();
      await tcp?.close();
      await deadLetter.close();
      await metrics.close();
    },
  };
}
