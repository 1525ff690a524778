/** `npm run stack` as a user runs it: everything comes up on loopback, and Ctrl-C leaves nothing behind. */
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { JOBS, PORTS } from '../../exporters/catalog/jobs.js';
import { PROMETHEUS_RETENTION } from '../../prometheus/config.js';

const CLI = fileURLToPath(new URL('../../scripts/stack/cli.ts', import.meta.url));
/** The stack runs at the catalog's port plan shifted by this (`--ports-offset`), beside anything on the defaults. */
const OFFSET = 20_000;
const at = (name: keyof typeof PORTS): number => PORTS[name] + OFFSET;
/** Every port the stack takes. */
const STACK_PORTS = (['prometheus', 'alertmanager', 'hft', 'host', 'recorder', 'recorderQuery', 'receiversHttp', 'receiversSmtp'] as const).map(at);

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

describe('npm run stack', () => {
  it('starts Prometheus, Alertmanager, the exporter and the stand-ins, delivers Watchdog, and stops cleanly on Ctrl-C', { timeout: 120_000 }, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'stack', '--ports-offset', String(OFFSET)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const t0 = Date.now();
    while (!/deadman\s+FIRING\s+Watchdog/.test(out) && Date.now() - t0 < 60_000 && child.exitCode === null) await new Promise((r) => setTimeout(r, 250));
    expect(out).toMatch(/deadman\s+FIRING\s+Watchdog/);
    expect(out).toContain(`Prometheus    http://127.0.0.1:${at('prometheus')}`);
    expect(out).toContain(`Alertmanager  http://127.0.0.1:${at('alertmanager')}`);
    for (const p of [at('hft'), at('host'), at('recorder')]) expect((await fetch(`http://127.0.0.1:${p}/metrics`)).status, `port ${p}`).toBe(200);
    // Prometheus scrapes all three services.
    const up = (await (await fetch(`http://127.0.0.1:${at('prometheus')}/api/v1/query?query=up`)).json()) as { data: { result: { metric: { job: string } }[] } };
    let jobs = new Set(up.data.result.map((r) => r.metric.job));
    for (let i = 0; i < 20 && jobs.size < 3; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const again = (await (await fetch(`http://127.0.0.1:${at('prometheus')}/api/v1/query?query=up`)).json()) as typeof up;
      jobs = new Set(again.data.result.map((r) => r.metric.job));
    }
    expect(jobs).toEqual(new Set([JOBS.hft.job, JOBS.host.job, JOBS.recorder.job]));
    // Retention is a flag (seed 004's 15-30 days, PROMETHEUS_RETENTION): Prometheus runs with it.
    const flags = (await (await fetch(`http://127.0.0.1:${at('prometheus')}/api/v1/status/flags`)).json()) as { data: Record<string, string> };
    expect(flags.data['storage.tsdb.retention.time']).toBe(PROMETHEUS_RETENTION.time);
    expect(flags.data['storage.tsdb.retention.size']).toBe(PROMETHEUS_RETENTION.size ?? '0B');
    // The recorder keeps the alert history Alertmanager sends it: Watchdog is in it.
    const history = async () => ((await (await fetch(`http://127.0.0.1:${at('recorderQuery')}/api/v1/alerts?alertname=Watchdog`)).json()) as { status: string }[]).map((r) => r.status);
    let watchdog = await history();
    for (let i = 0; i < 30 && !watchdog.includes('OPEN'); i++) (await new Promise((r) => setTimeout(r, 500)), (watchdog = await history()));
    expect(watchdog).toContain('OPEN');
    const dir = /data in (\S+)\)/.exec(out)?.[1];
    expect(dir).toBeTruthy();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code, out).toBe(0);
    expect(out).toContain('stack: stopped');
    const procs = execFileSync('ps', ['-eo', 'args']).toString().split('\n').filter((l) => l.includes(dir!));
    expect(procs).toEqual([]);
    for (const p of STACK_PORTS) expect(await portFree(p), `port ${p}`).toBe(true);
  });
});
