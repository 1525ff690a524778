/**
 * Recorder & ClickHouse: the audit trail's write path (rows written, failures, latency, queue,
 * store health, spool) and the event ingest that feeds it. The ClickHouse server's own metrics are
 * not in the catalog yet; their panels come with the ClickHouse exporter.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { count, increase, max, quantile, rate, sel, sum } from '../alert-rules/promql.js';
import * as T from '../alert-rules/thresholds.js';
import { rec } from '../alert-rules/model.js';
import { spoolUseRatio } from '../alert-rules/recording.js';
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
  timeseriesPanel,
  warningAt,
} from './common.js';
import { DASHBOARD_UIDS, PANELS } from './ids.js';

/** Note in the dashboard description: what this dashboard does not show yet, and when it will. */
export const CLICKHOUSE_NOTE =
  'ClickHouse server panels (inserts, merges, parts, replication, disk) arrive with the ClickHouse exporter, which adds their metrics to the catalog; until then this dashboard shows the recorder side of the audit store.';

/** The recorder & ClickHouse dashboard (uid `tickwatch-recorder-clickhouse`). */
export function recorderClickhouseDashboard(): Dashboard {
  const target = ['job', 'instance'];
  const writes = rate(count(C.recorderWriteDurationSeconds, I), RATE);
  const okPerTarget = sum(target, writes);
  const failedPerTarget = orZero(sum(target, rate(sel(C.recorderWriteFailuresTotal, I), RATE)), target, writes);
  return buildDashboard({
    uid: DASHBOARD_UIDS.recorder,
    title: 'tickwatch / Recorder & ClickHouse',
    description: `The audit recorder's writes to its store (embedded or ClickHouse): rows written, failed batch writes, write latency, queue, store health and spool; and the event ingest path (events accepted and rejected) that feeds it. The recorder and the HFT exporter export the same recorder metrics, told apart by job. ${CLICKHOUSE_NOTE}`,
    tags: ['recorder', 'clickhouse'],
    variables: [instanceVariable(C.recorderRowsWrittenTotal)],
    rows: [
      {
        title: 'Recorder writes',
        panels: [
          timeseriesPanel(
            {
              id: 1,
              title: 'Rows written per second',
              description: 'Rows durably written to the audit store per second, by table.',
              unit: UNIT.rowsPerSecond,
              queries: [{ expr: sum(['table'], rate(sel(C.recorderRowsWrittenTotal, I), RATE)), legend: '{{table}}' }],
              min: 0,
              width: 8,
            },
            { stacked: true },
          ),
          timeseriesPanel(
            {
              ...linked(PANELS.recorderFailures),
              description:
                'Batch writes to the audit store that failed (and were retried or spooled) per rate interval, by table; 0 while every write succeeds. RecorderWriteFailures fires on any failure in 5 minutes.',
              unit: UNIT.count,
              queries: [
                {
                  expr: orZero(sum(['table'], increase(sel(C.recorderWriteFailuresTotal, I), RATE)), ['table'], rate(sel(C.recorderRowsWrittenTotal, I), RATE)),
                  legend: '{{table}}',
                },
              ],
              min: 0,
              width: 8,
            },
            { bars: true },
          ),
          timeseriesPanel({
            id: 3,
            title: 'Write success rate',
            description: 'Successful batch writes over all batch writes (successful plus failed) per target over the rate interval; 100 % on a healthy store, empty while nothing is written.',
            unit: UNIT.ratio,
            queries: [{ expr: okPerTarget.div(okPerTarget.add(failedPerTarget)), legend: '{{job}} {{instance}}' }],
            min: 0,
            max: 1,
            width: 8,
          }),
          timeseriesPanel(
            {
              id: 5,
              title: 'Write latency',
              description: 'Duration of one batch write to the audit store, p50 and p99 over the rate interval, by store.',
              unit: UNIT.seconds,
              queries: [
                { expr: quantile(0.5, C.recorderWriteDurationSeconds, ['store'], RATE, I), legend: '{{store}} p50' },
                { expr: quantile(0.99, C.recorderWriteDurationSeconds, ['store'], RATE, I), legend: '{{store}} p99' },
              ],
              min: 0,
              width: 8,
            },
            { legendCalcs: ['lastNotNull', 'max'] },
          ),
          timeseriesPanel({
            ...linked(PANELS.recorderQueue),
            description: 'Rows the recorder accepted and has not yet written to the store, per target. RecorderQueueBacklog warns above the dashed line: the store is not keeping up.',
            unit: UNIT.count,
            queries: [{ expr: max(target, sel(C.recorderQueueDepthRows, I)), legend: '{{job}} {{instance}}' }],
            thresholds: [warningAt(T.RECORDER_QUEUE_WARNING_ROWS)],
            min: 0,
            width: 8,
          }),
          timeseriesPanel({
            ...linked(PANELS.recorderSpool),
            description: 'Share of the spool (the write-ahead file that holds batches while the store is down) in use, per target; 0 while the store takes every write. RecorderSpoolFilling warns at 80 %: past 100 % the recorder pauses reading and the events wait in the engine file.',
            unit: UNIT.ratio,
            queries: [{ expr: max(target, rec(spoolUseRatio, I)), legend: '{{job}} {{instance}}' }],
            thresholds: [warningAt(T.RECORDER_SPOOL_WARNING_RATIO)],
            min: 0,
            width: 8,
          }),
          stateTimelinePanel({
            id: 7,
            title: 'Store up',
            description: 'Whether the audit store answered the last write or probe, by store. While it is down the recorder spools to local disk.',
            unit: UNIT.state,
            queries: [{ expr: max(['store'], sel(C.recorderStoreUp, I)), legend: '{{store}}' }],
            mappings: flagMappings({ text: 'DOWN', color: COLOR.critical }, { text: 'UP', color: COLOR.ok }),
            width: 24,
            height: 5,
          }),
        ],
      },
      {
        title: 'Event ingest',
        panels: [
          timeseriesPanel(
            {
              id: 9,
              title: 'Ingest events per second',
              description: 'Engine events the ingest pipeline accepted per second, by source (file, tcp, in-process) and emitting component.',
              unit: UNIT.eventsPerSecond,
              queries: [{ expr: sum(['source', 'component'], rate(sel(C.ingestEventsTotal, I), RATE)), legend: '{{source}} {{component}}' }],
              min: 0,
              width: 8,
            },
            { stacked: true },
          ),
          timeseriesPanel(
            {
              ...linked(PANELS.ingestRejects),
              description:
                'Input lines the ingest pipeline rejected per second (written to the dead-letter file), by source and reason; 0 while every line passes. IngestRejectsRising warns on a sustained rate: the engine and the exporter disagree on the event contract.',
              unit: UNIT.eventsPerSecond,
              queries: [
                {
                  expr: orZero(sum(['source', 'reason'], rate(sel(C.ingestRejectedTotal, I), RATE)), ['source'], rate(sel(C.ingestEventsTotal, I), RATE)),
                  legend: '{{source}} {{reason}}',
                },
              ],
              min: 0,
              width: 8,
            },
            { stacked: true },
          ),
          timeseriesPanel({
            id: 10,
            title: 'Ingest bytes per second',
            description: 'Bytes the ingest pipeline read per second, by source.',
            unit: UNIT.bytesPerSecond,
            queries: [{ expr: sum(['source'], rate(sel(C.ingestBytesTotal, I), RATE)), legend: '{{source}}' }],
            min: 0,
            width: 8,
          }),
        ],
      },
    ],
  });
}
