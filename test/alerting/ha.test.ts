/**
 * The Alertmanager cluster drill (issue 18, point 1): three real Alertmanagers gossiping on
 * loopback (`startStack({ alertmanagers: 3 })`, what `npm run stack -- --ha` runs), one Prometheus
 * sending every alert to all three, the receiver stand-ins counting what arrives.
 *
 * Two engines: the first has a 15 s gateway disconnect 10 s (wall) into the run, the second the
 * same 140 s in. The first's GatewayDisconnected (critical) must reach each of the five critical
 * channels exactly once firing and once resolved, though all three members hold it (the cluster's
 * gossiped notification log deduplicates); and the members' own counters must add up to one Slack
 * notification. Then the member that sent it is killed (SIGKILL) before the second fault, whose
 * critical must still reach every channel (duplicates allowed, loss not).
 *
 * Slow group (vitest.cluster.config.ts): 197-202 s here (README, "An Alertmanager cluster").
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { scenarioByName } from '../../exporters/hft/simulator/scenarios/index.js';
import { repoPath } from '../../exporters/lib/paths.js';
import { replicaConfig } from '../../prometheus/config.js';
import { CHANNELS_FOR } from '../../scripts/stack/drill.js';
import type { Arrival } from '../../scripts/stack/receivers.js';
import { clusterGroupIntervalSeconds, startStack, type Stack } from '../../scripts/stack/stack.js';

const SPEED = 2;
const ALERT = 'GatewayDisconnected';
const disconnect = scenarioByName('disconnect');
/**
 * The scenario's own 30 s fault (15 s here). The stack raises the drills' 2 s group interval to
 * 35 s for three members (clusterGroupIntervalSeconds): with 2 s, each member behind the sender
 * re-sent the alert after its resolve, 3 firing and 3 resolved notifications per channel.
 */
const first = disconnect;
/** The scenario's own fault on a second engine, late enough that the kill comes before it. */
const second = { ...disconnect, faultAt: 280 };
/** Time a member waits per position before sending what members ahead have not logged (`--cluster.peer-timeout` default) plus slack. */
const DUPLICATE_WINDOW_MS = 2 * 15_000 + 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `done()` or throws, saying what did not happen in time. */
async function until(what: string, deadline: number, done: () => boolean): Promise<void> {
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(1000);
  }
}

/** Sum of `alertmanager_notifications_total{integration="<integration>"}` on one member's /metrics. */
async function notificationsSent(url: string, integration: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith('alertmanager_notifications_total{') && line.includes(`integration="${integration}"`)) sum += Number(line.split(' ').pop());
  return sum;
}

describe('the Alertmanager cluster', () => {
  it('is where both generated Prometheus replicas send, all three members', () => {
    for (const r of ['a', 'b'] as const) {
      const am = (replicaConfig(r) as { alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] } }).alerting.alertmanagers;
      expect(am.flatMap((a) => a.static_configs.flatMap((s) => s.targets))).toHaveLength(3);
    }
    const file = parse(readFileSync(repoPath('prometheus/prometheus-ha.example.yml'), 'utf8')) as { alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] } };
    expect(new Set(file.alerting.alertmanagers[0]!.static_configs[0]!.targets).size).toBe(3);
  });

  let stack: Stack | undefined;
  afterAll(async () => {
    await stack?.stop();
  }, 120_000);

  it('notifies each critical once per receiver, and still notifies with the sending member killed', { timeout: 900_000 }, async () => {
    const t = Date.now();
    stack = await startStack({ scenarios: [first, second], speed: SPEED, duration: 0, alertmanagers: 3, log: (l) => console.log(`ha: ${l}`) });
    console.log(`ha: stack with three Alertmanagers up in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    expect(stack.alertmanagers).toHaveLength(3);
    expect(clusterGroupIntervalSeconds(3)).toBe(35);
    const [a, b] = stack.targets;
    const arrivals = stack.receivers.arrivals;
    const at = (inst: string, status: Arrival['status']) => arrivals.filter((x) => x.alertname === ALERT && x.instance === inst && x.status === status);
    const reachedAll = (inst: string, status: Arrival['status']) => CHANNELS_FOR.critical.every((c) => at(inst, status).some((x) => x.channel === c));
    const faultEnd = (s: typeof disconnect) => stack!.startedAt + ((s.faultAt + s.faultFor) / SPEED) * 1000;

    // 1. All three members up: exactly one notification per channel, firing and resolved.
    await until(`${ALERT} of ${a!.instance} resolved at every critical channel`, faultEnd(first) + 150_000, () => reachedAll(a!.instance, 'resolved'));
    // The members behind the sender wait 15 s per position before sending what they have not seen logged.
    await sleep(DUPLICATE_WINDOW_MS);
    const secondStart = stack.startedAt + (second.faultAt / SPEED) * 1000;
    expect(Date.now(), 'phase 1 (first fault notified, resolved, duplicate window over) took past the second fault\'s start').toBeLessThan(secondStart);
    const sentBefore = await Promise.all(stack.alertmanagers.map((n) => notificationsSent(n.url, 'slack')));
    const timeline = arrivals.filter((x) => x.instance === a!.instance).map((x) => `${((x.at - stack!.startedAt) / 1000).toFixed(1)}s ${x.channel} ${x.status}`);
    console.log(`ha: first engine's notifications: ${timeline.join(', ')}; slack sent per member ${sentBefore.join(', ')}`);
    for (const c of CHANNELS_FOR.critical) {
      expect(at(a!.instance, 'firing').filter((x) => x.channel === c), `${c} firing`).toHaveLength(1);
      expect(at(a!.instance, 'resolved').filter((x) => x.channel === c), `${c} resolved`).toHaveLength(1);
    }
    expect(arrivals.filter((x) => x.alertname !== 'Watchdog' && x.instance !== a!.instance), 'nothing from the normal-until-later engine yet').toEqual([]);
    // Alertmanager's own count: one firing and one resolved Slack notification in the whole cluster.
    const sent = await Promise.all(stack.alertmanagers.map((n) => notificationsSent(n.url, 'slack')));
    console.log(`ha: slack notifications sent per member: ${sent.join(', ')}`);
    expect(sent.reduce((x, y) => x + y, 0)).toBe(2);

    // 2. Kill the member that sent them, mid-drill, before the second fault.
    const victim = stack.alertmanagers[sent.findIndex((n) => n > 0)]!;
    victim.child.kill('SIGKILL');
    await new Promise<void>((r) => (victim.child.exitCode !== null || victim.child.signalCode !== null ? r() : victim.child.once('exit', () => r())));
    console.log(`ha: killed the sending member ${victim.url} ${((Date.now() - stack.startedAt) / 1000).toFixed(1)} s into the run`);
    await until(`${ALERT} of ${b!.instance} firing at every critical channel after the kill`, faultEnd(second) + 150_000, () => reachedAll(b!.instance, 'firing'));
    const tFire = Date.now();
    await until(`${ALERT} of ${b!.instance} resolved at every critical channel after the kill`, faultEnd(second) + 150_000, () => reachedAll(b!.instance, 'resolved'));
    const counts = CHANNELS_FOR.critical.map((c) => `${c} ${at(b!.instance, 'firing').filter((x) => x.channel === c).length}/${at(b!.instance, 'resolved').filter((x) => x.channel === c).length}`);
    console.log(`ha: after the kill, firing/resolved per channel: ${counts.join(', ')}; first firing ${((Math.min(...at(b!.instance, 'firing').map((x) => x.at)) - secondStart) / 1000).toFixed(1)} s after the fault began (all channels by ${((tFire - secondStart) / 1000).toFixed(1)} s)`);
    for (const c of CHANNELS_FOR.critical) expect(at(b!.instance, 'firing').filter((x) => x.channel === c).length, `${c} firing after the kill`).toBeGreaterThanOrEqual(1);
    for (const x of arrivals) expect(x.authorized, `${x.channel} ${x.alertname}`).toBe(true);
    console.log(`ha: drill took ${((Date.now() - t) / 1000).toFixed(0)} s`);
  });
});
