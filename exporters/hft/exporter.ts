/**
 * The HFT exporter: tails the engine's event file(s) and/or listens for NDJSON over TCP, derives
 * the catalog's metrics from the events, and serves them on `/metrics` from a worker thread.
 */
import { join } from 'node:path';
import { PORTS } from '../catalog/jobs.js';
import { MetricRegistry } from '../instrument/registry.js';
import { startMetricsServer, type MetricsServer } from '../instrument/server.js';
import type { Logging } from '../lib/log.js';
import { TradingCalendar, TWSE_CALENDAR, type CalendarConfig } from './calendar.js';
import { EventClock } from './clock.js';
import { Deriver } from './derive.js';
import { DeadLetterFile } from '../ingest/deadletter.js';
import { IngestPipeline, type EventConsumer } from '../ingest/pipeline.js';
import { FileTailer } from '../ingest/tail.js';
import { startTcpIngest, type TcpIngest } from '../ingest/tcp.js';

/** Configuration of the HFT exporter. */
export interface HftExporterConfig {
  /** `/metrics` address; default 127.0.0.1:9470. */
  readonly host?: string;
  readonly port?: number;
  /** NDJSON files to tail. */
  readonly files: readonly string[];
  /** TCP ingest address, or null for none; default 127.0.0.1:9478. */
  readonly tcp?: { readonly host?: string; readonly port: number } | null;
  /** Folder for tail offsets and the dead-letter file. */
  readonly dataDir: string;
  readonly calendar?: CalendarConfig;
  readonly feeds?: readonly string[];
  readonly strategies?: readonly string[];
  readonly pollMs?: number;
  /** Longest accepted line in bytes (default 65,536). */
  readonly maxLineBytes?: number;
  /** Where to start a file with no saved offset (default start). */
  readonly from?: 'start' | 'end';
  /** How often time-derived gauges are updated, in ms (default 250). */
  readonly tickMs?: number;
  /** More consumers of valid events (the audit recorder). */
  readonly consumers?: readonly EventConsumer[];
  readonly registry?: MetricRegistry;
}

/** A running exporter. */
export interface HftExporter {
  readonly metrics: MetricsServer;
  readonly tcp: TcpIngest | undefined;
  readonly pipeline: IngestPipeline;
  readonly deriver: Deriver;
  readonly clock: EventClock;
  readonly tailers: readonly FileTailer[];
  readonly deadLetter: DeadLetterFile;
  readonly registry: MetricRegistry;
  /** Stops ingest, saves offsets, stops the metrics worker. */
  close(): Promise<void>;
}

/**
 * Starts the exporter.
 * @throws Error when a port cannot be bound or the calendar is invalid
 */
export async function startHftExporter(cfg: HftExporterConfig, logging: Logging): Promise<HftExporter> {
  const log = logging.logger('hft');
  const registry = cfg.registry ?? new MetricRegistry();
  const calendar = new TradingCalendar(cfg.calendar ?? TWSE_CALENDAR);
  const clock = new EventClock();
  const deriver = new Deriver({ registry, calendar, feeds: cfg.feeds, strategies: cfg.strategies });
  const deadLetter = new DeadLetterFile(join(cfg.dataDir, 'dead-letter.ndjson'), undefined, (err) =>
    log.error('ingest.deadletter_failed', 'Writing the dead-letter file failed; rejected lines are still counted.', { err }),
  );
  const pipeline = new IngestPipeline({
    registry,
    deadLetter,
    log: logging.logger('ingest'),
    consumers: [
      (ev, t) => {
        clock.observe(t);
        deriver.apply(ev, t);
      },
      ...(cfg.consumers ?? []),
    ],
  });
  const metrics = await startMetricsServer(registry, { host: cfg.host, port: cfg.port ?? PORTS.hft, service: 'tickwatch-hft', onProblem: (m) => log.warn('metrics.problem', m) });
  const tailers = cfg.files.map(
    (path, i) =>
      new FileTailer(
        { path, statePath: join(cfg.dataDir, `tail-${i}.json`), pollMs: cfg.pollMs, maxLineBytes: cfg.maxLineBytes, from: cfg.from },
        pipeline.source('file', path),
        logging.logger('ingest'),
      ),
  );
  let tcp: TcpIngest | undefined;
  try {
    if (cfg.tcp !== null) {
      tcp = await startTcpIngest(pipeline, { host: cfg.tcp?.host, port: cfg.tcp?.port ?? PORTS.ingestTcp, maxLineBytes: cfg.maxLineBytes }, logging.logger('ingest'));
    }
  } catch (err) {
    await metrics.close();
    throw err;
  }
  for (const t of tailers) t.start();
  deriver.tick(clock.now());
  const ticker = setInterval(() => deriver.tick(clock.now()), cfg.tickMs ?? 250);
  metrics.setReady(true);
  log.info('hft.started', `HFT exporter ready: ${metrics.url}/metrics`, { files: cfg.files, tcp_port: tcp?.port ?? null, metrics_url: metrics.url });
  return {
    metrics,
    tcp,
    pipeline,
    deriver,
    clock,
    tailers,
    deadLetter,
    registry,
    async close() {
      clearInterval(ticker);
      metrics.setReady(false);
      for (const t of tailers) t.stop();
      await tcp?.close();
      await deadLetter.close();
      await metrics.close();
    },
  };
}
