/**
 * `npm run stack -- --secure` (issue 16, point 4: "The stack can run with it on"): every tickwatch
 * server, Prometheus and Alertmanager under the one generated web configuration (TLS and basic
 * auth). Prometheus scrapes every target through TLS and basic auth (all `up`), a scrape without
 * credentials gets 401 from each exporter (and from Prometheus and Alertmanager), and Watchdog
 * reaches the dead man's switch stand-in (Prometheus to Alertmanager with credentials) and the
 * recorder's alert history (Alertmanager's webhook with credentials).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { JOBS, PORTS, RECORDER_ALERT_WEBHOOK_PATH } from '../../exporters/catalog/jobs.js';
import { fetchOutcome, type Outcome } from '../helpers/tls.js';
import { amtool, promtool, runToolAsync } from '../helpers/tools.js';

const CLI = fileURLToPath(new URL('../../scripts/stack/cli.ts', import.meta.url));
const TICKWATCH = fileURLToPath(new URL('../../scripts/tickwatch.mjs', import.meta.url));
/** Beside stack.test.ts's offset (20,000), so the two can run at once. */
const OFFSET = 22_000;
const at = (name: keyof typeof PORTS): number => PORTS[name] + OFFSET;

describe('npm run stack -- --secure', () => {
  it('scrapes every target through TLS and basic auth, refuses a scrape without credentials, and delivers Watchdog to the stand-in and the alert history', { timeout: 150_000 }, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'stack', '--secure', '--ports-offset', String(OFFSET)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const t0 = Date.now();
      while (!/deadman\s+FIRING\s+Watchdog/.test(out) && Date.now() - t0 < 90_000 && child.exitCode === null) await new Promise((r) => setTimeout(r, 250));
      expect(out).toMatch(/deadman\s+FIRING\s+Watchdog/);
      // The stand-in saw the dead man's switch token (Alertmanager's own secret, unchanged by --secure).
      expect(out).not.toContain('[secret did not match]');
      expect(out).toContain(`Prometheus    https://127.0.0.1:${at('prometheus')}`);
      expect(out).toContain(`Alertmanager  https://127.0.0.1:${at('alertmanager')}`);
      const dir = /data in (\S+)\)/.exec(out)?.[1];
      expect(dir).toBeTruthy();
      const ca = join(dir!, 'web', 'ca.crt');
      const operator = `operator:${readFileSync(join(dir!, 'web', 'operator.password'), 'utf8').trim()}`;
      const get = async (port: number, path: string): Promise<Outcome> => fetchOutcome(`https://127.0.0.1:${port}${path}`, { ca, auth: operator });
      // The generated files pass the tools' own checks: the web configuration, Prometheus' jobs with
      // basic_auth and tls_config, Alertmanager's history webhook with its http_config.
      for (const r of [promtool(['check', 'web-config', join(dir!, 'web', 'web.yml')]), promtool(['check', 'config', join(dir!, 'prometheus.yml')]), amtool(['check-config', join(dir!, 'alertmanager.yml')])])
        expect(r.status, r.stdout + r.stderr).toBe(0);
      const promYml = readFileSync(join(dir!, 'prometheus.yml'), 'utf8');
      expect(promYml).toContain('password_file:');
      expect(promYml).toContain('ca_file:');
      const am = parse(readFileSync(join(dir!, 'alertmanager.yml'), 'utf8')) as { receivers: { name: string; webhook_configs?: Record<string, unknown>[] }[] };
      expect(am.receivers.find((r) => r.name === 'tickwatch-history')?.webhook_configs?.[0]).toMatchObject({
        url: `https://127.0.0.1:${at('recorderQuery')}${RECORDER_ALERT_WEBHOOK_PATH}`,
        http_config: { basic_auth: { username: 'alertmanager', password_file: join(dir!, 'web', 'alertmanager.password') }, tls_config: { ca_file: ca } },
      });

      // Prometheus scrapes all three services through TLS and basic auth: every target up.
      type Targets = { data: { activeTargets: { labels: { job: string }; health: string; scrapeUrl: string; lastError: string }[] } };
      let targets: Targets['data']['activeTargets'] = [];
      for (let t = Date.now(); Date.now() - t < 30_000; await new Promise((r) => setTimeout(r, 500))) {
        const r = await get(at('prometheus'), '/api/v1/targets');
        expect(r).toMatchObject({ status: 200 });
        targets = (JSON.parse((r as { body: string }).body) as Targets).data.activeTargets;
        if (targets.length === 3 && targets.every((x) => x.health === 'up')) break;
      }
      expect(new Set(targets.map((x) => x.labels.job))).toEqual(new Set([JOBS.hft.job, JOBS.host.job, JOBS.recorder.job]));
      expect(targets.map((x) => [x.labels.job, x.health, x.lastError])).toEqual(targets.map((x) => [x.labels.job, 'up', '']));
      expect(targets.every((x) => x.scrapeUrl.startsWith('https://127.0.0.1:'))).toBe(true);
      const upQuery = await get(at('prometheus'), '/api/v1/query?query=up');
      const up = (JSON.parse((upQuery as { body: string }).body) as { data: { result: { metric: { job: string }; value: [number, string] }[] } }).data.result;
      expect(up.map((s) => s.value[1])).toEqual(['1', '1', '1']);

      // A scrape without credentials: 401 from every exporter, and from Prometheus and Alertmanager.
      for (const port of [at('hft'), at('host'), at('recorder'), at('prometheus'), at('alertmanager')]) {
        const path = port === at('prometheus') || port === at('alertmanager') ? '/-/ready' : '/metrics';
        expect(await fetchOutcome(`https://127.0.0.1:${port}${path}`, { ca }), `port ${port}`).toMatchObject({ status: 401 });
        // With the operator's credentials the same request passes.
        expect(await get(port, path), `port ${port}`).toMatchObject({ status: 200 });
      }

      // The recorder keeps the alert history Alertmanager sent it with its credentials: Watchdog is in it.
      let history: string[] = [];
      for (let i = 0; i < 60 && !history.includes('OPEN'); i++) {
        const r = await get(at('recorderQuery'), '/api/v1/alerts?alertname=Watchdog');
        expect(r).toMatchObject({ status: 200 });
        history = (JSON.parse((r as { body: string }).body) as { status: string }[]).map((x) => x.status);
        if (!history.includes('OPEN')) await new Promise((r2) => setTimeout(r2, 500));
      }
      expect(history).toContain('OPEN');
      // The same history without credentials: 401.
      expect(await fetchOutcome(`https://127.0.0.1:${at('recorderQuery')}/api/v1/alerts?alertname=Watchdog`, { ca })).toMatchObject({ status: 401 });
      // The command the stack prints for it, with the operator's client configuration, shows it too.
      const printed = /tickwatch alerts history (--query-url \S+ --http\.config\.file \S+)\)/.exec(out)?.[1];
      expect(printed, out).toBe(`--query-url https://127.0.0.1:${at('recorderQuery')} --http.config.file ${join(dir!, 'web', 'operator-client.yml')}`);
      const cli = await runToolAsync(process.execPath, [TICKWATCH, 'alerts', 'history', '--json', '--alertname', 'Watchdog', ...printed!.split(' ')], { timeoutMs: 120_000 });
      expect(cli.status, cli.stderr).toBe(0);
      expect(cli.stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { status: string }).status)).toContain('OPEN');

      child.kill('SIGINT');
      const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      expect(code, out).toBe(0);
      expect(out).toContain('stack: stopped');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    }
  });
});
