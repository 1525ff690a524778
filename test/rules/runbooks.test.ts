/**
 * Runbooks: every alert has its file, each names the dashboard panel to open (the panel its alert
 * links to, by dashboard and title, with the same link) and the log search to run, and every
 * `tickwatch logs search` a runbook gives is one the real command accepts: its flags are the
 * command's own (read from the commander program `tickwatch` builds), its `--event` names or
 * globs a known event type, and its values pass the command's own validation (`logQuery`). The
 * procedure runbooks (seed 004's config change procedure) are indexed and held to the same rule.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { PROCEDURE_RUNBOOKS, RUNBOOKS_DIR } from '../../alert-rules/build.js';
import { ALERTS } from '../../alert-rules/index.js';
import { DASHBOARDS } from '../../dashboards-src/index.js';
import { EVENT_TYPES } from '../../exporters/events/index.js';
import { registerRecorderCommands } from '../../exporters/recorder/cli.js';
import { logQuery } from '../../exporters/recorder/search.js';
import { dashboardUrl } from '../../query/links.js';
import { ALERT_FAMILY_DASHBOARDS, ALERT_LIST_PANEL_ID, DASHBOARD_UIDS, type DashboardKey } from '../../query/panels.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (file: string): string => readFileSync(join(root, RUNBOOKS_DIR, `${file}.md`), 'utf8');

/** Dashboard titles by uid, as the dashboards carry them, without the `tickwatch / ` prefix. */
const dashboardTitles = new Map(
  DASHBOARDS.map((s) => {
    const d = s.build();
    return [d.uid, (d.title ?? '').replace(/^tickwatch \/ /, '')];
  }),
);

/** The options of the real `tickwatch logs search` command. */
function searchOptions(): Set<string> {
  const program = new Command();
  registerRecorderCommands(program, () => '/nonexistent');
  const search = program.commands.find((c) => c.name() === 'logs')?.commands.find((c) => c.name() === 'search');
  if (!search) throw new Error('no logs search command');
  return new Set(search.options.map((o) => o.long!).filter(Boolean));
}

/** The `tickwatch logs search ...` commands of a runbook's text, each as its arguments (a pipe and a trailing comment cut off, single quotes honoured). */
export function searchCommands(text: string): string[][] {
  const out: string[][] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(?:\$\s+)?tickwatch logs search\b(.*)$/.exec(line);
    if (!m) continue;
    const rest = m[1]!.replace(/\s+#\s.*$/, '').replace(/\s\|\s.*$/, '');
    out.push([...rest.matchAll(/'([^']*)'|(\S+)/g)].map((x) => x[1] ?? x[2]!));
  }
  return out;
}

/** Why `args` of `tickwatch logs search` would fail or find nothing; empty when sound. */
export function checkSearch(args: readonly string[], options: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const values: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) {
      problems.push(`${a}: not an option (logs search takes no argument)`);
      continue;
    }
    if (!options.has(a)) {
      problems.push(`${a}: not an option of tickwatch logs search`);
      continue;
    }
    if (a === '--json' || a === '--clickhouse-legacy') continue;
    const v = args[i + 1];
    if (v === undefined || v.startsWith('--')) problems.push(`${a}: no value`);
    else values[a.slice(2)] = v;
    i++;
  }
  if (values.event !== undefined) {
    const re = new RegExp(`^${values.event.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    if (!EVENT_TYPES.some((t) => re.test(t.name))) problems.push(`--event ${values.event}: matches no event type of the contract`);
  }
  const placeholder = (v: string | undefined) => (v !== undefined && /^<.*>$/.test(v) ? undefined : v);
  try {
    logQuery({ since: values.since, until: values.until, component: values.component, level: values.level, event: values.event, status: values.status, limit: values.limit, cursor: placeholder(values.cursor) });
  } catch (e) {
    problems.push((e as Error).message);
  }
  return problems;
}

describe('runbooks', () => {
  const options = searchOptions();

  it('exist for every alert and every procedure, and the index lists them all', () => {
    const index = read('README');
    for (const a of ALERTS) {
      const file = a.runbook ?? a.name;
      expect(existsSync(join(root, RUNBOOKS_DIR, `${file}.md`)), `${a.name}: ${file}.md`).toBe(true);
      expect(index, a.name).toContain(`| [${a.name}](${file}.md) |`);
    }
    expect(PROCEDURE_RUNBOOKS.map((r) => r.file)).toContain('ConfigChange');
    for (const r of PROCEDURE_RUNBOOKS) {
      expect(existsSync(join(root, RUNBOOKS_DIR, `${r.file}.md`)), r.file).toBe(true);
      expect(index, r.file).toContain(`| [${r.file}](${r.file}.md) |`);
    }
  });

  it("name the dashboard panel to open: the alert's own panel, by dashboard and title, with its link", () => {
    for (const a of ALERTS) {
      const text = read(a.runbook ?? a.name);
      if (a.panel) {
        const name = `${dashboardTitles.get(a.panel.dashboard)!} › ${a.panel.title}`;
        expect(text, `${a.name}: runbook ${a.runbook ?? a.name}.md`).toContain(`[Dashboard panel: ${name}](${dashboardUrl(a.panel)})`);
      } else {
        // No panel of its own (Watchdog): the alert list of its family's dashboard.
        const uid = DASHBOARD_UIDS[(ALERT_FAMILY_DASHBOARDS[a.family] as readonly DashboardKey[])[0]!];
        expect(text, a.name).toContain(`[Dashboard panel: ${dashboardTitles.get(uid)!} › Alerts of this dashboard](${dashboardUrl({ dashboard: uid, panelId: ALERT_LIST_PANEL_ID, title: '' })})`);
      }
    }
  });

  it('give the log search to run, as a command tickwatch logs search accepts', () => {
    expect(options).toContain('--event');
    const files = [...new Set([...ALERTS.map((a) => a.runbook ?? a.name), ...PROCEDURE_RUNBOOKS.map((r) => r.file)])];
    let commands = 0;
    const problems: string[] = [];
    for (const f of files) {
      const found = searchCommands(read(f));
      if (found.length === 0) problems.push(`${f}.md: no tickwatch logs search command`);
      for (const args of found) {
        commands++;
        for (const p of checkSearch(args, options)) problems.push(`${f}.md: tickwatch logs search ${args.join(' ')}: ${p}`);
      }
    }
    expect(problems).toEqual([]);
    expect(commands).toBeGreaterThanOrEqual(files.length);
    // The config change procedure searches the event it is about.
    expect(searchCommands(read('ConfigChange')).some((a) => a.join(' ').includes('--event config.changed'))).toBe(true);
  });

  it('refuse a search the command would refuse or that finds nothing', () => {
    expect(searchCommands("x\n  tickwatch logs search --event 'feed.*' --since 30m --json | jq . # all\n")).toEqual([['--event', 'feed.*', '--since', '30m', '--json']]);
    expect(checkSearch(['--event', 'feed.*', '--since', '30m'], options)).toEqual([]);
    expect(checkSearch(['--type', 'feed.gap'], options)).toEqual(['--type: not an option of tickwatch logs search', 'feed.gap: not an option (logs search takes no argument)']);
    expect(checkSearch(['--event', 'fed.gap'], options)).toEqual(['--event fed.gap: matches no event type of the contract']);
    expect(checkSearch(['--level', 'loud'], options)[0]).toMatch(/level 'loud'/);
    expect(checkSearch(['--since'], options)).toEqual(['--since: no value']);
  });
});
