import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALWAYS_OPEN_CALENDAR } from '../../exporters/hft/calendar.js';
import { startHftExporter, type HftExporter } from '../../exporters/hft/exporter.js';
import { runScenario } from '../../exporters/hft/simulator/run.js';
import { scenarioByName } from '../../exporters/hft/simulator/scenarios/index.js';
import { FileSink } from '../../exporters/hft/simulator/sinks.js';
import { captureLogging, tempDir } from '../helpers/env.js';
import { parseExposition, valueOf } from '../helpers/exposition.js';
import { promtool } from '../helpers/tools.js';

const dir = tempDir();
const events = join(dir, 'events.ndjson');
let exp: HftExporter | undefined;
afterAll(async () => exp?.close());

async function scrape() {
  return parseExposition(await (await fetch(`${exp!.metrics.url}/metrics`)).text());
}

async function until(cond: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('HFT exporter end to end (worker /metrics, file tail, TCP)', () => {
  it('serves catalog metrics from a simulated stream through the file-tail path, values moving, promtool-clean', async () => {
    exp = await startHftExporter({ port: 0, tcp: { port: 0 }, files: [events], dataDir: dir, calendar: ALWAYS_OPEN_CALENDAR, pollMs: 50 }, captureLogging());
    expect((await fetch(`${exp.metrics.url}/-/ready`)).status).toBe(200);
    const start = Date.now() / 1000;
    const sink = new FileSink(events);
    const first = await runScenario({ scenario: scenarioByName('normal'), seed: 3, start, duration: 10, speed: Infinity }, sink);
    await until(() => exp!.pipeline.accepted === first.events);
    const a = await scrape();
    const ticksA = valueOf(a, 'hft_feed_events_total', { feed: 'twse-md', type: 'tick' });
    expect(ticksA).toBeGreaterThan(100);
    await runScenario({ scenario: scenarioByName('normal'), seed: 4, start: start + 10, duration: 10, speed: Infinity }, sink);
    await sink.close();
    await until(async () => valueOf(await scrape(), 'hft_feed_events_total', { feed: 'twse-md', type: 'tick' }) > ticksA);
    const b = await scrape();
    expect(valueOf(b, 'hft_market_session_open', { exchange: 'SIM' })).toBe(1);
    expect(valueOf(b, 'hft_gateway_connected', { gateway: 'broker-a', kind: 'order_entry' })).toBe(1);
    expect(valueOf(b, 'hft_stormguard_mode', { strategy: 'mm-2330' })).toBe(0);
    expect(valueOf(b, 'tickwatch_ingest_rejected_total', { source: 'file', reason: 'schema' })).toBe(0);
    expect(b.filter((s) => s.name === 'hft_order_ack_latency_seconds_count').length).toBeGreaterThan(0);
    const body = await (await fetch(`${exp.metrics.url}/metrics`)).text();
    const lint = promtool(['check', 'metrics'], body);
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.status).toBe(0);
  });

  it('accepts NDJSON over TCP and dead-letters a bad line with its peer and offset', async () => {
    const good = JSON.stringify({ ts: new Date().toISOString(), level: 'info', component: 'monitor', event: 'bus.overflow', bus: 'tcp-bus', dropped: 5 });
    const socket = connect({ host: '127.0.0.1', port: exp!.tcp!.port });
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(`${good}\nnot json at all\n${good}\n`);
    await until(async () => {
      const s = await scrape();
      return s.some((x) => x.name === 'hft_bus_overflows_total' && x.labels.bus === 'tcp-bus' && x.value === 10);
    });
    socket.end();
    const s = await scrape();
    expect(valueOf(s, 'tickwatch_ingest_rejected_total', { source: 'tcp', reason: 'invalid_json' })).toBe(1);
    await until(() => readFileSync(join(dir, 'dead-letter.ndjson'), 'utf8').includes('not json at all'));
    const rec = JSON.parse(readFileSync(join(dir, 'dead-letter.ndjson'), 'utf8').trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(rec).toMatchObject({ reason: 'invalid_json', source: 'tcp', offset: good.length + 1, line: 'not json at all' });
  });
});
