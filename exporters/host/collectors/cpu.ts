/**
 * `cpu`: `node_cpu_seconds_total{cpu,mode}` and `node_cpu_guest_seconds_total{cpu,mode}` from the
 * `cpuN` lines of /proc/stat (ticks of USER_HZ = 100 per second).
 *
 * The kernel's per-CPU idle and iowait times can step backwards (iowait is sampled per CPU, and a
 * CPU hot-plug restarts its counters). Like node_exporter 1.5, each value is kept at its highest
 * so far, so the exported series are real monotonic counters; when a CPU's idle time drops by 3 s
 * or more, that is a hot-plug and the CPU's kept values are reset (Prometheus sees a counter reset).
 */
import { nodeCpuGuestSecondsTotal, nodeCpuSecondsTotal } from '../../catalog/host.js';
import { Samples } from '../../instrument/collector.js';
import { readText, USER_HZ, type HostCollector, type HostPaths } from '../collector.js';

/** /proc/stat column order after `cpuN`. */
const COLUMNS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'guest', 'guest_nice'] as const;
const IDLE = 3;
/** Idle drop, in ticks, taken as a hot-plug (node_exporter's jumpBackSeconds = 3). */
const JUMP_BACK_TICKS = 3 * USER_HZ;

/** Parses the per-CPU lines of /proc/stat: CPU number to its ticks in {@link COLUMNS} order. */
export function parseCpuLines(stat: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const line of stat.split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    out.set(m[1]!, m[2]!.trim().split(/\s+/).map(Number));
  }
  return out;
}

/** The `cpu` collector. */
export function createCpuCollector(paths: HostPaths): HostCollector {
  const kept = new Map<string, number[]>();
  return {
    name: 'cpu',
    defs: [nodeCpuSecondsTotal, nodeCpuGuestSecondsTotal],
    collect() {
      const cpus = parseCpuLines(readText(`${paths.proc}/stat`));
      for (const id of kept.keys()) if (!cpus.has(id)) kept.delete(id); // offlined
      const s = new Samples();
      for (const [id, now] of cpus) {
        let k = kept.get(id);
        if (!k || (k[IDLE] ?? 0) - (now[IDLE] ?? 0) >= JUMP_BACK_TICKS) kept.set(id, (k = new Array<number>(COLUMNS.length).fill(0)));
        for (let i = 0; i < COLUMNS.length; i++) {
          const v = now[i];
          if (v !== undefined && Number.isFinite(v) && v > k[i]!) k[i] = v;
        }
        for (let i = 0; i < 8; i++) if (now[i] !== undefined) s.add(nodeCpuSecondsTotal, [id, COLUMNS[i]!], k[i]! / USER_HZ);
        if (now[8] !== undefined) s.add(nodeCpuGuestSecondsTotal, [id, 'user'], k[8]! / USER_HZ);
        if (now[9] !== undefined) s.add(nodeCpuGuestSecondsTotal, [id, 'nice'], k[9]! / USER_HZ);
      }
      return s;
    },
  };
}
