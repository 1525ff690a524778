/**
 * Loaded by the HFT exporter's `/metrics` worker (the instrumentation core's `collectorModules`):
 * serves `hft_position_notional{strategy,symbol}` at scrape time from the {@link TopPositionsBoard}
 * the recording thread publishes the top K positions to (see positions.ts for why). Exactly the
 * current top K label sets are served; none while the engine is silent.
 */
import { positionNotional } from '../catalog/positions.js';
import type { CollectedSamples, CollectorSet } from '../instrument/view.js';
import { TopPositionsBoard } from './positions.js';

/** What the exporter passes to the worker for this module. */
export interface TopPositionsCollectorOptions {
  /** The board's shared memory ({@link TopPositionsBoard.buffer}). */
  readonly buffer: SharedArrayBuffer;
}

/**
 * The collector set of the top positions (the worker calls this once, at start).
 * @throws RangeError when the buffer is not a board's
 */
export function createCollectorSets(options: TopPositionsCollectorOptions): CollectorSet[] {
  const board = new TopPositionsBoard(options.buffer);
  return [
    {
      name: 'hft.top-positions',
      defs: [positionNotional],
      collect(): ReadonlyMap<string, CollectedSamples> {
        return new Map([[positionNotional.name, board.read().map((p) => [[p.strategy, p.symbol], p.notional] as const)]]);
      },
    },
  ];
}
