/**
 * System events (seed 000's system_event_log): a service of the engine, or of tickwatch itself,
 * failed, or keeps being restarted. From `hft_service_events_total{component,service,event}`, which
 * the HFT exporter counts from `service.*` events (tickwatch's own services report theirs too).
 */
import * as C from '../exporters/catalog/index.js';
import { promNum } from '../query/format.js';
import { PANELS } from '../query/panels.js';
import { increase, sel, sum } from '../query/promql.js';
import { alert, input, TEST_TARGET, type AlertRule, type RuleGroup, type Thresholds } from './model.js';
import { hold } from './testing.js';
import * as T from './thresholds.js';

const by = ['job', 'instance', 'service'] as const;
const failed = (service: string, values: string) => input(C.serviceEventsTotal, { component: 'monitor', service, event: 'failed' }, values);
const restarted = (service: string, values: string) => input(C.serviceEventsTotal, { component: 'monitor', service, event: 'restarted' }, values);

/** Any `service.failed` in the last 5 minutes pages. */
export const serviceFailed = alert({
  name: 'ServiceFailed',
  family: 'service_failed',
  severity: 'critical',
  expr: sum(by, increase(sel(C.serviceEventsTotal, { event: 'failed' }), '5m')).gt(0),
  for: '0s',
  summary: 'A service failed',
  description:
    '{{ $value | humanize }} failures of service {{ $labels.service }} reported to {{ $labels.instance }} in the last 5 minutes: it crashed or could not start. Read why: tickwatch logs search --event service.failed --since 10m.',
  panel: PANELS.serviceEvents,
  tests: {
    firing: [
      {
        name: 'the risk engine crashed once',
        series: [failed('risk_engine', '0x60 1 1x200')],
        at: '200s',
        alerts: [
          {
            labels: { ...TEST_TARGET, service: 'risk_engine' },
            description: `1 failures of service risk_engine reported to ${TEST_TARGET.instance} in the last 5 minutes: it crashed or could not start. Read why: tickwatch logs search --event service.failed --since 10m.`,
          },
        ],
      },
    ],
    silent: [
      { name: 'no failure', series: [failed('risk_engine', hold(0, 400)), restarted('risk_engine', hold(0, 400))], at: '350s' },
      { name: 'a failure over 5 minutes old', series: [failed('risk_engine', '0 1 1x400')], at: '380s' },
    ],
  },
});

/**
 * ServiceRestartLoop with the thresholds `t`: more than `SERVICE_RESTARTS_WARNING` restarts of one
 * service in 10 minutes. `increase()` extrapolates to the window's edges, so an exact count can read
 * a hair above itself (3 restarts as 3.005); the comparison sits half a restart above the figure so
 * that "more than 3" means a fourth restart.
 */
export const serviceRestartLoop = (t: Thresholds): AlertRule =>
  alert({
    name: 'ServiceRestartLoop',
    family: 'service_restarts',
    severity: 'warning',
    expr: sum(by, increase(sel(C.serviceEventsTotal, { event: 'restarted' }), '10m')).gt(t.SERVICE_RESTARTS_WARNING + 0.5),
    for: '0s',
    summary: 'A service keeps being restarted',
    description: `Service {{ $labels.service }} was restarted {{ $value | humanize }} times in the last 10 minutes on {{ $labels.instance }} (warning above ${promNum(t.SERVICE_RESTARTS_WARNING)} restarts in 10 minutes): it does not stay up.`,
    panel: PANELS.serviceEvents,
    tests: {
      firing: [
        {
          name: 'five restarts in four minutes',
          series: [restarted('strategy_runner', `0x60 1x30 2x30 3x30 4x30 ${hold(5, 300)}`)],
          at: '300s',
          alerts: [
            {
              labels: { ...TEST_TARGET, service: 'strategy_runner' },
              description: `Service strategy_runner was restarted 5 times in the last 10 minutes on ${TEST_TARGET.instance} (warning above ${promNum(t.SERVICE_RESTARTS_WARNING)} restarts in 10 minutes): it does not stay up.`,
            },
          ],
        },
      ],
      silent: [
        { name: `${t.SERVICE_RESTARTS_WARNING} restarts in 10 minutes`, series: [restarted('strategy_runner', `0x60 ${Array.from({ length: t.SERVICE_RESTARTS_WARNING }, (_, i) => `${i + 1}x30`).join(' ')} ${hold(t.SERVICE_RESTARTS_WARNING, 400)}`)], at: '300s' },
        { name: 'restarts spread over more than 10 minutes', series: [restarted('strategy_runner', `0x10 1x200 2x200 3x200 4x200 5x200`)], at: '1000s' },
      ],
    },
  });

/** Service rules with the thresholds `t` (the live rules use thresholds.ts; tests pass modified copies). */
export const servicesRules = (t: Thresholds): RuleGroup => ({ name: 'services', interval: '5s', rules: [serviceFailed, serviceRestartLoop(t)] });

/** Service rules. */
export const servicesGroup: RuleGroup = servicesRules(T);
