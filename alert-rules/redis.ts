/**
 * The recorder's Redis hot state (seed 000; exporters/recorder/redis.ts). Redis is a cache beside
 * the audit store: its outage loses no audit row, so it warns and never pages.
 */
import * as C from '../exporters/catalog/index.js';
import { defaultTarget } from '../exporters/catalog/jobs.js';
import { durWords } from '../query/format.js';
import { PANELS } from '../query/panels.js';
import { alert, holdFor, input, type AlertRule, type RuleGroup, type Thresholds } from './model.js';
import { sel } from '../query/promql.js';
import { hold } from './testing.js';
import * as T from './thresholds.js';

/** The recorder's target at its default port: only the recorder serves the hot state's metrics. */
const RECORDER_TARGET = defaultTarget('recorder');

const says = (t: Thresholds, instance: string, value: string): string =>
  `The recorder on ${instance} has had no Redis hot state for ${durWords(t.RECORDER_REDIS_DOWN_FOR_SECONDS)} (hft_recorder_redis_up=${value}): services reading recent trade executions, open anomalies and open alerts from Redis see stale state. The audit store keeps every row.`;

/** RecorderRedisDown with the thresholds `t`: the recorder's Redis unreachable (or not answering) for a minute. */
export const recorderRedisDown = (t: Thresholds): AlertRule =>
  alert({
    name: 'RecorderRedisDown',
    family: 'recorder_redis',
    severity: 'warning',
    expr: sel(C.recorderRedisUp).eq(0),
    for: holdFor(t.RECORDER_REDIS_DOWN_FOR_SECONDS),
    summary: "Audit recorder's Redis hot state is down",
    description: says(t, '{{ $labels.instance }}', '{{ $value }}'),
    panel: PANELS.recorderRedis,
    tests: {
      firing: [
        {
          name: 'unreachable for 2 minutes',
          series: [input(C.recorderRedisUp, RECORDER_TARGET, `1 1 ${hold(0, 200)}`)],
          at: '120s',
          alerts: [{ labels: { ...RECORDER_TARGET }, description: says(t, RECORDER_TARGET.instance, '0') }],
        },
      ],
      silent: [
        { name: 'a restart of 30 s', series: [input(C.recorderRedisUp, RECORDER_TARGET, `1 ${hold(0, 29)} ${hold(1, 140)}`)], at: '120s' },
        // Down since 2 s, evaluated 5 s before the hold is over: pending, not firing.
        { name: 'down, 5 s short of the hold', series: [input(C.recorderRedisUp, RECORDER_TARGET, `1 1 ${hold(0, t.RECORDER_REDIS_DOWN_FOR_SECONDS + 100)}`)], at: `${t.RECORDER_REDIS_DOWN_FOR_SECONDS - 3}s` },
      ],
    },
  });

/** Redis hot-state rules with the thresholds `t` (the live rules use thresholds.ts; tests pass modified copies). */
export const redisRules = (t: Thresholds): RuleGroup => ({ name: 'redis', interval: '5s', rules: [recorderRedisDown(t)] });

/** Redis hot-state rules. */
export const redisGroup: RuleGroup = redisRules(T);
