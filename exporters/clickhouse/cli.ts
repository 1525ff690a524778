/** `tickwatch clickhouse`: the ClickHouse exporter's command, and its options for `tickwatch start`. */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { httpUrlArg, portArg, positiveMsArg, serviceLogging, stopOnSignals } from '../lib/cli.js';
import type { Logging } from '../lib/log.js';
import { DEFAULT_PING_TIMEOUT_MS, DEFAULT_QUERY_TIMEOUT_MS } from './collectors/index.js';
import { CLICKHOUSE_METRICS_PORT, startClickHouseExporter, type ClickHouseExporter } from './exporter.js';

const clickhouseUrl = httpUrlArg("ClickHouse's HTTP interface, e.g. http://127.0.0.1:8123");

/** The password from a file (trailing newline dropped), or TICKWATCH_CLICKHOUSE_PASSWORD, or none. */
function password(file: string | undefined): string | undefined {
  if (file) return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  return process.env.TICKWATCH_CLICKHOUSE_PASSWORD;
}

interface ClickHouseFlags {
  url: string;
  host: string;
  port: number;
  user: string;
  passwordFile?: string;
  pingTimeout: number;
  queryTimeout: number;
  dataPath?: string;
}

/** Adds `tickwatch clickhouse` to the program. */
export function registerClickHouseCommands(program: Command): void {
  program
    .command('clickhouse')
    .description("Run the ClickHouse exporter: availability, ClickHouse's own metrics under its built-in endpoint's names, parts, merges, mutations and disk space.")
    .option('--url <url>', "ClickHouse's HTTP interface", clickhouseUrl, 'http://127.0.0.1:8123')
    .option('--host <addr>', '/metrics address', '127.0.0.1')
    .option('--port <port>', '/metrics port', portArg, CLICKHOUSE_METRICS_PORT)
    .option('--user <name>', 'ClickHouse user', 'default')
    .option('--password-file <file>', 'file holding the password (default: TICKWATCH_CLICKHOUSE_PASSWORD, else none)')
    .option('--ping-timeout <ms>', 'deadline of the availability query', positiveMsArg, DEFAULT_PING_TIMEOUT_MS)
    .option('--query-timeout <ms>', 'deadline of every other query', positiveMsArg, DEFAULT_QUERY_TIMEOUT_MS)
    .option('--data-path <dir>', "ClickHouse's data path on this host (disk space on servers without system.disks)")
    .action(async (o: ClickHouseFlags) => {
      const logging = serviceLogging('tickwatch-clickhouse');
      const exp = await startClickHouseExporter(
        { url: o.url, host: o.host, port: o.port, user: o.user, password: password(o.passwordFile), pingTimeoutMs: o.pingTimeout, queryTimeoutMs: o.queryTimeout, dataPath: o.dataPath },
        logging,
      );
      console.error(`tickwatch clickhouse: scrape ${exp.metrics.url}/metrics (ClickHouse at ${o.url})`);
      stopOnSignals('tickwatch clickhouse', () => exp.close());
    });
}

/** Flags {@link addClickHouseExporterOptions} adds. */
export interface ClickHouseBesideFlags {
  clickhouseUrl?: string;
  clickhousePort: number;
}

/** Adds `--clickhouse-url` and `--clickhouse-port` to a command that may run the ClickHouse exporter beside another service. */
export function addClickHouseExporterOptions(cmd: Command): Command {
  return cmd
    .option('--clickhouse-url <url>', 'also run the ClickHouse exporter against this server (HTTP interface)', clickhouseUrl)
    .option('--clickhouse-port <port>', 'ClickHouse exporter /metrics port', portArg, CLICKHOUSE_METRICS_PORT);
}

/**
 * Starts the ClickHouse exporter beside another service when a URL is configured
 * (`--clickhouse-url`, else TICKWATCH_CLICKHOUSE_URL). A failure to start is logged and the other
 * service keeps running.
 * @returns the exporter, or undefined when no URL is configured or it could not start
 */
export async function startClickHouseBeside(o: ClickHouseBesideFlags, logging: Logging): Promise<ClickHouseExporter | undefined> {
  const chUrl = o.clickhouseUrl ?? process.env.TICKWATCH_CLICKHOUSE_URL;
  if (!chUrl) return undefined;
  try {
    return await startClickHouseExporter({ url: chUrl, port: o.clickhousePort, password: password(undefined) }, logging);
  } catch (err) {
    logging.logger('clickhouse').error('clickhouse.start_failed', `ClickHouse exporter not started: ${(err as Error).message}`, { port: o.clickhousePort });
    return undefined;
  }
}
