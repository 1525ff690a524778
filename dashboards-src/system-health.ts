/**
 * System health: are the tickwatch exporters scraped, and how do their processes and the
 * instrumentation core behave (CPU, memory, event-loop lag, series, cardinality folds)? Host
 * metrics are not in the catalog yet; their panels come with the host exporter.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { max, PROMETHEUS_SERIES, rate, sel, sum } from '../alert-rules/promql.js';
import * as C from '../exporters/catalog/index.js';
import {
  COLOR,
  RATE,
  UNIT,
  buildDashboard,
  flagMappings,
  instanceFilter as I,
  instanceVariable,
  linked,
  orZero,
  stateTimelinePanel,
  statPanel,
  timeseriesPanel,
} from './common.js';
import { DASHBOARD_UIDS, PANELS } from './ids.js';

/** Note in the dashboard description: what this dashboard does not show yet, and when it will. */
export const HOST_NOTE =
  'Host panels (CPU per core, memory, network interfaces, disks, filesystems) arrive with the host exporter, which adds the node metrics to the catalog; until then this dashboard shows the tickwatch processes themselves.';

/** The system health dashboard (uid `tickwatch-system-health`). */
export function systemHealthDashboard(): Dashboard {
  const target = ['job', 'instance'];
  const perTarget = '{{job}} {{instance}}';
  return buildDashboard({
    uid: DASHBOARD_UIDS.system,
    title: 'tickwatch / System health',
    description: `Scrape health of every tickwatch exporter, and the processes behind them: CPU, resident memory, V8 heap, recording-thread event-loop lag, series allocated by the instrumentation core and label lookups its cardinality guard folded. ${HOST_NOTE}`,
    tags: ['system'],
    variables: [instanceVariable(C.buildInfo)],
    rows: [
      {
        title: 'Targets',
        panels: [
          stateTimelinePanel({
            ...linked(PANELS.targetsUp),
            description:
              'Whether Prometheus\' last scrape of each tickwatch exporter (every job named tickwatch-*) succeeded. Not narrowed by the instance variable, so a target that never came up still shows. ExporterTargetDown fires when a scrape keeps failing.',
            unit: UNIT.state,
            queries: [{ expr: sel(PROMETHEUS_SERIES.up, { job: { re: 'tickwatch-.*' } }), legend: perTarget }],
            mappings: flagMappings({ text: 'DOWN', color: COLOR.critical }, { text: 'UP', color: COLOR.ok }),
            width: 18,
          }),
          statPanel({
            id: 2,
            title: 'Uptime',
            description: 'Seconds since each tickwatch process started; a reset means a restart.',
            unit: UNIT.seconds,
            queries: [{ expr: max(target, sel(C.processUptimeSeconds, I)), legend: perTarget }],
          }),
        ],
      },
      {
        title: 'Processes',
        panels: [
          timeseriesPanel({
            id: 3,
            title: 'CPU usage',
            description: 'CPU time (user plus system) each process used per second over the rate interval: 100 % is one full core.',
            unit: UNIT.ratio,
            queries: [{ expr: sum(target, rate(sel(C.processCpuSecondsTotal, I), RATE)), legend: perTarget }],
            min: 0,
            width: 6,
          }),
          timeseriesPanel({
            id: 4,
            title: 'Resident memory',
            description: 'Resident memory size of each process.',
            unit: UNIT.bytes,
            queries: [{ expr: max(target, sel(C.processResidentMemoryBytes, I)), legend: perTarget }],
            min: 0,
            width: 6,
          }),
          timeseriesPanel({
            id: 5,
            title: 'Heap used',
            description: 'V8 heap in use by the recording thread of each process.',
            unit: UNIT.bytes,
            queries: [{ expr: max(target, sel(C.nodejsHeapUsedBytes, I)), legend: perTarget }],
            min: 0,
            width: 6,
          }),
          timeseriesPanel(
            {
              id: 6,
              title: 'Event-loop lag',
              description: 'Event-loop delay of the recording thread over the last window: p99 and maximum. Lag here delays event ingest, not scrapes (a worker thread serves /metrics).',
              unit: UNIT.seconds,
              queries: [
                { expr: max(target, sel(C.eventLoopLagP99Seconds, I)), legend: `${perTarget} p99` },
                { expr: max(target, sel(C.eventLoopLagMaxSeconds, I)), legend: `${perTarget} max` },
              ],
              min: 0,
              width: 6,
            },
            { legendCalcs: ['lastNotNull', 'max'] },
          ),
        ],
      },
      {
        title: 'Instrumentation core',
        panels: [
          timeseriesPanel(
            {
              id: 7,
              title: 'Series per metric',
              description: 'Series the instrumentation core has allocated, by metric, summed over the selected instances. A metric that climbs towards its series limit starts folding label sets into other.',
              unit: UNIT.count,
              queries: [{ expr: sum(['metric'], sel(C.seriesCount, I)), legend: '{{metric}}' }],
              min: 0,
              width: 8,
            },
            { legendCalcs: ['lastNotNull', 'max'] },
          ),
          timeseriesPanel(
            {
              id: 8,
              title: 'Cardinality folds',
              description:
                'Label lookups per second the cardinality guard folded into the other series, by metric and reason (unknown label value, series limit, capacity); a 0 line for a target while it folds nothing. Folds hide detail: find the label value or limit behind them.',
              unit: UNIT.opsPerSecond,
              queries: [
                {
                  expr: orZero(sum([...target, 'metric', 'reason'], rate(sel(C.cardinalityOverflowTotal, I), RATE)), target, sel(C.buildInfo, I)),
                  legend: '{{metric}} {{reason}} {{instance}}',
                },
              ],
              min: 0,
              width: 8,
            },
            { stacked: true },
          ),
          timeseriesPanel({
            id: 9,
            title: 'Invalid metric updates',
            description: 'Metric updates the recording API refused per second (a negative counter increment or NaN), by metric; a 0 line for a target while it refuses none. Any value is a bug in the caller.',
            unit: UNIT.opsPerSecond,
            queries: [{ expr: orZero(sum([...target, 'metric'], rate(sel(C.invalidUpdatesTotal, I), RATE)), target, sel(C.buildInfo, I)), legend: '{{metric}} {{instance}}' }],
            min: 0,
            width: 8,
          }),
        ],
      },
    ],
  });
}
