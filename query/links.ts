/**
 * Where alert links point. Change these two bases for your organisation and rebuild
 * (`npm run build:rules`); everything else is derived.
 */
import type { PanelRef } from './panels.js';

export type { PanelRef } from './panels.js';

/** Base URL of the runbooks folder as your Git host serves it; a runbook's URL is this plus `<Alert>.md`. */
export const RUNBOOK_BASE_URL = 'https://git.trading.internal/tickwatch/-/blob/main/runbooks/';

/** Base URL of Grafana. */
export const GRAFANA_URL = 'https://grafana.trading.internal';

/** The runbook URL of an alert (file `runbooks/<name>.md`). */
export function runbookUrl(name: string): string {
  return `${RUNBOOK_BASE_URL}${name}.md`;
}

/** A link that opens one panel of a dashboard, in UTC, over the last hour. */
export function dashboardUrl(p: PanelRef): string {
  return `${GRAFANA_URL}/d/${p.dashboard}?viewPanel=${p.panelId}&from=now-1h&to=now&tz=UTC`;
}
