/**
 * Renders `docs/tables.md`, the reference of every table the recorder writes, from
 * {@link TABLES}. Deterministic: the same definitions give byte-identical output, so CI can compare
 * it with the committed file.
 */
import { DEFAULT_PERIODS, formatTier } from './retention.js';
import { CHAIN_COLUMNS, ENVELOPE, hasChainProjection, orderByClause, TABLES, type Column, type TableDef } from './tables.js';

const TYPE: Readonly<Record<Column['type'], string>> = {
  ts_ns: 'time (ns; ClickHouse `ts`)',
  string: 'text',
  lowcard: 'text (few values)',
  float: 'number',
  int: 'integer',
};

const cell = (s: string | undefined): string => (s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

function columnRows(cols: readonly Column[]): string[] {
  return cols.map((c) => `| \`${c.name}\` | ${TYPE[c.type]} | ${c.required ? 'yes' : ''} | ${cell(c.description)} |`);
}

function tableSection(t: TableDef): string[] {
  const layout = t.clickhouse;
  const indexes = ['correlation_id (bloom_filter)', ...(layout.indexes ?? []).map((x) => `${x.column} (${x.type})`)];
  return [
    `## \`${t.name}\``,
    '',
    cell(t.description),
    '',
    `- retention class \`${t.retention}\`; by default active[:archived until] ${(['embedded', 'clickhouse', 'postgres'] as const).map((store) => `${store} \`${formatTier(DEFAULT_PERIODS[store][t.retention])}\``).join(', ')} (exporters/catalog/retention.ts)${t.chained ? '; its oldest rows are deleted by the clean-up after a chain checkpoint (on ClickHouse too: no TTL delete)' : ''}`,
    `- hash-chained: ${t.chained ? 'yes (`audit verify` checks it)' : 'no'}`,
    `- ClickHouse: \`${orderByClause(layout)}\`${hasChainProjection(t) ? ' and a projection sorted by `chain_seq`' : ''}; skip indexes: ${indexes.join(', ')}`,
    '',
    '| column | type | required | what it holds |',
    '|---|---|---|---|',
    ...columnRows(t.columns),
    '',
  ];
}

/** The Markdown reference of every table: envelope and chain columns once, then each table's own. */
export function renderTablesDoc(tables: readonly TableDef[] = TABLES): string {
  return [
    '# Tables reference',
    '',
    '<!-- Generated from exporters/catalog/tables.ts by `npm run build:docs`. Do not edit by hand. -->',
    '',
    `${tables.length} tables. Each is defined once in [\`exporters/catalog/tables.ts\`](../exporters/catalog/tables.ts);`,
    'the recorder creates them from it on every store (`exporters/recorder/ddl.ts`; which events fill',
    'which table: `exporters/recorder/rows.ts`), and the SQL panels of the Logs & Audit dashboard read',
    'them through it, so a table or column that is not here cannot be used.',
    '',
    'Every table starts with the envelope columns:',
    '',
    '| column | type | required | what it holds |',
    '|---|---|---|---|',
    ...columnRows(ENVELOPE),
    '',
    'A hash-chained table ends with the chain columns:',
    '',
    '| column | type | required | what it holds |',
    '|---|---|---|---|',
    ...columnRows(CHAIN_COLUMNS),
    '',
    ...tables.flatMap(tableSection),
  ].join('\n');
}
