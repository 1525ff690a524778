/**
 * What every host collector shares: where /proc and /sys are and how they are read. The collector
 * shape, `Samples` and the "no data" signal for a source the host does not have (no
 * /sys/class/hwmon in a VM) are the instrumentation core's harness (exporters/instrument/collector.ts).
 *
 * Reads are synchronous `readFileSync` of pseudo-files: each takes a few microseconds and the
 * collectors run in the `/metrics` worker thread, never on a recording thread. The two sources
 * whose reads can stall in a driver (hwmon and thermal sensors behind I2C/ACPI) and `statfs` of a
 * possibly hung network mount use the asynchronous API instead.
 */
import { readFileSync } from 'node:fs';
import type { HOST_COLLECTORS } from '../catalog/host.js';
import type { Collector } from '../instrument/collector.js';

/** A host collector's name, as node_exporter names its collectors (`process` is ours). */
export type HostCollectorName = (typeof HOST_COLLECTORS)[number];

/** Where the kernel's pseudo-filesystems are (node_exporter's `--path.procfs`, `--path.sysfs`, `--path.udev.data`). */
export interface HostPaths {
  /** procfs root; default `/proc`. */
  readonly proc: string;
  /** sysfs root; default `/sys`. */
  readonly sys: string;
  /** udev's database of device properties; default `/run/udev/data`. */
  readonly udevData: string;
}

/** The default paths. */
export const DEFAULT_PATHS: HostPaths = { proc: '/proc', sys: '/sys', udevData: '/run/udev/data' };

/**
 * Clock ticks per second of the times in /proc/stat and /proc/<pid>/stat (`USER_HZ`). It is 100 on
 * every Linux architecture Node.js supports; node_exporter's procfs library hard-codes the same.
 */
export const USER_HZ = 100;

/** Bytes per sector in /proc/diskstats: always 512, whatever the device's own sector size (Documentation/block/stat.rst). */
export const SECTOR_BYTES = 512;

/**
 * Reads a pseudo-file whole.
 * @throws Error (ENOENT, EACCES...) from the file system
 */
export function readText(path: string): string {
  return readFileSync(path, 'latin1');
}

/** Reads a pseudo-file whole; `undefined` when it cannot be read. */
export function tryReadText(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
}

/** One host collector: a source read once per scrape (see the harness in exporters/instrument/collector.ts). */
export interface HostCollector extends Collector {
  readonly name: HostCollectorName;
}

/** Unescapes the octal escapes /proc/mounts uses for space, tab, newline and backslash (`\040`). */
export function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}
