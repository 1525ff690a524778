/**
 * `thermal_zone`: `node_thermal_zone_temp{type,zone}` in degrees Celsius from
 * /sys/class/thermal/thermal_zone<N>/temp (millidegrees) and its `type` file, as node_exporter 1.5's
 * `thermal_zone` collector exports it. A zone whose temperature cannot be read (some ACPI zones
 * answer ENODATA) is skipped. A host without /sys/class/thermal yields no data.
 *
 * Listing the zones is a synchronous sysfs directory read (no driver is involved); the temperature
 * reads go through the async API because an ACPI zone can take milliseconds to answer. A host with
 * no zones is answered without leaving the scrape's tick.
 */
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { nodeThermalZoneTemp } from '../../catalog/host.js';
import { NoDataError, Samples } from '../../instrument/collector.js';
import { type HostCollector, type HostPaths } from '../collector.js';

async function text(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'latin1')).trim();
  } catch {
    return undefined;
  }
}

/** The `thermal_zone` collector. */
export function createThermalZoneCollector(paths: HostPaths): HostCollector {
  const root = `${paths.sys}/class/thermal`;
  return {
    name: 'thermal_zone',
    defs: [nodeThermalZoneTemp],
    collect() {
      let entries: string[];
      try {
        entries = readdirSync(root);
      } catch {
        throw new NoDataError(`${root} does not exist`);
      }
      const zones = entries.map((e) => /^thermal_zone(\d+)$/.exec(e)).filter((m): m is RegExpExecArray => m !== null);
      if (zones.length === 0) return new Samples();
      return read(zones);
    },
  };

  async function read(zones: readonly RegExpExecArray[]): Promise<Samples> {
    const got = await Promise.all(zones.map(async (m) => [m[1]!, await text(`${root}/${m[0]}/type`), await text(`${root}/${m[0]}/temp`)] as const));
    const s = new Samples();
    for (const [zone, type, temp] of got) {
      const v = Number(temp);
      if (type === undefined || temp === undefined || temp === '' || !Number.isFinite(v)) continue;
      s.add(nodeThermalZoneTemp, [type, zone], v / 1000);
    }
    return s;
  }
}
