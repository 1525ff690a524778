/** `tickwatch clickhouse`: the ClickHouse exporter's command, and its options for `tickwatch start`. */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { httpUrlArg, intArg, portArg, positiveMsArg, serviceLogging, stopOnSignals, webAccessOf, webOptions, type WebFlags } from '../lib/cli.js';
import { DEFAULT_PING_TIMEOUT_MS, DEFAULT_QUERY_LOG_DELAY_SECONDS, DEFAULT_QUERY_TIMEOUT_MS } from './collectors/index.js';
import { PORTS } from '../catalog/jobs.js';

/** Parses `--url`/`--clickhouse-url`: ClickHouse's HTTP interface. */
export const clickhouseUrl = httpUrlArg("ClickHouse's HTTP interface, e.g. http://127.0.0.1:8123");

/** The password from a file (trailing newline dropped), or TICKWATCH_CLICKHOUSE_PASSWORD, or none. */
export function password(file: string | undefined): string | undefined {
  if (file) return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  return process.env.TICKWATCH_CLICKHOUSE_PASSWORD;
}

interface ClickHouseFlags extends WebFlags {
  url: string;
  host: string;
  port: number;
  user: string;
  passwordFile?: string;
  pingTimeout: number;
  queryTimeout: number;
  dataPath?: string;
  queryLogDelay: number;
}

/** Adds `tickwatch clickhouse` to the program. */
export function registerClickHouseCommands(program: Command): void {
  webOptions(program.command('clickhouse'))
    .description("Run the ClickHouse exporter: availability, ClickHouse's own metrics under its built-in endpoint's names, parts, merges, mutations, disk space and query durations (system.query_log: needs log_queries).")
    .option('--url <url>', "ClickHouse's HTTP interface", clickhouseUrl, 'http://127.0.0.1:8123')
    .option('--host <addr>', '/metrics address', '127.0.0.1')
    .option('--port <port>', '/metrics port', portArg, PORTS.clickhouse)
    .option('--user <name>', 'ClickHouse user', 'default')
    .option('--password-file <file>', 'file holding the password (default: TICKWATCH_CLICKHOUSE_PASSWORD, else none)')
    .option('--ping-timeout <ms>', 'deadline of the availability query', positiveMsArg, DEFAULT_PING_TIMEOUT_MS)
    .option('--query-timeout <ms>', 'deadline of every other query', positiveMsArg, DEFAULT_QUERY_TIMEOUT_MS)
    .option('--data-path <dir>', "ClickHouse's data path on this host (disk space on servers without system.disks)")
    .option('--query-log-delay <seconds>', 'seconds behind the server clock system.query_log is read (query durations; at least its flush interval)', intArg('--query-log-delay'), DEFAULT_QUERY_LOG_DELAY_SECONDS)
    .action(async (o: ClickHouseFlags) => {
      const logging = serviceLogging('tickwatch-clickhouse');
      const { startClickHouseExporter } = await import('./exporter.js'); // loaded when the command runs, not with the CLI
      const exp = await startClickHouseExporter(
        { url: o.url, host: o.host, port: o.port, user: o.user, password: password(o.passwordFile), pingTimeoutMs: o.pingTimeout, queryTimeoutMs: o.queryTimeout, dataPath: o.dataPath, queryLogDelaySeconds: o.queryLogDelay, web: webAccessOf(o) },
        logging,
      );
      console.error(`tickwatch clickhouse: scrape ${exp.metrics.url}/metrics (ClickHouse at ${o.url})`);
      stopOnSignals('tickwatch clickhouse', () => exp.close());
    });
}
