/**
 * The clock alerts and the synchronisation log against a real chronyd (Debian's chrony 4.3, run by
 * test/helpers/chrony.ts with `-x`: it never adjusts this machine's clock, and every packet stays on
 * 127.0.0.1), a real Prometheus evaluating the generated recording rules and the clock rules, and
 * the host exporter started through the composition root with an embedded audit recorder:
 *
 * 1. A stratum-1 chronyd serves this machine's own clock on a loopback port; a second chronyd
 *    synchronises to it with its measurements corrected by +200 µs (chrony.conf `offset`): it
 *    believes the clock is 200 µs slow and, under `-x`, keeps saying so (System time). The host
 *    exporter's `chrony` collector serves that; ClockOffsetCritical (and its warning twin
 *    ClockOffsetHigh) fire with `source="chrony"`.
 * 2. The client restarts without the correction: the offset is a few µs, the alerts resolve.
 * 3. The client restarts pointed at a port nobody serves: chronyd never selects a source (leap
 *    status 3): ClockNotSynchronised fires with `source="chrony"`.
 *
 * Each status change is a `clock.sync` event in the recorder's `system_events` (and in `logs`). The
 * holds (`for:`) are shortened to 2 s in a copy of the thresholds; the bounds are the live ones.
 * This machine's kernel clock is left as it is: its adjtimex state (status bits, frequency) reads
 * the same before and after. (On a VM where nothing disciplines the kernel clock, the kernel view
 * is unsynchronised throughout; the assertions are on the chrony view.)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { ruleYaml } from '../../alert-rules/build.js';
import { clockRules } from '../../alert-rules/clock.js';
import { recordingGroup } from '../../alert-rules/index.js';
import * as T from '../../alert-rules/thresholds.js';
import { readAdjtimex } from '../../exporters/host/collectors/timex.js';
import type { ClockSyncEvent } from '../../exporters/host/clock-sync.js';
import { startTickwatch, type Tickwatch } from '../../exporters/start.js';
import { startChronyClient, startChronyServer, freeUdpPort, type Chronyd } from '../helpers/chrony.js';
import { captureLogging, tempDir } from '../helpers/env.js';
import { startPrometheus, type Prom } from '../helpers/prometheus.js';

const dir = tempDir('tickwatch-chronyd-');
const daemons: Chronyd[] = [];
let tw: Tickwatch | undefined;
let prom: Prom | undefined;
afterAll(async () => {
  await prom?.stop();
  await tw?.close();
  for (const d of daemons) await d.stop();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, detail: () => string = () => ''): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms\n${detail()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('clock alerts and the synchronisation log against a real chronyd', () => {
  it('a chrony offset past 100 µs fires ClockOffsetCritical, its return resolves it, a chronyd without a source fires ClockNotSynchronised; each change is a clock.sync system event', { timeout: 150_000 }, async () => {
    const before = readAdjtimex();
    const [ntpPort, cmdPort, deadPort] = [await freeUdpPort(), await freeUdpPort(), await freeUdpPort()];
    const server = startChronyServer(mkdir('server'), ntpPort);
    daemons.push(server);
    let client = startChronyClient(mkdir('client-1'), { serverPort: ntpPort, cmdPort, offsetSeconds: 0.0002 });
    daemons.push(client);
    const logs = () => `server:\n${server.output()}\nclient:\n${client.output()}\nprometheus:\n${prom?.output() ?? ''}`;

    const events: ClockSyncEvent[] = [];
    const emptyEvents = join(dir, 'engine.ndjson');
    writeFileSync(emptyEvents, '');
    tw = await startTickwatch(
      {
        dataDir: join(dir, 'data'),
        recorders: [{ store: { kind: 'embedded', path: join(dir, 'audit.duckdb') }, events: [emptyEvents], port: 0, queryPort: false, batchMs: 200 }],
        host: { port: 0, collectors: ['timex', 'chrony'], chronyAddress: `127.0.0.1:${cmdPort}`, chronyTimeoutMs: 500, clockSync: { intervalMs: 250, onEvent: (e) => events.push(e) } },
        selfReport: false,
      },
      captureLogging(),
    );
    const host = tw.targets().find((t) => t.service === 'host')!;
    // The live recording rules and the clock rules with 2 s holds, every second.
    const t = { ...T, CLOCK_OFFSET_CRITICAL_FOR_SECONDS: 2, CLOCK_OFFSET_WARNING_FOR_SECONDS: 2, CLOCK_UNSYNC_FOR_SECONDS: 2 };
    const rulesDir = mkdir('rules');
    writeFileSync(join(rulesDir, 'recording.yml'), stringify(ruleYaml(recordingGroup)));
    writeFileSync(join(rulesDir, 'clock.yml'), stringify(ruleYaml({ ...clockRules(t), interval: '1s' })));
    prom = await startPrometheus({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [join(rulesDir, '*.yml')],
      scrape_configs: [{ job_name: host.job, static_configs: [{ targets: [host.instance] }] }],
    });
    const firing = async (alertname: string) => (await prom!.query(`ALERTS{alertname="${alertname}", alertstate="firing", source="chrony"}`))[0];
    const chronyOffset = async () => Number((await prom!.query('source:clock_offset_seconds:abs{source="chrony"}'))[0]?.value[1] ?? NaN);

    // 1. chronyd reports the clock 200 µs off: both offset alerts fire for the chrony view.
    const t1 = Date.now();
    const crit = await until('ClockOffsetCritical firing', () => firing('ClockOffsetCritical'), 45_000, logs);
    const high = await until('ClockOffsetHigh firing', () => firing('ClockOffsetHigh'), 10_000, logs);
    const firedAfter = (Date.now() - t1) / 1000;
    expect(crit.metric).toMatchObject({ job: host.job, instance: host.instance, severity: 'critical', family: 'clock_offset', source: 'chrony' });
    expect(high.metric).toMatchObject({ severity: 'warning', source: 'chrony' });
    const offset1 = await chronyOffset();
    expect(offset1).toBeGreaterThan(T.CLOCK_OFFSET_CRITICAL_SECONDS);
    expect(offset1).toBeLessThan(0.0003);
    const served = await prom.query('chrony_tracking_info');
    expect(served[0]?.metric).toMatchObject({ tracking_address: '127.0.0.1', tracking_name: '127.0.0.1', tracking_refid: '7F000001' });
    expect(Number((await prom.query('chrony_tracking_stratum'))[0]?.value[1])).toBe(2);
    expect(Number((await prom.query('chrony_tracking_leap_status'))[0]?.value[1])).toBe(0);
    expect(Number((await prom.query('chrony_tracking_system_time_seconds'))[0]?.value[1])).toBeGreaterThan(T.CLOCK_OFFSET_CRITICAL_SECONDS); // the clock is "slow"

    // 2. Without the correction chronyd sees this clock against itself: within tolerance, resolved.
    await client.stop();
    client = startChronyClient(mkdir('client-2'), { serverPort: ntpPort, cmdPort, offsetSeconds: 0 });
    daemons.push(client);
    const t2 = Date.now();
    // Resolved while chronyd tracks its source again (synchronised, stratum 2), not merely restarting.
    const synced = async () => Number((await prom!.query('source:clock_synchronised:bool{source="chrony"} == 1 and on(instance) chrony_tracking_stratum == 2'))[0]?.value[1] ?? 0) === 1;
    await until('ClockOffsetCritical resolved', async () => ((await synced()) && (await firing('ClockOffsetCritical')) === undefined && (await chronyOffset()) < T.CLOCK_OFFSET_WARNING_SECONDS ? true : undefined), 45_000, logs);
    await until('ClockOffsetHigh resolved', async () => ((await firing('ClockOffsetHigh')) === undefined ? true : undefined), 15_000, logs);
    const resolvedAfter = (Date.now() - t2) / 1000;
    const offset2 = await chronyOffset();

    // 3. A chronyd whose only source never answers stays unsynchronised (leap status 3).
    await client.stop();
    client = startChronyClient(mkdir('client-3'), { serverPort: deadPort, cmdPort, offsetSeconds: 0 });
    daemons.push(client);
    const t3 = Date.now();
    const unsync = await until('ClockNotSynchronised firing', () => firing('ClockNotSynchronised'), 45_000, logs);
    const unsyncAfter = (Date.now() - t3) / 1000;
    expect(unsync.metric).toMatchObject({ severity: 'critical', family: 'clock_sync', source: 'chrony' });
    expect(Number((await prom.query('chrony_tracking_leap_status'))[0]?.value[1])).toBe(3);

    // The synchronisation log: the chrony view's changes in order, each with its offset and reference.
    await until('the unsynchronised event', async () => (events.some((e) => e.source === 'chrony' && e.status === 'unsynchronised' && e.previous_status) ? true : undefined), 10_000);
    const chrony = events.filter((e) => e.source === 'chrony');
    const path = chrony.map((e) => e.status);
    const breach = chrony.find((e) => e.status === 'offset_critical')!;
    expect(breach, path.join(' > ')).toBeDefined();
    expect(Math.abs(breach.offset_seconds)).toBeGreaterThan(T.CLOCK_OFFSET_CRITICAL_SECONDS);
    expect(breach).toMatchObject({ reference: '127.0.0.1', stratum: 2, tolerance_seconds: T.CLOCK_OFFSET_CRITICAL_SECONDS, level: 'error' });
    expect(breach.max_error_seconds!).toBeGreaterThanOrEqual(Math.abs(breach.offset_seconds));
    const back = chrony.findIndex((e, i) => i > chrony.indexOf(breach) && e.status === 'within_tolerance');
    expect(back, path.join(' > ')).toBeGreaterThan(0);
    expect(Math.abs(chrony[back]!.offset_seconds)).toBeLessThan(T.CLOCK_OFFSET_WARNING_SECONDS * (1 - 0.1));
    expect(chrony.findIndex((e, i) => i > back && e.status === 'unsynchronised')).toBeGreaterThan(back);
    // Consecutive events differ (one per change), and each names the one before.
    for (let i = 1; i < chrony.length; i++) expect(chrony[i]!.previous_status).toBe(chrony[i - 1]!.status);

    // ...recorded through the composition root: one system_events row per event, and the log lines.
    const store = tw.recorders[0]!.store;
    await until('system_events rows', async () => ((await store.count('system_events')) >= events.length ? true : undefined), 15_000);
    expect(await store.count('system_events')).toBe(events.length); // selfReport off: only clock.sync
    const rows = await store.searchLogs({ event: 'clock.sync', limit: 100 });
    expect(rows.length).toBe(events.length);
    expect(rows.map((r) => r.message)).toContain(breach.message);

    // This machine's clock was never touched.
    const after = readAdjtimex();
    expect(after.timex.status).toBe(before.timex.status);
    expect(after.timex.freq).toBe(before.timex.freq);
    expect(after.timex.tick).toBe(before.timex.tick);

    console.log(
      `chronyd: ClockOffsetCritical and ClockOffsetHigh firing ${firedAfter.toFixed(1)} s after start (chrony offset ${(offset1 * 1e6).toFixed(1)} µs); ` +
        `resolved ${resolvedAfter.toFixed(1)} s after the restart without the correction (offset ${(offset2 * 1e6).toFixed(1)} µs); ` +
        `ClockNotSynchronised firing ${unsyncAfter.toFixed(1)} s after the restart without a source\n` +
        `clock.sync events (${events.length}, ${rows.length} in logs and system_events):\n${events.map((e) => `  ${e.ts} ${e.level} ${e.message}`).join('\n')}`,
    );
  });
});

function mkdir(name: string): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  return d;
}
