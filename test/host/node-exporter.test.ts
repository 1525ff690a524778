/**
 * The host exporter side by side with Debian's prometheus-node-exporter 1.5 on this machine, both
 * running the same collectors (cpu, diskstats, filesystem, hwmon, loadavg, meminfo, netdev, stat,
 * thermal_zone, timex: the kernel's adjtimex state, which ours reads through koffi):
 *
 * - names: every `node_*` series node_exporter serves, ours serves with the same name and labels,
 *   and ours serves no other `node_*` series (two documented exceptions each way);
 * - values: three rounds, a second apart; in each, node_exporter is scraped, then ours, then
 *   node_exporter again, one after the other, so that our read of every source falls between
 *   node_exporter's two reads of it. Per round and series:
 *   - a counter only rises, so ours lies between node_exporter's two values, give or take the
 *     kernel's unit (0.01 s CPU tick, 1 ms disk time, 512-byte sector, 1 for counts). The bracket
 *     needs no guess at how fast a counter moves: an earlier model (three times the rate seen
 *     between rounds) failed on a busy machine, where the scrapes themselves make the context
 *     switches and user CPU time they count (132 switches against a tolerance of 105);
 *   - a gauge lies between node_exporter's two values widened by its tolerance: exact, except
 *     those that change between two reads (see GAUGE_TOLERANCE);
 * - `promtool check metrics`: the only findings on our output are the camelCase-name lints of
 *   node_exporter's own meminfo names, and node_exporter's output gets exactly the same ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostExporter, type HostExporter } from '../../exporters/host/exporter.js';
import type { Sample } from '../helpers/exposition.js';
import { promtool } from '../helpers/tools.js';
import { OVERLAPPING_COLLECTORS, scrape, seriesKey, startNodeExporter, type NodeExporter } from './support.js';

let ne: NodeExporter;
let ours: HostExporter;

beforeAll(async () => {
  [ne, ours] = await Promise.all([startNodeExporter(), startHostExporter({ port: 0, collectors: [...OVERLAPPING_COLLECTORS], clockSync: false })]);
});
afterAll(async () => {
  await Promise.all([ne?.stop(), ours?.close()]);
});

/** node_* series node_exporter has that we do not serve, and why. */
const ONLY_NODE_EXPORTER: readonly RegExp[] = [
  /^node_exporter_build_info\{/, // node_exporter's own build; ours is tickwatch_build_info
];
/** node_* series we serve that node_exporter does not. */
const ONLY_OURS: readonly RegExp[] = [];

/** Gauges that move between two reads a few milliseconds apart: [pattern, tolerance(a, b)]. */
const GAUGE_TOLERANCE: ReadonlyArray<readonly [RegExp, string, (a: number, b: number) => number]> = [
  // Static sizes and counts read from the same kernel structure: exact.
  [/^node_memory_(MemTotal|SwapTotal|Hugepagesize|HugePages_Total|VmallocTotal|CommitLimit|DirectMap\w+)(_bytes)?$/, 'exact', () => 0],
  [/^node_memory_HugePages_\w+$/, 'exact', () => 0],
  // Committed address space is the sum of every process's reservations: a process starting beside
  // the test (a clickhouse-server or a Node.js worker of another test file) commits hundreds of MiB
  // at once (seen: 42 MiB between two concurrent reads). 5 % + 256 MiB.
  [/^node_memory_Committed_AS_bytes$/, '5% + 256 MiB', (a, b) => 0.05 * Math.max(Math.abs(a), Math.abs(b)) + 256 * 2 ** 20],
  // Free, cached, dirty... memory moves with every allocation on a shared machine: 1 % + 32 MiB.
  [/^node_memory_\w+_bytes$/, '1% + 32 MiB', (a, b) => 0.01 * Math.max(Math.abs(a), Math.abs(b)) + 32 * 2 ** 20],
  // Load averages are recomputed every 5 s: one update apart at most.
  [/^node_load(1|5|15)$/, '10% + 0.3', (a, b) => 0.1 * Math.max(a, b) + 0.3],
  // Instantaneous task and I/O queue counts.
  [/^node_procs_(running|blocked)$/, '± 16 tasks', () => 16],
  [/^node_disk_io_now$/, '± 32 I/Os', () => 32],
  // Free space and inodes move with every write: 0.1 % of the value + 256 MiB / 10,000 inodes.
  [/^node_filesystem_(free|avail)_bytes$/, '0.1% + 256 MiB', (a, b) => 0.001 * Math.max(a, b) + 256 * 2 ** 20],
  [/^node_filesystem_files_free$/, '0.1% + 10,000', (a, b) => 0.001 * Math.max(a, b) + 10_000],
  // Temperatures drift.
  [/^node_(hwmon_temp|thermal_zone_temp)/, '± 2 °C', () => 2],
  // The kernel adds 500 µs (its 500 ppm tolerance) to maxerror once a second, until it reaches 16 s:
  // two reads that straddle a second boundary differ by one step.
  [/^node_timex_maxerror_seconds$/, '500 µs + 1 µs', () => 501e-6],
  // The kernel PLL corrects at most a quarter of its remaining offset a second (offset >>
  // (SHIFT_PLL + time_constant), SHIFT_PLL = 2): one second's correction, plus 1 µs of resolution.
  [/^node_timex_offset_seconds$/, '25% + 1 µs', (a, b) => 0.25 * Math.max(Math.abs(a), Math.abs(b)) + 1e-6],
  // An NTP daemon may set a new frequency between the two reads (chronyd does at each clock update).
  [/^node_timex_frequency_adjustment_ratio$/, '1 ppm', () => 1e-6],
];

function gaugeTolerance(name: string, a: number, b: number): number {
  for (const [re, , tol] of GAUGE_TOLERANCE) if (re.test(name)) return tol(a, b);
  return 0;
}

/** Smallest step a counter moves by (the kernel's unit). */
function resolution(name: string): number {
  if (name.startsWith('node_cpu_')) return 0.011; // one USER_HZ tick, plus float rounding
  if (/^node_disk_.*seconds_total$/.test(name)) return 0.0011; // one millisecond
  if (/^node_disk_(read|written)_bytes_total$/.test(name)) return 512;
  return 1;
}

interface Round {
  /** node_exporter's series before our scrape started. */
  readonly before: Map<string, Sample>;
  readonly ours: Map<string, Sample>;
  /** node_exporter's series after our scrape ended. */
  readonly after: Map<string, Sample>;
  /** Wall time of the round, seconds. */
  readonly seconds: number;
}

const byKey = (samples: readonly Sample[]): Map<string, Sample> => new Map(samples.filter((s) => s.name.startsWith('node_')).map((s) => [seriesKey(s), s]));

/** node_exporter, ours, node_exporter, one after the other: ours reads between node_exporter's two reads. */
async function round(): Promise<Round> {
  const t0 = performance.now();
  const before = byKey((await scrape(ne.url)).samples);
  const ours_ = byKey((await scrape(ours.metrics.url)).samples);
  const after = byKey((await scrape(ne.url)).samples);
  return { before, ours: ours_, after, seconds: (performance.now() - t0) / 1000 };
}

describe('host exporter beside prometheus-node-exporter 1.5', () => {
  it('serves the same node_* series with values inside the bracket of node_exporter’s reads before and after ours', async () => {
    await round(); // warm both (first scrapes set up caches and thread pools)
    const rounds: Round[] = [];
    for (let i = 0; i < 3; i++) {
      if (i) await new Promise((r) => setTimeout(r, 1000));
      rounds.push(await round());
    }
    const first = rounds[0]!;
    const missing = [...first.before.keys()].filter((k) => !first.ours.has(k) && !ONLY_NODE_EXPORTER.some((re) => re.test(k)));
    const extra = [...first.ours.keys()].filter((k) => !first.before.has(k) && !ONLY_OURS.some((re) => re.test(k)));
    expect(missing, 'node_exporter series we lack').toEqual([]);
    expect(extra, 'node_* series node_exporter lacks').toEqual([]);

    const overlap = [...first.before.keys()].filter((k) => first.ours.has(k));
    const compared = overlap.filter((k) => !k.startsWith('node_scrape_collector_duration_seconds{')); // each exporter's own timing
    const problems: string[] = [];
    let counters = 0;
    let gauges = 0;
    let worst = { key: '', share: 0 };
    for (const key of compared) {
      const name = first.before.get(key)!.name;
      const counter = name.endsWith('_total');
      if (counter) counters++;
      else gauges++;
      for (const [i, r] of rounds.entries()) {
        const a1 = r.before.get(key)?.value;
        const b = r.ours.get(key)?.value;
        const a2 = r.after.get(key)?.value;
        if (a1 === undefined || b === undefined || a2 === undefined) {
          problems.push(`${key}: missing in round ${i} (node_exporter ${a1} then ${a2}, ours ${b})`);
          continue;
        }
        // A counter that steps back between node_exporter's reads (the kernel allows it of iowait)
        // still brackets ours from both sides.
        const lo = Math.min(a1, a2);
        const hi = Math.max(a1, a2);
        const tol = (counter ? resolution(name) : gaugeTolerance(name, a1, b)) + 1e-9 * Math.abs(a1);
        const outside = b < lo ? lo - b : b > hi ? b - hi : 0;
        if (outside > tol) problems.push(`${key}: ours ${b} outside node_exporter's ${a1} .. ${a2} by ${outside} (tolerance ${tol}) in round ${i}`);
        else if (tol > 0 && outside / tol > worst.share) worst = { key, share: outside / tol };
      }
    }
    console.log(
      `node_exporter comparison: ${compared.length} overlapping series compared (${counters} counters, ${gauges} gauges; ` +
        `${overlap.length - compared.length} duration series checked by name only) over ${rounds.length} rounds ` +
        `(${rounds.map((r) => `${(r.seconds * 1000).toFixed(1)} ms`).join(', ')}); largest step outside node_exporter's bracket used ${(worst.share * 100).toFixed(0)}% of its tolerance (${worst.key || 'none'})`,
    );
    expect(problems).toEqual([]);
    expect(compared.length).toBeGreaterThanOrEqual(100);
    expect(overlap.length).toBeGreaterThanOrEqual(0.95 * first.before.size);
    for (const prefix of ['node_cpu_seconds_total', 'node_memory_MemAvailable_bytes', 'node_network_receive_bytes_total', 'node_disk_io_time_seconds_total', 'node_filesystem_avail_bytes', 'node_load1', 'node_boot_time_seconds', 'node_timex_sync_status', 'node_timex_offset_seconds', 'node_timex_maxerror_seconds', 'node_timex_tick_seconds']) {
      expect(compared.some((k) => k.startsWith(`${prefix}{`)), prefix).toBe(true);
    }
  });

  it('passes promtool check metrics but for the camelCase lint of node_exporter’s own meminfo names, which node_exporter gets too', async () => {
    const [theirs, mine] = await Promise.all([scrape(ne.url), scrape(ours.metrics.url)]);
    const lint = (body: string) => {
      const r = promtool(['check', 'metrics'], body);
      return { status: r.status, lines: (r.stdout + r.stderr).split('\n').filter(Boolean) };
    };
    const m = lint(mine.body);
    const allowed = /^(node_memory_\w+) metric names should be written in 'snake_case' not 'camelCase'$/;
    expect(m.lines.filter((l) => !allowed.test(l)), 'findings other than the compat camelCase names').toEqual([]);
    expect(m.lines.length).toBeGreaterThan(0);
    const t = lint(theirs.body);
    const theirCamel = new Set(t.lines.filter((l) => allowed.test(l)));
    for (const l of m.lines) expect(theirCamel.has(l), `node_exporter gets '${l}' too`).toBe(true);
    // Without those compat families, the exposition is clean.
    const camel = new Set(m.lines.map((l) => allowed.exec(l)![1]!));
    const filtered = mine.body
      .split('\n')
      .filter((line) => {
        const name = /^(?:# (?:HELP|TYPE) )?([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line)?.[1];
        return !(name && camel.has(name));
      })
      .join('\n');
    const clean = promtool(['check', 'metrics'], filtered);
    expect(clean.stdout + clean.stderr).toBe('');
    expect(clean.status).toBe(0);
  });
});
