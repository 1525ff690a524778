/**
 * `disks`: free and total bytes of every disk ClickHouse stores data on. From system.disks where
 * the server has it (19.15+); otherwise (Debian's 18.16) from `statfs` of the server's data path,
 * which is possible only when the server runs on this host: the path comes from `--data-path`, or
 * from a system table's metadata path when the server's URL is a loopback address. A remote server
 * without system.disks yields no data (success 0).
 */
import { statfs } from 'node:fs/promises';
import { clickhouseDiskFreeBytes, clickhouseDiskTotalBytes } from '../../catalog/clickhouse.js';
import { Samples } from '../../instrument/collector.js';
import { num, type ClickHouseCollector } from '../collector.js';

interface DiskRow {
  readonly name: string;
  readonly path: string;
  readonly free_space: number | string;
  readonly total_space: number | string;
}

/** Options of the `disks` collector. */
export interface DisksOptions {
  /** ClickHouse's data path on this host (`<path>` in config.xml), for servers without system.disks. */
  readonly dataPath?: string;
  /** Whether the server's URL points at this host (then the data path may be discovered). */
  readonly local: boolean;
}

/** The `disks` collector. */
export function createDisksCollector(o: DisksOptions): ClickHouseCollector {
  return {
    name: 'disks',
    defs: [clickhouseDiskFreeBytes, clickhouseDiskTotalBytes],
    async collect(round) {
      const caps = await round.capabilities();
      const s = new Samples();
      if (caps.disks) {
        for (const d of await round.query<DiskRow>('SELECT name, path, free_space, total_space FROM system.disks')) {
          s.add(clickhouseDiskFreeBytes, [d.name, d.path], num(d.free_space));
          s.add(clickhouseDiskTotalBytes, [d.name, d.path], num(d.total_space));
        }
        return s;
      }
      const path = o.dataPath ?? (o.local ? caps.dataPath : '');
      if (!path) throw new Error('this server has no system.disks and is not on this host: give --data-path to measure its disk');
      const st = await Promise.race([
        statfs(path),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`statfs ${path}: no answer within 1000 ms`)), 1000).unref()),
      ]);
      s.add(clickhouseDiskFreeBytes, ['default', path], st.bavail * st.bsize);
      s.add(clickhouseDiskTotalBytes, ['default', path], st.blocks * st.bsize);
      return s;
    },
  };
}
