/** Events of simulated sessions as tests record them. */
import type { HftEvent } from '../../exporters/events/index.js';
import { generate } from '../../exporters/hft/simulator/run.js';
import { scenarioByName } from '../../exporters/hft/simulator/scenarios/index.js';

/**
 * The info-and-above events of a `storm-halt` session (orders, risk decisions, StormGuard, config),
 * each with its line as written: at least `n` (a tick's events are kept whole).
 * @param seed - the simulator's seed
 * @param start - the session's simulated start, seconds since the epoch
 */
export function infoEvents(n: number, seed: number, start: number): { ev: HftEvent; line: string }[] {
  const out: { ev: HftEvent; line: string }[] = [];
  for (const [, evs] of generate({ scenario: scenarioByName('storm-halt'), seed, start, speed: Infinity, duration: 0 })) {
    for (const e of evs) {
      if (e.level === 'debug') continue;
      const line = JSON.stringify(e);
      out.push({ ev: JSON.parse(line) as HftEvent, line });
    }
    if (out.length >= n) break;
  }
  return out;
}
