/**
 * Engine liveness and the engine's own logs: a silent engine (no events while the session is
 * open, or a missed heartbeat at any hour), a rising rate of error-level log lines, and any fatal
 * line. Counted from every accepted line of every source (tickwatch_log_events_total) on the HFT
 * exporter's job: the recorder reads the same files and counts the same lines, so its job is left
 * out to page once.
 */
import { ENGINE_HEARTBEAT_TIMEOUT_SECONDS, ENGINE_SILENT_AFTER_SECONDS } from '../exporters/catalog/engine.js';
import * as C from '../exporters/catalog/index.js';
import { JOBS } from '../exporters/catalog/jobs.js';
import { dur, promDur, promNum } from '../query/format.js';
import { PANELS } from '../query/panels.js';
import { increase, max, rate, sel, sum } from '../query/promql.js';
import { alert, holdFor, input, TEST_TARGET, type AlertRule, type RuleGroup, type Thresholds } from './model.js';
import { hold } from './testing.js';
import * as T from './thresholds.js';

const target = ['job', 'instance'] as const;
/** The HFT exporter's job: the lines are counted there once. */
const hft = { job: JOBS.hft.job } as const;

/** The engine is silent past the exporter's limits: every metric derived from it is stale. */
export const engineSilent = (t: Thresholds): AlertRule =>
  alert({
    name: 'EngineSilent',
    family: 'engine_silent',
    severity: 'critical',
    expr: max(target, sel(C.engineSilenceSeconds)).and(max(target, sel(C.engineUp)).eq(0), target),
    for: holdFor(t.ENGINE_SILENT_FOR_SECONDS),
    summary: 'The trading engine has gone silent',
    description: `No event from the engine behind {{ $labels.instance }} for {{ $value | humanizeDuration }} (silent past the exporter's limits: ${dur(ENGINE_SILENT_AFTER_SECONDS)} without events while the session is open, or ${dur(ENGINE_HEARTBEAT_TIMEOUT_SECONDS)} without a heartbeat). Its positions, connections and PnL on the dashboards are no longer current; the engine may be hung, or trading unseen.`,
    panel: PANELS.engineUp,
    tests: {
      firing: [
        {
          name: 'no event and no heartbeat for 10 s',
          series: [input(C.engineUp, {}, `1 1 ${hold(0, 20)}`), input(C.engineSilenceSeconds, {}, '0+1x22')],
          at: '10s',
          alerts: [
            {
              labels: { ...TEST_TARGET },
              description: `No event from the engine behind ${TEST_TARGET.instance} for 10s (silent past the exporter's limits: ${dur(ENGINE_SILENT_AFTER_SECONDS)} without events while the session is open, or ${dur(ENGINE_HEARTBEAT_TIMEOUT_SECONDS)} without a heartbeat). Its positions, connections and PnL on the dashboards are no longer current; the engine may be hung, or trading unseen.`,
            },
          ],
        },
      ],
      silent: [
        { name: 'heard from', series: [input(C.engineUp, {}, hold(1, 20)), input(C.engineSilenceSeconds, {}, hold(0.2, 20))], at: '15s' },
        { name: 'silent for less than the hold', series: [input(C.engineUp, {}, `1 1 1 1 1 1 0 0 0 ${hold(1, 10)}`), input(C.engineSilenceSeconds, {}, hold(3, 20))], at: '10s' },
      ],
    },
  });

/** Error-level log lines rising: the engine's modules log errors faster than a normal day. */
export const engineErrorsRising = (t: Thresholds): AlertRule =>
  alert({
    name: 'EngineErrorsRising',
    family: 'engine_errors',
    severity: 'warning',
    expr: sum(target, rate(sel(C.logEventsTotal, { ...hft, level: 'error' }), '1m')).gt(t.ENGINE_ERRORS_WARNING_PER_SECOND),
    for: holdFor(t.ENGINE_ERRORS_FOR_SECONDS),
    summary: 'The engine logs errors at a rising rate',
    description: `The engine behind {{ $labels.instance }} logs {{ $value | humanize }} error lines a second over the last minute (warning above ${promNum(t.ENGINE_ERRORS_WARNING_PER_SECOND)}/s for ${promDur(t.ENGINE_ERRORS_FOR_SECONDS)}). Search them: tickwatch logs search --level error --since 5m.`,
    panel: PANELS.engineLogs,
    tests: {
      firing: [
        {
          name: 'one error a second for 2 minutes',
          series: [input(C.logEventsTotal, { component: 'strategy_runner', level: 'error' }, '0+1x150')],
          at: '120s',
          alerts: [
            {
              labels: { ...TEST_TARGET },
              description: `The engine behind ${TEST_TARGET.instance} logs 1 error lines a second over the last minute (warning above ${promNum(t.ENGINE_ERRORS_WARNING_PER_SECOND)}/s for ${promDur(t.ENGINE_ERRORS_FOR_SECONDS)}). Search them: tickwatch logs search --level error --since 5m.`,
            },
          ],
        },
      ],
      silent: [
        { name: 'just under the rate', series: [input(C.logEventsTotal, { component: 'strategy_runner', level: 'error' }, `0+${t.ENGINE_ERRORS_WARNING_PER_SECOND * 0.95}x150`)], at: '120s' },
        { name: 'warnings do not count', series: [input(C.logEventsTotal, { component: 'strategy_runner', level: 'warn' }, '0+5x150')], at: '120s' },
        { name: "the recorder's count of the same lines does not page twice", series: [input(C.logEventsTotal, { job: JOBS.recorder.job, instance: '127.0.0.1:9473', component: 'strategy_runner', level: 'error' }, '0+1x150')], at: '120s' },
      ],
    },
  });

/** Any fatal line: a module of the engine died. */
export const engineFatal = alert({
  name: 'EngineFatal',
  family: 'engine_fatal',
  severity: 'critical',
  expr: sum([...target, 'component'], increase(sel(C.logEventsTotal, { ...hft, level: 'fatal' }), '5m')).gt(0),
  for: '0s',
  summary: 'The engine logged a fatal error',
  description: '{{ $value | humanize }} fatal log lines from {{ $labels.component }} on {{ $labels.instance }} in the last 5 minutes: a module of the engine died or is about to. Read them: tickwatch logs search --level fatal --since 10m.',
  panel: PANELS.engineLogs,
  tests: {
    firing: [
      {
        name: 'one fatal line',
        series: [input(C.logEventsTotal, { component: 'strategy_runner', level: 'fatal' }, '0x60 1 1x200')],
        at: '200s',
        alerts: [
          {
            labels: { ...TEST_TARGET, component: 'strategy_runner' },
            description: `1 fatal log lines from strategy_runner on ${TEST_TARGET.instance} in the last 5 minutes: a module of the engine died or is about to. Read them: tickwatch logs search --level fatal --since 10m.`,
          },
        ],
      },
    ],
    silent: [
      { name: 'no fatal line', series: [input(C.logEventsTotal, { component: 'strategy_runner', level: 'fatal' }, hold(0, 400))], at: '350s' },
      { name: 'a fatal line over 5 minutes old', series: [input(C.logEventsTotal, { component: 'strategy_runner', level: 'fatal' }, '0 1 1x400')], at: '380s' },
    ],
  },
});

/** Engine rules with the thresholds `t` (the live rules use thresholds.ts; tests pass modified copies). */
export const engineRules = (t: Thresholds): RuleGroup => ({ name: 'engine', interval: '1s', rules: [engineSilent(t), engineErrorsRising(t), engineFatal] });

/** Engine rules. */
export const engineGroup: RuleGroup = engineRules(T);
