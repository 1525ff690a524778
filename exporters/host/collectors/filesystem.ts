/**
 * `filesystem`: size, free and available bytes, inodes, read-only state and errors per mount,
 * `node_filesystem_*{device,fstype,mountpoint}`, from `statfs(2)` of each mount in
 * /proc/1/mounts (falling back to /proc/self/mounts), as node_exporter 1.5 does.
 *
 * Pseudo and virtual filesystems are skipped with node_exporter's default patterns
 * ({@link DEFAULT_MOUNT_EXCLUDE}, {@link DEFAULT_FSTYPE_EXCLUDE}); the same labels seen twice (a
 * mount stacked on itself) are exported once.
 *
 * `statfs` of a hung network mount never returns. It runs on libuv's thread pool (the async API),
 * and a mount that has not answered within the timeout (default 1 s) is reported with
 * `node_filesystem_device_error 1` and not asked again until its pending call returns: a scrape
 * never waits on it twice, and at most one pool thread per stuck mount is held. node_exporter
 * does the same with its `--collector.filesystem.mount-timeout` (5 s there; 1 s here so a scrape
 * stays well inside Prometheus' timeout).
 */
import type { StatsFs } from 'node:fs';
import { statfs } from 'node:fs/promises';
import {
  nodeFilesystemAvailBytes,
  nodeFilesystemDeviceError,
  nodeFilesystemFiles,
  nodeFilesystemFilesFree,
  nodeFilesystemFreeBytes,
  nodeFilesystemReadonly,
  nodeFilesystemSizeBytes,
} from '../../catalog/host.js';
import { Samples } from '../../instrument/collector.js';
import { readText, unescapeOctal, type HostCollector, type HostPaths } from '../collector.js';

/** node_exporter 1.5's default `--collector.filesystem.mount-points-exclude`. */
export const DEFAULT_MOUNT_EXCLUDE = '^/(dev|proc|run|sys|mnt|media|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)';
/** node_exporter 1.5's default `--collector.filesystem.fs-types-exclude`. */
export const DEFAULT_FSTYPE_EXCLUDE =
  '^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$';
/** How long one `statfs` may take before its mount counts as stuck, in milliseconds. */
export const DEFAULT_STATFS_TIMEOUT_MS = 1000;

/** One mount of /proc/<pid>/mounts. */
export interface Mount {
  readonly device: string;
  readonly mountpoint: string;
  readonly fstype: string;
  readonly options: readonly string[];
}

/** Parses a mounts file (`/dev/vda / ext4 rw,relatime 0 0`), unescaping `\040` and friends. */
export function parseMounts(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const p = line.split(' ');
    if (p.length < 4) continue;
    out.push({ device: unescapeOctal(p[0]!), mountpoint: unescapeOctal(p[1]!), fstype: p[2]!, options: p[3]!.split(',') });
  }
  return out;
}

/** Options of the `filesystem` collector. */
export interface FilesystemOptions {
  readonly mountExclude?: string;
  readonly fstypeExclude?: string;
  readonly statfsTimeoutMs?: number;
}

/** The `filesystem` collector. */
export function createFilesystemCollector(paths: HostPaths, o: FilesystemOptions = {}): HostCollector {
  const mountSkip = new RegExp(o.mountExclude ?? DEFAULT_MOUNT_EXCLUDE);
  const typeSkip = new RegExp(o.fstypeExclude ?? DEFAULT_FSTYPE_EXCLUDE);
  const timeoutMs = o.statfsTimeoutMs ?? DEFAULT_STATFS_TIMEOUT_MS;
  /** Mount points whose statfs has not returned yet. */
  const stuck = new Set<string>();

  const readMounts = (): Mount[] => {
    try {
      return parseMounts(readText(`${paths.proc}/1/mounts`));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'EACCES') throw err;
      return parseMounts(readText(`${paths.proc}/self/mounts`));
    }
  };

  /** statfs with a deadline: the stats, `'error'`, or `'timeout'` (then the mount stays in `stuck` until the call returns). */
  const stat = (mountpoint: string): Promise<StatsFs | 'error' | 'timeout'> => {
    const call: Promise<StatsFs> = statfs(mountpoint);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    return Promise.race([call.then((st) => st, () => 'error' as const), deadline]).then((r) => {
      clearTimeout(timer);
      if (r === 'timeout') {
        stuck.add(mountpoint);
        void call.then(
          () => stuck.delete(mountpoint),
          () => stuck.delete(mountpoint),
        );
      }
      return r;
    });
  };

  return {
    name: 'filesystem',
    defs: [nodeFilesystemSizeBytes, nodeFilesystemFreeBytes, nodeFilesystemAvailBytes, nodeFilesystemFiles, nodeFilesystemFilesFree, nodeFilesystemReadonly, nodeFilesystemDeviceError],
    async collect() {
      const seen = new Set<string>();
      const mounts: Mount[] = [];
      for (const m of readMounts()) {
        if (mountSkip.test(m.mountpoint) || typeSkip.test(m.fstype)) continue;
        const key = `${m.device}\u0000${m.fstype}\u0000${m.mountpoint}`;
        if (seen.has(key)) continue;
        seen.add(key);
        mounts.push(m);
      }
      const results = await Promise.all(mounts.map((m) => (stuck.has(m.mountpoint) ? Promise.resolve('timeout' as const) : stat(m.mountpoint))));
      const s = new Samples();
      mounts.forEach((m, i) => {
        const labels = [m.device, m.fstype, m.mountpoint];
        const r = results[i]!;
        const failed = typeof r === 'string';
        s.add(nodeFilesystemDeviceError, labels, failed ? 1 : 0);
        s.add(nodeFilesystemReadonly, labels, m.options.includes('ro') ? 1 : 0);
        if (typeof r === 'string') return;
        s.add(nodeFilesystemSizeBytes, labels, r.blocks * r.bsize);
        s.add(nodeFilesystemFreeBytes, labels, r.bfree * r.bsize);
        s.add(nodeFilesystemAvailBytes, labels, r.bavail * r.bsize);
        s.add(nodeFilesystemFiles, labels, r.files);
        s.add(nodeFilesystemFilesFree, labels, r.ffree);
      });
      return s;
    },
  };
}
