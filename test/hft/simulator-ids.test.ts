/**
 * The simulator's ids are unique across runs: every correlation, intent and order id carries a run
 * id, fresh on each run, so runs with the same seed appended to one event file (as `npm start` twice
 * does) never share an id, and `logs search --correlation-id` finds one trade. A seed plus a fixed
 * run id (`runId`, `tickwatch simulate --run-id`) still reproduces a stream byte for byte.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { ENVELOPE_CHECK, VALIDATORS } from '../../exporters/events/index.js';
import { runIdArg } from '../../exporters/hft/cli.js';
import { isRunId, newRunId, RUN_ID_MAX_LENGTH } from '../../exporters/hft/simulator/model.js';
import { generate, runScenario } from '../../exporters/hft/simulator/run.js';
import { scenarioByName } from '../../exporters/hft/simulator/scenarios/index.js';
import { FileSink } from '../../exporters/hft/simulator/sinks.js';
import { tempDir } from '../helpers/env.js';
import { runTool } from '../helpers/tools.js';

const CLI = fileURLToPath(new URL('../../scripts/tickwatch.mjs', import.meta.url));
const START = Date.UTC(2026, 10, 23, 1) / 1000; // a Monday, 09:00 in Taipei
const START_RFC = '2026-11-23T01:00:00Z';
const dir = tempDir();

type Line = Record<string, unknown> & { event: string };

const parse = (text: string): Line[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);

/** The distinct values of `field` over `lines`. */
function idsOf(lines: readonly Line[], field: 'correlation_id' | 'intent_id' | 'order_id'): Set<string> {
  return new Set(lines.flatMap((l) => (typeof l[field] === 'string' ? [l[field]] : [])));
}

function expectDisjoint(a: Set<string>, b: Set<string>, what: string): void {
  expect(a.size, what).toBeGreaterThan(0);
  expect(b.size, what).toBeGreaterThan(0);
  expect([...a].filter((x) => b.has(x)), what).toEqual([]);
}

/** One run's NDJSON text, without pacing. */
const text = (seed: number, runId?: string, scenario = 'normal', duration = 20): string =>
  [...generate({ scenario: scenarioByName(scenario), seed, runId, start: START, speed: Infinity, duration })].map(([, evs]) => evs.map((e) => `${JSON.stringify(e)}\n`).join('')).join('');

describe('simulator ids across runs', () => {
  it('two runs with the same seed appended to one file share no correlation, intent or order id', async () => {
    const file = join(dir, 'appended.ndjson');
    const summaries = [];
    for (let i = 0; i < 2; i++) {
      const sink = new FileSink(file);
      summaries.push(await runScenario({ scenario: scenarioByName('normal'), seed: 1, start: START, duration: 30, speed: Infinity }, sink));
      await sink.close();
    }
    const [a, b] = summaries as [(typeof summaries)[0], (typeof summaries)[0]];
    expect(isRunId(a.runId) && isRunId(b.runId)).toBe(true);
    expect(a.runId).not.toBe(b.runId);
    // The default run id starts with the simulated start in base36 milliseconds.
    expect(a.runId.startsWith((START * 1000).toString(36))).toBe(true);

    const lines = parse(readFileSync(file, 'utf8'));
    expect(lines.length).toBe(a.events + b.events);
    const first = lines.slice(0, a.events);
    const second = lines.slice(a.events);
    for (const field of ['correlation_id', 'intent_id', 'order_id'] as const) expectDisjoint(idsOf(first, field), idsOf(second, field), field);

    // Every generated id carries its run's id: `<prefix>-<seed base36>-<run id>-<n>`.
    for (const [run, ls] of [
      [a.runId, first],
      [b.runId, second],
    ] as const) {
      for (const l of ls) {
        for (const field of ['correlation_id', 'intent_id', 'order_id'] as const) {
          if (l[field] !== undefined) expect(l[field], `${l.event} ${field}`).toMatch(new RegExp(`^(c|i|o|cfg)-1-${run}-\\d+$`));
        }
      }
    }

    // What `logs search --correlation-id` relies on: one correlation id, one trade, in the whole file.
    const intents = new Map<string, number>();
    for (const l of lines) if (l.event === 'strategy.intent') intents.set(l.correlation_id as string, (intents.get(l.correlation_id as string) ?? 0) + 1);
    expect(intents.size).toBeGreaterThan(100);
    expect([...intents].filter(([, n]) => n !== 1)).toEqual([]);
    const submitted = lines.filter((l) => l.event === 'order.submitted').map((l) => l.order_id as string);
    expect(new Set(submitted).size).toBe(submitted.length);

    // The ids are all that differ: the same seed still gives the same stream otherwise.
    const strip = (ls: readonly Line[], run: string) => ls.map((l) => JSON.stringify(l).replaceAll(run, '<run>'));
    expect(strip(second, b.runId)).toEqual(strip(first, a.runId));
  });

  it('the same seed and run id give the same stream byte for byte; another run id changes only the ids', () => {
    const one = text(5, 'fixed-1', 'storm-halt');
    expect(text(5, 'fixed-1', 'storm-halt')).toBe(one);
    const other = text(5, 'fixed-2', 'storm-halt');
    expect(other).not.toBe(one);
    expect(other.replaceAll('-fixed-2-', '-fixed-1-')).toBe(one);
    expect(text(6, 'fixed-1', 'storm-halt')).not.toBe(one);
    // Without a run id, two runs differ (in their ids).
    expect(text(5)).not.toBe(text(5));
  });

  it('ids with the longest run id and a large seed stay within the event schemas', () => {
    const run = 'Z'.repeat(RUN_ID_MAX_LENGTH);
    const lines = parse(text(2 ** 31 - 1, run, 'reject-spike', 40));
    expect(lines.some((l) => l.event === 'order.rejected')).toBe(true);
    for (const l of lines) {
      // A type of the contract against its schema; the engine's own log lines against the envelope.
      const v = VALIDATORS.get(l.event) ?? ENVELOPE_CHECK;
      expect(v.Check(l), `${JSON.stringify(l)}: ${[...v.Errors(l)].map((e) => `${e.path} ${e.message}`).join('; ')}`).toBe(true);
    }
    expect(idsOf(lines, 'order_id').size).toBeGreaterThan(0);
  });

  it('refuses a run id outside [A-Za-z0-9_-]{1,16}', () => {
    for (const good of ['r1', 'nightly_2026-11', 'A'.repeat(16), newRunId(START)]) {
      expect(isRunId(good), good).toBe(true);
      expect(runIdArg(good)).toBe(good);
    }
    for (const bad of ['', 'a b', 'a/b', 'c-1.5', 'é', 'x'.repeat(17), 'tab\t']) {
      expect(isRunId(bad), bad).toBe(false);
      expect(() => runIdArg(bad), bad).toThrow(InvalidArgumentError);
      expect(() => generate({ scenario: scenarioByName('normal'), seed: 1, runId: bad, start: START, speed: Infinity, duration: 1 }).next(), bad).toThrow(/run id/);
    }
    expect(newRunId(START)).toMatch(/^[0-9a-z]{14}$/);
    expect(newRunId(-5)).toMatch(/^0[0-9a-z]{6}$/);
  });
});

describe('tickwatch simulate --run-id', () => {
  const simulate = (out: string, extra: string[] = []) => {
    const r = runTool(process.execPath, [CLI, 'simulate', '--duration', '5', '--speed', 'max', '--seed', '1', '--start', START_RFC, '--out', out, ...extra], { timeoutMs: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    return r.stderr;
  };

  it('reproduces a stream with the same seed and run id, and keeps default runs apart', { timeout: 300_000 }, () => {
    const a = join(dir, 'cli-a.ndjson');
    const b = join(dir, 'cli-b.ndjson');
    expect(simulate(a, ['--run-id', 'repro_1'])).toContain('run id repro_1');
    simulate(b, ['--run-id', 'repro_1']);
    const fixed = readFileSync(a, 'utf8');
    expect(fixed.length).toBeGreaterThan(0);
    expect(readFileSync(b, 'utf8')).toBe(fixed);
    expect(idsOf(parse(fixed), 'correlation_id').size).toBeGreaterThan(10);

    // `npm start` twice: two default runs with the same seed appending to one file.
    const c = join(dir, 'cli-c.ndjson');
    const runs = [simulate(c), simulate(c)].map((err) => /run id ([A-Za-z0-9_-]+)/.exec(err)?.[1]);
    expect(runs[0]).toBeDefined();
    expect(runs[1]).toBeDefined();
    expect(runs[0]).not.toBe(runs[1]);
    const lines = parse(readFileSync(c, 'utf8'));
    const ofRun = (run: string) => lines.filter((l) => typeof l.correlation_id === 'string' && l.correlation_id.includes(`-${run}-`));
    const first = ofRun(runs[0]!);
    const second = ofRun(runs[1]!);
    expect(first.length + second.length).toBe(lines.filter((l) => l.correlation_id !== undefined).length);
    for (const field of ['correlation_id', 'intent_id', 'order_id'] as const) expectDisjoint(idsOf(first, field), idsOf(second, field), field);
  });

  it('exits 1 naming the option on a bad run id', { timeout: 120_000 }, () => {
    const r = runTool(process.execPath, [CLI, 'simulate', '--duration', '1', '--speed', 'max', '--run-id', 'no spaces'], { timeoutMs: 120_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain("option '--run-id <id>' argument 'no spaces' is invalid");
    expect(r.stderr).toContain('a run id is 1 to 16 characters');
  });
});
