/** `tickwatch hft`, `tickwatch simulate` and `tickwatch start`: the HFT exporter's commands. */
import { Command, Option } from 'commander';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addClickHouseExporterOptions, startClickHouseBeside, type ClickHouseBesideFlags } from '../clickhouse/cli.js';
import { addHostExporterOptions, startHostBeside, type HostBesideFlags } from '../host/cli.js';
import { hostPortArg, intArg, listArg, numArg, portArg, serviceLogging, stopOnSignals } from '../lib/cli.js';
import type { Logging } from '../lib/log.js';
import { loadCalendar, TradingCalendar, TWSE_CALENDAR } from './calendar.js';
import { HFT_METRICS_PORT, HFT_TCP_PORT, startHftExporter, type HftExporter } from './exporter.js';
import { defaultDuration, resolveStart, runScenario } from './simulator/run.js';
import { SCENARIOS, scenarioByName } from './simulator/scenarios/index.js';
import { FileSink, StdoutSink, TcpSink, type Sink } from './simulator/sinks.js';
import { JOBS } from '../../prometheus/jobs.js';
import { auditDbPath } from '../recorder/cli.js';
import { RECORDER_QUERY_PORT, startQueryApi } from '../recorder/search.js';
import { startRecorderService } from '../recorder/service.js';
import { DuckDbStore } from '../recorder/stores/duckdb.js';

/** Default data folder: TICKWATCH_DATA_DIR, else `.tickwatch/` in the working directory. */
export function defaultDataDir(): string {
  return resolve(process.env.TICKWATCH_DATA_DIR ?? '.tickwatch');
}

interface HftFlags {
  events: string[];
  tcp: { host: string; port: number } | false;
  host: string;
  port: number;
  dataDir: string;
  calendar?: string;
  feeds?: string[];
  strategies?: string[];
  from: 'start' | 'end';
  maxLineBytes: number;
}

function exporterOptions(cmd: Command): Command {
  return cmd
    .option('--events <files>', 'NDJSON event files to tail (comma-separated)', listArg, [])
    .addOption(new Option('--tcp <host:port>', 'NDJSON over TCP listener').argParser(hostPortArg).default({ host: '127.0.0.1', port: HFT_TCP_PORT }, `127.0.0.1:${HFT_TCP_PORT}`))
    .option('--no-tcp', 'do not listen for TCP')
    .option('--host <addr>', '/metrics address', '127.0.0.1')
    .option('--port <port>', '/metrics port', portArg, HFT_METRICS_PORT)
    .option('--data-dir <dir>', 'tail offsets and the dead-letter file', defaultDataDir())
    .option('--calendar <file>', 'trading calendar JSON (default: TWSE-like 09:00-13:30 Asia/Taipei)')
    .option('--feeds <names>', 'feeds to track the gap of from start', listArg)
    .option('--strategies <names>', 'strategies to export as NORMAL before their first event', listArg)
    .addOption(new Option('--from <where>', 'where to start a file with no saved offset').choices(['start', 'end']).default('start'))
    .option('--max-line-bytes <n>', 'longest accepted line', intArg('max-line-bytes', 64), 65_536);
}

async function runExporter(o: HftFlags, logging: Logging): Promise<HftExporter> {
  mkdirSync(o.dataDir, { recursive: true });
  return startHftExporter(
    {
      host: o.host,
      port: o.port,
      files: o.events.map((f) => resolve(f)),
      tcp: o.tcp === false ? null : o.tcp,
      dataDir: o.dataDir,
      calendar: o.calendar ? loadCalendar(o.calendar) : TWSE_CALENDAR,
      feeds: o.feeds,
      strategies: o.strategies,
      from: o.from,
      maxLineBytes: o.maxLineBytes,
    },
    logging,
  );
}

/** Adds the HFT commands to the program. */
export function registerHftCommands(program: Command): void {
  exporterOptions(program.command('hft').description('Run the HFT exporter on a real engine: tail its event file(s) and/or accept NDJSON over TCP.')).action(async (o: HftFlags) => {
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
    .option('--seed <n>', 'random seed (same seed, same stream)', intArg('seed'), 1)
    .option('--rate <ticks>', 'ticks per second in the steady state', numArg('rate'), 200)
    .option('--duration <s>', "simulated seconds (0: until stopped; default: the scenario's own)", numArg('duration'))
    .option('--speed <x>', "simulated seconds per wall second, or 'max'", numArg('speed', 0, true), 1)
    .option('--start <when>', 'simulated start: now, session (the latest open session), or an RFC 3339 time', 'now')
    .option('--calendar <file>', 'trading calendar for --start session')
    .option('--strategies <names>', 'strategy names', listArg)
    .option('--rotate-bytes <n>', 'with --out: rename the file to .1 past this size', intArg('rotate-bytes'), 0)
    .action(async (o: { scenario: string; list?: boolean; out?: string; tcp?: { host: string; port: number }; seed: number; rate: number; duration?: number; speed: number; start: string; calendar?: string; strategies?: string[]; rotateBytes: number }) => {
      if (o.list) {
        for (const s of SCENARIOS) console.log(`${s.name.padEnd(20)} ${defaultDuration(s)}s  alert: ${s.alert.padEnd(22)} ${s.description}`);
        return;
      }
      const scenario = scenarioByName(o.scenario);
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
      const summary = await runScenario({ scenario, seed: o.seed, start, duration: o.duration, speed: o.speed, model: { tickRate: o.rate, ...(o.strategies ? { strategies: o.strategies } : {}) } }, sink, ac.signal);
      await sink.close();
      console.error(`tickwatch simulate: ${scenario.name}: ${summary.events} events over ${summary.simulatedSeconds.toFixed(1)} simulated s${summary.dropped ? `, ${summary.dropped} dropped (TCP busy)` : ''}`);
    });

  addClickHouseExporterOptions(addHostExporterOptions(exporterOptions(program.command('start').description('The main job: the HFT exporter fed by the simulator through the real file-tail path, with the host exporter (and, given a ClickHouse URL, the ClickHouse exporter) beside it.'))))
    .addOption(new Option('--scenario <name>', 'simulator scenario').choices(SCENARIOS.map((s) => s.name)).default('normal'))
    .option('--no-simulator', 'do not start the simulator (tail --events from a real engine)')
    .option('--no-recorder', 'do not start the audit recorder (embedded DuckDB store on :9473)')
    .option('--recorder-port <port>', 'audit recorder /metrics port', portArg, JOBS.recorder.port)
    .option('--query-port <port>', 'audit recorder query API port (logs search)', portArg, RECORDER_QUERY_PORT)
    .option('--seed <n>', 'simulator seed', intArg('seed'), 1)
    .action(async (o: HftFlags & HostBesideFlags & ClickHouseBesideFlags & { scenario: string; simulator: boolean; seed: number; recorder: boolean; recorderPort: number; queryPort: number }) => {
      const logging = serviceLogging('tickwatch');
      const log = logging.logger('start');
      const eventsFile = join(o.dataDir, 'events.ndjson');
      if (o.simulator && o.events.length === 0) o.events = [eventsFile];
      const exp = await runExporter(o, logging);
      const host = await startHostBeside(o, logging);
      const clickhouse = await startClickHouseBeside(o, logging);
      let child: ReturnType<typeof spawn> | undefined;
      if (o.simulator) {
        const cli = fileURLToPath(new URL('../../scripts/tickwatch.mjs', import.meta.url));
        const args = [cli, 'simulate', '--scenario', o.scenario, '--out', o.events[0]!, '--duration', '0', '--speed', '1', '--start', 'session', '--seed', String(o.seed), '--rotate-bytes', String(64 * 1024 * 1024)];
        if (o.scenario !== 'normal') args.splice(args.indexOf('--duration'), 2);
        child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
        child.on('exit', (code, sig) => log.info('simulator.exited', `Simulator exited (${sig ?? code}).`, { code, signal: sig }));
        log.info('simulator.started', `Simulator (${o.scenario}) appending to ${o.events[0]}.`, { pid: child.pid, file: o.events[0] });
      }
      let recorder: { close(): Promise<void> } | undefined;
      if (o.recorder) {
        const store = await DuckDbStore.open(auditDbPath(o.dataDir));
        const svc = await startRecorderService({ events: o.events[0]!, dataDir: o.dataDir, store, port: o.recorderPort }, logging);
        const api = await startQueryApi(store, o.queryPort, '127.0.0.1', () => svc.recorder.storedHeads);
        recorder = { close: () => Promise.all([svc.close(), api.close()]).then(() => store.close()) };
        console.error(`tickwatch: audit recorder (embedded DuckDB ${auditDbPath(o.dataDir)}): ${svc.metrics.url}/metrics; search: node scripts/tickwatch.mjs logs search --correlation-id <id>`);
      }
      console.error(`\ntickwatch: HFT exporter running. Scrape ${exp.metrics.url}/metrics  (ready: ${exp.metrics.url}/-/ready${exp.tcp ? `, NDJSON over TCP: 127.0.0.1:${exp.tcp.port}` : ''})\n`);
      if (host) console.error(`tickwatch: host exporter running. Scrape ${host.metrics.url}/metrics\n`);
      if (clickhouse) console.error(`tickwatch: ClickHouse exporter running. Scrape ${clickhouse.metrics.url}/metrics\n`);
      stopOnSignals('tickwatch', async () => {
        child?.kill('SIGTERM');
        await Promise.all([exp.close(), host?.close(), clickhouse?.close()]);
        await recorder?.close();
      });
    });
}
