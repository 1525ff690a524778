/**
 * The Prometheus and Alertmanager side of the web configuration (issue 16, item 4): scrape jobs
 * generated with `basic_auth` (password file) and `tls_config` (CA file, server name) pass `promtool
 * check config`, and a real Prometheus (Debian's 2.42) scrapes a tickwatch exporter running under
 * the web configuration with them (`up` 1), while a job with a wrong password gets `up` 0 and is
 * counted as refused on the exporter. The Alertmanager config's history webhook carries the same
 * kind of credentials: `amtool check-config` passes and a real Alertmanager (0.25) delivers an
 * alert to a recorder that requires TLS and basic auth.
 */
import bcrypt from 'bcryptjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostExporter, type HostExporter } from '../../exporters/host/exporter.js';
import type { WebRefusal } from '../../exporters/instrument/web/server.js';
import { prometheusConfig, type ScrapeAccess } from '../../prometheus/config.js';
import { tempDir } from '../helpers/env.js';
import { startPrometheus, type Prom } from '../helpers/prometheus.js';
import { makeCertificates, type TestCertificates } from '../helpers/tls.js';
import { amtool, promtool } from '../helpers/tools.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { alertmanagerConfig, DRILL_TIMINGS, type Endpoints } from '../../alertmanager/config.js';
import { RECORDER_ALERT_WEBHOOK_PATH } from '../../exporters/catalog/jobs.js';
import { startRecorder, type RunningRecorder } from '../../exporters/recorder/run.js';
import { freePort } from '../../scripts/lib/net.js';
import { captureLogging } from '../helpers/env.js';
import { fetchOutcome } from '../helpers/tls.js';

let dir: string;
let certs: TestCertificates;
let exporter: HostExporter;
let prom: Prom | undefined;
const refusals: WebRefusal[] = [];

beforeAll(async () => {
  dir = tempDir('tickwatch-webscrape-');
  certs = makeCertificates(dir);
  writeFileSync(join(dir, 'web.yml'), `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  prometheus: ${bcrypt.hashSync('s3cret-scrape', 4)}\n`);
  writeFileSync(join(dir, 'prometheus.password'), 's3cret-scrape\n');
  writeFileSync(join(dir, 'wrong.password'), 'not-the-password\n');
  exporter = await startHostExporter({ port: 0, collectors: ['loadavg'], clockSync: false, web: { configFile: join(dir, 'web.yml') }, onWebRefusal: (r) => refusals.push(r) });
}, 60_000);

let recorder: RunningRecorder | undefined;
let am: ChildProcess | undefined;
afterAll(async () => {
  am?.kill('SIGTERM');
  await prom?.stop();
  await exporter?.close();
  await recorder?.close();
});

function config(): Record<string, unknown> {
  const target = new URL(exporter.metrics.url).host;
  const access: ScrapeAccess = { basicAuth: { username: 'prometheus', passwordFile: join(dir, 'prometheus.password') }, tls: { caFile: certs.caCert, serverName: 'localhost' } };
  return prometheusConfig({
    scrapeInterval: '1s',
    evaluationInterval: '1s',
    externalLabels: {},
    access,
    jobs: [
      { job: 'secured', targets: [target], interval: '1s' },
      { job: 'wrong-password', targets: [target], interval: '1s', access: { ...access, basicAuth: { username: 'prometheus', passwordFile: join(dir, 'wrong.password') } } },
    ],
    ruleFiles: [],
    alertmanagers: [],
  });
}

describe('scrape jobs under the web configuration', () => {
  it('carry scheme https, basic_auth with a password file and tls_config with the CA and server name; promtool check config passes', () => {
    const cfg = config();
    const job = (cfg.scrape_configs as Record<string, unknown>[])[0]!;
    expect(job).toMatchObject({ scheme: 'https', basic_auth: { username: 'prometheus', password_file: join(dir, 'prometheus.password') }, tls_config: { ca_file: certs.caCert, server_name: 'localhost' } });
    expect(JSON.stringify(cfg)).not.toContain('s3cret-scrape');
    const file = join(dir, 'prometheus.yml');
    writeFileSync(file, stringify(cfg));
    const r = promtool(['check', 'config', file]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // The check reads these keys (2.42 does not look for the files): a misspelt one fails it.
    for (const [key, typo] of [['password_file:', 'passwd_file:'], ['server_name:', 'servername:'], ['ca_file:', 'ca_path:']] as const) {
      writeFileSync(file, stringify(cfg).replace(key, typo));
      const bad = promtool(['check', 'config', file]);
      expect(bad.status, typo).not.toBe(0);
      expect(bad.stdout + bad.stderr).toContain(typo.slice(0, -1));
    }
  });

  it('a real Prometheus scrapes the exporter with them (up 1); with a wrong password up is 0 and the exporter counts the refusals', { timeout: 60_000 }, async () => {
    prom = await startPrometheus(config());
    const until = Date.now() + 30_000;
    let up: Record<string, string> = {};
    while (Date.now() < until) {
      up = Object.fromEntries((await prom.query('up')).map((s) => [s.metric.job!, s.value[1]]));
      if (up.secured === '1' && up['wrong-password'] === '0' && refusals.length > 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(up).toEqual({ secured: '1', 'wrong-password': '0' });
    // Wrong passwords, then 429 once the address has failed 10 times in a minute (one scrape a second).
    expect(refusals[0]).toMatchObject({ reason: 'bad_credentials', user: 'prometheus', remote: '127.0.0.1', path: '/metrics' });
    expect(refusals.every((r) => (r.reason === 'bad_credentials' || r.reason === 'rate_limited') && r.user === 'prometheus')).toBe(true);
    // The exporter's own series, scraped by Prometheus through the same TLS and basic auth.
    const counted = await prom.query('tickwatch_web_refusals_total{job="secured",reason="bad_credentials"}');
    expect(counted).toHaveLength(1);
    const until2 = Date.now() + 10_000;
    let n = Number(counted[0]!.value[1]);
    while (n < 1 && Date.now() < until2) {
      await new Promise((r) => setTimeout(r, 500));
      n = Number((await prom.query('tickwatch_web_refusals_total{job="secured",reason="bad_credentials"}'))[0]?.value[1] ?? 0);
    }
    expect(n).toBeGreaterThanOrEqual(1);
  });
});

describe("Alertmanager's webhook to the recorder under the web configuration", () => {
  it('carries basic_auth with a password file and tls_config; amtool check-config passes; a real Alertmanager delivers an alert through them', { timeout: 90_000 }, async () => {
    // The recorder's users: Alertmanager's own.
    writeFileSync(join(dir, 'web.yml'), `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  prometheus: ${bcrypt.hashSync('s3cret-scrape', 4)}\n  alertmanager: ${bcrypt.hashSync('am-pw', 4)}\n`);
    writeFileSync(join(dir, 'alertmanager.password'), 'am-pw\n');
    writeFileSync(join(dir, 'events.ndjson'), '');
    const recRefusals: WebRefusal[] = [];
    recorder = await startRecorder({ events: [join(dir, 'events.ndjson')], dataDir: join(dir, 'rec'), store: { kind: 'embedded', path: join(dir, 'audit.duckdb') }, port: 0, queryPort: 0, batchMs: 100, web: { configFile: join(dir, 'web.yml') }, onWebRefusal: (r) => recRefusals.push(r) }, captureLogging());
    const historyUrl = `https://127.0.0.1:${recorder.queryPort}${RECORDER_ALERT_WEBHOOK_PATH}`;
    for (const f of ['slack', 'pagerduty', 'smtp', 'deadman']) writeFileSync(join(dir, `${f}.secret`), f === 'slack' ? 'http://127.0.0.1:1/slack\n' : 'x\n');
    // Every other receiver points at a closed loopback port: only the history gets through.
    const endpoints: Endpoints = {
      slackApiUrlFile: join(dir, 'slack.secret'),
      slackChannel: '#test',
      pagerdutyUrl: 'http://127.0.0.1:1/pagerduty',
      pagerdutyRoutingKeyFile: join(dir, 'pagerduty.secret'),
      smtpSmarthost: '127.0.0.1:1',
      emailFrom: 'am@localhost',
      emailTo: 'oncall@localhost',
      smtpRequireTls: false,
      deadmanUrl: 'http://127.0.0.1:1/deadman',
      historyUrl,
      historyAccess: { basicAuth: { username: 'alertmanager', passwordFile: join(dir, 'alertmanager.password') }, tls: { caFile: certs.caCert, serverName: 'localhost' } },
    };
    const templates = fileURLToPath(new URL('../../alertmanager/templates/*.tmpl', import.meta.url));
    const cfg = alertmanagerConfig(endpoints, DRILL_TIMINGS, templates);
    const history = (cfg.receivers as { name: string; webhook_configs?: Record<string, unknown>[] }[]).find((r) => r.name === 'tickwatch-history')!;
    expect(history.webhook_configs![0]).toMatchObject({ url: historyUrl, http_config: { basic_auth: { username: 'alertmanager', password_file: join(dir, 'alertmanager.password') }, tls_config: { ca_file: certs.caCert, server_name: 'localhost' } } });
    const file = join(dir, 'alertmanager.yml');
    writeFileSync(file, stringify(cfg));
    const check = amtool(['check-config', file]);
    expect(check.status, check.stdout + check.stderr).toBe(0);
    writeFileSync(join(dir, 'typo.yml'), stringify(cfg).replace('password_file:', 'passwd_file:'));
    expect(amtool(['check-config', join(dir, 'typo.yml')]).status).not.toBe(0);

    const port = await freePort();
    am = spawn('prometheus-alertmanager', [`--config.file=${file}`, `--storage.path=${join(dir, 'am-data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let amOut = '';
    am.stderr!.on('data', (d: Buffer) => (amOut += d.toString()));
    const amUrl = `http://127.0.0.1:${port}`;
    for (let t = Date.now(); Date.now() - t < 20_000; await new Promise((r) => setTimeout(r, 200))) if (await fetch(`${amUrl}/-/ready`).then((r) => r.ok, () => false)) break;
    const posted = await fetch(`${amUrl}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ labels: { alertname: 'WebAccessTest', severity: 'warning', instance: 'test:1', job: 'test' }, annotations: { summary: 'web access test' } }]) });
    expect(posted.status, amOut).toBe(200);
    let alerts: { alertname?: string; alert_name?: string; status?: string }[] = [];
    for (let t = Date.now(); Date.now() - t < 30_000 && alerts.length === 0; await new Promise((r) => setTimeout(r, 500))) {
      const r = await fetchOutcome(`https://127.0.0.1:${recorder.queryPort}/api/v1/alerts`, { ca: certs.caCert, auth: 'alertmanager:am-pw' });
      if ('status' in r && r.status === 200) alerts = (JSON.parse(r.body) as { alerts?: typeof alerts } | typeof alerts) instanceof Array ? (JSON.parse(r.body) as typeof alerts) : ((JSON.parse(r.body) as { alerts?: typeof alerts }).alerts ?? []);
      alerts = alerts.filter((a) => JSON.stringify(a).includes('WebAccessTest'));
    }
    expect(alerts.length, amOut).toBeGreaterThanOrEqual(1);
    expect(recRefusals.filter((r) => r.user === 'alertmanager')).toEqual([]);
    // Without credentials the same URL is refused (before any route is looked up).
    const bare = await fetchOutcome(historyUrl, { ca: certs.caCert });
    expect(bare).toMatchObject({ status: 401 });
  });
});
