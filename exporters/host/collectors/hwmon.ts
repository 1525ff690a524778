/**
 * `hwmon`: temperature sensors under /sys/class/hwmon, named and labelled as node_exporter 1.5
 * names them: `node_hwmon_temp_celsius{chip,sensor}` (plus `_max_` and `_crit_` thresholds),
 * `node_hwmon_chip_names{chip,chip_name}` and `node_hwmon_sensor_label{chip,label,sensor}`.
 * sysfs gives millidegrees; the values are degrees Celsius.
 *
 * `chip` is built from the device path (`platform_coretemp_0`, stable across reboots) and falls
 * back to the `name` file, then to the `hwmonN` folder name, each lower-cased with characters
 * outside `[a-z0-9:_]` replaced by `_`, as node_exporter's `hwmonName` does.
 *
 * A host without /sys/class/hwmon (most VMs) yields no data (`node_scrape_collector_success 0`,
 * like node_exporter). Listing folders and resolving links are synchronous sysfs operations (no
 * driver is involved); sensor values are read with the async API, because some drivers answer over
 * I2C or ACPI and take milliseconds. A host with no hwmon is answered without leaving the tick.
 */
import { readdirSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { nodeHwmonChipNames, nodeHwmonSensorLabel, nodeHwmonTempCelsius, nodeHwmonTempCritCelsius, nodeHwmonTempMaxCelsius } from '../../catalog/host.js';
import type { MetricDef } from '../../catalog/types.js';
import { NoDataError, Samples } from '../../instrument/collector.js';
import { type HostCollector, type HostPaths } from '../collector.js';

const PROPERTY: Readonly<Record<string, MetricDef>> = { input: nodeHwmonTempCelsius, max: nodeHwmonTempMaxCelsius, crit: nodeHwmonTempCritCelsius };

/** node_exporter's `cleanMetricName`: lower case, `[^a-z0-9:_]` to `_`, trimmed of `_`. */
export function cleanName(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9:_]/g, '_')
    .replace(/^_+|_+$/g, '');
}

async function text(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'latin1')).trim();
  } catch {
    return undefined;
  }
}

/** The `chip` label of one hwmon folder (see the module comment); `name` is its `name` file's content. */
export function chipName(dir: string, name: string | undefined): string {
  try {
    const device = realpathSync(join(dir, 'device'));
    const dev = cleanName(basename(device));
    const type = cleanName(basename(dirname(device)));
    if (type && dev) return `${type}_${dev}`;
    if (dev) return dev;
  } catch {
    // no device link: fall through
  }
  const fromFile = cleanName(name ?? '');
  if (fromFile) return fromFile;
  return cleanName(basename(realpathSync(dir)));
}

function sensorFiles(dir: string): { dir: string; file: string }[] {
  const out: { dir: string; file: string }[] = [];
  for (const d of [dir, join(dir, 'device')]) {
    let files: string[];
    try {
      files = readdirSync(d);
    } catch {
      continue;
    }
    for (const f of files) if (/^temp\d+_(input|max|crit|label)$/.test(f)) out.push({ dir: d, file: f });
  }
  return out;
}

/** The `hwmon` collector. */
export function createHwmonCollector(paths: HostPaths): HostCollector {
  const root = `${paths.sys}/class/hwmon`;
  return {
    name: 'hwmon',
    defs: [nodeHwmonTempCelsius, nodeHwmonTempMaxCelsius, nodeHwmonTempCritCelsius, nodeHwmonChipNames, nodeHwmonSensorLabel],
    collect() {
      let entries: string[];
      try {
        entries = readdirSync(root);
      } catch {
        throw new NoDataError(`${root} does not exist`);
      }
      if (entries.length === 0) return new Samples();
      return read(entries);
    },
  };

  async function read(entries: string[]): Promise<Samples> {
    const s = new Samples();
    const chips = new Set<string>();
    for (const entry of entries.sort()) {
      const dir = join(root, entry);
      const name = await text(join(dir, 'name'));
      const chip = chipName(dir, name);
      if (chips.has(chip)) continue; // the same device seen through two links
      chips.add(chip);
      const human = cleanName(name ?? '');
      if (human) s.add(nodeHwmonChipNames, [chip, human], 1);
      const files = sensorFiles(dir);
      const values = await Promise.all(files.map((f) => text(join(f.dir, f.file))));
      const done = new Set<string>();
      files.forEach((f, i) => {
        const m = /^(temp\d+)_(\w+)$/.exec(f.file)!;
        const sensorName = m[1]!;
        const key = `${sensorName}_${m[2]!}`;
        if (done.has(key)) return; // the same file in dir and dir/device: the first wins
        done.add(key);
        const raw = values[i];
        if (raw === undefined || raw === '') return;
        if (m[2] === 'label') {
          s.add(nodeHwmonSensorLabel, [chip, raw, sensorName], 1);
          return;
        }
        const v = Number(raw);
        const def = PROPERTY[m[2]!];
        if (def && Number.isFinite(v)) s.add(def, [chip, sensorName], v / 1000);
      });
    }
    return s;
  }
}
