/**
 * Timers on the wall clock's grid (exporters/lib/grid.ts): each call at a multiple of the interval,
 * once per instant, with how late it ran; timers of one thread share their instants; a stopped one
 * is not called again.
 */
import { describe, expect, it } from 'vitest';
import { everyOnGrid } from '../exporters/lib/grid.js';

describe('everyOnGrid', () => {
  it('calls at each multiple of the interval once, with its delay, and not after stop', async () => {
    const calls: [number, number][] = [];
    const t = everyOnGrid(50, (due, now) => calls.push([due, now]));
    await new Promise((r) => setTimeout(r, 420));
    t.stop();
    const n = calls.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(calls.length, 'calls after stop').toBe(n);
    // About 8 instants in 420 ms; a busy machine may delay some past the next one, which is skipped.
    expect(n).toBeGreaterThanOrEqual(4);
    for (const [due, now] of calls) {
      expect(due % 50, `instant ${due}`).toBe(0);
      expect(now - due, 'delay').toBeGreaterThan(-5);
    }
    const dues = calls.map(([d]) => d);
    for (let i = 1; i < dues.length; i++) expect(dues[i]! - dues[i - 1]!, 'one instant after another, none twice').toBeGreaterThanOrEqual(50);
  });

  it('puts timers of one interval, or of one that divides it, on the same instants', async () => {
    const a: number[] = [];
    const b: number[] = [];
    const ta = everyOnGrid(100, (due) => a.push(due));
    await new Promise((r) => setTimeout(r, 37)); // started apart
    const tb = everyOnGrid(200, (due) => b.push(due));
    await new Promise((r) => setTimeout(r, 650));
    ta.stop();
    tb.stop();
    expect(b.length).toBeGreaterThanOrEqual(2);
    for (const due of b) expect(a, `the 100 ms timer at ${due}`).toContain(due);
  });

  it('reports a stall as the delay of the instant it covered, and skips the instants it swallowed', async () => {
    const calls: [number, number][] = [];
    const t = everyOnGrid(100, (due, now) => calls.push([due, now]));
    await new Promise((r) => setTimeout(r, 150));
    const until = performance.now() + 350;
    while (performance.now() < until) {
      // busy: no timer can run
    }
    await new Promise((r) => setTimeout(r, 250));
    t.stop();
    const worst = Math.max(...calls.map(([due, now]) => now - due));
    expect(worst).toBeGreaterThanOrEqual(240); // 350 ms, less at most one interval
    const dues = calls.map(([d]) => d);
    expect(new Set(dues).size).toBe(dues.length);
  });

  it('refuses an interval that is not a positive number', () => {
    expect(() => everyOnGrid(0, () => undefined)).toThrow(RangeError);
    expect(() => everyOnGrid(Number.NaN, () => undefined)).toThrow(RangeError);
  });
});
