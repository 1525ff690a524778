/**
 * Failure drills: run the local stack on fault scenarios (all at once, one exporter each) and check
 * what reaches the receivers: which alerts, at which receivers, how long after the fault began,
 * and when the resolve came. Expectations come from the rules (severity decides the receivers) and
 * the scenarios (the alert each one targets, and related alerts it may also trip). Every alert
 * notified must also be in the audit recorder's alert history (`GET /api/v1/alerts`), firing and,
 * where it resolved, resolved.
 *
 * Time to notify: every critical must reach its receivers within its rule's `for` + 30 s of its
 * fault's start, plus its group's interval past 1 s ({@link DRILL_NOTIFY_MARGIN_SECONDS}); for a fault that builds up
 * (a drawdown), from when its condition first holds (`Scenario.conditionAfter`). The table also prints the bound the
 * pipeline itself sets ({@link pipelineBoundSeconds}) with the drill's timings and with
 * production's, which the README's drill section explains.
 */
import { ALERTS, GROUPS, recordingGroup } from '../../alert-rules/index.js';
import type { Severity } from '../../alert-rules/model.js';
import { pagePairs, SLOS } from '../../alert-rules/slo.js';
import * as T from '../../alert-rules/thresholds.js';
import { DRILL_TIMINGS, PRODUCTION_TIMINGS } from '../../alertmanager/config.js';
import { JOBS } from '../../exporters/catalog/jobs.js';
import type { Scenario } from '../../exporters/hft/simulator/scenarios/index.js';
import type { AlertJson } from '../../exporters/recorder/alerts.js';
import type { Arrival, Channel } from './receivers.js';
import { startStack, type Stack } from './stack.js';

/** Receivers each severity must reach, and only those. */
export const CHANNELS_FOR: Readonly<Record<Severity, readonly Channel[]>> = {
  critical: ['slack', 'pager', 'email', 'telegram', 'sms'],
  warning: ['slack'],
  none: ['deadman'],
};

const SEVERITY = new Map(ALERTS.map((a) => [a.name, a.severity]));

/**
 * A Prometheus duration (`5s`, `2m`, `1h30m`, `500ms`) in seconds.
 * @throws Error when `d` is not one
 */
export function durationSeconds(d: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  const parts = [...d.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== d) throw new Error(`not a Prometheus duration: '${d}'`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]!]!, 0);
}

/** Each alert's `for:` hold and its rule group's evaluation interval, in seconds. */
const HOLD = new Map(ALERTS.map((a) => [a.name, durationSeconds(a.for)]));
const EVALUATION = new Map(GROUPS.flatMap((g) => g.rules.filter((r) => r.kind === 'alert').map((r) => [r.name, durationSeconds(g.interval)] as const)));
/** The shared recording rules' group interval (1 s): many alerts read its series, one evaluation late at worst. */
const RECORDING_SECONDS = durationSeconds(recordingGroup.interval);

/**
 * The margin a drill allows past a critical's `for`: its first notification must arrive within
 * `for` + 30 s of the fault's start (issue 17), for the rule groups evaluated every second (the
 * trading groups). It covers the fault's own detection (a gap must last its threshold, an error
 * rate must build up in its window, the exporter's heartbeat timeout) plus the pipeline
 * ({@link pipelineBoundSeconds}: 4 s there). A group evaluated less often adds what its interval
 * exceeds 1 s by (4 s for the 5 s groups, 29 s for the SLO groups, which evaluate every 30 s: for
 * them `for` + 30 s is less than the pipeline's own bound).
 */
export const DRILL_NOTIFY_MARGIN_SECONDS = 30;

/** The timings, besides the rule group's own evaluation interval, between a series crossing its threshold and the first notification. */
export interface PipelineTimings {
  /** Prometheus scrape interval of the job the alert's series come from (s). */
  readonly scrapeSeconds: number;
  /** Alertmanager `group_wait` of a new group (s). */
  readonly groupWaitSeconds: number;
}

/** The drills: every job scraped each second (scripts/stack/stack.ts), {@link DRILL_TIMINGS}' group_wait (1 s). */
export const DRILL_PIPELINE: PipelineTimings = { scrapeSeconds: 1, groupWaitSeconds: DRILL_TIMINGS.groupWaitSeconds };

/**
 * Production: the HFT exporter's scrape interval, 1 s (every alert the drills raise is computed
 * from its series, the only job the drills scrape) and {@link PRODUCTION_TIMINGS}' group_wait, 10 s.
 * Rule groups evaluate at their own interval (`interval:` in prometheus/rules/*.yml), in
 * production as in the drills.
 */
export const PRODUCTION_PIPELINE: PipelineTimings = { scrapeSeconds: durationSeconds(JOBS.hft.interval ?? '5s'), groupWaitSeconds: PRODUCTION_TIMINGS.groupWaitSeconds };

/**
 * The longest time, in seconds, from an exposed series crossing its threshold to the alert's first
 * notification, for a new group: the next scrape (up to one scrape interval), the shared recording
 * rules' next evaluation (1 s; counted for every alert, though not all read them), the alert
 * group's next evaluation (one group interval; the alert turns pending), the `for` hold counted in
 * whole evaluations (it fires at the first evaluation at least `for` after turning pending;
 * `for: 0s` fires at once), then Alertmanager's `group_wait`. Prometheus sends at the end of the
 * evaluation, and delivery to a receiver is not counted (milliseconds on a healthy network; a
 * failing receiver is retried with backoff). An alert that joins a group already notified waits for
 * the group's `group_interval` instead of `group_wait`.
 * @param forSeconds - the rule's `for`, >= 0
 * @param evaluationSeconds - the alert's rule group interval, > 0
 */
export function pipelineBoundSeconds(forSeconds: number, evaluationSeconds: number, p: PipelineTimings): number {
  return p.scrapeSeconds + RECORDING_SECONDS + evaluationSeconds + Math.ceil(forSeconds / evaluationSeconds) * evaluationSeconds + p.groupWaitSeconds;
}

/**
 * An SLO page's detection time, seconds: how long errors at 100 % take to spend the budget share
 * its fastest page pair waits for (the Google SRE workbook's "detection time", chapter 5:
 * burn rate x (1 - objective) x long window), to the tenth above: 26 s for feed availability,
 * 51.9 s for order acknowledgement, 5.2 s for audit durability. Absent for other alerts.
 *
 * A burn-rate page is caused by budget spent, not by one engine event: it also waits for its
 * pair's minimum volume (139 s of open session in 1 h for feed availability: thresholds.ts), so a
 * fault early in a session pages later than one an hour in. The drill prints its time to notify and
 * this figure, and holds it to no limit ({@link notifyProblem}).
 */
export const SLO_DETECTION_SECONDS: ReadonlyMap<string, number> = new Map(
  SLOS.map((slo) => {
    const fastest = pagePairs(T)[0]!;
    return [slo.page.name, Math.ceil(fastest.factor * (1 - slo.objective) * fastest.longSeconds * 10) / 10] as const;
  }),
);

/** Time to notify of one alert against its bounds (seconds). */
export interface NotifyBounds {
  /** The drill's limit: `for` + {@link DRILL_NOTIFY_MARGIN_SECONDS} (+ the group's interval past 1 s); not applied to SLO pages ({@link SLO_DETECTION_SECONDS}). */
  readonly drillLimit: number;
  /** {@link pipelineBoundSeconds} with {@link DRILL_PIPELINE}. */
  readonly drillPipeline: number;
  /** {@link pipelineBoundSeconds} with {@link PRODUCTION_PIPELINE}. */
  readonly productionPipeline: number;
}

/**
 * The bounds of an alert's time to notify.
 * @throws Error for an alert name no rule defines
 */
export function notifyBounds(alertname: string): NotifyBounds {
  const hold = HOLD.get(alertname);
  const ev = EVALUATION.get(alertname);
  if (hold === undefined || ev === undefined) throw new Error(`no alert rule named ${alertname}`);
  return { drillLimit: hold + DRILL_NOTIFY_MARGIN_SECONDS + Math.max(0, ev - 1), drillPipeline: pipelineBoundSeconds(hold, ev, DRILL_PIPELINE), productionPipeline: pipelineBoundSeconds(hold, ev, PRODUCTION_PIPELINE) };
}

/**
 * The problem of a critical whose first notification came later than `for` + 30 s after its fault
 * began (null when it came in time, or is not critical, or never came: that is reported apart).
 */
export function notifyProblem(scenario: string, alertname: string, severity: Severity | '?', notifyAfter: number | null): string | null {
  if (severity !== 'critical' || notifyAfter === null || SLO_DETECTION_SECONDS.has(alertname)) return null;
  const b = notifyBounds(alertname);
  return notifyAfter > b.drillLimit ? `${scenario}: ${alertname} (critical) notified ${notifyAfter.toFixed(1)} s after its fault began, over its bound of ${b.drillLimit} s (for + ${DRILL_NOTIFY_MARGIN_SECONDS} s${EVALUATION.get(alertname)! > 1 ? ' + its group interval past 1 s' : ''})` : null;
}

/** One line of the drill table. */
export interface DrillRow {
  readonly scenario: string;
  readonly alertname: string;
  readonly severity: Severity | '?';
  /** Receivers the firing notification reached. */
  readonly channels: readonly Channel[];
  /** Firing notifications at the first receiver (more than 1 when alerts joined the group). */
  readonly notifications: number;
  /** Seconds from the fault's start (the engine event that caused the alert; later by the scenario's `conditionAfter` for a fault that builds up) to the first firing notification. */
  readonly notifyAfter: number | null;
  /** The bounds of that time, for a known alert. */
  readonly bounds: NotifyBounds | null;
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
export async function runDrills(scenarios: readonly Scenario[], opts: { speed?: number; log?: (l: string) => void; failFirst?: Partial<Record<Exclude<Channel, 'email'>, number>> } = {}): Promise<DrillResult> {
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
    const r = evaluate(stack, seen, faultStart, faultEnd, speed);
    return { ...r, problems: [...r.problems, ...historyProblems(seen, history)], historyRows: history.length };
  } finally {
    await stack.stop();
  }
}

function evaluate(stack: Stack, arrivals: readonly Arrival[], faultStart: (s: Scenario) => number, faultEnd: (s: Scenario) => number, speed: number): Omit<DrillResult, 'historyRows'> {
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
      // Every critical pages within its for + 30 s of the fault's start (for EngineSilent: the engine's last line).
      // From when the alert's condition first holds: the fault's start, or later for a fault that builds up.
      const conditionAt = faultStart(s) + ((s.conditionAfter?.[n] ?? 0) / speed) * 1000;
      const notifyAfter = firing.length ? (first - conditionAt) / 1000 : null;
      const late = notifyProblem(s.name, n, sev, notifyAfter);
      if (late) problems.push(late);
      rows.push({
        scenario: s.name,
        alertname: n,
        severity: sev,
        channels,
        notifications: firing.filter((a) => a.channel === channels[0]).length,
        notifyAfter,
        bounds: HOLD.has(n) ? notifyBounds(n) : null,
        resolveAfter: lastResolve === null ? null : (lastResolve - faultEnd(s)) / 1000,
      });
    }
    if (names.length === 0) rows.push({ scenario: s.name, alertname: s.alert === 'none' ? '(nothing, as expected)' : '(nothing)', severity: '?', channels: [], notifications: 0, notifyAfter: null, bounds: null, resolveAfter: null });
  }
  rows.push({ scenario: '(all)', alertname: 'Watchdog', severity: 'none', channels: [...new Set(watchdog.map((w) => w.channel))], notifications: watchdog.length, notifyAfter: null, bounds: null, resolveAfter: null });
  return { rows, problems, arrivals, watchdogBeats: watchdog.length };
}

/**
 * The drill table as text: per alert, its receivers, the time to notify (from the fault's start,
 * drill timings), the drill's limit for a critical ({@link NotifyBounds.drillLimit}), the pipeline's own bound with
 * drill and with production timings ({@link pipelineBoundSeconds}), and the time to resolve.
 */
export function formatDrillTable(r: Pick<DrillResult, 'rows' | 'problems' | 'watchdogBeats' | 'historyRows'>): string {
  const f = (x: number | null) => (x === null ? '-' : `${x.toFixed(1)} s`);
  const head = ['scenario', 'alert', 'severity', 'receivers', 'notifications', 'time to notify', 'limit', 'pipeline drill/prod', 'time to resolve'];
  const body = r.rows.map((x) => [
    x.scenario,
    x.alertname,
    x.severity,
    x.channels.join('+') || '-',
    String(x.notifications),
    f(x.notifyAfter),
    x.bounds && x.severity === 'critical' ? (SLO_DETECTION_SECONDS.has(x.alertname) ? `SLO (>= ${SLO_DETECTION_SECONDS.get(x.alertname)} s)` : `${x.bounds.drillLimit} s`) : '-',
    x.bounds ? `${x.bounds.drillPipeline} s / ${x.bounds.productionPipeline} s` : '-',
    f(x.resolveAfter),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(w[i]!)).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...body.map(line), '', `Watchdog heartbeats at the dead man's switch: ${r.watchdogBeats}`,
    `Alert history (the recorder's alert_log): ${r.historyRows} rows`, r.problems.length ? `PROBLEMS:\n- ${r.problems.join('\n- ')}` : 'drill passed: every alert reached exactly its receivers (every critical but the SLO pages within its for + 30 s) and resolved after its fault'].join('\n');
}
