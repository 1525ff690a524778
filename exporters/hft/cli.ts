/** `tickwatch hft` and `tickwatch simulate`: the HFT exporter's commands (`tickwatch start` is in exporters/cli.ts). */
import { Command, InvalidArgumentError, Option } from 'commander';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ENGINE_HEARTBEAT_TIMEOUT_SECONDS, ENGINE_SILENT_AFTER_SECONDS } from '../catalog/engine.js';
import { LOG_FORMATS } from '../catalog/enums.js';
import { PORTS } from '../catalog/jobs.js';
import type { FormatOption, LogFormat } from '../events/formats.js';
import { parseFileSpec, type FileSource } from '../ingest/sources.js';
import { defaultDataDir, hostPortArg, intArg, listArg, numArg, portArg, positiveMsArg, serviceLogging, stopOnSignals, webAccessOf, webOptions, type WebFlags } from '../lib/cli.js';
import type { Logging } from '../lib/log.js';
import type { HftExporter, HftExporterConfig, TcpListenConfig } from './exporter.js';
import { IDLE_POLL_MS_HELP, TCP_INGEST_DEFAULTS } from '../ingest/limits.js';
import { DEFAULT_REDACT_KEYS, REDACTED } from '../ingest/redact.js';
import { isRunId, RUN_ID_MAX_LENGTH } from './simulator/model.js';
import { SCENARIOS, scenarioByName } from './simulator/scenarios/index.js';
import type { Sink } from './simulator/sinks.js';

/** The HFT exporter's flags (also `tickwatch start`'s). */
export interface HftFlags extends WebFlags {
  events: FileSource[];
  format: FormatOption;
  engineSilentAfter: number;
  heartbeatTimeout: number;
  tcp: { host: string; port: number } | false;
  host: string;
  port: number;
  dataDir: string;
  calendar?: string;
  feeds?: string[];
  strategies?: string[];
  from: 'start' | 'end';
  maxLineBytes: number;
  idlePollMs?: number;
  tcpTokenFile?: string;
  tcpTlsCert?: string;
  tcpTlsKey?: string;
  tcpClientCa?: string;
  tcpMaxConnections: number;
  tcpMaxLinesPerSecond: number;
  tcpIdleTimeout: number;
  tcpAuthTimeout: number;
  redactKeys?: string[];
}

/**
 * `--run-id`: a simulator run id, 1 to 16 characters of `[A-Za-z0-9_-]` (see `isRunId` in
 * simulator/model.ts), returned as given.
 * @throws InvalidArgumentError otherwise
 */
export function runIdArg(v: string): string {
  if (!isRunId(v)) throw new InvalidArgumentError(`a run id is 1 to ${RUN_ID_MAX_LENGTH} characters of A-Z, a-z, 0-9, _ and -`);
  return v;
}

/** Adds the HFT exporter's options to a command (`tickwatch hft`, `tickwatch start`), the web configuration's among them. */
export function hftExporterOptions(cmd: Command): Command {
  return webOptions(cmd)
    .option('--events <files>', "the engine's event and log files to tail, comma-separated, each optionally with its format: strategy_runner.log:structlog", (v: string) => listArg(v).map(parseFileSpec), [])
    .addOption(new Option('--format <format>', 'log format of the files that name none, and of TCP connections (auto: detected per line)').choices(['auto', ...LOG_FORMATS]).default('auto'))
    .option('--engine-silent-after <s>', 'seconds without any event, while the session is open, after which the engine counts as silent', numArg('engine-silent-after', 0.001), ENGINE_SILENT_AFTER_SECONDS)
    .option('--heartbeat-timeout <s>', 'heartbeat age in seconds after which the engine counts as silent at any hour', numArg('heartbeat-timeout', 0.001), ENGINE_HEARTBEAT_TIMEOUT_SECONDS)
    .addOption(new Option('--tcp <host:port>', 'NDJSON over TCP listener').argParser(hostPortArg).default({ host: '127.0.0.1', port: PORTS.ingestTcp }, `127.0.0.1:${PORTS.ingestTcp}`))
    .option('--no-tcp', 'do not listen for TCP')
    .option('--host <addr>', '/metrics address', '127.0.0.1')
    .option('--port <port>', '/metrics port', portArg, PORTS.hft)
    .option('--data-dir <dir>', 'tail offsets and the dead-letter file', defaultDataDir())
    .option('--calendar <file>', 'trading calendar JSON (default: TWSE-like 09:00-13:30 Asia/Taipei)')
    .option('--feeds <names>', 'feeds to track the gap of from start', listArg)
    .option('--strategies <names>', 'strategies to export as NORMAL before their first event', listArg)
    .addOption(new Option('--from <where>', 'where to start a file with no saved offset').choices(['start', 'end']).default('start'))
    .option('--max-line-bytes <n>', 'longest accepted line', intArg('max-line-bytes', 64), 65_536)
    .option('--idle-poll-ms <ms>', IDLE_POLL_MS_HELP, positiveMsArg)
    .option('--tcp-token-file <file>', "file holding the shared token each TCP connection must send as its first line (compared in constant time)")
    .option('--tcp-tls-cert <file>', 'serve the TCP ingest over TLS with this certificate (PEM); needs --tcp-tls-key')
    .option('--tcp-tls-key <file>', "the TLS certificate's private key (PEM)")
    .option('--tcp-client-ca <file>', 'require TLS client certificates signed by this CA (PEM)')
    .option('--tcp-max-connections <n>', 'most concurrent TCP connections; more are refused', intArg('tcp-max-connections', 1), TCP_INGEST_DEFAULTS.maxConnections)
    .option('--tcp-max-lines-per-second <n>', 'lines per second per TCP connection before it is paused', intArg('tcp-max-lines-per-second', 1), TCP_INGEST_DEFAULTS.maxLinesPerSecond)
    .option('--tcp-idle-timeout <s>', 'close a TCP connection with no complete line for this many seconds', numArg('tcp-idle-timeout', 0.001), TCP_INGEST_DEFAULTS.idleTimeoutMs / 1000)
    .option('--tcp-auth-timeout <s>', 'seconds a TCP client has to send its token line (and finish a TLS handshake)', numArg('tcp-auth-timeout', 0.001), TCP_INGEST_DEFAULTS.authTimeoutMs / 1000)
    .option('--redact-keys <words>', `keys whose values are replaced by ${REDACTED} before a line is stored, dead-lettered or logged, comma-separated (default: ${DEFAULT_REDACT_KEYS.join(',')}; '' for none)`, (v: string) => listArg(v));
}

/**
 * The TCP listener the flags describe (see ingest/tcp.ts), or null for `--no-tcp`.
 * @throws Error when only one of `--tcp-tls-cert` and `--tcp-tls-key` is given, or `--tcp-client-ca` without them
 */
export function tcpConfig(o: HftFlags): TcpListenConfig | null {
  if (o.tcp === false) return null;
  if (!o.tcpTlsCert !== !o.tcpTlsKey) throw new Error('--tcp-tls-cert and --tcp-tls-key go together');
  if (o.tcpClientCa && !o.tcpTlsCert) throw new Error('--tcp-client-ca needs --tcp-tls-cert and --tcp-tls-key');
  return {
    ...o.tcp,
    tokenFile: o.tcpTokenFile,
    tls: o.tcpTlsCert && o.tcpTlsKey ? { certFile: resolve(o.tcpTlsCert), keyFile: resolve(o.tcpTlsKey), clientCaFile: o.tcpClientCa && resolve(o.tcpClientCa) } : undefined,
    maxConnections: o.tcpMaxConnections,
    maxLinesPerSecond: o.tcpMaxLinesPerSecond,
    idleTimeoutMs: o.tcpIdleTimeout * 1000,
    authTimeoutMs: o.tcpAuthTimeout * 1000,
  };
}

/**
 * The exporter configuration the flags describe.
 * @throws Error when `--calendar` names a file that is missing or not a valid calendar
 */
export async function hftConfig(o: HftFlags): Promise<HftExporterConfig> {
  // The calendar (and its schema compiler) loads when a command runs, not with the CLI.
  const { loadCalendar, TWSE_CALENDAR } = await import('./calendar.js');
  return {
    host: o.host,
    port: o.port,
    files: o.events.map((f) => ({ ...f, path: resolve(f.path) })),
    format: o.format,
    engineSilentAfter: o.engineSilentAfter,
    heartbeatTimeout: o.heartbeatTimeout,
    tcp: tcpConfig(o),
    redactKeys: o.redactKeys,
    dataDir: o.dataDir,
    calendar: o.calendar ? loadCalendar(o.calendar) : TWSE_CALENDAR,
    feeds: o.feeds,
    strategies: o.strategies,
    from: o.from,
    maxLineBytes: o.maxLineBytes,
    ...(o.idlePollMs !== undefined ? { idlePollMs: o.idlePollMs } : {}),
    web: webAccessOf(o),
  };
}

async function runExporter(o: HftFlags, logging: Logging): Promise<HftExporter> {
  mkdirSync(o.dataDir, { recursive: true });
  const { startHftExporter } = await import('./exporter.js'); // loaded when the command runs, not with the CLI
  return startHftExporter(await hftConfig(o), logging);
}

/** Adds the HFT commands to the program. */
export function registerHftCommands(program: Command): void {
  hftExporterOptions(program.command('hft').description('Run the HFT exporter on a real engine: tail its event file(s) and/or accept NDJSON over TCP.')).action(async (o: HftFlags) => {
    const logging = serviceLogging('tickwatch-hft');
    const exp = await runExporter(o, logging);
    console.error(`tickwatch hft: scrape ${exp.metrics.url}/metrics`);
    stopOnSignals('tickwatch hft', () => exp.close());
  });

  program
    .command('simulate')
    .description('Write a realistic engine event stream (normal session or a fault scenario) to a file, TCP or stdout.')
    .addOption(new Option('--scenario <name>', 'scenario').choices(SCENARIOS.map((s) => s.name)).default('normal'))
    .option('--list', 'list the scenarios and exit')
    .option('--out <file>', 'append to this file (default: stdout)')
    .option('--tcp <host:port>', 'send over TCP instead', hostPortArg)
    .option('--seed <n>', 'random seed (same seed and --run-id, same stream)', intArg('seed'), 1)
    .option('--run-id <id>', `run id every correlation, intent and order id carries (up to ${RUN_ID_MAX_LENGTH} of A-Z a-z 0-9 _ -; default: fresh per run, so appended runs never share an id)`, runIdArg)
    .option('--rate <ticks>', 'ticks per second in the steady state', numArg('rate'), 200)
    .option('--duration <s>', "simulated seconds (0: until stopped; default: the scenario's own)", numArg('duration'))
    .option('--speed <x>', "simulated seconds per wall second, or 'max'", numArg('speed', 0, true), 1)
    .option('--start <when>', 'simulated start: now, session (the latest open session), or an RFC 3339 time', 'now')
    .option('--calendar <file>', 'trading calendar for --start session')
    .option('--strategies <names>', 'strategy names', listArg)
    .option('--rotate-bytes <n>', 'with --out: rename the file to .1 past this size', intArg('rotate-bytes'), 0)
    .addOption(new Option('--format <format>', "the main stream's format: the engine's logging library").choices([...LOG_FORMATS]).default('tickwatch'))
    .option('--log-dir <dir>', "also write the engine modules' own log lines to one file per service there: strategy_runner.log (structlog), risk_engine.log (Loguru), order_adapter.log (pino)")
    .action(async (o: { scenario: string; list?: boolean; out?: string; tcp?: { host: string; port: number }; seed: number; runId?: string; rate: number; duration?: number; speed: number; start: string; calendar?: string; strategies?: string[]; rotateBytes: number; format: LogFormat; logDir?: string }) => {
      const { defaultDuration, resolveStart, runScenario } = await import('./simulator/run.js');
      const { FileSink, StdoutSink, TcpSink } = await import('./simulator/sinks.js');
      const { SERVICE_LOGS } = await import('./simulator/formats.js');
      if (o.list) {
        for (const s of SCENARIOS) console.log(`${s.name.padEnd(20)} ${defaultDuration(s)}s  alert: ${s.alert.padEnd(22)} ${s.description}`);
        return;
      }
      const scenario = scenarioByName(o.scenario);
      const { loadCalendar, TradingCalendar, TWSE_CALENDAR } = await import('./calendar.js');
      const cal = new TradingCalendar(o.calendar ? loadCalendar(o.calendar) : TWSE_CALENDAR);
      const start = resolveStart(o.start, cal);
      let sink: Sink;
      if (o.tcp) {
        sink = await TcpSink.open(o.tcp.host, o.tcp.port);
      } else if (o.out) sink = new FileSink(resolve(o.out), o.rotateBytes);
      else sink = new StdoutSink();
      const ac = new AbortController();
      process.on('SIGINT', () => ac.abort());
      process.on('SIGTERM', () => ac.abort());
      const serviceLogs = new Map<string, { sink: Sink; format: LogFormat }>();
      if (o.logDir) for (const s of SERVICE_LOGS) serviceLogs.set(s.component, { sink: new FileSink(join(resolve(o.logDir), s.file), o.rotateBytes), format: s.format });
      const summary = await runScenario(
        { scenario, seed: o.seed, runId: o.runId, start, duration: o.duration, speed: o.speed, format: o.format, serviceLogs, model: { tickRate: o.rate, ...(o.strategies ? { strategies: o.strategies } : {}) } },
        sink,
        ac.signal,
      );
      await sink.close();
      for (const s of serviceLogs.values()) await s.sink.close();
      console.error(`tickwatch simulate: ${scenario.name} (seed ${o.seed}, run id ${summary.runId}): ${summary.events} events over ${summary.simulatedSeconds.toFixed(1)} simulated s${summary.dropped ? `, ${summary.dropped} dropped (TCP busy)` : ''}${summary.maxLateSeconds >= 1 ? `, up to ${summary.maxLateSeconds.toFixed(1)} s behind its schedule (the machine was too busy for speed ${o.speed})` : ''}`);
    });
}
