/** `loadavg`: `node_load1`, `node_load5`, `node_load15` from the first three fields of /proc/loadavg. */
import { nodeLoad1, nodeLoad15, nodeLoad5 } from '../../catalog/host.js';
import { Samples } from '../../instrument/collector.js';
import { readText, type HostCollector, type HostPaths } from '../collector.js';

/** The `loadavg` collector. */
export function createLoadavgCollector(paths: HostPaths): HostCollector {
  const defs = [nodeLoad1, nodeLoad5, nodeLoad15];
  return {
    name: 'loadavg',
    defs,
    collect() {
      const parts = readText(`${paths.proc}/loadavg`).trim().split(/\s+/);
      const s = new Samples();
      defs.forEach((d, i) => {
        const v = Number(parts[i]);
        if (!Number.isFinite(v)) throw new Error(`/proc/loadavg: bad field ${i + 1}: '${parts[i] ?? ''}'`);
        s.add(d, [], v);
      });
      return s;
    },
  };
}
