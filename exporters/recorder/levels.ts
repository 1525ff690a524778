/**
 * Per-service log levels (seed 002): the lowest level of each component that the recorder writes to
 * the `logs` table; lines below it are counted (`tickwatch_log_events_total`) but not stored. Audit
 * tables take every level. Seed 002's example policy, as `--log-level` takes it:
 *
 *     --log-level info,market_data=warn,strategy_runner=debug,risk_engine=info,order_adapter=info,execution=info
 *
 * (market data is the loudest and least needed in the store; strategies are debugged most.)
 */
import { InvalidArgumentError } from 'commander';
import { LEVEL_RANK, type LogLevel } from '../catalog/enums.js';

/**
 * The lowest level of each component that goes to `logs` (seed 002's per-service log levels):
 * `default` for components not listed. Audit tables take every level.
 */
export interface LevelPolicy {
  readonly default: LogLevel;
  readonly components?: Readonly<Record<string, LogLevel>>;
}

/** Info for every component. */
export const DEFAULT_LEVELS: LevelPolicy = { default: 'info' };

/** Everything (for verifying, which rebuilds the audit rows of any level). */
export const ALL_LEVELS: LevelPolicy = { default: 'trace' };

/**
 * Parses `component=level,...` (and a bare `level` for the default): `info,strategy_runner=debug,risk_engine=warn`.
 * @throws Error naming the item when a level is not one of trace, debug, info, warn, error, fatal
 */
export function parseLevelPolicy(v: string, base: LevelPolicy = DEFAULT_LEVELS): LevelPolicy {
  let def = base.default;
  const components: Record<string, LogLevel> = { ...base.components };
  for (const item of v.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf('=');
    const [name, level] = eq < 0 ? [undefined, item] : [item.slice(0, eq).trim(), item.slice(eq + 1).trim()];
    if (!(level in LEVEL_RANK)) throw new Error(`'${item}': the level is one of ${Object.keys(LEVEL_RANK).join(', ')}`);
    if (name === undefined) def = level as LogLevel;
    else if (!name) throw new Error(`'${item}': no component before '='`);
    else components[name] = level as LogLevel;
  }
  return { default: def, components };
}

/** Whether a line of `component` at `level` goes to `logs` under `p`. */
export function logsTake(p: LevelPolicy, component: string, level: string): boolean {
  const min = p.components?.[component] ?? p.default;
  return (LEVEL_RANK[level as LogLevel] ?? 0) >= LEVEL_RANK[min];
}


/**
 * Commander's parser for `--log-level`: {@link parseLevelPolicy}, its error as commander's.
 * @throws InvalidArgumentError naming the item
 */
export function levelPolicyArg(v: string): LevelPolicy {
  try {
    return parseLevelPolicy(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}
