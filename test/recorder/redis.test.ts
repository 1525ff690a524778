/**
 * The recorder's Redis hot state (issue 15, seed 000) against a real Debian redis-server (7.0) on
 * a loopback port: the recorder tails an engine file into DuckDB (the store of record) and feeds
 * Redis after each commit. Recorded fills appear in the stream and entries older than 7 days are
 * trimmed by age (the old entries are written with explicit ids 8 days back rather than waiting);
 * anomalies open and close in their hash, alerts handed over as Alertmanager sends them likewise,
 * and open items not written for 7 days are pruned; every key carries the 7-day expiry. A hung
 * Redis (SIGSTOP) is marked down once a round trip goes unanswered, without holding up the store.
 * Then Redis is killed mid-run: the recorder keeps committing batches at the same pace and every row reaches
 * DuckDB, `hft_recorder_redis_up` goes to 0 and the dropped counter grows; Redis restarted (empty,
 * as a lost cache), writes resume, with no backfill of what was dropped.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES, VALIDATORS } from '../../exporters/events/index.js';
import { HOT_STATE_TTL_SECONDS, hotStateKeys } from '../../exporters/recorder/redis.js';
import { auditDbPath, startRecorder, type RunningRecorder } from '../../exporters/recorder/run.js';
import { captureLogging, samplesOf, tempDir } from '../helpers/env.js';
import { valueOf, type Sample } from '../helpers/exposition.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

const DAY_MS = 86_400_000;
const PREFIX = 'tw-test:';
const K = hotStateKeys(PREFIX);

/** A valid line of an event type: its example, changed by `over`, stamped now. */
function line(event: string, over: Record<string, unknown>): string {
  const t = EVENT_TYPES.find((e) => e.name === event);
  if (!t) throw new Error(`no event type ${event}`);
  const ev = { ...t.example, ts: new Date().toISOString(), level: 'info', ...over };
  const check = VALIDATORS.get(event)!;
  if (!check.Check(ev)) throw new Error(`${event} ${JSON.stringify(ev)} is not valid: ${JSON.stringify([...check.Errors(ev)].slice(0, 2))}`);
  return `${JSON.stringify(ev)}\n`;
}

let fills = 0;
/** A fill with a fresh trade id (`t-<n>`): `leaves` > 0 makes it PARTIAL. */
const fill = (leaves = 0): string => {
  fills++;
  return line('execution.fill', { trade_id: `t-${fills}`, order_id: `o-${fills}`, qty: 100, price: 1000 + fills, leaves_qty: leaves, correlation_id: `c-${fills}` });
};

/** Polls `ok` every 50 ms until it holds. @throws Error naming `what` after `ms` */
async function until(what: string, ok: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sum = (s: readonly Sample[], name: string, labels: Record<string, string> = {}) =>
  s.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v)).reduce((a, x) => a + x.value, 0);

describe('the Redis hot state', () => {
  const dir = tempDir();
  const events = join(dir, 'events.ndjson');
  const logging = captureLogging();
  let redis: RedisServer;
  let rec: RunningRecorder;
  let r: ReturnType<typeof createClient>;
  const metrics = () => samplesOf(rec.service.registry);
  /** Every entry of the stream, oldest first. */
  const stream = async () => (await r.xRange(K.tradeExecutions, '-', '+')) ?? [];
  const streamFills = async () => (await stream()).filter((e) => e.message.trade_id !== undefined);

  beforeAll(async () => {
    redis = await startRedis();
    r = createClient({ url: redis.url });
    r.on('error', () => undefined); // the test's own client sees the outage too
    await r.connect();
    // Written before the recorder starts: 250 fills of 8 days ago and 3 of 6 days ago (explicit
    // stream ids), and open anomalies last written 8 and 6 days ago.
    const now = Date.now();
    for (let i = 0; i < 250; i++) await r.xAdd(K.tradeExecutions, `${now - 8 * DAY_MS}-${i}`, { seed: 'eight-days' });
    for (let i = 0; i < 3; i++) await r.xAdd(K.tradeExecutions, `${now - 6 * DAY_MS}-${i}`, { seed: 'six-days' });
    await r.hSet(K.anomaliesOpen, { 'an-stale': '{}', 'an-recent': '{}' });
    await r.zAdd(K.anomaliesOpenSeen, [
      { score: now - 8 * DAY_MS, value: 'an-stale' },
      { score: now - 6 * DAY_MS, value: 'an-recent' },
    ]);
    writeFileSync(events, '');
    rec = await startRecorder(
      { events, dataDir: dir, store: { kind: 'embedded', path: auditDbPath(dir) }, port: 0, batchMs: 100, pollMs: 20, redis: { url: redis.url, keyPrefix: PREFIX, writeTimeoutMs: 2000 } },
      logging,
    );
  }, 60_000);

  afterAll(async () => {
    await rec?.close();
    r?.destroy();
    await redis?.destroy();
  });

  it('puts recorded fills in the stream and trims entries older than 7 days', async () => {
    appendFileSync(events, fill() + fill(400) + fill() + line('order.rejected', { order_id: 'o-rej', reason: 'rate_limited', qty: 50, price: 999, side: 'sell', symbol: '2330' }) + fill());
    const recorded = async () => (await stream()).filter((e) => e.message.event !== undefined);
    await until('5 executions in the stream', async () => (await recorded()).length >= 5);
    const entries = await stream();
    const mine = entries.filter((e) => e.message.event !== undefined);
    expect(mine.map((e) => [e.message.event, e.message.trade_id ?? null, e.message.status])).toEqual([
      ['execution.fill', 't-1', 'SUCCESS'],
      ['execution.fill', 't-2', 'PARTIAL'],
      ['execution.fill', 't-3', 'SUCCESS'],
      ['order.rejected', null, 'FAILED'],
      ['execution.fill', 't-4', 'SUCCESS'],
    ]);
    const first = mine[0]!.message;
    expect(first).toMatchObject({ order_id: 'o-1', volume: '100', price: '1001', leaves_qty: '0', correlation_id: 'c-1', strategy: expect.any(String) as string });
    expect(first.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    expect(mine[3]!.message).toMatchObject({ order_id: 'o-rej', reason: 'rate_limited', volume: '50', side: 'sell' });
    // MINID ~ now-7d: the 6-day-old entries stay; of the 8-day-old ones only what shares a stream
    // node with younger entries may linger (`~` trims whole nodes).
    const seeded = (age: string) => entries.filter((e) => e.message.seed === age).length;
    expect(seeded('six-days')).toBe(3);
    const nodeMax = Number((await r.configGet('stream-node-max-entries'))['stream-node-max-entries']);
    expect(seeded('eight-days')).toBeLessThan(nodeMax);
    expect(seeded('eight-days')).toBeLessThan(250);
    // The expiry: 7 days from the last write.
    const ttl = await r.ttl(K.tradeExecutions);
    expect(ttl).toBeGreaterThan(HOT_STATE_TTL_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(HOT_STATE_TTL_SECONDS);
    const s = await metrics();
    expect(valueOf(s, 'hft_recorder_redis_up')).toBe(1);
    expect(valueOf(s, 'hft_recorder_redis_writes_total', { structure: 'trade_executions' })).toBe(5);
  });

  it('opens and closes anomalies in their hash, prunes items not written for 7 days, and keeps alerts handed over', async () => {
    appendFileSync(
      events,
      line('anomaly.detected', { anomaly_id: 'an-1' }) + line('anomaly.detected', { anomaly_id: 'an-2', anomaly_type: 'high_slippage', severity: 'critical', value: 12, expected: 2 }) + line('anomaly.resolved', { anomaly_id: 'an-1' }),
    );
    await until('3 anomaly writes', async () => sum(await metrics(), 'hft_recorder_redis_writes_total', { structure: 'anomalies_open' }) >= 3);
    const open = await r.hGetAll(K.anomaliesOpen);
    // an-1 opened and closed, an-stale pruned (last written 8 days ago), an-recent (6 days) kept.
    expect(Object.keys(open).sort()).toEqual(['an-2', 'an-recent']);
    expect(JSON.parse(open['an-2']!)).toMatchObject({ anomaly_id: 'an-2', anomaly_type: 'high_slippage', severity: 'critical', status: 'OPEN', value: 12, expected: 2, detected_by: 'risk_engine' });
    expect((await r.zRange(K.anomaliesOpenSeen, 0, -1)).sort()).toEqual(['an-2', 'an-recent']);
    for (const k of [K.anomaliesOpen, K.anomaliesOpenSeen]) expect(await r.ttl(k), k).toBeGreaterThan(HOT_STATE_TTL_SECONDS - 60);

    // The alert history's entry point: Alertmanager's webhook alerts, firing then resolved.
    const hot = rec.service.redis!;
    hot.recordAlerts([
      { fingerprint: 'fp-feed', status: 'firing', labels: { alertname: 'FeedGap', severity: 'critical', feed: 'twse' }, annotations: { summary: 'Feed gap' }, startsAt: '2026-12-02T01:00:00Z' },
      { fingerprint: 'fp-disk', status: 'firing', labels: { alertname: 'HostDiskFilling', severity: 'warning' }, startsAt: '2026-12-02T01:00:05Z' },
    ]);
    hot.recordAlerts([{ fingerprint: 'fp-disk', status: 'resolved', labels: { alertname: 'HostDiskFilling', severity: 'warning' }, endsAt: '2026-12-02T01:03:00Z' }]);
    await hot.settled();
    const alerts = await r.hGetAll(K.alertsOpen);
    expect(Object.keys(alerts)).toEqual(['fp-feed']);
    expect(JSON.parse(alerts['fp-feed']!)).toMatchObject({ alertname: 'FeedGap', severity: 'critical', fingerprint: 'fp-feed', status: 'firing', labels: { feed: 'twse' }, annotations: { summary: 'Feed gap' } });
    expect(await r.ttl(K.alertsOpen)).toBeGreaterThan(HOT_STATE_TTL_SECONDS - 60);
    expect(valueOf(await metrics(), 'hft_recorder_redis_writes_total', { structure: 'alerts_open' })).toBe(3);
  });

  it('marks a hung Redis down once a round trip goes unanswered for writeTimeoutMs, and up again when it answers', { timeout: 60_000 }, async () => {
    const before = await metrics();
    const stored = await rec.store.count('trade_executions');
    redis.process.kill('SIGSTOP');
    try {
      appendFileSync(events, fill());
      await until('hft_recorder_redis_up 0 (stalled)', async () => valueOf(await metrics(), 'hft_recorder_redis_up') === 0, 10_000);
      // Meanwhile the store took the fill, and fills recorded now are dropped, not queued.
      await until('the fill in DuckDB', async () => (await rec.store.count('trade_executions')) === stored + 1);
      appendFileSync(events, fill() + fill());
      await until('2 fills in DuckDB', async () => (await rec.store.count('trade_executions')) === stored + 3);
      await until('2 drops', async () => sum(await metrics(), 'hft_recorder_redis_dropped_total', { reason: 'down' }) >= sum(before, 'hft_recorder_redis_dropped_total', { reason: 'down' }) + 2);
      expect(logging.lines.some((l) => l.event === 'recorder.redis_stalled')).toBe(true);
    } finally {
      redis.process.kill('SIGCONT');
    }
    await until('hft_recorder_redis_up 1', async () => valueOf(await metrics(), 'hft_recorder_redis_up') === 1, 10_000);
    // The round trip in flight when it hung was answered after all: that fill is in the stream.
    await until('the stalled fill in Redis', async () => (await streamFills()).some((e) => e.message.trade_id === `t-${fills - 2}`));
  });

  it('keeps recording every row at the same pace while Redis is down, and resumes writing to it when it is back', { timeout: 120_000 }, async () => {
    const store = rec.store;
    // The engine writes 4 fills every 25 ms throughout.
    let writing = true;
    const writer = (async () => {
      while (writing) {
        appendFileSync(events, fill() + fill() + fill() + fill());
        await new Promise((res) => setTimeout(res, 25));
      }
    })();
    const committed = async () => sum(await metrics(), 'hft_recorder_write_duration_seconds_count', { store: 'embedded' });
    const window = async (ms: number) => {
      const [b0, r0] = [await committed(), await store.count('trade_executions')];
      await new Promise((res) => setTimeout(res, ms));
      return { batches: (await committed()) - b0, rows: (await store.count('trade_executions')) - r0 };
    };
    try {
      await new Promise((res) => setTimeout(res, 500));
      const up = await window(3000);
      const droppedBefore = sum(await metrics(), 'hft_recorder_redis_dropped_total');
      await redis.stop('SIGKILL');
      await until('hft_recorder_redis_up 0', async () => valueOf(await metrics(), 'hft_recorder_redis_up') === 0, 10_000);
      const down = await window(3000);
      // Same pace with Redis gone: batches committed and rows stored in 3 s, against 3 s before.
      expect(up.batches).toBeGreaterThan(10);
      expect(down.batches, `batches committed in 3 s: ${up.batches} with Redis, ${down.batches} without`).toBeGreaterThanOrEqual(Math.floor(up.batches * 0.7));
      expect(down.rows, `rows stored in 3 s: ${up.rows} with Redis, ${down.rows} without`).toBeGreaterThanOrEqual(Math.floor(up.rows * 0.7));
      const during = await metrics();
      expect(valueOf(during, 'hft_recorder_redis_up')).toBe(0);
      expect(valueOf(during, 'hft_recorder_redis_dropped_total', { reason: 'down' })).toBeGreaterThan(down.rows * 0.5);
      expect(sum(during, 'hft_recorder_redis_dropped_total')).toBeGreaterThan(droppedBefore);
      expect(valueOf(during, 'hft_recorder_store_up', { store: 'embedded' })).toBe(1);
      expect(logging.lines.some((l) => l.event === 'recorder.redis_down')).toBe(true);
    } finally {
      writing = false;
      await writer;
    }
    // Every fill the engine wrote is in the store, Redis or not.
    await until('every fill in DuckDB', async () => (await store.count('trade_executions')) === fills + 1, 30_000); // + the reject

    // Redis back (empty: a lost cache), on the same address: the client reconnects by itself.
    await redis.start();
    await until('hft_recorder_redis_up 1', async () => valueOf(await metrics(), 'hft_recorder_redis_up') === 1, 20_000);
    const writesBefore = valueOf(await metrics(), 'hft_recorder_redis_writes_total', { structure: 'trade_executions' });
    const from = fills + 1;
    appendFileSync(events, fill() + fill() + fill());
    await until('3 new fills in the stream', async () => (await streamFills()).length >= 3);
    // No backfill: only what was recorded after Redis came back.
    expect((await streamFills()).map((e) => e.message.trade_id)).toEqual([`t-${from}`, `t-${from + 1}`, `t-${from + 2}`]);
    expect(valueOf(await metrics(), 'hft_recorder_redis_writes_total', { structure: 'trade_executions' })).toBe(writesBefore + 3);
    await until('every fill in DuckDB', async () => (await store.count('trade_executions')) === fills + 1, 30_000);
    expect(logging.lines.filter((l) => l.event === 'recorder.redis_up').length).toBeGreaterThanOrEqual(2);
  });
});
