import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LEVELS } from '../../exporters/events/define.js';
import { EVENT_TYPES, type HftEvent } from '../../exporters/events/index.js';
import { DEFAULT_LEVELS, parseLevelPolicy } from '../../exporters/recorder/levels.js';
import { makesRows, ROW_EVENTS, rowsFor } from '../../exporters/recorder/rows.js';

const ROWS_SOURCE = fileURLToPath(new URL('../../exporters/recorder/rows.ts', import.meta.url));

describe('which lines make rows (the recorder passes the others by unparsed)', () => {
  it("ROW_EVENTS are exactly rowsFor's case labels", () => {
    const src = readFileSync(ROWS_SOURCE, 'utf8');
    const body = src.slice(src.indexOf('export function rowsFor('));
    const labels = [...body.matchAll(/^\s*case '([^']+)':/gm)].map((m) => m[1]!);
    expect(labels.length).toBeGreaterThan(20);
    expect(new Set(labels)).toEqual(new Set(ROW_EVENTS));
  });

  it('makesRows is false exactly when rowsFor makes no row, for every event type, level and policy', () => {
    const names = [...new Set([...EVENT_TYPES.map((t) => t.name), ...ROW_EVENTS, 'custom.thing', 'checkout'])];
    const policies = [DEFAULT_LEVELS, parseLevelPolicy('debug'), parseLevelPolicy('error,market_data=debug,strategy_runner=fatal')];
    let none = 0;
    for (const policy of policies)
      for (const event of names)
        for (const component of ['market_data', 'strategy_runner', 'other_module'])
          for (const level of LEVELS) {
            const ev = { ts: '2026-11-23T01:00:00.000000001Z', event, component, level } as unknown as HftEvent;
            const rows = rowsFor(ev, policy);
            if (rows.length === 0) none++;
            expect(makesRows(policy, event, component, level), `${event} ${component} ${level}`).toBe(rows.length > 0);
          }
    expect(none).toBeGreaterThan(100);
  });
});
