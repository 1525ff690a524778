/**
 * Prometheus and Alertmanager configuration: promtool and amtool accept it, every alert routes to
 * the receivers its severity promises and to the recorder's alert history (amtool config routes
 * test), and a running Alertmanager inhibits a warning twin, retries a failing receiver until it
 * gets through, and sends the history receiver every notification, firing and resolved.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { alertmanagerConfig, DRILL_TIMINGS, HISTORY_RECEIVER, PRODUCTION_ENDPOINTS, PRODUCTION_TIMINGS, RECEIVER_FOR_SEVERITY } from '../../alertmanager/config.js';
import { ALERTS } from '../../alert-rules/index.js';
import { annotations, staticLabels } from '../../alert-rules/model.js';
import { defaultTarget, PORTS, RECORDER_ALERT_WEBHOOK_PATH } from '../../exporters/catalog/jobs.js';
import { startAlerting, stopChild, type Alerting } from '../../scripts/stack/stack.js';
import { amtool, promtool } from '../helpers/tools.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const amConfig = join(root, 'alertmanager/alertmanager.yml');


describe('prometheus and alertmanager configuration', () => {
  it('passes promtool check config (one server and the HA example)', () => {
    for (const f of ['prometheus/prometheus.yml', 'prometheus/prometheus-ha.example.yml']) {
      const r = promtool(['check', 'config', join(root, f)]);
      expect(r.stdout + r.stderr, f).not.toMatch(/FAILED/);
      expect(r.status, r.stdout + r.stderr).toBe(0);
    }
  });

  it('passes amtool check-config, and fails it when a route names a missing receiver', () => {
    const ok = amtool(['check-config', amConfig]);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'tickwatch-am-'));
    const bad = alertmanagerConfig(PRODUCTION_ENDPOINTS, PRODUCTION_TIMINGS, 'templates/*.tmpl') as { route: { receiver: string } };
    bad.route.receiver = 'nobody';
    writeFileSync(join(dir, 'bad.yml'), stringify(bad));
    expect(amtool(['check-config', join(dir, 'bad.yml')]).status).not.toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('routes every alert to the receivers its severity promises, and to the alert history first', () => {
    for (const a of ALERTS) {
      const labels = { alertname: a.name, ...defaultTarget('hft'), ...staticLabels(a) };
      const want = `${HISTORY_RECEIVER},${RECEIVER_FOR_SEVERITY[a.severity]}`;
      const args = ['config', 'routes', 'test', `--config.file=${amConfig}`, `--verify.receivers=${want}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)];
      const r = amtool(args);
      expect(r.status, `${a.name}: ${r.stdout}${r.stderr}`).toBe(0);
    }
    // The check can fail: a critical alert does not route to the warning receiver.
    expect(amtool(['config', 'routes', 'test', `--config.file=${amConfig}`, '--verify.receivers=warning', 'severity=critical', 'alertname=X']).status).not.toBe(0);
    expect(amtool(['config', 'routes', 'test', `--config.file=${amConfig}`, `--verify.receivers=${HISTORY_RECEIVER},warning`, 'severity=critical', 'alertname=X']).status).not.toBe(0);
    // An alert of no known severity (or none at all) is recorded and still reaches the root's receiver.
    for (const extra of [['severity=info'], []]) {
      const r = amtool(['config', 'routes', 'test', `--config.file=${amConfig}`, `--verify.receivers=${HISTORY_RECEIVER},warning`, 'alertname=SomethingElse', ...extra]);
      expect(r.status, r.stdout + r.stderr).toBe(0);
    }
    // The history receiver: the recorder's webhook on its query API (the port plan), every alert of a
    // group (no max_alerts cut), resolves too.
    const cfg = alertmanagerConfig(PRODUCTION_ENDPOINTS, PRODUCTION_TIMINGS, 'templates/*.tmpl') as { receivers: { name: string; webhook_configs?: unknown[] }[]; route: { routes: Record<string, unknown>[] } };
    expect(cfg.receivers.find((x) => x.name === HISTORY_RECEIVER)?.webhook_configs).toEqual([{ url: `http://127.0.0.1:${PORTS.recorderQuery}${RECORDER_ALERT_WEBHOOK_PATH}`, send_resolved: true, max_alerts: 0 }]);
    expect(cfg.route.routes[0]).toEqual({ receiver: HISTORY_RECEIVER, continue: true });
  });
});

describe('a running alertmanager', () => {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  let alerting: Alerting | undefined;
  afterAll(async () => {
    // Alertmanager writes its nflog and silences while shutting down: wait for it to exit first.
    await Promise.all(children.map(stopChild));
    await alerting?.receivers.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function post(url: string, alerts: { name: string; instance: string; endsAt?: Date }[]): Promise<void> {
    const body = alerts.map(({ name, instance, endsAt }) => {
      const a = ALERTS.find((x) => x.name === name)!;
      return {
        labels: { alertname: name, instance, job: 'tickwatch-hft', ...staticLabels(a) },
        annotations: { ...annotations(a), description: `${name} test` },
        startsAt: new Date(Date.now() - 1000).toISOString(),
        ...(endsAt ? { endsAt: endsAt.toISOString() } : {}),
      };
    });
    const r = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(r.status).toBe(200);
  }

  it('delivers a critical to Slack, PagerDuty and e-mail and inhibits its warning twin; retries a failing Slack until it gets through', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickwatch-am-'));
    dirs.push(dir);
    alerting = await startAlerting({ dir, timings: DRILL_TIMINGS, failFirst: { slack: 3 } }, children);
    const url = alerting.url;
    const arrivals = alerting.receivers.arrivals;
    // Critical and its warning twin (family drawdown) on one instance; the warning alone on another.
    await post(url, [
      { name: 'PnlDrawdownCritical', instance: 'a:9470' },
      { name: 'PnlDrawdownWarning', instance: 'a:9470' },
      { name: 'PnlDrawdownWarning', instance: 'b:9470' },
    ]);
    const t0 = Date.now();
    while (Date.now() - t0 < 60_000) {
      const done = ['slack', 'pager', 'email'].every((c) => arrivals.some((a) => a.channel === c && a.alertname === 'PnlDrawdownCritical')) && arrivals.some((a) => a.alertname === 'PnlDrawdownWarning' && a.instance === 'b:9470');
      if (done) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    await new Promise((r) => setTimeout(r, 5000)); // group_interval: anything inhibited would have arrived by now
    const got = arrivals.map((a) => `${a.channel} ${a.alertname} ${a.instance} ${a.status}`).sort();
    expect(got).toEqual([
      'email PnlDrawdownCritical a:9470 firing',
      'pager PnlDrawdownCritical a:9470 firing',
      'slack PnlDrawdownCritical a:9470 firing',
      'slack PnlDrawdownWarning b:9470 firing',
    ]);
    expect(alerting.receivers.failed.slack).toBe(3); // Slack answered 500 three times, then took it
    expect(arrivals.every((a) => a.authorized)).toBe(true);
    // The messages carry summary, value (in the description), runbook and dashboard links.
    const slack = arrivals.find((a) => a.channel === 'slack' && a.alertname === 'PnlDrawdownCritical')!;
    expect(slack.text).toContain('PnL drawdown past 80% of the daily loss limit');
    expect(slack.text).toContain('PnlDrawdownCritical test');
    expect(slack.text).toContain('runbooks/PnlDrawdownCritical.md');
    expect(slack.text).toContain('/d/tickwatch-pnl-exposure');
    const mail = arrivals.find((a) => a.channel === 'email')!;
    expect(mail.text).toContain('runbooks/PnlDrawdownCritical.md');
    // The alert history got the same notifications (Alertmanager's webhook payload), the inhibited twin not.
    const history = alerting.receivers.history as { receiver: string; version: string; alerts: { status: string; labels: Record<string, string> }[] }[];
    const states = () => [...new Set(history.flatMap((n) => n.alerts.map((a) => `${a.labels.alertname} ${a.labels.instance} ${a.status}`)))].sort();
    expect(states()).toEqual(['PnlDrawdownCritical a:9470 firing', 'PnlDrawdownWarning b:9470 firing']);
    expect(history.every((n) => n.receiver === HISTORY_RECEIVER && n.version === '4')).toBe(true);

    // Resolve: every receiver that got the critical gets the resolve.
    await post(url, [{ name: 'PnlDrawdownCritical', instance: 'a:9470', endsAt: new Date() }]);
    const t1 = Date.now();
    while (Date.now() - t1 < 30_000 && arrivals.filter((a) => a.status === 'resolved').length < 3) await new Promise((r) => setTimeout(r, 500));
    expect(arrivals.filter((a) => a.status === 'resolved').map((a) => a.channel).sort()).toEqual(['email', 'pager', 'slack']);
    // ... and the resolve.
    const t2 = Date.now();
    while (Date.now() - t2 < 30_000 && !states().includes('PnlDrawdownCritical a:9470 resolved')) await new Promise((r) => setTimeout(r, 500));
    expect(states()).toContain('PnlDrawdownCritical a:9470 resolved');
  });
});
