/**
 * `npm run build:rules`: validates the typed rules and writes, deterministically,
 *
 * - `prometheus/rules/<group>.yml`: Prometheus rule files;
 * - `prometheus/rules/tests/<group>.test.yml`: promtool unit tests from each alert's cases;
 * - `runbooks/README.md`: the runbook index;
 * - `runbooks/<Alert>.md`, in place: the threshold figures between markers, from `thresholds.ts`
 *   (see {@link renderRunbook}).
 *
 * It refuses (throws, listing every problem) when an expression does not parse or names a metric
 * that is neither in the catalog nor recorded, an alert lacks a firing or a silent case (Watchdog,
 * which always fires, needs no silent case), its runbook file is missing, names repeat, a
 * required field is empty, or a runbook has a marker it does not know.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ALERTS, ALL_RECORDING_RULES, GROUPS } from './index.js';
import { annotations, staticLabels, type AlertRule, type Case, type ExprCase, type FiringCase, type RuleGroup, type Thresholds } from './model.js';
import { checkSlos } from './slo.js';
import * as T from './thresholds.js';
import { count, dur, durWords, num, pct, promDur, promNum, promPct } from '../query/format.js';
import { checkExpr } from '../query/promql.js';

/** Where the generated files go, relative to the repo root. */
export const RULES_DIR = 'prometheus/rules';
export const RUNBOOKS_DIR = 'runbooks';

const NAME_RE = /^[A-Z][A-Za-z0-9]+$/;
const RECORD_RE = /^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/;

/**
 * The formatters a runbook marker may name, from query/format.ts: `num` (`0.05`, as PromQL writes
 * it), `count` (`10,000`), `pct` (`80 %`), `dur` (`5 ms`, `1 s`), `durWords` (`2 minutes`, `4
 * hours`), `promDur` (`5ms`, `30s`, `5m`), `promPct` (`80%`), `promNum` (`10k`). Each takes the
 * constant in its own unit (seconds, a 0-1 ratio, a count).
 */
export const RUNBOOK_FORMATTERS: Readonly<Record<string, (value: number) => string>> = { num, count, pct, dur, durWords, promDur, promPct, promNum };

const FENCE_RE = /^(\s*)(`{3,}|~{3,})/;
const COMMENT_RE = /<!--([\s\S]*?)-->/g;
const FIGURE_RE = /^T:([A-Za-z_][A-Za-z0-9_]*):([A-Za-z]+)$/;
const PLACEHOLDER_RE = /\$\{([^}]*)\}/g;
const PLACEHOLDER_BODY_RE = /^([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+))?$/;
const BLOCK_OPEN_RE = /^(\s*)<!--\s*promql:/;

/** Whether `line` closes a fenced block opened with `marker` (the same character, at least as many, nothing else). */
function closesFence(line: string, marker: string): boolean {
  const t = line.trim();
  return t.length >= marker.length && t === marker[0]!.repeat(t.length);
}

/** `t[name]` formatted by `fmt`, or a problem saying which of the two is unknown. */
function figure(t: Thresholds, name: string, fmt: string): { text: string } | { problem: string } {
  if (!Object.hasOwn(t, name)) return { problem: `unknown threshold ${name} (not exported by alert-rules/thresholds.ts)` };
  const f = RUNBOOK_FORMATTERS[fmt];
  if (!f) return { problem: `unknown formatter ${fmt} (known: ${Object.keys(RUNBOOK_FORMATTERS).join(', ')})` };
  try {
    return { text: f(t[name as keyof Thresholds]) };
  } catch (e) {
    return { problem: `${fmt}(${name}): ${(e as Error).message}` };
  }
}

/** Renders the `${NAME}` / `${NAME:fmt}` placeholders of a code-block template (`num` by default). */
function renderTemplate(template: string, t: Thresholds, where: string, problems: string[]): string {
  if (!PLACEHOLDER_RE.test(template)) problems.push(`${where}: a promql template without a \${NAME} placeholder: write the block without the comment`);
  PLACEHOLDER_RE.lastIndex = 0;
  return template.replace(PLACEHOLDER_RE, (whole, body: string) => {
    const m = PLACEHOLDER_BODY_RE.exec(body.trim());
    if (!m) {
      problems.push(`${where}: malformed placeholder ${whole}: write \${NAME} or \${NAME:formatter}`);
      return whole;
    }
    const r = figure(t, m[1]!, m[2] ?? 'num');
    if ('problem' in r) {
      problems.push(`${where}: ${r.problem}`);
      return whole;
    }
    return r.text;
  });
}

/** Odd number of backticks before `at` on the line (outside HTML comments): `at` is inside a code span. */
function insideCodeSpan(line: string, at: number): boolean {
  return (line.slice(0, at).replace(/<!--[\s\S]*?-->/g, '').match(/`/g)?.length ?? 0) % 2 === 1;
}

/** Renders the inline figure markers of one prose line; problems name `file:line`. */
function renderLine(line: string, t: Thresholds, where: string, problems: string[]): string {
  let out = '';
  let pos = 0;
  COMMENT_RE.lastIndex = 0;
  for (let m = COMMENT_RE.exec(line); m; m = COMMENT_RE.exec(line)) {
    const body = m[1]!;
    const open = FIGURE_RE.exec(body);
    if (!open) {
      problems.push(
        body === '/T'
          ? `${where}: <!--/T--> without an opening <!--T:NAME:formatter-->`
          : `${where}: unknown marker <!--${m[1]}-->: runbooks know <!--T:NAME:formatter-->figure<!--/T--> and a <!-- promql: ... --> line before a fenced block`,
      );
      continue;
    }
    if (/^\s*(?:[-*+]\s+|\d+[.)]\s+|>\s*)*$/.test(line.slice(0, m.index)))
      problems.push(`${where}: a line (or list item) that starts with <!--${m[1]}--> is an HTML block in Markdown, not prose: start it with a word`);
    if (insideCodeSpan(line, m.index)) problems.push(`${where}: marker <!--${m[1]}--> inside a code span shows as text: put the code span between the markers instead`);
    const contentStart = m.index + m[0].length;
    const close = line.indexOf('<!--/T-->', contentStart);
    if (close < 0) {
      problems.push(`${where}: <!--${m[1]}--> is not closed by <!--/T--> on the same line`);
      continue;
    }
    const content = line.slice(contentStart, close);
    if (content.includes('<!--')) {
      problems.push(`${where}: markers do not nest (<!--${m[1]}-->)`);
      continue;
    }
    const r = figure(t, open[1]!, open[2]!);
    if ('problem' in r) {
      problems.push(`${where}: ${r.problem}`);
      continue;
    }
    const code = /^`[^`]*`$/.test(content);
    out += line.slice(pos, contentStart) + (code ? `\`${r.text}\`` : r.text) + '<!--/T-->';
    pos = close + '<!--/T-->'.length;
    COMMENT_RE.lastIndex = pos;
  }
  const rest = line.slice(pos);
  if (/<!--(?![\s\S]*-->)/.test(rest)) problems.push(`${where}: an HTML comment that does not end on this line`);
  return out + rest;
}

/**
 * Renders the threshold figures of a runbook from `t`, so that a runbook names the figure the rule
 * uses and changes with it. The text stays plain Markdown that a Git host renders as prose: the
 * markers are HTML comments, which Markdown renderers hide. Two forms:
 *
 * - In prose, `<!--T:NAME:formatter-->1 s<!--/T-->` (one line): the text between the markers
 *   becomes `formatter(t.NAME)` (formatters: {@link RUNBOOK_FORMATTERS}). When that text is a code
 *   span, the figure goes inside its backticks: `` for <!--T:FEED_GAP_FOR_SECONDS:promDur-->`5s`<!--/T--> ``
 *   renders as "for `5s`".
 * - For a fenced code block: a line `<!-- promql: hft_reconciliation_lag_seconds > ${RECONCILIATION_LAG_WARNING_SECONDS} -->`
 *   right before the block's opening fence, at the same indentation. The block's body becomes the
 *   template with each `${NAME}` (or `${NAME:formatter}`; `num` by default, the number as the PromQL
 *   builder writes it) replaced. The template may span lines (one line of the block per line).
 *
 * Why a template before the block rather than markers in it: inside a fenced block (and inside a
 * code span) Markdown shows an HTML comment verbatim, so a marker there would break the snippet a
 * reader copies into Prometheus. A comment line before the block is hidden, keeps the block a valid
 * expression, and states the whole expression with the threshold's name, so the block cannot drift
 * from it. Any other HTML comment, or a marker inside a block or a code span, is refused rather than
 * left alone: a misspelt marker would otherwise silently keep a stale figure. So is a marker that
 * starts a line or a list item: Markdown would read that line as an HTML block, not as prose.
 *
 * Rendering is idempotent: the markers stay, so a rendered runbook renders to itself.
 * @param text - the runbook's Markdown
 * @param file - its path, for the messages (`runbooks/FeedGap.md`)
 * @param t - the thresholds (the live ones, or a modified copy in a test)
 * @returns the runbook with every marked figure rendered
 * @throws Error naming `file:line` of every unknown constant, unknown formatter, unknown or
 *   malformed marker, marker inside code or at the start of a line, unclosed marker, or template
 *   without its fenced block
 */
export function renderRunbook(text: string, file: string, t: Thresholds): string {
  const problems: string[] = [];
  const lines = text.split('\n');
  const out: string[] = [];
  let fence: { indent: string; marker: string } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const where = `${file}:${i + 1}`;
    const f = FENCE_RE.exec(line);
    if (fence) {
      if (closesFence(line, fence.marker)) fence = null;
      else if (line.includes('<!--')) problems.push(`${where}: an HTML comment inside a fenced code block shows as text: put a <!-- promql: ... --> line before the block`);
      out.push(line);
      continue;
    }
    if (f) {
      fence = { indent: f[1]!, marker: f[2]! };
      out.push(line);
      continue;
    }
    const block = BLOCK_OPEN_RE.exec(line);
    if (!block) {
      out.push(renderLine(line, t, where, problems));
      continue;
    }
    // A template: up to the line that ends the comment, then the fenced block it rewrites.
    const indent = block[1]!;
    const start = i;
    const commentLines = [line];
    while (!lines[i]!.includes('-->') && i + 1 < lines.length) commentLines.push(lines[++i]!);
    if (!lines[i]!.includes('-->')) {
      problems.push(`${where}: <!-- promql: is not closed by -->`);
      out.push(...commentLines);
      continue;
    }
    if (!/-->\s*$/.test(lines[i]!)) problems.push(`${file}:${i + 1}: nothing may follow the --> of a promql template`);
    const joined = commentLines.map((l, k) => (k === 0 ? l : l.startsWith(indent) ? l.slice(indent.length) : l.trimStart())).join('\n');
    const template = joined.slice(joined.indexOf('promql:') + 'promql:'.length, joined.lastIndexOf('-->')).trim();
    out.push(...commentLines);
    const open = FENCE_RE.exec(lines[i + 1] ?? '');
    if (!open || open[1] !== indent) {
      problems.push(`${file}:${start + 1}: a <!-- promql: ... --> template must be followed at once by a fenced code block at the same indentation`);
      continue;
    }
    let end = i + 2;
    while (end < lines.length && !closesFence(lines[end]!, open[2]!)) end++;
    if (end >= lines.length) {
      problems.push(`${file}:${i + 2}: the fenced block after the promql template is not closed`);
      continue;
    }
    out.push(lines[i + 1]!);
    const body = renderTemplate(template, t, `${file}:${start + 1}`, problems);
    for (const l of body.split('\n')) out.push(indent + l);
    out.push(lines[end]!);
    i = end;
  }
  if (fence) problems.push(`${file}: a fenced code block is not closed`);
  if (problems.length) throw new Error(`runbook markers are not sound:\n- ${problems.join('\n- ')}`);
  return out.join('\n');
}

/** The hand-written runbooks (every `.md` in runbooks/ but the generated README.md), sorted. */
export function runbookFiles(root: string): string[] {
  return readdirSync(join(root, RUNBOOKS_DIR))
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .sort();
}

/**
 * Each runbook rendered with `t` ({@link renderRunbook}), by file name.
 * @param root - repo root
 * @param t - the thresholds; the live ones by default
 * @throws Error listing every marker problem of every runbook
 */
export function renderRunbooks(root: string, t: Thresholds = T): Map<string, string> {
  const out = new Map<string, string>();
  const problems: string[] = [];
  for (const f of runbookFiles(root)) {
    try {
      out.set(f, renderRunbook(readFileSync(join(root, RUNBOOKS_DIR, f), 'utf8'), `${RUNBOOKS_DIR}/${f}`, t));
    } catch (e) {
      problems.push((e as Error).message.replace(/^runbook markers are not sound:\n- /, ''));
    }
  }
  if (problems.length) throw new Error(`runbook markers are not sound:\n- ${problems.join('\n- ')}`);
  return out;
}

/**
 * Checks every rule.
 * @param root - repo root (for runbook files)
 * @returns problems; empty when the rules are sound
 */
export function validateRules(root: string): string[] {
  const p: string[] = [...checkSlos()];
  const recorded = new Set(ALL_RECORDING_RULES.map((r) => r.record));
  const known = { recorded };
  const seen = new Set<string>();
  for (const r of ALL_RECORDING_RULES) {
    if (!RECORD_RE.test(r.record)) p.push(`${r.record}: recording rule names are level:metric:operations`);
    for (const e of checkExpr(r.expr.text, known)) p.push(`${r.record}: ${e}`);
  }
  for (const a of ALERTS) {
    if (seen.has(a.name)) p.push(`${a.name}: defined twice`);
    seen.add(a.name);
    if (!NAME_RE.test(a.name)) p.push(`${a.name}: alert names are UpperCamelCase`);
    for (const e of checkExpr(a.expr.text, known)) p.push(`${a.name}: ${e}`);
    if (!a.summary.trim() || !a.description.trim()) p.push(`${a.name}: summary and description are required`);
    if (a.severity !== 'none' && !/\{\{\s*\$value/.test(a.description)) p.push(`${a.name}: the description must carry {{ $value }}`);
    if (!['critical', 'warning', 'none'].includes(a.severity)) p.push(`${a.name}: severity is critical, warning or none`);
    if (a.tests.firing.length === 0) p.push(`${a.name}: no firing case`);
    if (a.tests.silent.length === 0 && a.severity !== 'none') p.push(`${a.name}: no silent case`);
    for (const c of a.tests.firing) if (c.alerts.length === 0) p.push(`${a.name}: firing case '${c.name}' expects no alert`);
    const runbook = join(root, RUNBOOKS_DIR, `${a.runbook ?? a.name}.md`);
    if (!existsSync(runbook)) p.push(`${a.name}: runbook ${RUNBOOKS_DIR}/${a.runbook ?? a.name}.md does not exist`);
    if (a.severity !== 'none' && !a.panel) p.push(`${a.name}: needs the dashboard panel that shows it`);
  }
  for (const r of PROCEDURE_RUNBOOKS) if (!existsSync(join(root, RUNBOOKS_DIR, `${r.file}.md`))) p.push(`procedure ${r.title}: runbook ${RUNBOOKS_DIR}/${r.file}.md does not exist`);
  try {
    renderRunbooks(root);
  } catch (e) {
    p.push(...(e as Error).message.split('\n- ').slice(1));
  }
  return p;
}

/** A group as a Prometheus rule file (the document `npm run build:rules` writes to prometheus/rules/<group>.yml). */
export function ruleYaml(g: RuleGroup): unknown {
  return {
    groups: [
      {
        name: `tickwatch-${g.name}`,
        interval: g.interval,
        rules: g.rules.map((r) =>
          r.kind === 'record'
            ? { record: r.record, expr: r.expr.text, ...(r.labels ? { labels: r.labels } : {}) }
            : { alert: r.name, expr: r.expr.text, for: r.for, labels: staticLabels(r), annotations: annotations(r) },
        ),
      },
    ],
  };
}

function caseYaml(a: AlertRule, c: Case, firing: boolean): unknown {
  const exp = firing
    ? (c as FiringCase).alerts.map((x) => ({
        exp_labels: { ...x.labels, ...staticLabels(a) },
        exp_annotations: { ...annotations(a), description: x.description },
      }))
    : [];
  return {
    name: `${a.name}: ${firing ? 'fires' : 'silent'}: ${c.name}`,
    interval: c.interval ?? '1s',
    input_series: c.series.map((s) => ({ series: s.series, values: s.values })),
    alert_rule_test: [{ eval_time: c.at, alertname: a.name, exp_alerts: exp }],
  };
}

function exprCaseYaml(g: RuleGroup, c: ExprCase): unknown {
  const labels = (l: Readonly<Record<string, string>>) => {
    const { __name__: name, ...rest } = l;
    return `${name ?? ''}{${Object.keys(rest).sort().map((k) => `${k}=${JSON.stringify(rest[k])}`).join(', ')}}`;
  };
  return {
    name: `${g.name}: ${c.name}`,
    interval: c.interval ?? '1s',
    input_series: c.series.map((s) => ({ series: s.series, values: s.values })),
    promql_expr_test: [{ expr: c.expr.text, eval_time: c.at, exp_samples: c.samples.map((x) => ({ labels: labels(x.labels), value: x.value })) }],
  };
}

function testYaml(g: RuleGroup): unknown {
  const alerts = g.rules.filter((r): r is AlertRule => r.kind === 'alert');
  return {
    rule_files: [`../${g.name}.yml`, '../recording.yml'].filter((f, i, all) => all.indexOf(f) === i),
    evaluation_interval: g.testInterval ?? '1s',
    tests: [...alerts.flatMap((a) => [...a.tests.firing.map((c) => caseYaml(a, c, true)), ...a.tests.silent.map((c) => caseYaml(a, c, false))]), ...(g.exprTests ?? []).map((c) => exprCaseYaml(g, c))],
  };
}

function yaml(doc: unknown, header: string): string {
  return `# ${header}\n# Generated by \`npm run build:rules\` from alert-rules/. Do not edit by hand.\n${stringify(doc, { lineWidth: 0, sortMapEntries: false })}`;
}

/** A runbook that belongs to no alert: a procedure on-call and compliance follow (file `runbooks/<file>.md`). */
export interface ProcedureRunbook {
  /** File name in runbooks/ without `.md`. */
  readonly file: string;
  readonly title: string;
  /** Where the procedure is asked for (a seed). */
  readonly source: string;
}

/** The procedure runbooks, listed in the index after the alerts' ({@link validateRules} checks each file exists). */
export const PROCEDURE_RUNBOOKS: readonly ProcedureRunbook[] = [
  { file: 'ConfigChange', title: 'Config change logging & verification procedure: how `config.changed` is recorded, how to verify a config hash against the audit trail', source: 'seed 004' },
];

function runbookIndex(): string {
  const rows = ALERTS.map((a) => `| [${a.name}](${a.runbook ?? a.name}.md) | ${a.severity} | ${a.family} | ${a.summary} |`);
  const procedures = PROCEDURE_RUNBOOKS.map((r) => `| [${r.file}](${r.file}.md) | ${r.title} | ${r.source} |`);
  return [
    '# Runbooks',
    '',
    '<!-- Generated by `npm run build:rules` from alert-rules/. Do not edit by hand. -->',
    '',
    'One runbook per alert: what it means for trading, the first three checks, mitigation, how to confirm it is over, escalation.',
    'Critical alerts page; warnings go to chat; Watchdog feeds the dead man\'s switch.',
    '',
    '| alert | severity | family | summary |',
    '|---|---|---|---|',
    ...rows,
    '',
    '## Procedures',
    '',
    'Runbooks of no alert: what to do, step by step, with the commands to run.',
    '',
    '| runbook | what | asked for by |',
    '|---|---|---|',
    ...procedures,
    '',
  ].join('\n');
}

/**
 * Validates, then writes every generated file under `root`, and renders the runbooks' threshold
 * figures in place ({@link renderRunbook}; a runbook is rewritten only when its text changes).
 * @returns the files written, relative to `root`
 * @throws Error listing every problem when validation fails, runbook markers included (nothing is
 *   written then)
 */
export function buildRules(root: string): string[] {
  const problems = validateRules(root);
  if (problems.length) throw new Error(`alert rules are not sound:\n- ${problems.join('\n- ')}`);
  const runbooks = renderRunbooks(root);
  const dir = join(root, RULES_DIR);
  const testDir = join(dir, 'tests');
  mkdirSync(testDir, { recursive: true });
  // Remove files of groups that no longer exist.
  const wanted = new Set(GROUPS.map((g) => `${g.name}.yml`));
  for (const f of readdirSync(dir)) if (f.endsWith('.yml') && !wanted.has(f)) rmSync(join(dir, f));
  for (const f of readdirSync(testDir)) if (f.endsWith('.test.yml') && !wanted.has(f.replace('.test', ''))) rmSync(join(testDir, f));
  const written: string[] = [];
  for (const g of GROUPS) {
    writeFileSync(join(dir, `${g.name}.yml`), yaml(ruleYaml(g), `Rule group tickwatch-${g.name}.`));
    written.push(`${RULES_DIR}/${g.name}.yml`);
    if (g.rules.some((r) => r.kind === 'alert')) {
      writeFileSync(join(testDir, `${g.name}.test.yml`), yaml(testYaml(g), `promtool cases for tickwatch-${g.name}.`));
      written.push(`${RULES_DIR}/tests/${g.name}.test.yml`);
    }
  }
  writeFileSync(join(root, RUNBOOKS_DIR, 'README.md'), runbookIndex());
  written.push(`${RUNBOOKS_DIR}/README.md`);
  for (const [f, text] of runbooks) {
    const path = join(root, RUNBOOKS_DIR, f);
    if (readFileSync(path, 'utf8') === text) continue;
    writeFileSync(path, text);
    written.push(`${RUNBOOKS_DIR}/${f}`);
  }
  return written;
}
