/** Every rule group, in file order. */
import { busGroup } from './bus.js';
import { clickhouseGroup } from './clickhouse.js';
import { feedGroup } from './feed.js';
import { hostGroup } from './host.js';
import type { AlertRule, RecordingRule, RuleGroup } from './model.js';
import { ordersGroup } from './orders.js';
import { pipelineGroup } from './pipeline.js';
import { pnlGroup } from './pnl.js';
import { recorderGroup } from './recorder.js';
import { recordingGroup } from './recording.js';
import { stormguardGroup } from './stormguard.js';

/** All groups; recording rules first (alerts read them). */
export const GROUPS: readonly RuleGroup[] = [recordingGroup, feedGroup, busGroup, stormguardGroup, ordersGroup, pnlGroup, recorderGroup, pipelineGroup, hostGroup, clickhouseGroup];

/** Every alert. */
export const ALERTS: readonly AlertRule[] = GROUPS.flatMap((g) => g.rules.filter((r): r is AlertRule => r.kind === 'alert'));

/** Every recording rule. */
export const RECORDING_RULES: readonly RecordingRule[] = GROUPS.flatMap((g) => g.rules.filter((r): r is RecordingRule => r.kind === 'record'));
