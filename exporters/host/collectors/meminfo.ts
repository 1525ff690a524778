/**
 * `meminfo`: one gauge per /proc/meminfo field, named as node_exporter names it
 * (`node_memory_MemAvailable_bytes`, `node_memory_Active_anon_bytes`, `node_memory_HugePages_Total`;
 * see `meminfoFieldDef` in the catalog). kB values are multiplied by 1024.
 *
 * The field set is the running kernel's, so it is read once when the collector is created and
 * fixed from then on (the kernel does not add fields while it runs).
 */
import { meminfoFieldDef, nodeMemoryMemAvailableBytes, nodeMemoryMemTotalBytes } from '../../catalog/host.js';
import type { MetricDef } from '../../catalog/types.js';
import { Samples } from '../../instrument/collector.js';
import { readText, tryReadText, type HostCollector, type HostPaths } from '../collector.js';

/** One parsed /proc/meminfo line. */
export interface MeminfoField {
  readonly field: string;
  readonly value: number;
  readonly inKiB: boolean;
}

/** Parses /proc/meminfo (`MemTotal:       24684084 kB`). Lines that do not parse are skipped. */
export function parseMeminfo(text: string): MeminfoField[] {
  const out: MeminfoField[] = [];
  for (const line of text.split('\n')) {
    const m = /^([^:\s]+):\s+(\d+)(?:\s+(kB))?\s*$/.exec(line);
    if (m) out.push({ field: m[1]!, value: Number(m[2]), inKiB: m[3] === 'kB' });
  }
  return out;
}

/** The `meminfo` collector. */
export function createMeminfoCollector(paths: HostPaths): HostCollector {
  const file = `${paths.proc}/meminfo`;
  const byField = new Map<string, MetricDef>();
  for (const f of parseMeminfo(tryReadText(file) ?? '')) byField.set(f.field, meminfoFieldDef(f.field, f.inKiB));
  const defs = byField.size ? [...byField.values()] : [nodeMemoryMemTotalBytes, nodeMemoryMemAvailableBytes];
  return {
    name: 'meminfo',
    defs,
    collect() {
      if (byField.size === 0) throw new Error(`${file} was unreadable when the exporter started`);
      const s = new Samples();
      for (const f of parseMeminfo(readText(file))) {
        const def = byField.get(f.field);
        if (def) s.add(def, [], f.inKiB ? f.value * 1024 : f.value);
      }
      return s;
    },
  };
}
