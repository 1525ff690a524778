/**
 * The floor plan's checker (`npm run check:layers`, dependency-cruiser with .dependency-cruiser.cjs)
 * refuses what it must: each case plants one import into a small tree laid out like this
 * repository's and runs the real checker on it with the real configuration. The check of the real
 * tree itself runs in `npm test` before vitest.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoPath } from '../exporters/lib/paths.js';
import { tempDir } from './helpers/env.js';

/** The checker's command-line entry, as `npx depcruise` runs it. */
const DEPCRUISE = repoPath('node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/** Files of a clean miniature of the floor plan: every import points down. */
const CLEAN: Record<string, string> = {
  'exporters/catalog/feed.ts': 'export const feedGapSeconds = 1;\n',
  'exporters/lib/log.ts': 'export const log = 1;\n',
  'exporters/instrument/registry.ts': "import { feedGapSeconds } from '../catalog/feed.js';\nexport const reg = feedGapSeconds;\n",
  'exporters/events/index.ts': "import { feedGapSeconds } from '../catalog/feed.js';\nexport const ev = feedGapSeconds;\n",
  'exporters/ingest/pipeline.ts': "import { ev } from '../events/index.js';\nimport { reg } from '../instrument/registry.js';\nexport const pipeline = ev + reg;\n",
  'exporters/hft/exporter.ts': "import { pipeline } from '../ingest/pipeline.js';\nexport const hft = pipeline;\n",
  'exporters/hft/simulator/feed-gap.ts': "import { FEED_GAP } from '../../../alert-rules/thresholds.js';\nexport const gap = FEED_GAP;\n",
  'exporters/recorder/service.ts': "import { pipeline } from '../ingest/pipeline.js';\nexport const recorder = pipeline;\n",
  'exporters/start.ts': "import { hft } from './hft/exporter.js';\nimport { recorder } from './recorder/service.js';\nexport const all = hft + recorder;\n",
  'exporters/cli.ts': "import { all } from './start.js';\nexport const cli = all;\n",
  'query/promql.ts': "import { feedGapSeconds } from '../exporters/catalog/feed.js';\nexport const sel = feedGapSeconds;\n",
  'alert-rules/thresholds.ts': 'export const FEED_GAP = 1;\n',
  'alert-rules/feed.ts': "import { sel } from '../query/promql.js';\nimport { FEED_GAP } from './thresholds.js';\nexport const rule = sel + FEED_GAP;\n",
  'dashboards-src/feed.ts': "import { rule } from '../alert-rules/feed.js';\nimport { sel } from '../query/promql.js';\nexport const panel = rule + sel;\n",
};

function check(extra: Record<string, string>): { status: number | null; out: string } {
  const dir = tempDir('tickwatch-layers-');
  const files = { ...CLEAN, ...extra, 'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }) };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  const r = spawnSync(process.execPath, [DEPCRUISE, 'exporters', 'query', 'alert-rules', 'dashboards-src', '--config', repoPath('.dependency-cruiser.cjs'), '--output-type', 'err'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.error) throw new Error(`dependency-cruiser could not run: ${r.error.message}`);
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('the layering check', () => {
  it('passes a tree whose imports all point down', () => {
    const r = check({});
    expect(r.out).toContain('no dependency violations found');
    expect(r.status).toBe(0);
  });

  it.each([
    ['an upward import (the catalog on a service)', { 'exporters/catalog/feed.ts': "import { hft } from '../hft/exporter.js';\nexport const feedGapSeconds = hft;\n" }, /not-in-allowed: exporters\/catalog\/feed\.ts → exporters\/hft\/exporter\.ts/],
    ['a service on another service', { 'exporters/recorder/service.ts': "import { hft } from '../hft/exporter.js';\nexport const recorder = hft;\n" }, /not-in-allowed: exporters\/recorder\/service\.ts → exporters\/hft\/exporter\.ts/],
    ['alert rules on dashboards', { 'alert-rules/feed.ts': "import { panel } from '../dashboards-src/feed.js';\nexport const rule = panel;\n" }, /not-in-allowed: alert-rules\/feed\.ts → dashboards-src\/feed\.ts/],
    ['a service on the composition root', { 'exporters/hft/exporter.ts': "import { all } from '../start.js';\nexport const hft = all;\n" }, /not-in-allowed: exporters\/hft\/exporter\.ts → exporters\/start\.ts/],
    [
      'an import cycle inside one room',
      { 'exporters/hft/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n", 'exporters/hft/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n" },
      /no-circular: exporters\/hft\/(a|b)\.ts → /,
    ],
    ['thresholds.ts importing anything', { 'alert-rules/thresholds.ts': "import { sel } from '../query/promql.js';\nexport const FEED_GAP = sel;\n" }, /thresholds-is-a-leaf: alert-rules\/thresholds\.ts → query\/promql\.ts/],
  ])('refuses %s', (_what, planted, expected) => {
    const r = check(planted);
    expect(r.out).toMatch(expected);
    expect(r.status).not.toBe(0);
  });
});
