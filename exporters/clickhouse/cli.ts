/** `tickwatch clickhouse`: the ClickHouse exporter's command, and its options for `tickwatch start`. */
import { InvalidArgumentError, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { createLogging, parseLogLevels, type Logging } from '../lib/log.js';
import { DEFAULT_PING_TIMEOUT_MS, DEFAULT_QUERY_TIMEOUT_MS } from './collectors/index.js';
import { CLICKHOUSE_METRICS_PORT, startClickHouseExporter, type ClickHouseExporter } from './exporter.js';

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is an integer from 0 to 65535');
  return n;
}

function ms(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive number of milliseconds');
  return n;
}

function url(v: string): string {
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new InvalidArgumentError("ClickHouse's HTTP interface, e.g. http://127.0.0.1:8123");
  }
  return v;
}

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
    .option('--url <url>', "ClickHouse's HTTP interface", url, 'http://127.0.0.1:8123')
    .option('--host <addr>', '/metrics address', '127.0.0.1')
    .option('--port <port>', '/metrics port', port, CLICKHOUSE_METRICS_PORT)
    .option('--user <name>', 'ClickHouse user', 'default')
    .option('--password-file <file>', 'file holding the password (default: TICKWATCH_CLICKHOUSE_PASSWORD, else none)')
    .option('--ping-timeout <ms>', 'deadline of the availability query', ms, DEFAULT_PING_TIMEOUT_MS)
    .option('--query-timeout <ms>', 'deadline of every other query', ms, DEFAULT_QUERY_TIMEOUT_MS)
    .option('--data-path <dir>', "ClickHouse's data path on this host (disk space on servers without system.disks)")
    .action(async (o: ClickHouseFlags) => {
      const logging = createLogging({ service: 'tickwatch-clickhouse', levels: parseLogLevels(process.env.TICKWATCH_LOG_LEVEL) });
      const exp = await startClickHouseExporter(
        { url: o.url, host: o.host, port: o.port, user: o.user, password: password(o.passwordFile), pingTimeoutMs: o.pingTimeout, queryTimeoutMs: o.queryTimeout, dataPath: o.dataPath },
        logging,
      );
      console.error(`tickwatch clickhouse: scrape ${exp.metrics.url}/metrics (ClickHouse at ${o.url})`);
      let stopping = false;
      const stop = (): void => {
        if (stopping) return;
        stopping = true;
        void exp.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
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
    .option('--clickhouse-url <url>', 'also run the ClickHouse exporter against this server (HTTP interface)', url)
    .option('--clickhouse-port <port>', 'ClickHouse exporter /metrics port', port, CLICKHOUSE_METRICS_PORT);
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
