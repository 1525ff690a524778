/** `tickwatch host`: the host exporter's command. */
import { InvalidArgumentError, type Command } from 'commander';
import { portArg, positiveMsArg, regexArg, serviceLogging, stopOnSignals, webAccessOf, webOptions, type WebFlags } from '../lib/cli.js';
import { DEFAULT_DISKSTATS_EXCLUDE } from './collectors/diskstats.js';
import { DEFAULT_FSTYPE_EXCLUDE, DEFAULT_MOUNT_EXCLUDE, DEFAULT_STATFS_TIMEOUT_MS } from './collectors/filesystem.js';
import { DEFAULT_NETDEV_EXCLUDE } from './collectors/netdev.js';
import { DEFAULT_CHRONY_TIMEOUT_MS } from './collectors/chrony.js';
import { CHRONY_DEFAULT_ADDRESS, parseChronyAddress } from './chrony.js';
import { DEFAULT_CLOCK_SYNC_INTERVAL_MS } from './clock-sync.js';
import { parseProcessSpec, type ProcessSpec } from './collectors/process.js';
import { PORTS } from '../catalog/jobs.js';

/** Parses a repeatable `--process name[=regex]` into the list so far. */
export function processOption(v: string, acc: ProcessSpec[] = []): ProcessSpec[] {
  try {
    return [...acc, parseProcessSpec(v)];
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

interface HostFlags extends WebFlags {
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
  chronyAddress: string;
  chronyTimeout: number;
  clockSync: boolean;
  clockSyncInterval: number;
}

/** Checks a `--chrony-address`. */
function chronyAddressArg(v: string): string {
  try {
    parseChronyAddress(v);
    return v;
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** Adds `tickwatch host` to the program. */
export function registerHostCommands(program: Command): void {
  webOptions(program.command('host'))
    .description('Run the host exporter: node_exporter-compatible CPU, memory, network, disk, filesystem, temperature and clock (timex) metrics, chronyd\'s tracking report, the clock synchronisation log, plus CPU and memory of configured processes.')
    .option('--host <addr>', '/metrics address', '127.0.0.1')
    .option('--port <port>', '/metrics port', portArg, PORTS.host)
    .option('--process <name[=regex]>', 'a process to report (repeatable): matches comm or argv[0], or the command line against the regex', processOption, [])
    .option('--proc-path <dir>', 'procfs mount point', '/proc')
    .option('--sys-path <dir>', 'sysfs mount point', '/sys')
    .option('--udev-data-path <dir>', "udev's device database", '/run/udev/data')
    .option('--netdev-exclude <regex>', 'network devices to skip', regexArg, DEFAULT_NETDEV_EXCLUDE)
    .option('--diskstats-exclude <regex>', 'block devices to skip', regexArg, DEFAULT_DISKSTATS_EXCLUDE)
    .option('--mount-exclude <regex>', 'mount points to skip', regexArg, DEFAULT_MOUNT_EXCLUDE)
    .option('--fstype-exclude <regex>', 'filesystem types to skip', regexArg, DEFAULT_FSTYPE_EXCLUDE)
    .option('--statfs-timeout <ms>', 'statfs deadline before a mount counts as stuck', positiveMsArg, DEFAULT_STATFS_TIMEOUT_MS)
    .option('--chrony-address <host:port>', "chronyd's command port for the chrony collector (its cmdport; chrony_exporter's --chrony.address)", chronyAddressArg, CHRONY_DEFAULT_ADDRESS)
    .option('--chrony-timeout <ms>', "how long to wait for chronyd's tracking report", positiveMsArg, DEFAULT_CHRONY_TIMEOUT_MS)
    .option('--clock-sync-interval <ms>', 'how often the clock synchronisation log reads the kernel and chronyd', positiveMsArg, DEFAULT_CLOCK_SYNC_INTERVAL_MS)
    .option('--no-clock-sync', 'do not write the clock synchronisation log (clock.sync events)')
    .action(async (o: HostFlags) => {
      const logging = serviceLogging('tickwatch-host');
      const { startHostExporter } = await import('./exporter.js'); // loaded when the command runs, not with the CLI
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
          chronyAddress: o.chronyAddress,
          chronyTimeoutMs: o.chronyTimeout,
          clockSync: o.clockSync ? { intervalMs: o.clockSyncInterval } : false,
          web: webAccessOf(o),
        },
        logging,
      );
      console.error(`tickwatch host: scrape ${exp.metrics.url}/metrics`);
      stopOnSignals('tickwatch host', () => exp.close());
    });
}
