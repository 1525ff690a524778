/** Every rule group, in file order. */
import { anomaliesGroup } from './anomalies.js';
import { busGroup } from './bus.js';
import { clickhouseGroup } from './clickhouse.js';
import { clockGroup } from './clock.js';
import { engineGroup } from './engine.js';
import { executionsGroup } from './executions.js';
import { feedGroup } from './feed.js';
import { hostGroup } from './host.js';
import type { AlertRule, RuleGroup } from './model.js';
import { modelsGroup } from './models.js';
import { ordersGroup } from './orders.js';
import { pipelineGroup } from './pipeline.js';
import { pnlGroup } from './pnl.js';
import { recorderGroup } from './recorder.js';
import { redisGroup } from './redis.js';
import { RECORDING_RULES, type RecordingRule } from '../query/recording.js';
import { securityGroup } from './security.js';
import { servicesGroup } from './services.js';
import { sloGroups } from './slo.js';
import { stormguardGroup } from './stormguard.js';

/** The recording rules shared with dashboards (query/recording.ts), as one group evaluated every second like the trading alerts that read them. */
export const recordingGroup: RuleGroup = { name: 'recording', interval: '1s', rules: RECORDING_RULES };

/** All groups; recording rules first (alerts read them). */
export const GROUPS: readonly RuleGroup[] = [
  recordingGroup,
  engineGroup,
  feedGroup,
  busGroup,
  stormguardGroup,
  ordersGroup,
  executionsGroup,
  pnlGroup,
  anomaliesGroup,
  modelsGroup,
  securityGroup,
  servicesGroup,
  recorderGroup,
  redisGroup,
  pipelineGroup,
  hostGroup,
  clockGroup,
  clickhouseGroup,
  // SLOs (slo.ts): one group each, their SLI recording rules, budget gauge and burn-rate alerts.
  ...sloGroups,
];

/** Every alert. */
export const ALERTS: readonly AlertRule[] = GROUPS.flatMap((g) => g.rules.filter((r): r is AlertRule => r.kind === 'alert'));

export { RECORDING_RULES };

/** Every recording rule of every group: the shared ones (query/recording.ts) and the SLOs' (slo.ts). */
export const ALL_RECORDING_RULES: readonly RecordingRule[] = GROUPS.flatMap((g) => g.rules.filter((r): r is RecordingRule => r.kind === 'record'));
