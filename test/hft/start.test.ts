/** The main job as a user runs it: `tickwatch start` (what `npm start` runs), in a child process. */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/env.js';
import { parseExposition } from '../helpers/exposition.js';
import { promtool } from '../helpers/tools.js';

const CLI = fileURLToPath(new URL('../../scripts/tickwatch.mjs', import.meta.url));
/** The host exporter (started beside the HFT exporter) is tested on its own. */
const HOST_FLAGS: string[] = [];

describe('tickwatch start', () => {
  it('serves moving catalog metrics within 30 s, lint-clean, and stops cleanly on SIGTERM', async () => {
    const dir = tempDir();
    const port = 19470;
    const child = spawn(process.execPath, [CLI, 'start', '--port', String(port), '--tcp', '127.0.0.1:19478', '--recorder-port', '19473', '--query-port', '19474', '--data-dir', dir, ...HOST_FLAGS], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const url = `http://127.0.0.1:${port}`;
    const t0 = Date.now();
    try {
      let ready = false;
      while (!ready && Date.now() - t0 < 30_000) {
        ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
        if (!ready) await new Promise((r) => setTimeout(r, 250));
      }
      expect(ready, out).toBe(true);
      const total = (body: string) =>
        parseExposition(body)
          .filter((s) => s.name === 'hft_feed_events_total')
          .reduce((a, s) => a + s.value, 0);
      let first = 0;
      while (first === 0 && Date.now() - t0 < 30_000) {
        first = total(await (await fetch(`${url}/metrics`)).text());
        if (first === 0) await new Promise((r) => setTimeout(r, 250));
      }
      await new Promise((r) => setTimeout(r, 1500));
      const body = await (await fetch(`${url}/metrics`)).text();
      expect(Date.now() - t0).toBeLessThan(30_000);
      expect(first).toBeGreaterThan(0);
      expect(total(body)).toBeGreaterThan(first);
      expect(out).toContain(`Scrape ${url}/metrics`);
      const lint = promtool(['check', 'metrics'], body);
      expect(lint.stdout + lint.stderr).toBe('');
      // The audit recorder writes the same stream to the embedded store; the story of a trade the
      // simulator wrote (its ids carry a fresh run id, so the id is read from the event file) comes back.
      const events = join(dir, 'events.ndjson');
      let submitted: { correlation_id: string; intent_id: string; order_id: string } | undefined;
      while (submitted === undefined && Date.now() - t0 < 45_000) {
        const line = existsSync(events) ? readFileSync(events, 'utf8').split('\n').slice(0, -1).find((l) => l.includes('"event":"order.submitted"')) : undefined;
        if (line) submitted = JSON.parse(line) as typeof submitted;
        else await new Promise((r) => setTimeout(r, 250));
      }
      expect(submitted?.correlation_id, `no order.submitted in ${events}\n${out}`).toMatch(/^c-1-[0-9a-z]+-\d+$/);
      let story = '';
      while (!story.includes('order.submitted') && Date.now() - t0 < 45_000) {
        await new Promise((r) => setTimeout(r, 500));
        story = execFileSync(process.execPath, [CLI, 'logs', 'trade', submitted!.correlation_id, '--query-port', '19474'], { encoding: 'utf8' });
      }
      expect(story).toContain(`intent_id=${submitted!.intent_id}`);
      expect(story).toContain(`order_id=${submitted!.order_id}`);
      expect(story.match(/ strategy\.intent /g)).toHaveLength(1); // one trade
      expect(story).toContain('strategy.intent');
      expect(story).toContain('order.submitted');
      expect(story).toMatch(/audit_orders/);
      const rec = await (await fetch('http://127.0.0.1:19473/metrics')).text();
      expect(rec).toMatch(/^hft_recorder_rows_written_total\{table="audit_orders"\} [1-9]/m);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    const left = execFileSync('ps', ['-eo', 'args']).toString().split('\n').filter((l) => l.includes(dir));
    expect(left).toEqual([]);
  });
});
