/** StormGuard alerts: HALT pages; STORM and WARM go to chat. */
import * as C from '../exporters/catalog/index.js';
import { STORMGUARD_MODE_VALUE } from '../exporters/catalog/stormguard.js';
import { PANELS } from '../query/panels.js';
import { alert, holdFor, input, TEST_TARGET, type AlertRule, type RuleGroup, type Thresholds } from './model.js';
import { sel } from '../query/promql.js';
import { hold } from './testing.js';
import * as T from './thresholds.js';

function modeAlert(mode: 'WARM' | 'STORM' | 'HALT', o: Pick<AlertRule, 'name' | 'severity' | 'for' | 'summary'> & { consequence: string; holdFor: number }): AlertRule {
  const v = STORMGUARD_MODE_VALUE[mode];
  const description = `StormGuard has put strategy {{ $labels.strategy }} on {{ $labels.instance }} in ${mode} (hft_stormguard_mode={{ $value }}). ${o.consequence}`;
  const below = v - 1;
  return alert({
    name: o.name,
    family: 'stormguard',
    severity: o.severity,
    expr: sel(C.stormguardMode).eq(v),
    for: o.for,
    summary: o.summary,
    description,
    panel: PANELS.stormguard,
    tests: {
      firing: [
        {
          name: `${mode} held`,
          series: [input(C.stormguardMode, { strategy: 'mm-2330' }, `0 0 ${hold(v, o.holdFor + 5)}`)],
          at: `${o.holdFor + 4}s`,
          alerts: [{ labels: { ...TEST_TARGET, strategy: 'mm-2330' }, description: description.replace('{{ $labels.strategy }}', 'mm-2330').replace('{{ $labels.instance }}', TEST_TARGET.instance).replace('{{ $value }}', String(v)) }],
        },
      ],
      silent: [
        { name: `one mode below ${mode}`, series: [input(C.stormguardMode, { strategy: 'mm-2330' }, hold(below, o.holdFor + 10))], at: `${o.holdFor + 5}s` },
        { name: `${mode} then back to NORMAL`, series: [input(C.stormguardMode, { strategy: 'mm-2330' }, `${hold(v, 0)} ${hold(0, o.holdFor + 10)}`)], at: `${o.holdFor + 5}s` },
      ],
    },
  });
}

/** HALT: the strategy stopped trading. */
export const stormGuardHalt = modeAlert('HALT', {
  name: 'StormGuardHalt',
  severity: 'critical',
  for: '0s',
  holdFor: 2,
  summary: 'StormGuard halted a strategy',
  consequence: 'The strategy sends no orders until an operator resets it.',
});

/** StormGuardStorm with the thresholds `t`: the strategy is heavily throttled. */
export const stormGuardStorm = (t: Thresholds): AlertRule => modeAlert('STORM', {
  name: 'StormGuardStorm',
  severity: 'warning',
  for: holdFor(t.STORMGUARD_STORM_FOR_SECONDS),
  holdFor: t.STORMGUARD_STORM_FOR_SECONDS + 1,
  summary: 'StormGuard in STORM',
  consequence: 'Order flow is heavily throttled; HALT follows if conditions worsen.',
});

/** StormGuardWarm with the thresholds `t`: the strategy is under watch. */
export const stormGuardWarm = (t: Thresholds): AlertRule => modeAlert('WARM', {
  name: 'StormGuardWarm',
  severity: 'warning',
  for: holdFor(t.STORMGUARD_WARM_FOR_SECONDS),
  holdFor: t.STORMGUARD_WARM_FOR_SECONDS + 1,
  summary: 'StormGuard in WARM',
  consequence: 'Limits are tightened while reject or latency signals stay elevated.',
});

/** StormGuard rules with the thresholds `t` (the live rules use thresholds.ts; tests pass modified copies). */
export const stormguardRules = (t: Thresholds): RuleGroup => ({ name: 'stormguard', interval: '1s', rules: [stormGuardHalt, stormGuardStorm(t), stormGuardWarm(t)] });

/** StormGuard rules. */
export const stormguardGroup: RuleGroup = stormguardRules(T);
