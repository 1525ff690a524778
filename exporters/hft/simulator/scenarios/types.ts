/**
 * A simulator scenario: a normal trading session, plus (for fault scenarios) a fault that starts
 * `faultAt` seconds into the run, lasts `faultFor` seconds, and is designed to trip one alert family.
 */
import type { StormGuardMode } from '../../../catalog/enums.js';

/** Knobs a fault turns on the engine model; unset knobs keep their normal behaviour. */
export interface Faults {
  /** Feeds that stop ticking. */
  readonly silentFeeds?: readonly string[];
  /** Gateways whose order-entry session is down (no orders go out through them). */
  readonly downGateways?: readonly string[];
  /** Bus occupancy to report instead of the normal 0.05-0.35 walk. */
  readonly busOccupancy?: number;
  /** Events dropped per second by a full bus. */
  readonly busOverflowPerSecond?: number;
  /** StormGuard mode of the first strategy. */
  readonly stormMode?: StormGuardMode;
  /** Broker reject probability per order (normal 0.005). */
  readonly rejectRatio?: number;
  /** Multiplier on order-ack, tick and strategy latencies (normal 1). */
  readonly latencyFactor?: number;
  /** PnL drift per second as a fraction of the daily loss limit (negative loses money). */
  readonly pnlDriftPerSecond?: number;
  /** API usage as a fraction of its limit (normal 0.2-0.4). */
  readonly apiUsageRatio?: number;
  /** Reconciliation runs fail. */
  readonly reconciliationFailing?: boolean;
  /** Recorder writes fail. */
  readonly recorderFailing?: boolean;
  /** The engine writes nothing at all (no events, no logs, no heartbeat); it goes on trading unseen. */
  readonly silent?: boolean;
  /** Error log lines (event types outside the contract) per second, on top of the normal few. */
  readonly errorLogsPerSecond?: number;
  /** One fatal log line (a strategy process crashed) at the fault's start. */
  readonly fatalLog?: boolean;
  /** Failed logins per second against one user from one address (the login-attack fault; operations.ts). */
  readonly failedLoginsPerSecond?: number;
  /**
   * Signed slippage ratio of one fill: when the knob turns on, the next fill of the first strategy
   * gets it instead of its drawn slippage (one outlier, however long the knob stays on).
   */
  readonly slippageOutlierRatio?: number;
  /** Share of the AI model's decisions that turn out right (normal 0.65). */
  readonly modelAccuracy?: number;
  /** An engine service that is down: it fails when the knob names it, and is restarted when the knob lets go. */
  readonly crashedService?: string;
  /** Notional (account currency) by which the first strategy's first position grows at once while the knob is on. */
  readonly positionJumpNotional?: number;
}

/** One scenario. */
export interface Scenario {
  /** CLI name (`--scenario feed-gap`). */
  readonly name: string;
  readonly description: string;
  /** The alert the fault is meant to trip (`none` for the normal session). */
  readonly alert: string;
  /** Other alerts the fault may also trip (its warning twin, alerts on the same symptom); no others may fire. */
  readonly related?: readonly string[];
  /** Seconds into the run when the fault starts. */
  readonly faultAt: number;
  /** How long the fault lasts, in seconds. */
  readonly faultFor: number;
  /** Seconds of normal session after the fault, so resolves can be seen. */
  readonly recoveryFor: number;
  /**
   * Simulated seconds after the fault's start when an alert's condition first holds, for faults
   * that build up (money lost at 2 % of the limit a second crosses 80 % after 40 s); absent: at
   * once. The drills measure time to notify from this moment, not from the fault's start, since
   * no rule can see a breach before it exists (`scripts/stack/drill.ts`).
   */
  readonly conditionAfter?: Readonly<Record<string, number>>;
  /** The fault's knobs at `s` seconds after it started (0 <= s < faultFor). */
  faults(s: number): Faults;
  /**
   * Knobs during the recovery, `s` seconds after the fault ended (0 <= s < recoveryFor), for faults
   * that do not heal by themselves (money lost is won back by trading). Default: normal.
   */
  recovery?(s: number): Faults;
}

/** Builds a fault scenario with the common timings (fault at 20 s, 60 s of recovery). */
export function faultScenario(s: Omit<Scenario, 'faultAt' | 'recoveryFor'> & Partial<Pick<Scenario, 'faultAt' | 'recoveryFor'>>): Scenario {
  return { faultAt: 20, recoveryFor: 60, ...s };
}
