/**
 * Recorder & ClickHouse: the audit trail's write path (rows written, failures, latency, queue,
 * store health, spool), the event ingest that feeds it, and the ClickHouse server behind the audit
 * store (availability, disk, parts, inserts, mutations, merges, insert and select latency) from the
 * ClickHouse exporter (job `tickwatch-clickhouse`), with the server process's CPU and disk IO from
 * the host exporter (job `tickwatch-host`). Every panel follows the `job` and `instance` variables:
 * the recorder panels show the recorder and HFT exporter targets picked, the ClickHouse panels the
 * ClickHouse exporter targets picked, the server process panels the host exporter targets picked.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { count, Expr, increase, max, min, quantile, rate, sel, sum, type Matchers } from '../query/promql.js';
import { promDur } from '../query/format.js';
import * as T from '../alert-rules/thresholds.js';
import { rec } from '../query/recording.js';
import { spoolUseRatio } from '../query/recording.js';
import * as C from '../exporters/catalog/index.js';
import {
  COLOR,
  RATE,
  UNIT,
  buildDashboard,
  dur,
  flagMappings,
  targetFilter as I,
  linked,
  lowIsBad,
  orZero,
  pct,
  stateTimelinePanel,
  timeseriesPanel,
  warningAt,
  type Row,
} from './common.js';
import { DASHBOARD_UIDS, PANELS } from '../query/panels.js';
import { SLOS } from '../alert-rules/slo.js';
import { sloBudgetPanel } from './slo.js';

/** The recorder & ClickHouse dashboard (uid `tickwatch-recorder-clickhouse`). */
export function recorderClickhouseDashboard(): Dashboard {
  const target = ['job', 'instance'];
  const writes = rate(count(C.recorderWriteDurationSeconds, I), RATE);
  const okPerTarget = sum(target, writes);
  const failedPerTarget = orZero(sum(target, rate(sel(C.recorderWriteFailuresTotal, I), RATE)), target, writes);
  return buildDashboard({
    uid: DASHBOARD_UIDS.recorder,
    title: 'tickwatch / Recorder & ClickHouse',
    description:
      "The audit recorder's writes to its store (embedded or ClickHouse): rows written, failed batch writes, write latency, queue, store health and spool; the event ingest path (events accepted and rejected) that feeds it; and the ClickHouse server behind the audit store, from the ClickHouse exporter: availability, disk space, parts per partition, rejected and delayed inserts, mutations, merges, inserts, and insert and select latency from its query log; and the ClickHouse server process's CPU and disk IO from the host exporter. The recorder and the HFT exporter export the same recorder metrics, told apart by job; pick jobs and instances with the Job and Instance variables.",
    tags: ['recorder', 'clickhouse'],
    jobs: ['recorder', 'hft', 'clickhouse', 'host'],
    variables: [],
    rows: [
      {
        title: 'Recorder writes',
        panels: [
          timeseriesPanel(
            {
              id: 1,
              title: 'Rows written per second',
              description: 'Rows durably written to the audit store per second, per target and table.',
              unit: UNIT.rowsPerSecond,
              queries: [{ expr: sum([...target, 'table'], rate(sel(C.recorderRowsWrittenTotal, I), RATE)), legend: '{{instance}} {{table}}' }],
              min: 0,
              width: 8,
            },
            { stacked: true },
          ),
          timeseriesPanel(
            {
              ...linked(PANELS.recorderFailures),
              description:
                "Batch writes to the audit store that failed (and were retried or spooled) per rate interval, by table, and batches the recorder's own write-ahead log refused (disk full, I/O errors: recording pauses); 0 while every write succeeds. RecorderWriteFailures and RecorderWalFailing fire on any failure in 5 minutes.",
              unit: UNIT.count,
              queries: [
                {
                  expr: orZero(sum([...target, 'table'], increase(sel(C.recorderWriteFailuresTotal, I), RATE)), [...target, 'table'], rate(sel(C.recorderRowsWrittenTotal, I), RATE)),
                  legend: '{{instance}} {{table}}',
                },
                {
                  expr: orZero(sum(['job', 'instance'], increase(sel(C.recorderWalAppendFailuresTotal, I), RATE)), ['job', 'instance'], rate(sel(C.recorderRowsWrittenTotal, I), RATE)),
                  legend: 'write-ahead log refused ({{instance}})',
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
              description: 'Duration of one batch write to the audit store, p50 and p99 over the rate interval, per target and store.',
              unit: UNIT.seconds,
              queries: [
                { expr: quantile(0.5, C.recorderWriteDurationSeconds, ['job', 'instance', 'store'], RATE, I), legend: '{{instance}} {{store}} p50' },
                { expr: quantile(0.99, C.recorderWriteDurationSeconds, ['job', 'instance', 'store'], RATE, I), legend: '{{instance}} {{store}} p99' },
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
          timeseriesPanel(
            {
              ...linked(PANELS.recorderTailLag),
              description: `The log shipper's status (seed 004): how far the recorder is behind each file it tails, in time (the age of its oldest unread data at most; 0 while caught up) and, on the right axis, in bytes not yet read. RecorderTailLagging warns above ${dur(T.RECORDER_TAIL_LAG_WARNING_SECONDS)} for ${dur(T.RECORDER_TAIL_LAG_FOR_SECONDS)}: lines not read yet are not in the store or searchable.`,
              unit: UNIT.seconds,
              queries: [
                { expr: max([...target, 'source'], sel(C.recorderTailLagSeconds, I)), legend: '{{instance}} {{source}} seconds' },
                { expr: max([...target, 'source'], sel(C.recorderTailLagBytes, I)), legend: '{{instance}} {{source}} bytes' },
              ],
              thresholds: [warningAt(T.RECORDER_TAIL_LAG_WARNING_SECONDS)],
              min: 0,
              width: 12,
            },
            { rightAxis: { refIds: ['B'], unit: UNIT.bytes, min: 0 } },
          ),
          stateTimelinePanel({
            id: 7,
            title: 'Store up',
            description: 'Whether the audit store answered the last write or probe, per target and store. While it is down the recorder spools to local disk.',
            unit: UNIT.state,
            queries: [{ expr: max([...target, 'store'], sel(C.recorderStoreUp, I)), legend: '{{instance}} {{store}}' }],
            mappings: flagMappings({ text: 'DOWN', color: COLOR.critical }, { text: 'UP', color: COLOR.ok }),
            width: 12,
            height: 8,
          }),
          timeseriesPanel(
            {
              ...linked(PANELS.recorderRedis),
              description: `The Redis hot state beside the store (a recorder given --redis-url): whether Redis answers (right axis: 1 up, 0 down), and writes dropped per second by reason (down, queue full, refused). RecorderRedisDown warns after ${dur(T.RECORDER_REDIS_DOWN_FOR_SECONDS)} down. Dropped writes lose nothing: every row is in the store; only readers of the hot state miss them.`,
              unit: UNIT.opsPerSecond,
              queries: [
                { expr: sum(['instance', 'reason'], rate(sel(C.recorderRedisDroppedTotal, I), RATE)), legend: '{{instance}} dropped {{reason}}' },
                { expr: max(['instance'], sel(C.recorderRedisUp, I)), legend: '{{instance}} up' },
              ],
              min: 0,
              width: 12,
              height: 8,
            },
            { rightAxis: { refIds: ['B'], unit: UNIT.state, min: 0, max: 1 } },
          ),
          timeseriesPanel(
            {
              ...linked(PANELS.recorderCleanup),
              description: `The retention clean-up (daily at 02:00 in its time zone, and \`tickwatch store cleanup\`): rows it moved to the archive tier and deleted per rate interval, by table and action; its failed runs; and, on the right axis, the time since its last successful run (shown up to 2 days: a recorder that never ran it sits at the top). RecorderCleanupMissed warns on a failed run, or past ${promDur(T.RECORDER_CLEANUP_MISSED_SECONDS)} without a success, for ${promDur(T.RECORDER_CLEANUP_FOR_SECONDS)}.`,
              unit: UNIT.count,
              queries: [
                { expr: sum([...target, 'table', 'action'], increase(sel(C.recorderCleanupRowsTotal, I), RATE)), legend: '{{instance}} {{table}} {{action}}' },
                { expr: sum(target, increase(sel(C.recorderCleanupFailuresTotal, I), RATE)), legend: 'failed runs ({{instance}})' },
                { expr: new Expr('time()').sub(max(target, sel(C.recorderCleanupLastSuccessTimestampSeconds, I))), legend: 'since the last success ({{instance}})' },
              ],
              min: 0,
              width: 12,
              height: 8,
            },
            { rightAxis: { refIds: ['C'], unit: UNIT.seconds, min: 0, max: 2 * 86_400, thresholds: [warningAt(T.RECORDER_CLEANUP_MISSED_SECONDS)] } },
          ),
          // The audit durability SLO's error budget (alert-rules/slo.ts).
          sloBudgetPanel(SLOS.find((s) => s.panel === PANELS.sloAuditDurability)!, 24),
        ],
      },
      {
        title: 'Event ingest',
        panels: [
          timeseriesPanel(
            {
              id: 9,
              title: 'Ingest events per second',
              description: 'Engine events the ingest pipeline accepted per second, per target, by source (file, tcp, in-process) and emitting component.',
              unit: UNIT.eventsPerSecond,
              queries: [{ expr: sum([...target, 'source', 'component'], rate(sel(C.ingestEventsTotal, I), RATE)), legend: '{{instance}} {{source}} {{component}}' }],
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
                  expr: orZero(sum([...target, 'source', 'reason'], rate(sel(C.ingestRejectedTotal, I), RATE)), [...target, 'source'], rate(sel(C.ingestEventsTotal, I), RATE)),
                  legend: '{{instance}} {{source}} {{reason}}',
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
            description: 'Bytes the ingest pipeline read per second, per target and source.',
            unit: UNIT.bytesPerSecond,
            queries: [{ expr: sum([...target, 'source'], rate(sel(C.ingestBytesTotal, I), RATE)), legend: '{{instance}} {{source}}' }],
            min: 0,
            width: 8,
          }),
        ],
      },
      ...clickhouseRows(),
    ],
  });
}

/**
 * The ClickHouse rows of the recorder & ClickHouse dashboard, on the ClickHouse exporter's metrics
 * filtered by the `job` and `instance` variables ({@link targetFilter}): server health
 * (availability, disk, parts per partition, refused and throttled inserts, mutations), then parts,
 * merges and inserts, then query latency and rate by kind (system.query_log), then the server
 * process's CPU and disk IO from the host exporter (its `clickhouse-server` process). Panel ids 20
 * to 36; 20 to 24 are the panels the ClickHouse alerts link to.
 */
export function clickhouseRows(): Row[] {
  const server = ['job', 'instance'];
  const perTable = [...server, 'database', 'table'];
  const table = '{{instance}} {{database}}.{{table}}';
  return [
    {
      title: 'ClickHouse server',
      panels: [
        stateTimelinePanel({
          ...linked(PANELS.clickhouseUp),
          description: `Whether ClickHouse answered the exporter's availability query (SELECT version()) on the last scrape, per ClickHouse exporter. ClickHouseDown pages after ${dur(T.CLICKHOUSE_DOWN_FOR_SECONDS)} DOWN; meanwhile the recorder spools rows to local disk (see Store up and Spool use).`,
          unit: UNIT.state,
          queries: [{ expr: max(server, sel(C.clickhouseUp, I)), legend: '{{instance}}' }],
          mappings: flagMappings({ text: 'DOWN', color: COLOR.critical }, { text: 'UP', color: COLOR.ok }),
          width: 24,
          height: 5,
        }),
        timeseriesPanel({
          ...linked(PANELS.clickhouseDisk),
          description: `Share of each ClickHouse disk still free (free space over size). ClickHouseDiskSpaceLow warns under ${pct(T.CLICKHOUSE_DISK_FREE_WARNING_RATIO)} (orange below the upper dashed line) and ClickHouseDiskSpaceCritical pages under ${pct(T.CLICKHOUSE_DISK_FREE_CRITICAL_RATIO)} (red): big merges need free space, and inserts fail when it runs out.`,
          unit: UNIT.ratio,
          queries: [{ expr: sel(C.clickhouseDiskFreeBytes, I).div(sel(C.clickhouseDiskTotalBytes, I)), legend: '{{instance}} {{disk}} ({{path}})' }],
          ...lowIsBad({ critical: T.CLICKHOUSE_DISK_FREE_CRITICAL_RATIO, warning: T.CLICKHOUSE_DISK_FREE_WARNING_RATIO }),
          min: 0,
          max: 1,
          width: 8,
        }),
        timeseriesPanel(
          {
            ...linked(PANELS.clickhouseParts),
            description: `Most active parts in any one partition of each MergeTree table. ClickHouseTooManyParts warns above the dashed line (${T.CLICKHOUSE_PARTS_WARNING}) for 5 minutes; ClickHouse delays inserts at parts_to_delay_insert (150 by default) and refuses them at parts_to_throw_insert (300). Inserts come in too small or too often, or merges cannot keep up.`,
            unit: UNIT.count,
            queries: [{ expr: max(perTable, sel(C.clickhouseTablePartitionActivePartsMax, I)), legend: table }],
            thresholds: [warningAt(T.CLICKHOUSE_PARTS_WARNING)],
            min: 0,
            width: 8,
          },
          { legendCalcs: ['lastNotNull', 'max'] },
        ),
        timeseriesPanel(
          {
            ...linked(PANELS.clickhouseInserts),
            description:
              'INSERTs ClickHouse refused with Too many parts and INSERTs it throttled because a partition has many active parts, per rate interval; 0 on a healthy server. ClickHouseRejectedInserts pages on any refusal in 5 minutes and ClickHouseDelayedInserts warns on throttling that lasts a minute: the recorder retries and spools, and the audit trail in ClickHouse falls behind.',
            unit: UNIT.count,
            queries: [
              { expr: sum(server, increase(sel(C.chEventsRejectedInserts, I), RATE)), legend: '{{instance}} rejected' },
              { expr: sum(server, increase(sel(C.chEventsDelayedInserts, I), RATE)), legend: '{{instance}} delayed' },
            ],
            min: 0,
            width: 8,
          },
          { bars: true },
        ),
        timeseriesPanel(
          {
            ...linked(PANELS.clickhouseMutations),
            description: `Mutations (ALTER UPDATE/DELETE: retention, corrections) of each table not done yet, and those among them whose last attempt failed (ClickHouse 19.x and later; none from older servers), on the left axis; the time since the oldest pending one was created on the right axis (empty while none is pending). ClickHouseMutationFailing warns on a failing mutation for 5 minutes; ClickHouseMutationStuck warns when the oldest stays pending longer than ${dur(T.CLICKHOUSE_MUTATION_STUCK_SECONDS)} (the dashed line) for 5 minutes: it is failing or starved of merge threads, and later mutations wait behind it.`,
            unit: UNIT.count,
            queries: [
              { expr: max(perTable, sel(C.clickhouseMutationsPending, I)), legend: `${table} pending` },
              // Failed and oldest-pending series exist only while there are some: 0 otherwise, per table.
              { expr: orZero(max(perTable, sel(C.clickhouseMutationsFailed, I)), perTable, sel(C.clickhouseMutationsPending, I)), legend: `${table} failed` },
              {
                expr: orZero(new Expr('time()').sub(min(perTable, sel(C.clickhouseMutationOldestPendingTimeSeconds, I))), perTable, sel(C.clickhouseMutationsPending, I)),
                legend: `${table} oldest pending age`,
              },
            ],
            min: 0,
            width: 24,
          },
          { rightAxis: { refIds: ['C'], unit: UNIT.seconds, min: 0, thresholds: [warningAt(T.CLICKHOUSE_MUTATION_STUCK_SECONDS)] } },
        ),
      ],
    },
    {
      title: 'ClickHouse parts, merges and inserts',
      panels: [
        timeseriesPanel(
          {
            id: 25,
            title: 'ClickHouse active parts',
            description: 'Active data parts of each MergeTree table (all partitions). Every insert makes a part and merges combine them: a count that keeps climbing means merges do not keep up with the inserts.',
            unit: UNIT.count,
            queries: [{ expr: max(perTable, sel(C.clickhouseTableActiveParts, I)), legend: table }],
            min: 0,
            width: 8,
          },
          { legendCalcs: ['lastNotNull', 'max'] },
        ),
        timeseriesPanel({
          id: 26,
          title: 'ClickHouse merges running',
          description: 'Background merges (and mutations applied as merges) in progress on each MergeTree table, and on the whole server as system.metrics counts them.',
          unit: UNIT.count,
          queries: [
            { expr: max(perTable, sel(C.clickhouseMergesRunning, I)), legend: table },
            { expr: max(server, sel(C.chMetricsMerge, I)), legend: '{{instance}} all tables' },
          ],
          min: 0,
          width: 8,
        }),
        timeseriesPanel({
          id: 27,
          title: 'ClickHouse merged rows per second',
          description: 'Rows read by background merges per second, per server. Merges rewrite every row a few times over its life; a drop to 0 while inserts go on means merges have stalled.',
          unit: UNIT.rowsPerSecond,
          queries: [{ expr: sum(server, rate(sel(C.chEventsMergedRows, I), RATE)), legend: '{{instance}}' }],
          min: 0,
          width: 8,
        }),
        timeseriesPanel({
          id: 28,
          title: 'ClickHouse inserted rows per second',
          description: 'Rows inserted into all tables per second, per server: the recorder\'s batches plus any other writer. Compare with Rows written per second on the recorder side.',
          unit: UNIT.rowsPerSecond,
          queries: [{ expr: sum(server, rate(sel(C.chEventsInsertedRows, I), RATE)), legend: '{{instance}}' }],
          min: 0,
          width: 8,
        }),
        timeseriesPanel({
          id: 29,
          title: 'ClickHouse insert queries',
          description: 'INSERT queries started and INSERT queries that failed per second, per server; failed stays at 0 on a healthy server. Many small inserts make many parts: the recorder batches rows to keep this rate low.',
          unit: UNIT.opsPerSecond,
          queries: [
            { expr: sum(server, rate(sel(C.chEventsInsertQuery, I), RATE)), legend: '{{instance}} started' },
            { expr: sum(server, rate(sel(C.chEventsFailedInsertQuery, I), RATE)), legend: '{{instance}} failed' },
          ],
          min: 0,
          width: 8,
        }),
        timeseriesPanel({
          id: 30,
          title: 'ClickHouse inserted bytes per second',
          description: 'Uncompressed bytes inserted into all tables per second, per server.',
          unit: UNIT.bytesPerSecond,
          queries: [{ expr: sum(server, rate(sel(C.chEventsInsertedBytes, I), RATE)), legend: '{{instance}}' }],
          min: 0,
          width: 8,
        }),
      ],
    },
    queryRow(server),
    serverProcessRow(server),
  ];
}

/**
 * Query latency and rate by kind, from the ClickHouse exporter's `query_log` collector
 * (`tickwatch_clickhouse_query_duration_seconds`: the server's own duration of every finished query
 * except the exporter's, read about 15 s behind real time). Panel ids 31 to 34.
 */
function queryRow(server: readonly string[]): Row {
  const target = ['job', 'instance'] as const;
  const of = (kind: (typeof C.CLICKHOUSE_QUERY_KINDS)[number]): Matchers<typeof C.clickhouseQueryDurationSeconds> => ({ ...I, kind });
  const latency = (kind: 'insert' | 'select', id: number, title: string, what: string) =>
    timeseriesPanel(
      {
        id,
        title,
        description: `Duration of ${what} ClickHouse finished, p50 and p99 over the rate interval, per server, from system.query_log (the server's own query_duration_ms, in whole milliseconds: a 0 ms query counts in the 1 ms bucket). Read about 15 s behind real time; empty while nothing of the kind ran, and while the server does not log queries (see ClickHouse query log).`,
        unit: UNIT.seconds,
        queries: [
          { expr: quantile(0.5, C.clickhouseQueryDurationSeconds, target, RATE, of(kind)), legend: '{{instance}} p50' },
          { expr: quantile(0.99, C.clickhouseQueryDurationSeconds, target, RATE, of(kind)), legend: '{{instance}} p99' },
        ],
        min: 0,
        width: 8,
      },
      { legendCalcs: ['lastNotNull', 'max'] },
    );
  return {
    title: 'ClickHouse queries',
    panels: [
      latency('insert', 31, 'ClickHouse insert latency', "INSERT queries (the recorder's batches and any other writer's)"),
      latency('select', 32, 'ClickHouse select latency', 'SELECT queries (searches, audit verify, dashboards)'),
      timeseriesPanel(
        {
          id: 33,
          title: 'ClickHouse queries per second by kind',
          description: "Queries ClickHouse finished per second, per server and kind: insert, select and other (DDL, ALTER, SYSTEM, SHOW); the exporter's own queries left out. From system.query_log, about 15 s behind real time.",
          unit: UNIT.opsPerSecond,
          queries: [{ expr: sum([...server, 'kind'], rate(count(C.clickhouseQueryDurationSeconds, I), RATE)), legend: '{{instance}} {{kind}}' }],
          min: 0,
          width: 8,
        },
        { stacked: true },
      ),
      stateTimelinePanel({
        id: 34,
        title: 'ClickHouse query log',
        description:
          "Whether the ClickHouse exporter can measure query durations: ON when system.query_log exists and log_queries is 1 for the exporter's user. OFF (the default of ClickHouse 18.16): the three panels above stay empty; set <log_queries>1</log_queries> in the profile of the recorder's and the exporter's users (users.xml).",
        unit: UNIT.state,
        queries: [{ expr: max(server, sel(C.clickhouseQueryLogEnabled, I)), legend: '{{instance}}' }],
        mappings: flagMappings({ text: 'OFF', color: COLOR.warning }, { text: 'ON', color: COLOR.ok }),
        width: 24,
        height: 4,
      }),
    ],
  };
}

/**
 * The ClickHouse server process on its host, from the host exporter's process metrics for the
 * process named `clickhouse-server` (`tickwatch start` watches it when the ClickHouse it monitors
 * is on this host). Panel ids 35 and 36.
 */
function serverProcessRow(server: readonly string[]): Row {
  const ch = { ...I, name: 'clickhouse-server' } as const;
  return {
    title: 'ClickHouse server process',
    panels: [
      timeseriesPanel({
        id: 35,
        title: 'ClickHouse server CPU',
        description:
          'CPU time (user plus system) the clickhouse-server process used per second over the rate interval, per host exporter: 100 % is one full core. Merges, mutations and queries all run in it; compare with the merges and queries panels above.',
        unit: UNIT.ratio,
        queries: [{ expr: sum(server, rate(sel(C.hostProcessCpuSecondsTotal, ch), RATE)), legend: '{{instance}}' }],
        min: 0,
        width: 12,
      }),
      timeseriesPanel({
        id: 36,
        title: 'ClickHouse server disk IO',
        description:
          "Bytes per second the clickhouse-server process caused to be read from and written to the storage layer (read_bytes and write_bytes of /proc/<pid>/io: page-cache hits are not reads; a write counts when its page is dirtied), per host exporter. Inserts and merges write; reads that miss the page cache read. The host exporter must run as ClickHouse's user or with CAP_SYS_PTRACE to read them (tickwatch_host_process_io_unreadable counts the processes it could not read).",
        unit: UNIT.bytesPerSecond,
        queries: [
          { expr: sum(server, rate(sel(C.hostProcessReadBytesTotal, ch), RATE)), legend: '{{instance}} read' },
          { expr: sum(server, rate(sel(C.hostProcessWrittenBytesTotal, ch), RATE)), legend: '{{instance}} write' },
        ],
        min: 0,
        width: 12,
      }),
    ],
  };
}
