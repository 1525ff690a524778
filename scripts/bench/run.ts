/**
 * `npm run bench [-- suite ...]`: runs the benchmarks and prints each figure beside its baseline
 * from the same run. Suites: hotpath, render, eventloop, ingest, recorder, host, search, tcp (default: all, one after another),
 * and `overhead` (tickwatch start's CPU, memory and lag at fixed rates, about 8 minutes: run only when named,
 * `npm run bench -- overhead`; see overhead.ts) and `ab` (this tree's tickwatch start against another
 * revision's under one load at once, about 4 minutes, only when named; see ab.ts).
 * Exit code 0 even when a target is missed (the figures are the output); `--strict` makes a missed
 * target exit 1.
 */
import { setV8Flags } from '../lib/v8-flags.mjs';
import { Command } from 'commander';
import { benchAb } from './ab.js';
import { benchEventLoop } from './eventloop.js';
import { benchHost } from './host.js';
import { benchHotPath } from './hotpath.js';
import { benchIngest } from './ingest.js';
import { benchOverhead } from './overhead.js';
import { benchRecorder } from './recorder.js';
import { benchRender } from './render.js';
import { benchSearch } from './search.js';
import { benchTcp } from './tcp.js';

// The V8 flags tickwatch sets (scripts/lib/v8-flags.mjs), so that the in-process suites (hotpath,
// render, ingest ...) measure the code as tickwatch runs it; set before any suite runs.
setV8Flags();

const SUITES: Record<string, () => boolean | Promise<boolean>> = {
  hotpath: benchHotPath,
  render: benchRender,
  eventloop: benchEventLoop,
  ingest: benchIngest,
  recorder: benchRecorder,
  host: benchHost,
  search: benchSearch,
  tcp: benchTcp,
};

/** Suites that run only when named (they take minutes). */
const NAMED_ONLY: Record<string, () => boolean | Promise<boolean>> = {
  overhead: benchOverhead,
  ab: benchAb,
};

const program = new Command('bench')
  .argument('[suites...]', `suites to run: ${Object.keys(SUITES).join(', ')} (default: these), or ${Object.keys(NAMED_ONLY).join(', ')} (only when named)`)
  .option('--strict', 'exit 1 when a target is missed')
  .action(async (names: string[], o: { strict?: boolean }) => {
    const chosen = names.length ? names : Object.keys(SUITES);
    let ok = true;
    for (const n of chosen) {
      const suite = SUITES[n] ?? NAMED_ONLY[n];
      if (!suite) return program.error(`unknown suite '${n}'; known: ${[...Object.keys(SUITES), ...Object.keys(NAMED_ONLY)].join(', ')}`);
      ok = (await suite()) && ok;
    }
    console.log(`\nbench: ${ok ? 'every target met' : 'some targets missed'} (${process.version}, ${new Date().toISOString()})`);
    if (o.strict && !ok) process.exitCode = 1;
  });
await program.parseAsync(process.argv);
