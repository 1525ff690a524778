import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderEventsDoc } from '../../exporters/events/docs.js';
import fc from 'fast-check';
import { RFC3339_PATTERN } from '../../exporters/events/define.js';
import { EVENT_TYPES, VALIDATORS } from '../../exporters/events/index.js';
import { formatTimestamp, parseTimestampBytes, parseTimestampSeconds } from '../../exporters/ingest/timestamp.js';

describe('event contract', () => {
  it('covers the event types the issue lists', () => {
    const names = EVENT_TYPES.map((e) => e.name);
    for (const n of ['feed.tick', 'feed.gap', 'gateway.connect', 'gateway.disconnect', 'gateway.reconnect', 'api.usage', 'bus.occupancy', 'bus.overflow', 'strategy.intent', 'risk.decision', 'stormguard.transition', 'order.submitted', 'order.acked', 'order.rejected', 'order.cancel_requested', 'order.canceled', 'execution.fill', 'pnl.snapshot', 'reconciliation.result', 'config.changed']) {
      expect(names).toContain(n);
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it('accepts every documented example and rejects it with a field broken', () => {
    for (const e of EVENT_TYPES) {
      const ok = { ts: '2026-11-23T01:00:00.123456789+08:00', level: 'info', ...e.example };
      const check = VALIDATORS.get(e.name)!;
      expect(check.Check(ok), `${e.name}: ${check.Errors(ok).First()?.message}`).toBe(true);
      expect(check.Check({ ...ok, ts: '23/11/2026 01:00' }), e.name).toBe(false);
      expect(check.Check({ ...ok, component: 'kernel' }), e.name).toBe(false);
      const required = (e.schema.required ?? []).filter((k: string) => !['ts', 'component', 'level', 'event'].includes(k));
      for (const k of required) {
        const { [k]: _drop, ...missing } = ok as Record<string, unknown>;
        expect(check.Check(missing), `${e.name} without ${k}`).toBe(false);
      }
    }
  });

  it('has a committed docs/events.md that matches the schemas', () => {
    expect(readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8')).toBe(renderEventsDoc());
  });
});

describe('RFC 3339 timestamps', () => {
  it('parses Z and offsets with up to nanosecond digits', () => {
    expect(parseTimestampSeconds('2026-11-23T01:00:00Z')).toBe(Date.UTC(2026, 10, 23, 1) / 1000);
    expect(parseTimestampSeconds('2026-11-23T09:00:00.5+08:00')).toBe(Date.UTC(2026, 10, 23, 1) / 1000 + 0.5);
    expect(parseTimestampSeconds('2026-11-22T20:30:00.000000001-04:30')).toBeCloseTo(Date.UTC(2026, 10, 23, 1) / 1000, 6);
    const t = parseTimestampSeconds('2026-11-23T01:00:00.123456789Z');
    expect(t - Date.UTC(2026, 10, 23, 1) / 1000).toBeCloseTo(0.123456789, 6);
    for (const bad of ['2026-13-01T00:00:00Z', '2026-11-23 01:00:00Z', '2026-11-23T01:00:00', '2026-11-23T25:00:00Z', 'x']) expect(parseTimestampSeconds(bad), bad).toBeNaN();
  });

  it("reads only what the schema's RFC 3339 pattern allows (the compiled checks leave the pattern to it): fuzzed edits of valid timestamps", () => {
    const pattern = new RegExp(RFC3339_PATTERN);
    const valid = fc
      .tuple(fc.date({ min: new Date('1970-01-02'), max: new Date('9999-01-01'), noInvalidDate: true }), fc.integer({ min: 0, max: 9 }), fc.constantFrom('Z', 'z', '+08:00', '-04:30', '+00:00'))
      .map(([d, digits, zone]) => `${d.toISOString().slice(0, 19)}${digits ? `.${'123456789'.slice(0, digits)}` : ''}${zone}`);
    const edit = fc.tuple(fc.constantFrom('replace', 'delete', 'insert'), fc.nat(40), fc.constantFrom('0', '9', ':', '-', '+', 'x', 'T', 't', 'Z', 'z', '.', ' ', '\u0660'));
    let read = 0;
    let compared = 0;
    fc.assert(
      fc.property(valid, fc.array(edit, { maxLength: 2 }), (ts, edits) => {
        expect(parseTimestampSeconds(ts), ts).not.toBeNaN();
        // Z and +00:00 give the same value.
        if (/\.\d{9}[Zz]$/.test(ts)) expect(parseTimestampSeconds(ts), ts).toBe(parseTimestampSeconds(`${ts.slice(0, -1)}+00:00`));
        let s = ts;
        for (const [op, at, ch] of edits) {
          const i = at % (s.length + 1);
          s = op === 'replace' ? s.slice(0, i) + ch + s.slice(i + 1) : op === 'delete' ? s.slice(0, i) + s.slice(i + 1) : s.slice(0, i) + ch + s.slice(i);
        }
        if (!Number.isNaN(parseTimestampSeconds(s))) {
          read++;
          expect(pattern.test(s), s).toBe(true);
        }
        // The same text as the bytes of a line, with digits and a zone after it that must not be read.
        const bytes = Buffer.from(`"ts":"${s}"9+08:00`, 'utf8');
        if (bytes.length === s.length + 14) {
          compared++;
          // With the line's DataView first (the cached minute compared in words, often another minute's), then without.
          const viaView = parseTimestampBytes(bytes, 6, 6 + s.length, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
          expect(parseTimestampBytes(bytes, 6, 6 + s.length), s).toBe(parseTimestampSeconds(s));
          expect(viaView, s).toBe(parseTimestampSeconds(s));
        }
      }),
      { numRuns: 5000, seed: 19 },
    );
    expect(read).toBeGreaterThan(500);
    expect(compared).toBeGreaterThan(4000);
    expect(parseTimestampSeconds('2026-11-23T09:00:00.5+08x00')).toBeNaN();
    // Each character of the nine-digit form tickwatch writes, broken in turn.
    const nine = '2026-11-23T01:00:07.127979040Z';
    for (let i = 0; i < nine.length; i++) for (const ch of ['x', '/', ':', ' ']) if (ch !== nine[i]) expect(parseTimestampSeconds(nine.slice(0, i) + ch + nine.slice(i + 1)), `${i} ${ch}`).toBeNaN();
    // Cut short in a buffer that goes on with what would make it valid: read only up to `to`.
    const line = Buffer.from(`${nine}+08:00`);
    for (let to = 0; to < nine.length; to++) expect(parseTimestampBytes(line, 0, to), String(to)).toBeNaN();
    expect(parseTimestampBytes(line, 0, nine.length)).toBe(parseTimestampSeconds(nine));
  });

  it('round-trips through formatTimestamp at nanosecond precision within float limits', () => {
    const t = 1795309370.123456;
    const s = formatTimestamp(t);
    expect(s).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/);
    expect(parseTimestampSeconds(s)).toBeCloseTo(t, 6);
  });
});
