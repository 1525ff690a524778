/**
 * `diskstats`: per-device I/O counters from /proc/diskstats (Documentation/admin-guide/iostats.rst),
 * converted as node_exporter converts them: sectors × 512 to bytes, milliseconds × 0.001 to
 * seconds. Discard fields exist from Linux 4.18, flush fields from 5.5; a field the kernel does not
 * print is not exported. Partitions, RAM disks and loop devices are skipped with node_exporter's
 * default pattern.
 *
 * `node_disk_info` carries udev's `ID_PATH`, `ID_WWN`, `ID_MODEL`, `ID_SERIAL_SHORT` and
 * `ID_REVISION` from /run/udev/data/b<major>:<minor> when udev keeps them, empty labels otherwise
 * (as node_exporter does when that folder is missing).
 */
import {
  nodeDiskDiscardedSectorsTotal,
  nodeDiskDiscardsCompletedTotal,
  nodeDiskDiscardsMergedTotal,
  nodeDiskDiscardTimeSecondsTotal,
  nodeDiskFlushRequestsTimeSecondsTotal,
  nodeDiskFlushRequestsTotal,
  nodeDiskInfo,
  nodeDiskIoNow,
  nodeDiskIoTimeSecondsTotal,
  nodeDiskIoTimeWeightedSecondsTotal,
  nodeDiskReadBytesTotal,
  nodeDiskReadsCompletedTotal,
  nodeDiskReadsMergedTotal,
  nodeDiskReadTimeSecondsTotal,
  nodeDiskWriteTimeSecondsTotal,
  nodeDiskWritesCompletedTotal,
  nodeDiskWritesMergedTotal,
  nodeDiskWrittenBytesTotal,
} from '../../catalog/host.js';
import type { MetricDef } from '../../catalog/types.js';
import { Samples } from '../../instrument/collector.js';
import { readText, SECTOR_BYTES, tryReadText, type HostCollector, type HostPaths } from '../collector.js';

/** node_exporter 1.5's default `--collector.diskstats.device-exclude`: partitions, RAM disks, loop and floppy devices. */
export const DEFAULT_DISKSTATS_EXCLUDE = '^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$';

const MS = 0.001;

/** The statistics after `major minor name`, in /proc/diskstats order, with their scale. */
const FIELDS: ReadonlyArray<readonly [MetricDef, number]> = [
  [nodeDiskReadsCompletedTotal, 1],
  [nodeDiskReadsMergedTotal, 1],
  [nodeDiskReadBytesTotal, SECTOR_BYTES],
  [nodeDiskReadTimeSecondsTotal, MS],
  [nodeDiskWritesCompletedTotal, 1],
  [nodeDiskWritesMergedTotal, 1],
  [nodeDiskWrittenBytesTotal, SECTOR_BYTES],
  [nodeDiskWriteTimeSecondsTotal, MS],
  [nodeDiskIoNow, 1],
  [nodeDiskIoTimeSecondsTotal, MS],
  [nodeDiskIoTimeWeightedSecondsTotal, MS],
  [nodeDiskDiscardsCompletedTotal, 1],
  [nodeDiskDiscardsMergedTotal, 1],
  [nodeDiskDiscardedSectorsTotal, 1],
  [nodeDiskDiscardTimeSecondsTotal, MS],
  [nodeDiskFlushRequestsTotal, 1],
  [nodeDiskFlushRequestsTimeSecondsTotal, MS],
];

const UDEV_KEYS = ['ID_PATH', 'ID_WWN', 'ID_MODEL', 'ID_SERIAL_SHORT', 'ID_REVISION'] as const;

/** One /proc/diskstats line. */
export interface DiskLine {
  readonly major: string;
  readonly minor: string;
  readonly device: string;
  readonly values: readonly number[];
}

/** Parses /proc/diskstats; lines with fewer than the 11 classic statistics are skipped. */
export function parseDiskstats(text: string): DiskLine[] {
  const out: DiskLine[] = [];
  for (const line of text.split('\n')) {
    const p = line.trim().split(/\s+/);
    if (p.length < 14) continue;
    out.push({ major: p[0]!, minor: p[1]!, device: p[2]!, values: p.slice(3).map(Number) });
  }
  return out;
}

function udevProperties(dir: string, major: string, minor: string): Record<string, string> {
  const text = tryReadText(`${dir}/b${major}:${minor}`);
  const out: Record<string, string> = {};
  if (text === undefined) return out;
  for (const line of text.split('\n')) {
    const m = /^E:([^=]+)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** The `diskstats` collector. */
export function createDiskstatsCollector(paths: HostPaths, exclude: string = DEFAULT_DISKSTATS_EXCLUDE): HostCollector {
  const skip = exclude ? new RegExp(exclude) : undefined;
  /** udev identity per major:minor, read once per device (it does not change while the device exists). */
  const info = new Map<string, readonly string[]>();
  return {
    name: 'diskstats',
    defs: [...FIELDS.map(([d]) => d), nodeDiskInfo],
    collect() {
      const s = new Samples();
      const seen = new Set<string>();
      for (const d of parseDiskstats(readText(`${paths.proc}/diskstats`))) {
        if (skip?.test(d.device)) continue;
        FIELDS.forEach(([def, scale], i) => {
          const v = d.values[i];
          if (v !== undefined && Number.isFinite(v)) s.add(def, [d.device], v * scale);
        });
        const key = `${d.major}:${d.minor}:${d.device}`;
        seen.add(key);
        let labels = info.get(key);
        if (!labels) {
          const u = udevProperties(paths.udevData, d.major, d.minor);
          labels = [d.device, d.major, d.minor, ...UDEV_KEYS.map((k) => u[k] ?? '')];
          info.set(key, labels);
        }
        s.add(nodeDiskInfo, labels, 1);
      }
      for (const k of info.keys()) if (!seen.has(k)) info.delete(k);
      return s;
    },
  };
}
