/**
 * Alertmanager webhook notifications (payload version 4) as Alertmanager 0.25 sends them, for the
 * alert history's tests: the alert's labels and annotations come from its rule (alert-rules/), the
 * group key and the fields from how Alertmanager fills them (a firing alert's endsAt is Go's zero
 * time, `0001-01-01T00:00:00Z`).
 */
import { createHash } from 'node:crypto';
import { ALERTS } from '../../alert-rules/index.js';
import { annotations, staticLabels } from '../../alert-rules/model.js';
import { HISTORY_RECEIVER } from '../../alertmanager/config.js';
import type { AlertmanagerNotification } from '../../exporters/recorder/alerts.js';

/** One alert of a notification: a rule's name, the instance, when it started and (resolved) ended. */
export interface TestAlert {
  readonly name: string;
  readonly instance?: string;
  readonly startsAt: string;
  /** Resolved at this time; absent: firing. */
  readonly endsAt?: string;
  /** More labels (a strategy, a feed). */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Alertmanager's fingerprint stand-in: 16 hex digits of a hash of the sorted label set. */
function fingerprint(labels: Readonly<Record<string, string>>): string {
  const body = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

/**
 * A notification of one group (grouped by alert name and instance, as alertmanager/config.ts groups)
 * holding `alerts`, as the history receiver gets it.
 */
export function notification(alerts: readonly TestAlert[], o: { externalURL?: string } = {}): AlertmanagerNotification {
  const list = alerts.map((t) => {
    const rule = ALERTS.find((a) => a.name === t.name);
    if (!rule) throw new Error(`no alert rule ${t.name}`);
    const labels: Record<string, string> & { alertname: string } = { alertname: t.name, ...staticLabels(rule), ...(t.instance ? { instance: t.instance, job: 'tickwatch-hft' } : {}), ...t.labels };
    return {
      status: t.endsAt ? ('resolved' as const) : ('firing' as const),
      labels,
      annotations: { ...annotations(rule), description: `${rule.summary} (test)` },
      startsAt: t.startsAt,
      endsAt: t.endsAt ?? '0001-01-01T00:00:00Z',
      generatorURL: `http://127.0.0.1:9090/graph?g0.expr=${encodeURIComponent(t.name)}&g0.tab=1`,
      fingerprint: fingerprint(labels),
    };
  });
  const first = list[0]!.labels;
  const group: Record<string, string> = { alertname: first.alertname!, ...(first.instance ? { instance: first.instance } : {}) };
  const common = Object.fromEntries(Object.entries(first).filter(([k, v]) => list.every((a) => a.labels[k] === v)));
  return {
    receiver: HISTORY_RECEIVER,
    status: list.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts: list,
    groupLabels: group,
    commonLabels: common,
    commonAnnotations: {},
    externalURL: o.externalURL ?? 'http://127.0.0.1:9093',
    version: '4',
    groupKey: `{}/{}:{${Object.entries(group)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(', ')}}`,
    truncatedAlerts: 0,
  };
}
