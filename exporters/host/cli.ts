/** `tickwatch host`: the host exporter's command. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { portArg, positiveMsArg, regexArg, serviceLogging, stopOnSignals } from '../lib/cli.js';
import type { Logging } from '../lib/log.js';
import { DEFAULT_DISKSTATS_EXCLUDE } from './collectors/diskstats.js';
import { DEFAULT_FSTYPE_EXCLUDE, DEFAULT_MOUNT_EXCLUDE, DEFAULT_STATFS_TIMEOUT_MS } from './collectors/filesystem.js';
import { DEFAULT_NETDEV_EXCLUDE } from './collectors/netdev.js';
import { parseProcessSpec, type ProcessSpec } from './collectors/process.js';
import { HOST_METRICS_PORT, startHostExporter, type HostExporter } from './exporter.js';

/** Parses a repeatable `--process name[=regex]` into the list so far. */
export function processOption(v: string, acc: ProcessSpec[] = []): ProcessSpec[] {
  try {
    return [...acc, parseProcessSpec(v)];
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

interface HostFlags {
  host: string;
  port: number;
  process: ProcessSpec[];
  procPath: string;
  sysPath: string;
  udevDataPath: string;
  netdevExclude: string;
  diskstatsExclude: string;
  mountExclude: string;
  fstypeExclude: string;
  statfsTimeout: number;
}

/** Adds `tickwatch host` to the program. */
export function registerHostCommands(program: Command): void {
  program
    .command('host')
    .description('Run the host exporter: node_exporter-compatible CPU, memory, network, disk, filesystem and temperature metrics, plus CPU and memory of configured processes.')
    .option('--host <addr>', '/metrics address', '127.0.0.1')
    .option('--port <port>', '/metrics port', portArg, HOST_METRICS_PORT)
    .option('--process <name[=regex]>', 'a process to report (repeatable): matches comm or argv[0], or the command line against the regex', processOption, [])
    .option('--proc-path <dir>', 'procfs mount point', '/proc')
    .option('--sys-path <dir>', 'sysfs mount point', '/sys')
    .option('--udev-data-path <dir>', "udev's device database", '/run/udev/data')
    .option('--netdev-exclude <regex>', 'network devices to skip', regexArg, DEFAULT_NETDEV_EXCLUDE)
    .option('--diskstats-exclude <regex>', 'block devices to skip', regexArg, DEFAULT_DISKSTATS_EXCLUDE)
    .option('--mount-exclude <regex>', 'mount points to skip', regexArg, DEFAULT_MOUNT_EXCLUDE)
    .option('--fstype-exclude <regex>', 'filesystem types to skip', regexArg, DEFAULT_FSTYPE_EXCLUDE)
    .option('--statfs-timeout <ms>', 'statfs deadline before a mount counts as stuck', positiveMsArg, DEFAULT_STATFS_TIMEOUT_MS)
    .action(async (o: HostFlags) => {
      const logging = serviceLogging('tickwatch-host');
      const exp = await startHostExporter(
        {
          host: o.host,
          port: o.port,
          processes: o.process,
          paths: { proc: o.procPath, sys: o.sysPath, udevData: o.udevDataPath },
          netdevExclude: o.netdevExclude,
          diskstatsExclude: o.diskstatsExclude,
          mountExclude: o.mountExclude,
          fstypeExclude: o.fstypeExclude,
          statfsTimeoutMs: o.statfsTimeout,
        },
        logging,
      );
      console.error(`tickwatch host: scrape ${exp.metrics.url}/metrics`);
      stopOnSignals('tickwatch host', () => exp.close());
    });
}

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

/**
 * Processes `tickwatch start` reports by default: the simulator stands in for the trading engine,
 * plus the recorder and tickwatch itself (matched on their command lines).
 */
export const START_PROCESSES: readonly ProcessSpec[] = [
  { name: 'engine', pattern: 'tickwatch\\.mjs simulate' },
  { name: 'recorder', pattern: 'tickwatch\\.mjs recorder' },
  { name: 'tickwatch', pattern: 'tickwatch\\.mjs start' },
];

/** Flags {@link addHostExporterOptions} adds. */
export interface HostBesideFlags {
  /** `false` with `--no-host`. */
  hostExporter?: boolean;
  hostPort: number;
  hostProcess: ProcessSpec[];
}

/**
 * Adds `--no-host`, `--host-port` and `--host-process` to a command that runs the host exporter
 * beside another service (`tickwatch start`). `--no-host` does not touch the command's own
 * `--host <addr>`.
 */
export function addHostExporterOptions(cmd: Command): Command {
  return cmd
    .addOption(new NegatedOption('--no-host', 'do not start the host exporter beside it', 'hostExporter'))
    .option('--host-port <port>', 'host exporter /metrics port', portArg, HOST_METRICS_PORT)
    .option('--host-process <name[=regex]>', `a process for the host exporter to report (repeatable; default: ${START_PROCESSES.map((p) => p.name).join(', ')})`, processOption, []);
}

/**
 * Starts the host exporter beside another service on 127.0.0.1. A failure (the port is taken) is
 * logged and the other service keeps running.
 * @returns the exporter, or undefined when `--no-host` was given or it could not start
 */
export async function startHostBeside(o: HostBesideFlags, logging: Logging): Promise<HostExporter | undefined> {
  if (o.hostExporter === false) return undefined;
  const log = logging.logger('host');
  try {
    return await startHostExporter({ port: o.hostPort, processes: o.hostProcess.length ? o.hostProcess : START_PROCESSES }, logging);
  } catch (err) {
    log.error('host.start_failed', `Host exporter not started: ${(err as Error).message}`, { port: o.hostPort });
    return undefined;
  }
}
