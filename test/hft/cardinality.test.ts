/**
 * The cardinality guard stays quiet on a normal day: the simulator's normal session, through the real
 * pipeline and derivation, long enough for all of its 10,000 users to log in and thousands of symbols
 * to pass through the positions, folds no label set (`tickwatch_cardinality_overflow_total` absent or
 * 0): user ids, addresses and symbols never become label values (a symbol only in the top K, served
 * by the scrape-time collector), and every open label stays within its series limit.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as C from '../../exporters/catalog/index.js';
import { ALWAYS_OPEN_CALENDAR, TradingCalendar } from '../../exporters/hft/calendar.js';
import { Deriver } from '../../exporters/hft/derive.js';
import { DEFAULT_MODEL } from '../../exporters/hft/simulator/model.js';
import { USERS } from '../../exporters/hft/simulator/operations.js';
import { generate } from '../../exporters/hft/simulator/run.js';
import { scenarioByName } from '../../exporters/hft/simulator/scenarios/index.js';
import { DeadLetterFile } from '../../exporters/ingest/deadletter.js';
import { IngestPipeline } from '../../exporters/ingest/pipeline.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { captureLogging, samplesOf, tempDir } from '../helpers/env.js';

const dir = tempDir();
const START = Date.UTC(2026, 10, 23, 1) / 1000; // a Monday, 09:00 in Taipei

describe('the cardinality guard on a normal day', () => {
  it('folds nothing while 10,000 users log in and thousands of symbols are traded', { timeout: 300_000 }, async () => {
    const reg = new MetricRegistry();
    const deriver = new Deriver({ registry: reg, calendar: new TradingCalendar(ALWAYS_OPEN_CALENDAR), feeds: DEFAULT_MODEL.feeds, strategies: DEFAULT_MODEL.strategies });
    const pipeline = new IngestPipeline({ registry: reg, deadLetter: new DeadLetterFile(join(dir, 'dead.ndjson')), log: captureLogging().logger('ingest'), consumers: [(ev, t) => deriver.apply(ev, t)] });
    const src = pipeline.source('inprocess', 'normal');
    const users = new Set<string>();
    const addresses = new Set<string>();
    const symbols = new Set<string>();
    for (const [t, evs] of generate({ scenario: scenarioByName('normal'), seed: 21, start: START, speed: Infinity, duration: 3600 })) {
      for (const e of evs) {
        src.object(e);
        if (typeof e.user_id === 'string') users.add(e.user_id);
        if (typeof e.source_ip === 'string') addresses.add(e.source_ip);
        if (e.event === 'position.snapshot') symbols.add(e.symbol as string);
      }
      deriver.tick(t);
    }
    expect(pipeline.rejected).toBe(0);
    expect(users.size).toBe(USERS);
    expect(addresses.size).toBeGreaterThanOrEqual(USERS);
    expect(symbols.size).toBeGreaterThan(3000);
    // No fold of any kind, for any metric.
    expect(reg.counter(C.cardinalityOverflowTotal).size).toBe(0);
    const samples = await samplesOf(reg);
    expect(samples.filter((s) => s.name === 'tickwatch_cardinality_overflow_total' && s.value > 0)).toEqual([]);
    // Nothing a user, an address or a symbol could have become is a label value anywhere.
    const values = new Set(samples.flatMap((s) => Object.values(s.labels)));
    expect([...users, ...addresses].filter((v) => values.has(v))).toEqual([]);
    expect([...symbols].filter((v) => values.has(v))).toEqual([]);
    // The detectors' memory stayed at its bounds.
    expect(deriver.security.trackedUsers).toBeLessThanOrEqual(C.SECURITY_TRACKED_KEYS);
    expect(deriver.positions.size).toBeLessThan(100);
    expect(deriver.positions.top()).toHaveLength(C.TOP_POSITIONS_DEFAULT);
  });
});
