/**
 * `stat`: boot time, context switches, forks, interrupts and runnable/blocked process counts from
 * the non-CPU lines of /proc/stat (`btime`, `ctxt`, `processes`, `intr`, `procs_running`,
 * `procs_blocked`), as node_exporter's `stat` collector exports them.
 */
import {
  nodeBootTimeSeconds,
  nodeContextSwitchesTotal,
  nodeForksTotal,
  nodeIntrTotal,
  nodeProcsBlocked,
  nodeProcsRunning,
} from '../../catalog/host.js';
import type { MetricDef } from '../../catalog/types.js';
import { Samples } from '../../instrument/collector.js';
import { readText, type HostCollector, type HostPaths } from '../collector.js';

// `intr` is followed by per-IRQ counts; its first number is the total.
const LINES: ReadonlyArray<readonly [RegExp, MetricDef]> = [
  [/^btime\s+(\d+)/m, nodeBootTimeSeconds],
  [/^ctxt\s+(\d+)/m, nodeContextSwitchesTotal],
  [/^processes\s+(\d+)/m, nodeForksTotal],
  [/^intr\s+(\d+)/m, nodeIntrTotal],
  [/^procs_running\s+(\d+)/m, nodeProcsRunning],
  [/^procs_blocked\s+(\d+)/m, nodeProcsBlocked],
];

/**
 * Boot time in Unix seconds from a /proc/stat text.
 * @throws Error when the text has no `btime` line
 */
export function bootTimeSeconds(stat: string): number {
  const m = /^btime\s+(\d+)/m.exec(stat);
  if (!m) throw new Error('no btime line in /proc/stat');
  return Number(m[1]);
}

/** The `stat` collector. */
export function createStatCollector(paths: HostPaths): HostCollector {
  return {
    name: 'stat',
    defs: LINES.map(([, d]) => d),
    collect() {
      const text = readText(`${paths.proc}/stat`);
      const s = new Samples();
      for (const [re, def] of LINES) {
        const m = re.exec(text);
        if (m) s.add(def, [], Number(m[1]));
      }
      return s;
    },
  };
}
