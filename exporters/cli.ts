/**
 * The `tickwatch` command. One subcommand per service or tool; npm scripts wrap them.
 * Run `tickwatch --help` or `tickwatch <command> --help` for options.
 */
import { Command, Option } from 'commander';
import { join } from 'node:path';
import { CATALOG, validateCatalog } from './catalog/index.js';
import { PORTS } from './catalog/jobs.js';
import { clickhouseUrl, password, registerClickHouseCommands } from './clickhouse/cli.js';
import { DEFAULT_PING_TIMEOUT_MS, DEFAULT_QUERY_TIMEOUT_MS } from './clickhouse/collectors/index.js';
import { hftConfig, hftExporterOptions, registerHftCommands, type HftFlags } from './hft/cli.js';
import { SCENARIOS } from './hft/simulator/scenarios/index.js';
import { processOption, registerHostCommands } from './host/cli.js';
import type { ProcessSpec } from './host/collectors/process.js';
import { defaultDataDir, intArg, portArg, positiveMsArg, serviceLogging, stopOnSignals, webAccessOf } from './lib/cli.js';
import { BATCH_MS_HELP, DUCKDB_THREADS_HELP, IDLE_BATCH_MS_HELP, registerRecorderCommands } from './recorder/cli.js';
import { cleanupConfigOf, withRetentionOptions, type RetentionFlags } from './recorder/cleanup-cli.js';
import { DEFAULT_LEVELS, levelPolicyArg, type LevelPolicy } from './recorder/levels.js';
import { TICKWATCH_PROCESSES } from './host/collectors/process.js';

// `tickwatch ... | head`: the reader went away; stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command('tickwatch').description('Observability for the HFT trading engine: exporters, catalog and tools.').showHelpAfterError();

const catalog = program.command('catalog').description('Inspect the metric catalog.');
catalog
  .command('check')
  .description('Validate every definition against the naming rules; exit 1 on any problem.')
  .action(() => {
    const problems = validateCatalog();
    for (const p of problems) console.error(p);
    console.log(`${CATALOG.length} metrics, ${problems.length} problems`);
    process.exitCode = problems.length ? 1 : 0;
  });
catalog
  .command('list')
  .description('Print every metric name with its type.')
  .action(() => {
    for (const d of CATALOG) console.log(`${d.name}\t${d.type}\t${d.domain}`);
  });

registerHftCommands(program);
registerHostCommands(program);
registerClickHouseCommands(program);
registerRecorderCommands(program, defaultDataDir);

/** A `--no-<x>` option stored under its own attribute, so it does not overwrite the `--<x> <value>` option of the same name. */
class NegatedOption extends Option {
  constructor(
    flags: string,
    description: string,
    private readonly attribute: string,
  ) {
    super(flags, description);
  }
  override attributeName(): string {
    return this.attribute;
  }
}

interface StartFlags extends HftFlags, RetentionFlags {
  logLevel: LevelPolicy;
  batchMs?: number;
  idleBatchMs?: number;
  scenario: string;
  simulator: boolean;
  seed: number;
  recorder: boolean;
  recorderPort: number;
  queryPort: number;
  postgresUrl?: string;
  duckdbKeyFile?: string;
  duckdbThreads?: number;
  redisUrl?: string;
  /** `false` with `--no-host` (which leaves `--host <addr>` alone). */
  hostExporter?: boolean;
  hostPort: number;
  hostProcess: ProcessSpec[];
  clickhouseUrl?: string;
  clickhousePort: number;
  clickhousePingTimeout: number;
  clickhouseQueryTimeout: number;
}

hftExporterOptions(withRetentionOptions(program.command('start'), true).description('The main job: the HFT exporter fed by the simulator through the real file-tail path, the audit recorder on the embedded store, the host exporter (and, given a ClickHouse URL, the ClickHouse exporter) beside it.'))
  .addOption(new Option('--scenario <name>', 'simulator scenario').choices(SCENARIOS.map((s) => s.name)).default('normal'))
  .option('--no-simulator', 'do not start the simulator (tail --events from a real engine)')
  .option('--no-recorder', `do not start the audit recorder (embedded DuckDB store, /metrics on :${PORTS.recorder})`)
  .option('--recorder-port <port>', 'audit recorder /metrics port', portArg, PORTS.recorder)
  .option('--query-port <port>', 'audit recorder query API port (logs search)', portArg, PORTS.recorderQuery)
  .option('--seed <n>', 'simulator seed', intArg('seed'), 1)
  .option('--log-level <levels>', "lowest level the recorder stores in logs, per component: info,strategy_runner=debug,risk_engine=warn", levelPolicyArg, DEFAULT_LEVELS)
  .option('--batch-ms <ms>', BATCH_MS_HELP, positiveMsArg)
  .option('--idle-batch-ms <ms>', IDLE_BATCH_MS_HELP, positiveMsArg)
  .option('--postgres-url <url>', "record into PostgreSQL instead of the embedded store, with seed 002's log tables: postgres://user@host:5432/db (password: PGPASSWORD)")
  .option('--duckdb-key-file <file>', 'encrypt the embedded store (AES-GCM-256) with the key in this file: one line, readable by its owner only (openssl rand -base64 32 > f; chmod 600 f); default: the file TICKWATCH_DUCKDB_KEY_FILE names')
  .option('--duckdb-threads <n>', DUCKDB_THREADS_HELP, intArg('--duckdb-threads', 1))
  .option('--redis-url <url>', "also keep the recorder's hot state (recent executions, open anomalies and alerts, 7 days) in Redis: redis://127.0.0.1:6379")
  .addOption(new NegatedOption('--no-host', 'do not start the host exporter beside it', 'hostExporter'))
  .option('--host-port <port>', 'host exporter /metrics port', portArg, PORTS.host)
  .option('--host-process <name[=regex]>', `a process for the host exporter to report (repeatable; default: ${TICKWATCH_PROCESSES.map((p) => p.name).join(', ')}; clickhouse-server is added when --clickhouse-url is on this host)`, processOption, [])
  .option('--clickhouse-url <url>', 'also run the ClickHouse exporter against this server (HTTP interface; default TICKWATCH_CLICKHOUSE_URL)', clickhouseUrl)
  .option('--clickhouse-port <port>', 'ClickHouse exporter /metrics port', portArg, PORTS.clickhouse)
  .option('--clickhouse-ping-timeout <ms>', "ClickHouse exporter: deadline of the availability query", positiveMsArg, DEFAULT_PING_TIMEOUT_MS)
  .option('--clickhouse-query-timeout <ms>', 'ClickHouse exporter: deadline of every other query', positiveMsArg, DEFAULT_QUERY_TIMEOUT_MS)
  .action(async (o: StartFlags) => {
    const logging = serviceLogging('tickwatch');
    // The simulator stands in for an engine that writes its event stream and one log file per
    // service, each in its logging library's format (seed 002): every file is tailed and recorded.
    const { SERVICE_LOGS } = await import('./hft/simulator/formats.js');
    if (o.simulator && o.events.length === 0) o.events = [{ path: join(o.dataDir, 'events.ndjson') }, ...SERVICE_LOGS.map((s) => ({ path: join(o.dataDir, s.file), format: s.format }))];
    const chUrl = o.clickhouseUrl ?? process.env.TICKWATCH_CLICKHOUSE_URL;
    // The services load when `start` runs, not with every `tickwatch` command.
    const { startTickwatch } = await import('./start.js');
    const { auditDbPath, storeSpec } = await import('./recorder/run.js');
    const cleanup = await cleanupConfigOf(o);
    const tw = await startTickwatch(
      {
        dataDir: o.dataDir,
        hft: await hftConfig(o),
        host: o.hostExporter === false ? false : { port: o.hostPort, processes: o.hostProcess.length ? o.hostProcess : TICKWATCH_PROCESSES, optional: true },
        clickhouse: chUrl ? { url: chUrl, port: o.clickhousePort, password: password(undefined), pingTimeoutMs: o.clickhousePingTimeout, queryTimeoutMs: o.clickhouseQueryTimeout, optional: true } : false,
        recorders: o.recorder && o.events[0] ? [{ store: storeSpec({ dataDir: o.dataDir, postgresUrl: o.postgresUrl, duckdbKeyFile: o.duckdbKeyFile, duckdbThreads: o.duckdbThreads }), port: o.recorderPort, queryPort: o.queryPort, levels: o.logLevel, batchMs: o.batchMs, ...(o.idleBatchMs !== undefined ? { idleBatchMs: o.idleBatchMs } : {}), ...(o.idlePollMs !== undefined ? { idlePollMs: o.idlePollMs } : {}), ...(o.redisUrl ? { redis: { url: o.redisUrl } } : {}), ...(cleanup ? { cleanup } : {}) }] : [],
        simulator: o.simulator ? { scenario: o.scenario, seed: o.seed, logDir: o.dataDir } : false,
        web: webAccessOf(o),
      },
      logging,
    );
    const exp = tw.hft!;
    const rec = tw.recorders[0];
    if (rec) console.error(`tickwatch: audit recorder (${rec.store.kind === 'postgres' ? 'PostgreSQL' : `embedded DuckDB ${auditDbPath(o.dataDir)}${'encryption' in rec.store && rec.store.encryption !== 'none' ? ', encrypted' : ''}`}): ${rec.service.metrics.url}/metrics; search: tickwatch logs search [--since 5m --level warn ...], one trade: tickwatch logs trade <correlation-id>`);
    console.error(`\ntickwatch: HFT exporter running. Scrape ${exp.metrics.url}/metrics  (ready: ${exp.metrics.url}/-/ready${exp.tcp ? `, NDJSON over TCP: 127.0.0.1:${exp.tcp.port}` : ''})\n`);
    if (tw.host) console.error(`tickwatch: host exporter running. Scrape ${tw.host.metrics.url}/metrics\n`);
    if (tw.clickhouse) console.error(`tickwatch: ClickHouse exporter running. Scrape ${tw.clickhouse.metrics.url}/metrics\n`);
    stopOnSignals('tickwatch', () => tw.close());
  });

// A command that fails (a port taken, a server refusing the connection, a file missing) says so
// in one line and exits 1; the stack trace only with TICKWATCH_LOG_LEVEL=debug.
await program.parseAsync(process.argv).catch((err: unknown) => {
  const e = err as Error;
  console.error(`tickwatch: ${e.message ?? String(err)}`);
  if (/\bdebug\b/.test(process.env.TICKWATCH_LOG_LEVEL ?? '') && e.stack) console.error(e.stack);
  process.exit(1);
});
