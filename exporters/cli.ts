/**
 * The `tickwatch` command. One subcommand per service or tool; npm scripts wrap them.
 * Run `tickwatch --help` or `tickwatch <command> --help` for options.
 */
import { Command } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderMetricsDoc } from './catalog/docs.js';
import { renderEventsDoc } from './hft/events/docs.js';
import { CATALOG, validateCatalog } from './catalog/index.js';
import { registerClickHouseCommands } from './clickhouse/cli.js';
import { registerHostCommands } from './host/cli.js';
import { defaultDataDir, registerHftCommands } from './hft/cli.js';
import { registerRecorderCommands } from './recorder/cli.js';

// `tickwatch ... | head`: the reader went away; stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command('tickwatch').description('Observability for the HFT trading engine: exporters, catalog and tools.').showHelpAfterError();

const docs = program.command('docs').description('Generate reference documents.');
docs
  .command('metrics')
  .description('Write the metrics reference generated from the catalog.')
  .option('--out <file>', 'output file (default: stdout)')
  .action(async (o: { out?: string }) => {
    const md = renderMetricsDoc();
    if (!o.out) return void process.stdout.write(md);
    await mkdir(dirname(o.out), { recursive: true });
    await writeFile(o.out, md);
  });

docs
  .command('events')
  .description('Write the event contract generated from the event schemas.')
  .option('--out <file>', 'output file (default: stdout)')
  .action(async (o: { out?: string }) => {
    const md = renderEventsDoc();
    if (!o.out) return void process.stdout.write(md);
    await mkdir(dirname(o.out), { recursive: true });
    await writeFile(o.out, md);
  });

const rules = program.command('rules').description('Alert and recording rules.');
rules
  .command('build')
  .description('Validate the typed rules and write prometheus/rules/*.yml, their promtool tests and the runbook index.')
  .option('--root <dir>', 'repository root', fileURLToPath(new URL('..', import.meta.url)))
  .action(async (o: { root: string }) => {
    const { buildRules } = await import('../alert-rules/build.js');
    const files = buildRules(o.root);
    console.error(`rules: wrote ${files.length} files`);
  });

const catalog = program.command('catalog').description('Inspect the metric catalog.');
catalog
  .command('check')
  .description('Validate every definition against the naming rules; exit 1 on any problem.')
  .action(() => {
    const problems = validateCatalog();
    for (const p of problems) console.error(p);
    console.log(`${CATALOG.length} metrics, ${problems.length} problems`);
    process.exitCode = problems.length ? 1 : 0;
  });
catalog
  .command('list')
  .description('Print every metric name with its type.')
  .action(() => {
    for (const d of CATALOG) console.log(`${d.name}\t${d.type}\t${d.domain}`);
  });

registerHftCommands(program);
registerHostCommands(program);
registerClickHouseCommands(program);
registerRecorderCommands(program, defaultDataDir);

// A command that fails (a port taken, a server refusing the connection, a file missing) says so
// in one line and exits 1; the stack trace only with TICKWATCH_LOG_LEVEL=debug.
await program.parseAsync(process.argv).catch((err: unknown) => {
  const e = err as Error;
  console.error(`tickwatch: ${e.message ?? String(err)}`);
  if (/\bdebug\b/.test(process.env.TICKWATCH_LOG_LEVEL ?? '') && e.stack) console.error(e.stack);
  process.exit(1);
});
