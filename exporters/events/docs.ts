/**
 * Renders `docs/events.md`, the event contract for engine teams in any language, from the
 * TypeBox schemas: envelope, one section per event type with its fields and an example line.
 */
import type { TObject, TSchema } from '@sinclair/typebox';
import { COMMON } from './define.js';
import { EVENT_TYPES } from './index.js';

const EXAMPLE_TS = '2026-11-23T01:00:00.123456789Z';

function typeOf(s: TSchema): string {
  const x = s as Record<string, unknown>;
  if (Array.isArray(x.anyOf)) {
    const consts = (x.anyOf as Record<string, unknown>[]).map((a) => a.const);
    if (consts.every((c) => typeof c === 'string')) return consts.map((c) => `\`${String(c)}\``).join(' \\| ');
  }
  if (x.const !== undefined) return `\`${JSON.stringify(x.const)}\``;
  if (x.type === 'object' && x.patternProperties) return 'object (string → number)';
  let t = String(x.type ?? 'any');
  const bounds: string[] = [];
  if (x.minimum !== undefined) bounds.push(`≥ ${String(x.minimum)}`);
  if (x.exclusiveMinimum !== undefined) bounds.push(`> ${String(x.exclusiveMinimum)}`);
  if (x.maximum !== undefined) bounds.push(`≤ ${String(x.maximum)}`);
  if (x.maxLength !== undefined) bounds.push(`≤ ${String(x.maxLength)} chars`);
  if (x.pattern !== undefined && x.pattern !== COMMON.ts.pattern) bounds.push(`pattern \`${String(x.pattern)}\``);
  if (bounds.length) t += ` (${bounds.join(', ')})`;
  return t;
}

function fields(schema: TObject, skip: ReadonlySet<string>): string[] {
  const required = new Set(schema.required ?? []);
  const rows = ['| field | type | required | meaning |', '|---|---|---|---|'];
  for (const [name, s] of Object.entries(schema.properties)) {
    if (skip.has(name)) continue;
    const d = (s as { description?: string }).description ?? '';
    rows.push(`| \`${name}\` | ${typeOf(s)} | ${required.has(name) ? 'yes' : 'no'} | ${d} |`);
  }
  return rows;
}

/** The Markdown contract. */
export function renderEventsDoc(): string {
  const envelope = new Set([...Object.keys(COMMON), 'event']);
  const out = [
    '# Event contract',
    '',
    '<!-- Generated from exporters/events by `npm run build:docs`. Do not edit by hand. -->',
    '',
    'The trading engine tells tickwatch what happens by writing **NDJSON**: one JSON object per line, UTF-8,',
    'ending in `\\n`. The same lines are the engine\'s structured log. Send them either way:',
    '',
    '- **append to a file** that the HFT exporter tails (`tickwatch hft --events /var/log/engine/events.ndjson`);',
    '  rename rotation and copytruncate are both fine, and nothing you write blocks on us;',
    '- **TCP** to `127.0.0.1:9478` (`tickwatch hft --tcp 127.0.0.1:9478`). Never block the trading thread on',
    '  the socket: when your send buffer is full, drop and count (see `exporters/hft/simulator/sinks.ts`).',
    '',
    'The stream is open. A line whose `event` is one of the **event types** below is checked against that',
    'type\'s schema and drives its metrics; **any other well-formed line is a log event**: stored in the',
    '`logs` table, counted in `tickwatch_log_events_total{component,level}`, and searchable',
    '(`tickwatch logs search`), whatever its `event` name and component (components outside the closed set',
    'are counted as `other`; free-form names never become label values).',
    '',
    'Only a line that is not JSON, is over the size limit (64 KiB by default), is not valid UTF-8, has no',
    'valid envelope, or is of a known type and does not match its schema is rejected: counted in',
    '`tickwatch_ingest_rejected_total{source,reason}` (`invalid_json`, `too_large`, `encoding`, `envelope`,',
    '`schema`), written with the reason and its byte offset to `dead-letter.ndjson` in the exporter\'s data',
    'folder, and logged. Fields not listed here are allowed and kept, so you can add fields before we use them.',
    '',
    '## Log formats',
    '',
    'Engines need not write this format: tickwatch reads the JSON that **structlog** (`JSONRenderer`),',
    '**Loguru** (`serialize=True`) and **pino** write, as they write it, per source: `--format',
    'auto|tickwatch|structlog|loguru|pino` (auto, the default, detects each line), or per file',
    '`--events strategy_runner.log:structlog,risk_engine.log:loguru`. A file\'s lines that name no component',
    'belong to the component of the file\'s name (one file per service). The mapping:',
    '',
    '| envelope | tickwatch | structlog | Loguru | pino |',
    '|---|---|---|---|---|',
    '| `ts` | `ts` | `timestamp` (ISO 8601; zone-less is UTC; a number is Unix seconds) | `record.time.repr` | `time` (Unix ms, or ISO) |',
    '| `level` | `level` | `level` (`warning` → warn, `critical` → fatal, `exception` → error) | `record.level.name` (`SUCCESS` → info) | `level` (10 … 60 → trace … fatal) |',
    '| `event` | `event` | bound `event_type`, else `type`, else `log` | `extra.event_type`, else `extra.type`, else `log` | `event_type`, else `type`, else `event`, else `log` |',
    '| `message` | `message` | `event` | `record.message` | `msg` |',
    '| `component` | `component`, else the file\'s | `component`, else the file\'s, else `logger` | `extra.component`, else the file\'s, else `record.name` | `component`, else the file\'s, else `name` |',
    '| ids | `correlation_id`, `intent_id`, `trace_id` | the same bound keys | the same keys in `extra` | the same keys |',
    '',
    'A known event type works in every format: `log.info("order submitted", event_type="order.submitted",',
    'strategy=..., order_id=..., ...)` in structlog moves `hft_order_actions_total{action="submit"}`. The line is',
    'stored as the library wrote it, with the format it was read in, so `tickwatch audit verify` reads it the',
    'same way again. Every engine should also send `engine.heartbeat` once a second: a missed heartbeat is how',
    'tickwatch tells a dead engine from a quiet market.',
    '',
    '## Envelope (every event)',
    '',
    ...fields({ properties: COMMON, required: ['ts', 'component', 'level'] } as unknown as TObject, new Set()),
    '| `event` | string | yes | The event type: one of the names below (schema-checked), or any other name (a log event). |',
    '',
    'For a log event (a type not listed below) the envelope is looser: `component` is any name of up to 64',
    'printable characters, `event` up to 128, `message` of any length within the line limit; `level` may also',
    'be written the libraries\' way (`warning`, `critical`).',
    '',
    'Latencies are integers in **nanoseconds** (`*_ns`); tickwatch exports them in seconds. Money is in the',
    'account currency. Order ids, symbols and correlation ids are never metric labels; they go to the audit trail.',
    '',
    '## Event types',
    '',
    EVENT_TYPES.map((e) => `[\`${e.name}\`](#${e.name.replace(/[._]/g, '')})`).join(' · '),
    '',
  ];
  for (const e of EVENT_TYPES) {
    const ex: Record<string, unknown> = { ...e.example };
    // Envelope first, in the order engines log it.
    const ordered = { ts: EXAMPLE_TS, level: ex.level ?? 'info', component: ex.component, event: ex.event, ...ex };
    out.push(`### ${e.name}`, '', e.description, '', ...fields(e.schema, envelope), '', '```json', JSON.stringify(ordered), '```', '');
  }
  return out.join('\n');
}
