/** Helpers for the host and ClickHouse exporter tests: a real node_exporter, scraping and parsing. */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, waitForHttp } from '../../scripts/lib/net.js';
import { parseExposition, type Sample } from '../helpers/exposition.js';

/**
 * Scrapes `/metrics` and parses it.
 * @param timeoutMs - how long the scrape may take before the fetch aborts (TimeoutError), ms
 */
export async function scrape(base: string, timeoutMs = 10_000): Promise<{ body: string; samples: Sample[] }> {
  const body = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(timeoutMs) })).text();
  return { body, samples: parseExposition(body) };
}

/** The collectors both exporters have; node_exporter runs exactly these in the comparisons. */
export const OVERLAPPING_COLLECTORS = ['cpu', 'diskstats', 'filesystem', 'hwmon', 'loadavg', 'meminfo', 'netdev', 'stat', 'thermal_zone', 'timex'] as const;

/** A running Debian prometheus-node-exporter. */
export interface NodeExporter {
  readonly url: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts Debian's `prometheus-node-exporter` on a free loopback port with only `collectors`.
 * @throws Error when the binary is missing (scripts/setup.sh installs it) or it does not come up
 */
export async function startNodeExporter(collectors: readonly string[] = OVERLAPPING_COLLECTORS): Promise<NodeExporter> {
  const port = await freePort();
  const args = [`--web.listen-address=127.0.0.1:${port}`, '--collector.disable-defaults', ...collectors.map((c) => `--collector.${c}`), '--log.level=warn'];
  const child = spawn('prometheus-node-exporter', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/metrics`, 20_000, { child, name: 'prometheus-node-exporter', output: () => stderr });
  return {
    url,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** `name{a="1",b="2"}` with labels sorted: the identity of a series. */
export function seriesKey(s: Sample): string {
  const labels = Object.keys(s.labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(s.labels[k])}`)
    .join(',');
  return `${s.name}{${labels}}`;
}
