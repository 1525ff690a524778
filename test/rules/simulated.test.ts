/**
 * The rules against the simulator, on a real Prometheus: every scenario runs at the same time
 * into its own HFT exporter (real file-tail path), one Prometheus scrapes them all every second and
 * evaluates the generated rules. The normal session fires nothing but Watchdog and burns less than
 * each SLO's error budget; each fault scenario fires its alert.
 *
 * In the slow group (`npm run test:cluster`): twenty streams at twice real time are 2.2 million
 * lines in about 130 s, and on a machine busy with other work (`npm test`'s other files, two CPU
 * hogs) a stream fell more than a second behind its schedule, so its exporter rightly saw a feed
 * gap (clean-clone runs ci2 and ci10). Each stream's lateness is printed and named in a failure.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ALERTS } from '../../alert-rules/index.js';
import { SLOS } from '../../alert-rules/slo.js';
import { ALWAYS_OPEN_CALENDAR } from '../../exporters/hft/calendar.js';
import { startHftExporter, type HftExporter } from '../../exporters/hft/exporter.js';
import { defaultDuration, runScenario } from '../../exporters/hft/simulator/run.js';
import { SCENARIOS } from '../../exporters/hft/simulator/scenarios/index.js';
import { FileSink } from '../../exporters/hft/simulator/sinks.js';
import { captureLogging, tempDir } from '../helpers/env.js';
import { startPrometheus, type Prom } from '../helpers/prometheus.js';

const SPEED = 2;
const dir = tempDir();
const rulesDir = fileURLToPath(new URL('../../prometheus/rules', import.meta.url));
const exporters: HftExporter[] = [];
let prom: Prom | undefined;
afterAll(async () => {
  await prom?.stop();
  for (const e of exporters) await e.close();
});

describe('alert rules on a real Prometheus over the simulator', () => {
  it('normal fires nothing but Watchdog; each fault scenario fires its alert', { timeout: 300_000 }, async () => {
    const targets: { scenario: string; port: number }[] = [];
    for (const s of SCENARIOS) {
      const exp = await startHftExporter(
        { port: 0, tcp: null, files: [join(dir, `${s.name}.ndjson`)], dataDir: join(dir, s.name), calendar: ALWAYS_OPEN_CALENDAR, pollMs: 100 },
        captureLogging(),
      );
      exporters.push(exp);
      targets.push({ scenario: s.name, port: exp.metrics.port });
    }
    // The streams start as soon as the exporters are up (an exporter that hears nothing from its
    // engine for 10 s calls it silent, rightly); Prometheus joins while they run. Every stream runs
    // as long as the longest scenario: a stream that ended early would (rightly) raise FeedGap.
    const start = Date.now() / 1000;
    const duration = Math.max(...SCENARIOS.map(defaultDuration));
    const late = new Map<string, number>();
    const streams = Promise.all(
      SCENARIOS.map(async (s, i) => {
        const sink = new FileSink(join(dir, `${s.name}.ndjson`));
        late.set(s.name, (await runScenario({ scenario: s, seed: 100 + i, start, speed: SPEED, duration }, sink)).maxLateSeconds);
        await sink.close();
      }),
    );
    prom = await startPrometheus({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [join(rulesDir, '*.yml')],
      scrape_configs: [
        {
          job_name: 'tickwatch-hft',
          static_configs: targets.map((t) => ({ targets: [`127.0.0.1:${t.port}`], labels: { scenario: t.scenario } })),
        },
      ],
    });
    const byInstance = new Map(targets.map((t) => [`127.0.0.1:${t.port}`, t.scenario]));
    const fired = new Map<string, Set<string>>(SCENARIOS.map((s) => [s.name, new Set()]));
    const global = new Set<string>();
    let running = true;
    const poll = (async () => {
      while (running) {
        for (const r of await prom!.query('ALERTS{alertstate="firing"}')) {
          // Aggregating rules keep job and instance only: map the instance back to its scenario.
          const scenario = byInstance.get(r.metric.instance ?? '');
          if (scenario) fired.get(scenario)?.add(r.metric.alertname!);
          else global.add(r.metric.alertname!);
        }
        await new Promise((res) => setTimeout(res, 1000));
      }
    })();
    await streams;
    running = false;
    await poll;
    // The normal session's error budgets (alert-rules/slo.ts): every SLO has one (per feed for the
    // feeds), and less than all of it is spent.
    const normal = targets.find((t) => t.scenario === 'normal')!;
    const budgets = await prom.query(`slo:period_error_budget_remaining:ratio{instance="127.0.0.1:${normal.port}"}`);
    console.log(`normal session, error budget left: ${budgets.map((r) => `${r.metric.sloth_slo}${r.metric.feed ? ` ${r.metric.feed}` : ''} ${r.value[1]}`).join(', ')}`);
    expect(new Set(budgets.map((r) => r.metric.sloth_slo))).toEqual(new Set(SLOS.map((x) => x.slo)));
    for (const r of budgets) expect(Number(r.value[1]), `${r.metric.sloth_slo} ${r.metric.feed ?? ''} (normal stream at most ${late.get('normal')!.toFixed(2)} s behind schedule)`).toBeGreaterThan(0);
    const report = [...fired].map(([s, a]) => `${s}: ${[...a].sort().join(', ') || '-'} (stream at most ${late.get(s)!.toFixed(2)} s behind schedule)`).join('\n');
    console.log(`alerts fired per scenario (speed ${SPEED}x):\n${report}\nwithout a scenario: ${[...global].join(', ')}`);
    expect(global).toEqual(new Set(['Watchdog']));
    expect(fired.get('normal'), report).toEqual(new Set());
    const names = new Set(ALERTS.map((a) => a.name));
    for (const s of SCENARIOS.filter((x) => x.name !== 'normal')) {
      expect(names.has(s.alert), `${s.name} names alert ${s.alert}`).toBe(true);
      expect(fired.get(s.name)!.has(s.alert), `${s.name} should fire ${s.alert}\n${report}`).toBe(true);
      const allowed = new Set([s.alert, ...(s.related ?? [])]);
      expect([...fired.get(s.name)!].filter((a) => !allowed.has(a)), `${s.name} fires only its own alerts\n${report}`).toEqual([]);
    }
  });
});
