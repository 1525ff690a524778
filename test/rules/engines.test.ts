/**
 * Many engines (issue 18, point 3), live: three HFT exporters, one per engine host, on one real
 * stack (scripts/stack/stack.ts) scraped by one Prometheus and told apart by `instance`: two on
 * the normal session, one with a latency spike (its alert and related ones aggregate histograms,
 * ratios and SLO burn rates). Every alert Prometheus holds (`/api/v1/alerts`, pending or firing)
 * names the faulty engine's `instance` alone. The static side, every rule and panel expression, is
 * test/rules/instance-labels.test.ts.
 *
 * Slow group (vitest.cluster.config.ts): 112-123 s here (README, "Many engines").
 */
import { afterAll, describe, expect, it } from 'vitest';
import { scenarioByName } from '../../exporters/hft/simulator/scenarios/index.js';
import { startStack, type Stack } from '../../scripts/stack/stack.js';

describe('three engines, one faulty', () => {
  let stack: Stack | undefined;
  afterAll(async () => {
    await stack?.stop();
  }, 120_000);

  it("the faulty engine's alerts name it alone", { timeout: 900_000 }, async () => {
    const t = Date.now();
    const SPEED = 2;
    const normal = scenarioByName('normal');
    const faulty = scenarioByName('latency-spike');
    stack = await startStack({ scenarios: [normal, faulty, normal], speed: SPEED, duration: 0, log: (l) => console.log(`engines: ${l}`) });
    const instances = stack.targets.map((x) => x.instance);
    expect(new Set(instances).size, 'three distinct instance labels').toBe(3);
    const bad = stack.targets[1]!.instance;
    const faultEnd = stack.startedAt + ((faulty.faultAt + faulty.faultFor) / SPEED) * 1000;
    // Every alert Prometheus holds (pending or firing), polled through the fault and 30 s past it.
    const seen = new Map<string, { alertname: string; instance: string | undefined; state: string }>();
    while (Date.now() < faultEnd + 30_000) {
      const r = await fetch(`${stack.prometheusUrl}/api/v1/alerts`, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
      if (r?.ok) {
        const body = (await r.json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } };
        for (const a of body.data.alerts) {
          if (a.labels.alertname === 'Watchdog') continue;
          seen.set(`${a.labels.alertname} ${a.labels.instance} ${a.state}`, { alertname: a.labels.alertname!, instance: a.labels.instance, state: a.state });
        }
      }
      await new Promise((res) => setTimeout(res, 2000));
    }
    const list = [...seen.values()];
    console.log(`engines: faulty ${bad}, normal ${instances.filter((i) => i !== bad).join(', ')}; alerts seen: ${list.map((a) => `${a.alertname}{instance=${a.instance}} ${a.state}`).join(', ')}`);
    const firing = list.filter((a) => a.state === 'firing');
    expect(firing.some((a) => a.alertname === faulty.alert && a.instance === bad), `${faulty.alert} fired on ${bad}`).toBe(true);
    expect(list.filter((a) => a.instance !== bad), 'alerts (pending or firing) not naming the faulty engine alone').toEqual([]);
    console.log(`engines: test took ${((Date.now() - t) / 1000).toFixed(0)} s`);
  });
});
