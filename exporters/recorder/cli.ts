/** `tickwatch recorder` and `tickwatch logs search`. */
import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PORTS } from '../catalog/jobs.js';
import { portArg, serviceLogging, stopOnSignals } from '../lib/cli.js';
import type { ChainHeads } from './chain.js';
import type { FoundJson } from './search.js';
import type { ChainReport } from './verify.js';

// The stores, the query API and the event contract load when a command runs, not when the
// `tickwatch` command starts: `tickwatch catalog list` need not load DuckDB.
const run = () => import('./run.js');
const searching = () => import('./search.js');

/** Adds the recorder commands. */
export function registerRecorderCommands(program: Command, defaultDataDir: () => string): void {
  program
    .command('recorder')
    .description('Record audit tables from the engine event file into the embedded store (DuckDB).')
    .requiredOption('--events <file>', "the engine's NDJSON event file")
    .option('--data-dir <dir>', 'WAL, dead letters and the embedded database', defaultDataDir())
    .option('--port <port>', '/metrics port', portArg, PORTS.recorder)
    .option('--query-port <port>', 'query API port (logs search)', portArg, PORTS.recorderQuery)
    .option('--clickhouse-url <url>', 'write to ClickHouse over HTTP instead of the embedded store')
    .option('--clickhouse-legacy', 'the server is ClickHouse 18.x (no TTL, DateTime64 or dedup window)')
    .action(async (o: { events: string; dataDir: string; port: number; queryPort: number; clickhouseUrl?: string; clickhouseLegacy?: boolean }) => {
      const logging = serviceLogging('tickwatch-recorder');
      mkdirSync(o.dataDir, { recursive: true });
      const { startRecorder, storeSpec } = await run();
      const rec = await startRecorder({ events: resolve(o.events), dataDir: o.dataDir, store: storeSpec(o), port: o.port, queryPort: o.queryPort }, logging);
      console.error(`tickwatch recorder: ${rec.service.metrics.url}/metrics; logs search API on 127.0.0.1:${rec.queryPort}`);
      stopOnSignals('tickwatch recorder', () => rec.close());
    });

  const logs = program.command('logs').description('Query the recorded log stream and audit tables.');
  logs
    .command('search')
    .description('Print the whole story of one trade across logs and audit tables, in time order.')
    .requiredOption('--correlation-id <id>', 'the correlation id')
    .option('--since <when>', 'only events since (30m, 1h, 2d or RFC 3339)')
    .option('--component <name>', 'only this component')
    .option('--level <level>', 'only this level')
    .option('--json', 'print JSON lines')
    .option('--data-dir <dir>', 'the data folder of the recorder', defaultDataDir())
    .option('--query-port <port>', 'query API of a running recorder', portArg, PORTS.recorderQuery)
    .option('--clickhouse-url <url>', 'search ClickHouse directly instead')
    .option('--clickhouse-legacy', 'the server is ClickHouse 18.x')
    .action(async (o: { correlationId: string; since?: string; component?: string; level?: string; json?: boolean; dataDir: string; queryPort: number; clickhouseUrl?: string; clickhouseLegacy?: boolean }) => {
      const params = new URLSearchParams({ correlation_id: o.correlationId });
      if (o.since) params.set('since', o.since);
      if (o.component) params.set('component', o.component);
      if (o.level) params.set('level', o.level);
      const { formatStory, parseSince, search } = await searching();
      const { openStore, storeSpec } = await run();
      let rows: FoundJson[] | undefined;
      // ClickHouse is searched directly; a running recorder holds the embedded database, so ask it first.
      const r = o.clickhouseUrl ? undefined : await fetch(`http://127.0.0.1:${o.queryPort}/api/v1/search?${params}`).catch(() => undefined);
      if (r?.ok) rows = (await r.json()) as FoundJson[];
      else if (r) throw new Error(`recorder query API: ${await r.text()}`);
      else {
        const store = await openStore(storeSpec(o));
        try {
          rows = await search(store, { correlationId: o.correlationId, sinceNs: o.since ? parseSince(o.since) : undefined, component: o.component, level: o.level });
        } finally {
          await store.close();
        }
      }
      console.log(o.json ? rows.map((x) => JSON.stringify(x)).join('\n') : formatStory(rows));
    });

  const audit = program.command('audit').description('Check the audit tables.');
  audit
    .command('verify')
    .description("Verify every audit table's hash chain: finds altered, deleted, inserted and reordered rows. Exits 1 when a chain is broken.")
    .option('--json', 'print the reports as JSON')
    .option('--data-dir <dir>', 'the data folder of the recorder', defaultDataDir())
    .option('--query-port <port>', 'query API of a running recorder', portArg, PORTS.recorderQuery)
    .option('--clickhouse-url <url>', 'verify ClickHouse directly instead')
    .option('--clickhouse-legacy', 'the server is ClickHouse 18.x')
    .action(async (o: { json?: boolean; dataDir: string; queryPort: number; clickhouseUrl?: string; clickhouseLegacy?: boolean }) => {
      const { formatChainReports } = await searching();
      const { openStore, storeSpec } = await run();
      const { TABLES } = await import('./tables.js');
      const { verifyStore } = await import('./verify.js');
      let reports: ChainReport[];
      // As for search: a running recorder holds the embedded database, so ask it first.
      const r = o.clickhouseUrl ? undefined : await fetch(`http://127.0.0.1:${o.queryPort}/api/v1/verify`).catch(() => undefined);
      if (r?.ok) reports = (await r.json()) as ChainReport[];
      else if (r) throw new Error(`recorder query API: ${await r.text()}`);
      else {
        // Verifying ClickHouse directly: a recorder that writes to it still knows where its chains
        // reach (rows cut from the end show against that); without one the tables speak alone.
        const heads = o.clickhouseUrl ? await fetch(`http://127.0.0.1:${o.queryPort}/api/v1/chain-heads`).then((x) => (x.ok ? (x.json() as Promise<ChainHeads>) : undefined), () => undefined) : undefined;
        const store = await openStore(storeSpec(o));
        try {
          await store.init(TABLES);
          reports = await verifyStore(store, TABLES, 20, heads);
        } finally {
          await store.close();
        }
      }
      console.log(o.json ? JSON.stringify(reports, null, 2) : formatChainReports(reports));
      if (reports.some((x) => x.problemCount > 0)) process.exitCode = 1;
    });
}
