/**
 * What every `tickwatch` subcommand shares: commander argument parsers, the service logging set
 * up from TICKWATCH_LOG_LEVEL, and a clean stop on SIGINT/SIGTERM.
 *
 * Each parser throws commander's `InvalidArgumentError`, which commander prints beside the
 * option's name (`error: option '--port <port>' argument '70000' is invalid. a port is an
 * integer from 0 to 65535`) and exits 1; nothing starts on a bad option.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { resolve } from 'node:path';
import { createLogging, parseLogLevels, type Logging } from './log.js';

/** `Number(v)` for a decimal number as written (`''` and `' '` are NaN here, not 0 as `Number` has them). */
function strictNumber(v: string): number {
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v) ? Number(v) : NaN;
}

/**
 * A TCP port: an integer from 0 to 65535 (0: any free port).
 * @throws InvalidArgumentError otherwise
 */
export function portArg(v: string): number {
  const n = strictNumber(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is an integer from 0 to 65535');
  return n;
}

/**
 * A positive whole number of milliseconds (deadlines, intervals).
 * @throws InvalidArgumentError otherwise
 */
export function positiveMsArg(v: string): number {
  const n = strictNumber(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive number of milliseconds');
  return n;
}

/**
 * A parser for an integer option of at least `min`.
 * @param name the option's name, for the message
 * @returns a parser that throws InvalidArgumentError on anything else
 */
export function intArg(name: string, min = 0): (v: string) => number {
  return (v) => {
    const n = strictNumber(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} is an integer >= ${min}`);
    return n;
  };
}

/**
 * A parser for a number option of at least `min`; `max` when `allowMax` stands for Infinity
 * (the simulator's "as fast as it goes").
 * @returns a parser that throws InvalidArgumentError on anything else
 */
export function numArg(name: string, min = 0, allowMax = false): (v: string) => number {
  return (v) => {
    const n = allowMax && v === 'max' ? Infinity : strictNumber(v);
    if (!(n >= min)) throw new InvalidArgumentError(`${name} is a number >= ${min}${allowMax ? " or 'max'" : ''}`);
    return n;
  };
}

/**
 * `host:port` to its parts; an empty host is 127.0.0.1 (`:9478`).
 * @throws InvalidArgumentError when there is no `:port` or the port is over 65535
 */
export function hostPortArg(v: string): { host: string; port: number } {
  const m = /^(.*):(\d{1,5})$/.exec(v);
  if (!m || Number(m[2]) > 65535) throw new InvalidArgumentError('use host:port, e.g. 127.0.0.1:9478');
  return { host: m[1] || '127.0.0.1', port: Number(m[2]) };
}

/**
 * An http: or https: URL (a server's HTTP interface), returned as given.
 * @param example shown in the message, e.g. "ClickHouse's HTTP interface, e.g. http://127.0.0.1:8123"
 */
export function httpUrlArg(example: string): (v: string) => string {
  return (v) => {
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      throw new InvalidArgumentError(example);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidArgumentError(example);
    return v;
  };
}

/**
 * A JavaScript regular expression's source, checked to compile.
 * @throws InvalidArgumentError with the engine's message when it does not
 */
export function regexArg(v: string): string {
  try {
    new RegExp(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return v;
}

/** A comma-separated list, trimmed, empty items dropped: `a, b,,c` is `['a', 'b', 'c']`. */
export function listArg(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A service's logging: JSON lines on stderr at the levels TICKWATCH_LOG_LEVEL gives (see lib/log.ts). */
export function serviceLogging(service: string): Logging {
  return createLogging({ service, levels: parseLogLevels(process.env.TICKWATCH_LOG_LEVEL) });
}

/**
 * Runs `stop` once on the first SIGINT or SIGTERM, then exits 0; a second signal while stopping
 * is ignored. If `stop` rejects, the error is printed to stderr with `name` and the exit code is 1.
 */
export function stopOnSignals(name: string, stop: () => Promise<unknown>): void {
  let stopping = false;
  const handler = (sig: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    void stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`${name}: error while stopping on ${sig}:`, err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** Default data folder: TICKWATCH_DATA_DIR, else `.tickwatch/` in the working directory. */
export function defaultDataDir(): string {
  return resolve(process.env.TICKWATCH_DATA_DIR ?? '.tickwatch');
}

/** The web configuration flags' values (`--web.config.file`, `--web.health-open`), as commander names them. */
export interface WebFlags {
  'web.config.file'?: string;
  'web.healthOpen'?: boolean;
}

/**
 * Adds the web configuration flags every service command takes (`hft`, `host`, `clickhouse`,
 * `recorder`, and `start`, which gives them to every service it starts): exporter-toolkit's
 * `--web.config.file` (the YAML node_exporter and Prometheus take: TLS, client certificates, basic
 * auth, headers; exporters/instrument/web/config.ts) and `--web.health-open`.
 */
export function webOptions(cmd: Command): Command {
  return cmd
    .option('--web.config.file <file>', "web configuration in exporter-toolkit's format (TLS, client certificates, basic auth users with bcrypt hashes, headers) for every HTTP endpoint; re-read on change (default: none, plain HTTP)")
    .option('--web.health-open', 'with --web.config.file: let /-/healthy and /-/ready answer without credentials (TLS still applies)');
}

/** The services' `web` setting the flags describe, or undefined without `--web.config.file`. */
export function webAccessOf(o: WebFlags): { readonly configFile: string; readonly healthOpen: boolean } | undefined {
  const file = o['web.config.file'];
  return file ? { configFile: resolve(file), healthOpen: o['web.healthOpen'] === true } : undefined;
}
