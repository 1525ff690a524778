/**
 * Failure drills: run the local stack on fault scenarios (all at once, one exporter each) and check
 * what reaches the receivers: which alerts, at which receivers, how long after the fault began,
 * and when the resolve came. Expectations come from the rules (severity decides the receivers) and
 * the scenarios (the alert each one targets, and related alerts it may also trip). Every alert
 * notified must also be in the audit recorder's alert history (`GET /api/v1/alerts`), firing and,
 * where it resolved, resolved.
 */
import { ALERTS } from '../../alert-rules/index.js';
import type { Severity } from '../../alert-rules/model.js';
import * as T from '../../alert-rules/thresholds.js';
import type { Scenario } from '../../exporters/hft/simulator/scenarios/index.js';
import type { AlertJson } from '../../exporters/recorder/alerts.js';
import type { Arrival, Channel } from './receivers.js';
import { startStack, type Stack } from './stack.js';

/** Receivers each severity must reach, and only those. */
export const CHANNELS_FOR: Readonly<Record<Severity, readonly Channel[]>> = {
  critical: ['slack', 'pager', 'email'],
  warning: ['slack'],
  none: ['deadman'],
};

const SEVERITY = new Map(ALERTS.map((a) => [a.name, a.severity]));

/**
 * Alerts whose first notification must come within a bound of their fault's start, in seconds:
 * EngineSilent within its hold plus 30 s of the engine's last line (issue 13); the exporter's
 * heartbeat timeout (5 s) and the drill's Alertmanager timings fit well inside.
 */
const NOTIFY_BOUND_SECONDS: Readonly<Record<string, number>> = {
  EngineSilent: T.ENGINE_SILENT_FOR_SECONDS + 30,
};

/** One line of the drill table. */
export interface DrillRow {
  readonly scenario: string;
  readonly alertname: string;
  readonly severity: Severity | '?';
  /** Receivers the firing notification reached. */
  readonly channels: readonly Channel[];
  /** Firing notifications at the first receiver (more than 1 when alerts joined the group). */
  readonly notifications: number;
  /** Seconds from the fault's start to the first firing notification. */
  readonly notifyAfter: number | null;
  /** Seconds from the fault's end to the last receiver's resolve notification. */
  readonly resolveAfter: number | null;
}

/** What a drill saw. */
export interface DrillResult {
  readonly rows: readonly DrillRow[];
  /** Everything that differs from the expectation; empty when the drill passed. */
  readonly problems: readonly string[];
  readonly arrivals: readonly Arrival[];
  /** Watchdog heartbeats at the dead man's switch. */
  readonly watchdogBeats: number;
  /** The alert history's rows (OPEN and RESOLVED) at the end of the drill. */
  readonly historyRows: number;
}

/**
 * What the alert history lacks of what the receivers got: for each alert name, instance and status
 * that reached a receiver, a row of that alert (on that instance, unless the group had none) OPEN
 * for a firing notification, RESOLVED for a resolve.
 */
export function historyProblems(arrivals: readonly Arrival[], history: readonly Pick<AlertJson, 'alertname' | 'instance' | 'status'>[]): string[] {
  const out = new Set<string>();
  for (const a of arrivals) {
    const status = a.status === 'firing' ? 'OPEN' : 'RESOLVED';
    const found = history.some((h) => h.alertname === a.alertname && h.status === status && (a.instance === 'all' || h.instance === a.instance));
    if (!found) out.add(`alert history: ${a.alertname} on ${a.instance} reached ${a.channel} ${a.status}, but the history has no ${status} row of it`);
  }
  return [...out];
}

/** The alert history of the stack's recorder, newest first. */
async function readHistory(stack: Stack): Promise<AlertJson[]> {
  const r = await fetch(`${stack.historyUrl}/api/v1/alerts?limit=10000`).catch(() => undefined);
  return r?.ok ? ((await r.json()) as AlertJson[]) : [];
}

/** How long past the fault's end to wait for resolves: rule windows decide it (RecorderWriteFailures and EngineFatal look back 5 minutes). */
function resolveBudgetSeconds(alert: string): number {
  return alert === 'RecorderWriteFailures' || alert === 'EngineFatal' ? 5 * 60 + 60 : 150;
}

/**
 * Runs the drills and evaluates them.
 * @param speed - simulated seconds per wall second (2 keeps every fault long enough for its rule's `for`)
 */
export async function runDrills(scenarios: readonly Scenario[], opts: { speed?: number; log?: (l: string) => void; failFirst?: Partial<Record<'slack' | 'pager' | 'deadman', number>> } = {}): Promise<DrillResult> {
  const speed = opts.speed ?? 2;
  const log = opts.log ?? (() => {});
  const stack: Stack = await startStack({ scenarios, speed, duration: 0, log, failFirst: opts.failFirst });
  try {
    const t0 = stack.startedAt;
    const faultStart = (s: Scenario) => t0 + (s.faultAt / speed) * 1000;
    const faultEnd = (s: Scenario) => t0 + ((s.faultAt + s.faultFor) / speed) * 1000;
    const arrivals = stack.receivers.arrivals;
    const resolvedEverywhere = (t: (typeof stack.targets)[number]): boolean => {
      if (t.scenario.alert === 'none') return true;
      const want = CHANNELS_FOR[SEVERITY.get(t.scenario.alert) ?? 'critical'];
      return want.every((c) => arrivals.some((a) => a.instance === t.instance && a.alertname === t.scenario.alert && a.channel === c && a.status === 'resolved'));
    };
    // Wait until every fault has resolved at every receiver, or its budget has run out.
    const deadline = Math.max(...stack.targets.map((t) => faultEnd(t.scenario) + resolveBudgetSeconds(t.scenario.alert) * 1000), t0 + 90_000);
    while (Date.now() < deadline && !stack.targets.every(resolvedEverywhere)) await new Promise((r) => setTimeout(r, 1000));
    // A normal session needs time to prove it stays quiet.
    const longest = Math.max(...stack.targets.map((t) => faultEnd(t.scenario)));
    while (Date.now() < Math.max(longest + 10_000, t0 + 90_000)) await new Promise((r) => setTimeout(r, 1000));
    const seen = arrivals.slice();
    // The history receiver is notified alongside the others: give it a few seconds to catch up.
    let history = await readHistory(stack);
    for (let i = 0; i < 15 && historyProblems(seen, history).length; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      history = await readHistory(stack);
    }
    const r = evaluate(stack, seen, faultStart, faultEnd);
    return { ...r, problems: [...r.problems, ...historyProblems(seen, history)], historyRows: history.length };
  } finally {
    await stack.stop();
  }
}

function evaluate(stack: Stack, arrivals: readonly Arrival[], faultStart: (s: Scenario) => number, faultEnd: (s: Scenario) => number): Omit<DrillResult, 'historyRows'> {
  const problems: string[] = [];
  const rows: DrillRow[] = [];
  for (const a of arrivals) if (!a.authorized) problems.push(`${a.channel} received ${a.alertname} without the configured secret`);
  const watchdog = arrivals.filter((a) => a.alertname === 'Watchdog');
  for (const w of watchdog) if (w.channel !== 'deadman') problems.push(`Watchdog reached ${w.channel}; it belongs to the dead man's switch only`);
  if (!watchdog.some((w) => w.channel === 'deadman' && w.status === 'firing')) problems.push("Watchdog never reached the dead man's switch");
  const known = new Set(stack.targets.map((t) => t.instance));
  for (const a of arrivals) if (a.alertname !== 'Watchdog' && !known.has(a.instance)) problems.push(`${a.alertname} arrived for unknown instance ${a.instance}`);

  for (const t of stack.targets) {
    const s = t.scenario;
    const mine = arrivals.filter((a) => a.instance === t.instance);
    const allowed = new Set(s.alert === 'none' ? [] : [s.alert, ...(s.related ?? [])]);
    const names = [...new Set(mine.map((a) => a.alertname))];
    for (const n of names) if (!allowed.has(n)) problems.push(`${s.name}: unexpected alert ${n}`);
    if (s.alert !== 'none' && !names.includes(s.alert)) problems.push(`${s.name}: ${s.alert} never arrived`);
    for (const n of names) {
      const sev = SEVERITY.get(n) ?? '?';
      const firing = mine.filter((a) => a.alertname === n && a.status === 'firing');
      const resolved = mine.filter((a) => a.alertname === n && a.status === 'resolved');
      const channels = [...new Set(firing.map((a) => a.channel))].sort();
      const want = sev === '?' ? [] : [...CHANNELS_FOR[sev]].sort();
      if (channels.join() !== want.join()) problems.push(`${s.name}: ${n} (${sev}) reached [${channels.join(', ')}], expected [${want.join(', ')}]`);
      for (const c of channels) {
        // A group (alert name + instance) is notified once; it is notified again only when an alert
        // joins it (a second strategy or gateway): repeats are an hour apart in the drill timings.
        const nr = resolved.filter((a) => a.channel === c).length;
        if (n === s.alert && nr !== 1) problems.push(`${s.name}: ${n} resolved ${nr} times at ${c}, expected once`);
        const lastFiring = Math.max(...firing.filter((a) => a.channel === c).map((a) => a.at));
        const firstResolve = Math.min(...resolved.filter((a) => a.channel === c).map((a) => a.at));
        if (lastFiring > firstResolve) problems.push(`${s.name}: ${n} fired again at ${c} after it resolved`);
      }
      const first = Math.min(...firing.map((a) => a.at));
      const lastResolve = resolved.length === channels.length && channels.length > 0 ? Math.max(...resolved.map((a) => a.at)) : null;
      if (n === s.alert && lastResolve !== null && lastResolve < faultEnd(s)) problems.push(`${s.name}: ${n} resolved before the fault ended`);
      // A silent engine pages within its hold plus 30 s of its last line (issue 13): the fault's start is that line.
      const bound = NOTIFY_BOUND_SECONDS[n];
      if (bound !== undefined && firing.length && (first - faultStart(s)) / 1000 > bound) problems.push(`${s.name}: ${n} notified ${((first - faultStart(s)) / 1000).toFixed(1)} s after the engine's last line, over its bound of ${bound} s`);
      rows.push({
        scenario: s.name,
        alertname: n,
        severity: sev,
        channels,
        notifications: firing.filter((a) => a.channel === channels[0]).length,
        notifyAfter: firing.length ? (first - faultStart(s)) / 1000 : null,
        resolveAfter: lastResolve === null ? null : (lastResolve - faultEnd(s)) / 1000,
      });
    }
    if (names.length === 0) rows.push({ scenario: s.name, alertname: s.alert === 'none' ? '(nothing, as expected)' : '(nothing)', severity: '?', channels: [], notifications: 0, notifyAfter: null, resolveAfter: null });
  }
  rows.push({ scenario: '(all)', alertname: 'Watchdog', severity: 'none', channels: [...new Set(watchdog.map((w) => w.channel))], notifications: watchdog.length, notifyAfter: null, resolveAfter: null });
  return { rows, problems, arrivals, watchdogBeats: watchdog.length };
}

/** The drill table as text. */
export function formatDrillTable(r: DrillResult): string {
  const f = (x: number | null) => (x === null ? '-' : `${x.toFixed(1)} s`);
  const head = ['scenario', 'alert', 'severity', 'receivers', 'notifications', 'time to notify', 'time to resolve'];
  const body = r.rows.map((x) => [x.scenario, x.alertname, x.severity, x.channels.join('+') || '-', String(x.notifications), f(x.notifyAfter), f(x.resolveAfter)]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(w[i]!)).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...body.map(line), '', `Watchdog heartbeats at the dead man's switch: ${r.watchdogBeats}`,
    `Alert history (the recorder's alert_log): ${r.historyRows} rows`, r.problems.length ? `PROBLEMS:\n- ${r.problems.join('\n- ')}` : 'drill passed: every alert reached exactly its receivers and resolved after its fault'].join('\n');
}
