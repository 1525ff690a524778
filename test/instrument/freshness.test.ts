/**
 * Freshness groups (the engine's last reported values, `freshness: 'engine'`) as the `/metrics`
 * worker sees them: the stale flag is in shared memory beside the values (registry.ts `setStale`,
 * view.ts `render`), not a message that reaches the worker after a scrape has already read the
 * new `hft_engine_up` (test/hft/positions.test.ts saw that once under load, issue 19).
 */
import { describe, expect, it } from 'vitest';
import { gauge, type LabelSpec } from '../../exporters/catalog/types.js';
import type { LayoutMessage } from '../../exporters/instrument/protocol.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { SeriesView } from '../../exporters/instrument/view.js';

const open = (...names: string[]): LabelSpec => Object.fromEntries(names.map((n) => [n, 'open' as const]));
const position = gauge({ name: 'test_engine_position', help: 'Last reported by the engine.', unit: 'count', labels: open('symbol'), domain: 'test', freshness: 'engine' });
const up = gauge({ name: 'test_engine_up', help: 'Whether the engine is up.', unit: 'boolean', domain: 'test' });
const other = gauge({ name: 'test_other_ratio', help: 'No freshness group.', unit: 'ratio', domain: 'test' });

/** A view fed the registry's layout messages only when `deliver` is called, as the worker is. */
function delayedView(reg: MetricRegistry): { view: SeriesView; deliver: () => void; queued: () => number } {
  const view = new SeriesView();
  const queue: LayoutMessage[] = [];
  reg.subscribe((m) => queue.push(m));
  return { view, deliver: () => queue.splice(0).forEach((m) => view.apply(m)), queued: () => queue.length };
}

const body = async (view: SeriesView) => (await view.render(false)).body;

describe('freshness groups in shared memory', () => {
  it('serves the engine down without its last values, with no message delivered since the layout', async () => {
    const reg = new MetricRegistry();
    const { view, deliver, queued } = delayedView(reg);
    const pos = reg.gauge(position).labels('2330');
    const engineUp = reg.gauge(up).series();
    reg.gauge(other).series().set(0.5);
    pos.set(1_800_000);
    engineUp.set(1);
    deliver();
    expect(await body(view)).toContain('test_engine_position{symbol="2330"} 1800000\n');

    // The recording thread marks the engine stale, then writes up = 0; nothing reaches the view.
    reg.setStale('engine', true);
    engineUp.set(0);
    expect(queued()).toBe(0);
    const down = await body(view);
    expect(down).toContain('test_engine_up 0\n');
    expect(down).not.toContain('test_engine_position{');
    expect(down).toContain('# TYPE test_engine_position gauge\n');
    expect(down).toContain('test_other_ratio 0.5\n'); // a family of no group is served
    expect(reg.isStale('engine')).toBe(true);
    expect(reg.isStale('venue')).toBe(false); // a group never named

    reg.setStale('engine', false);
    engineUp.set(1);
    expect(await body(view)).toContain('test_engine_position{symbol="2330"} 1800000\n');
  });

  it('reads the values again when the engine goes down while a render reads them', async () => {
    const reg = new MetricRegistry();
    const view = new SeriesView();
    reg.subscribe((m) => view.apply(m));
    reg.gauge(position).labels('2330').set(1_800_000);
    // Served between the position and the engine's up gauge (families are served in the order they
    // came), it stands for the recording thread, which marks the engine stale and writes up = 0
    // after the position was read and before up is.
    let calls = 0;
    view.addCollector({
      def: gauge({ name: 'test_between_ratio', help: 'Read between the two.', unit: 'ratio', domain: 'test' }),
      collect: () => {
        if (calls++ === 0) {
          reg.setStale('engine', true);
          reg.gauge(up).series().set(0);
        }
        return [[[], 1]];
      },
    });
    reg.gauge(up).series().set(1);
    const text = await body(view);
    expect(calls).toBe(2);
    expect(view.rereads).toBe(1);
    expect(text).toContain('test_engine_up 0\n');
    expect(text).not.toContain('test_engine_position{');
  });
});
