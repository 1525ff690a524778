/**
 * Runs a scenario: steps the engine model in simulated time and writes its events to a sink,
 * paced against the wall clock (`speed` 1 is real time, 10 is ten times faster, Infinity is as
 * fast as the sink takes them).
 */
import { TradingCalendar, TWSE_CALENDAR } from '../calendar.js';
import type { LogFormat } from '../../events/formats.js';
import { renderLine } from './formats.js';
import { DEFAULT_MODEL, EngineModel, isServiceLog, newRunId, type ModelOptions, type SimEvent } from './model.js';
import type { Scenario } from './scenarios/index.js';
import type { Sink } from './sinks.js';

/** Options of {@link runScenario} and {@link generate}. */
export interface RunOptions {
  readonly scenario: Scenario;
  readonly seed: number;
  /**
   * Run id that every generated id carries (1 to 16 characters of `[A-Za-z0-9_-]`, see
   * `isRunId` in model.ts). Default: a fresh one per run, so runs with the same seed never share
   * a correlation, intent or order id; give one to reproduce a stream byte for byte.
   */
  readonly runId?: string;
  /** Simulated start, Unix seconds. */
  readonly start: number;
  /** Simulated seconds to run; 0 runs until stopped. Default: the scenario's fault plus recovery. */
  readonly duration?: number;
  /** Simulated seconds per wall second (Infinity: no pacing). */
  readonly speed: number;
  /** Model overrides (tick rate, strategies, ...). */
  readonly model?: Partial<Omit<ModelOptions, 'seed' | 'start' | 'runId'>>;
  /** Simulated step in seconds (default 0.05). */
  readonly step?: number;
  /** The format of the main stream's lines (default tickwatch; see simulator/formats.ts). */
  readonly format?: LogFormat;
  /**
   * Where engine modules' own log lines go, by component (seed 002's one log file per service),
   * each in its library's format; a component not listed writes into the main stream.
   */
  readonly serviceLogs?: ReadonlyMap<string, { readonly sink: Sink; readonly format: LogFormat }>;
}

/** Seconds a scenario runs by default: up to the fault, the fault, and the recovery. */
export function defaultDuration(s: Scenario): number {
  return s.faultAt + s.faultFor + s.recoveryFor;
}

/**
 * Resolves `--start`: `now`, `session` (now when the calendar is open, else the latest session
 * open, so a run at night still shows a trading session), or an RFC 3339 time.
 * @throws Error when the value is none of those
 */
export function resolveStart(v: string, calendar = new TradingCalendar(TWSE_CALENDAR), now = Date.now() / 1000): number {
  if (v === 'now') return now;
  if (v === 'session') return calendar.isOpen(now) ? now : (calendar.lastOpen(now) ?? now);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new Error(`--start '${v}': use now, session, or an RFC 3339 time`);
  return t / 1000;
}

/**
 * The scenario's events, step by step, in simulated time, without pacing. The same options with
 * the same `runId` give the same events; without `runId`, only the ids differ between calls.
 * @returns a generator of `[stepEndTime, events]`
 * @throws Error (on the first `next()`) when `runId` is not a valid run id
 */
export function* generate(o: RunOptions): Generator<readonly [number, SimEvent[]]> {
  const model = new EngineModel({ ...DEFAULT_MODEL, ...o.model, seed: o.seed, start: o.start, runId: o.runId });
  const dt = o.step ?? 0.05;
  const duration = o.duration ?? defaultDuration(o.scenario);
  const { faultAt, faultFor } = o.scenario;
  for (let i = 0; duration === 0 || i * dt < duration - 1e-9; i++) {
    const since = i * dt;
    const inFault = faultFor > 0 && since >= faultAt && since < faultAt + faultFor;
    const inRecovery = faultFor > 0 && since >= faultAt + faultFor && since < faultAt + faultFor + o.scenario.recoveryFor;
    const faults = inFault ? o.scenario.faults(since - faultAt) : inRecovery && o.scenario.recovery ? o.scenario.recovery(since - faultAt - faultFor) : {};
    const events = model.step(dt, faults);
    // A silent engine goes on (its state moves) but writes nothing.
    yield [model.now, faults.silent ? [] : events] as const;
  }
}

/** Summary of a run. */
export interface RunSummary {
  /** The run id the events' ids carry (the one given, or the fresh one made for this run). */
  readonly runId: string;
  readonly events: number;
  readonly dropped: number;
  readonly simulatedSeconds: number;
  /**
   * The furthest the paced run fell behind its schedule, wall seconds (0 unpaced): a busy machine
   * that cannot generate and write the stream at `speed` makes its events late, and an exporter
   * then rightly sees a feed gap or a silent engine.
   */
  readonly maxLateSeconds: number;
}

/**
 * Runs a scenario into a sink until its duration is over or `signal` aborts.
 * @throws Error when `runId` is not a valid run id, or when the sink fails to write
 */
export async function runScenario(o: RunOptions, sink: Sink, signal?: AbortSignal): Promise<RunSummary> {
  const runId = o.runId ?? newRunId(o.start);
  const wall0 = performance.now();
  let events = 0;
  let last = o.start;
  let chunk = '';
  let maxLateMs = 0;
  const format = o.format ?? 'tickwatch';
  const services = o.serviceLogs ?? new Map<string, { readonly sink: Sink; readonly format: LogFormat }>();
  const serviceChunks = new Map<string, string>();
  const flushServices = async (): Promise<void> => {
    for (const [component, text] of serviceChunks) if (text) await services.get(component)!.sink.write(text);
    serviceChunks.clear();
  };
  for (const [t, evs] of generate({ ...o, runId })) {
    if (signal?.aborted) break;
    for (const e of evs) {
      const own = services.size && isServiceLog(e) ? services.get(e.component) : undefined;
      if (own) serviceChunks.set(e.component, `${serviceChunks.get(e.component) ?? ''}${renderLine(e, own.format)}\n`);
      else chunk += format === 'tickwatch' ? `${JSON.stringify(e)}\n` : `${renderLine(e, format)}\n`;
    }
    events += evs.length;
    last = t;
    if (Number.isFinite(o.speed)) {
      await sink.write(chunk);
      await flushServices();
      chunk = '';
      const due = wall0 + ((t - o.start) / o.speed) * 1000;
      const wait = due - performance.now();
      if (-wait > maxLateMs) maxLateMs = -wait;
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    } else if (chunk.length > 1 << 20) {
      await sink.write(chunk);
      await flushServices();
      chunk = '';
    }
  }
  if (chunk) await sink.write(chunk);
  await flushServices();
  return { runId, events, dropped: sink.dropped, simulatedSeconds: last - o.start, maxLateSeconds: maxLateMs / 1000 };
}
