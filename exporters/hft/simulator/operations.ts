/**
 * The simulated desk around the trading engine, for the seeds' other log categories: the engine's
 * services starting (and, in a fault, crashing and being restarted), performance samples, users
 * logging in and out with a second factor, an AI model's decisions and their outcomes, position
 * snapshots per strategy and symbol, and the engine's own anomaly detections.
 *
 * Every category draws from a random source of its own, seeded from the model's seed: adding to or
 * changing one leaves the trading stream of a seed (EngineModel.rng), the engine's log lines
 * (EngineModel's logRng) and every other category as they were. Rates of a normal day:
 *
 * - services: `service.started` for each engine service at the start;
 * - `perf.sample`: every 10 s for each service;
 * - security: {@link USERS} (10,000) distinct users over the day; each logs in once in the first
 *   {@link ARRIVAL_SECONDS} (an hour, the morning rush: about 2.8 logins a second), in a shuffled
 *   order, then a few log in again (one in ten of those from a second address, a phone, unless the
 *   user's second factor was refused today); a login is followed by its second factor; about 2 % of
 *   logins fail once first (a mistyped password), about 1 % of second factors are refused once; sessions end by
 *   logout (or expiry) after two hours on average; a refused access now and then. Never suspicious:
 *   no user or address comes near the detector's limit.
 * - AI: a decision for each intent of the first strategy (`alpha-gbm`), confidence 0.6 to 0.9, its
 *   outcome 1 to 3 s later, right about 65 % of the time;
 * - positions: each strategy holds {@link POSITIONS_PER_STRATEGY} (12) positions, mostly one to five
 *   lots of 1,000 shares (notionals of tens of thousands to a few million), snapshotted every
 *   second; about once a second one of them is closed (a lot a second) and a new symbol opened, taken
 *   from a shuffled universe of {@link SYMBOLS} (10,000) codes, so thousands of symbols appear over a day;
 * - anomalies: the engine's risk module detects one about every five minutes (never critical) and
 *   resolves it a few minutes later; the first, a volatility spike of the opening, at
 *   {@link OPENING_ANOMALY_AT_SECONDS} (so even a short run has one to show).
 */
import type { Faults } from './scenarios/types.js';
import { Rng } from './rng.js';

/** An event as the engine model writes it (model.ts's `SimEvent`; declared here so this module does not import the model). */
export type SimEvent = { ts: string; level: string; component: string; event: string } & Record<string, unknown>;

/** Distinct users over a day. */
export const USERS = 10_000;
/** Seconds over which every user logs in once (the morning rush; at 5 % above the even rate, all are in after about 57 minutes). */
export const ARRIVAL_SECONDS = 3600;
/** Distinct symbols positions are drawn from. */
export const SYMBOLS = 10_000;
/** Positions each strategy holds at a time. */
export const POSITIONS_PER_STRATEGY = 12;
/** Shares per lot. */
export const LOT = 1000;
/** Seconds after the start at which the engine detects the opening's volatility spike. */
export const OPENING_ANOMALY_AT_SECONDS = 20;
/** The model the first strategy asks. */
export const AI_MODEL = 'alpha-gbm';
/** Accuracy of its decisions on a normal day. */
export const AI_ACCURACY = 0.65;
/** The address the `login-attack` fault comes from (TEST-NET-3, RFC 5737). */
export const ATTACKER_IP = '203.0.113.77';
/** The user the `login-attack` fault goes after. */
export const ATTACKED_USER = 'user-00042';

/** Makes one event (the engine model's envelope). */
export type MakeEvent = (t: number, component: string, event: string, fields: Record<string, unknown>, level?: string) => SimEvent;
/** Emits an event at `t` (now, or scheduled for later). */
export type Emit = (t: number, ev: () => SimEvent) => void;

/** The engine's services: name (also their component), the operation a perf sample times, its median in ms, memory in MB. */
const SERVICES: readonly (readonly [service: string, operation: string, medianMs: number, memoryMb: number])[] = [
  ['market_data', 'decode_tick', 0.012, 1800],
  ['strategy_runner', 'compute_signal', 0.045, 2600],
  ['risk_engine', 'risk_check', 0.008, 900],
  ['order_adapter', 'place_order', 0.35, 700],
  ['execution', 'book_fill', 0.09, 600],
];

/** Multipliers coprime with 10,000 for the shuffles (an affine map i → (a·i + b) mod n visits each i once). */
const COPRIME = [7919, 3571, 2011, 9973, 6131, 4099];

interface SimPosition {
  readonly symbol: string;
  price: number;
  lots: number;
  target: number;
  closing: boolean;
  /** Lots added by the position-jump fault. */
  extra: number;
}

/** A user's home address: one per user, distinct. */
const homeIp = (i: number): string => `10.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
const userId = (i: number): string => `user-${String(i).padStart(5, '0')}`;

/** The desk's events; the engine model calls it once a second and for each AI-driven intent. */
export class Operations {
  private readonly sec: Rng;
  private readonly perf: Rng;
  private readonly ai: Rng;
  private readonly pos: Rng;
  private readonly sys: Rng;
  private readonly userA: number;
  private readonly userB: number;
  private readonly symbolA: number;
  private readonly symbolB: number;
  private arrived = 0;
  private readonly online: number[] = [];
  /**
   * Users whose second factor was refused today: they log in again from their usual address only (a
   * login from a new address right after a refused second factor is what the detector flags).
   */
  private readonly refused = new Set<number>();
  private sessions = 0;
  private decisions = 0;
  private anomalies = 0;
  private nextSymbol = 0;
  private readonly books: Map<string, SimPosition[]>;
  private readonly pids = new Map<string, number>();
  private readonly down = new Set<string>();
  private readonly restarts = new Map<string, number>();

  /**
   * @param seed - the model's seed
   * @param tag - `<seed base36>-<run id>`, carried by every id made here
   * @param start - simulated start, Unix seconds
   * @param strategies - strategy names; the first one's intents ask the AI model
   * @param make - the engine model's event maker
   */
  constructor(
    seed: number,
    private readonly tag: string,
    private readonly start: number,
    private readonly strategies: readonly string[],
    private readonly make: MakeEvent,
  ) {
    this.sec = new Rng((seed ^ 0x5ec0) >>> 0);
    this.perf = new Rng((seed ^ 0x9e7f) >>> 0);
    this.ai = new Rng((seed ^ 0xa1a1) >>> 0);
    this.pos = new Rng((seed ^ 0x9051) >>> 0);
    this.sys = new Rng((seed ^ 0x5a5e) >>> 0);
    this.userA = this.sec.pick(COPRIME);
    this.userB = this.sec.int(USERS);
    this.symbolA = this.pos.pick(COPRIME);
    this.symbolB = this.pos.int(SYMBOLS);
    this.books = new Map(strategies.map((s) => [s, Array.from({ length: POSITIONS_PER_STRATEGY }, () => this.open())]));
  }

  /** At the start: every service reports started. */
  begin(t: number, emit: Emit): void {
    for (const [service] of SERVICES) {
      const pid = 2000 + this.sys.int(60_000);
      this.pids.set(service, pid);
      emit(t, () => this.make(t, 'monitor', 'service.started', { service, status: 'running', instance_id: `engine-1:${pid}`, version: '3.8.1', message: `${service} up` }));
    }
  }

  /** Once a second, at `t`: services, perf samples, security, positions, anomalies. */
  everySecond(t: number, faults: Faults, emit: Emit): void {
    this.services(t, faults, emit);
    if (Math.round(t - this.start) % 10 === 0) this.perfSamples(t, emit);
    this.security(t, faults, emit);
    this.positions(t, faults, emit);
    this.engineAnomalies(t, emit);
  }

  /**
   * The AI model's decision behind an intent at `t` (before it, by its inference time, but not
   * before `notBefore`: the start of the model's current step, so the stream stays in time order),
   * and its outcome 1 to 3 s later: right with probability `faults.modelAccuracy` (normal 0.65).
   */
  decision(t: number, notBefore: number, strategy: string, intentId: string, correlationId: string, faults: Faults, emit: Emit): void {
    const r = this.ai;
    const id = `d-${this.tag}-${++this.decisions}`;
    const latency = Math.round(r.lognormal(80_000, 0.35));
    const at = Math.max(notBefore, t - latency * 1e-9);
    const confidence = round(0.6 + 0.3 * r.next(), 4);
    const up = r.chance(0.5);
    const correct = r.chance(faults.modelAccuracy ?? AI_ACCURACY);
    const spread = round(0.5 + r.next() * 3, 3);
    const imbalance = round(r.normal() * 0.3, 3);
    const vol = round(0.005 + r.next() * 0.02, 4);
    const model = { model_id: AI_MODEL, model_version: '2026.11.3', decision_id: id };
    emit(at, () =>
      this.make(at, 'strategy_runner', 'ai.decision', {
        ...model,
        strategy,
        features: { spread_bp: spread, imbalance, vol_5m: vol },
        prediction: up ? 'up' : 'down',
        confidence,
        explanation: { spread_bp: round(-spread * 0.05, 4), imbalance: round(imbalance * 0.8, 4), vol_5m: round(-vol * 2, 4) },
        latency_ns: latency,
        intent_id: intentId,
        correlation_id: correlationId,
      }),
    );
    const to = t + 1 + 2 * r.next();
    emit(to, () => this.make(to, 'strategy_runner', 'ai.outcome', { ...model, correct, actual: correct === up ? 'up' : 'down', correlation_id: correlationId }));
  }

  private services(t: number, faults: Faults, emit: Emit): void {
    for (const [service] of SERVICES) {
      const crashed = faults.crashedService === service;
      if (crashed && !this.down.has(service)) {
        this.down.add(service);
        const pid = this.pids.get(service) ?? 0;
        emit(t, () => this.make(t, 'monitor', 'service.failed', { service, status: 'crashed', instance_id: `engine-1:${pid}`, reason: 'exited on SIGSEGV', exit_code: 139, message: `${service} crashed` }, 'error'));
      } else if (!crashed && this.down.has(service)) {
        this.down.delete(service);
        const attempt = (this.restarts.get(service) ?? 0) + 1;
        this.restarts.set(service, attempt);
        const pid = 2000 + this.sys.int(60_000);
        this.pids.set(service, pid);
        emit(t, () => this.make(t, 'monitor', 'service.restarted', { service, status: 'running', instance_id: `engine-1:${pid}`, attempt, reason: 'supervisor restart', message: `${service} restarted` }, 'warn'));
      }
    }
  }

  private perfSamples(t: number, emit: Emit): void {
    const r = this.perf;
    for (const [service, operation, median, memory] of SERVICES) {
      if (this.down.has(service)) continue;
      const at = t + r.next() * 0.5;
      const fields = {
        service,
        operation,
        execution_time_ms: round(r.lognormal(median, 0.5), 4),
        cpu_percent: round(service === 'market_data' ? 95 + r.next() * 5 : 15 + r.next() * 45, 1),
        memory_mb: round(memory * (1 + r.normal() * 0.01), 1),
        disk_mb: round(memory * 1.5, 1),
        latency_ms: round(r.lognormal(median * 2, 0.5), 4),
        instance_id: 'engine-1',
      };
      emit(at, () => this.make(at, 'monitor', 'perf.sample', fields, 'debug'));
    }
  }

  private security(t: number, faults: Faults, emit: Emit): void {
    const r = this.sec;
    // The morning rush: each user once, in a shuffled order; then a few re-logins.
    const arrivals = this.arrived < USERS ? Math.min(USERS - this.arrived, r.poisson((1.05 * USERS) / ARRIVAL_SECONDS)) : 0;
    for (let k = 0; k < arrivals; k++) {
      const u = (this.userA * this.arrived++ + this.userB) % USERS;
      this.login(t + r.next(), u, homeIp(u), emit);
    }
    if (this.arrived > 0 && r.chance(0.2)) {
      const u = (this.userA * r.int(this.arrived) + this.userB) % USERS;
      const mobile = r.chance(0.1) && !this.refused.has(u);
      this.login(t + r.next(), u, mobile ? `100.64.${(u >> 8) & 255}.${u & 255}` : homeIp(u), emit);
    }
    // Sessions end after two hours on average.
    const ends = r.poisson(this.online.length / 7200);
    for (let k = 0; k < ends && this.online.length > 0; k++) {
      const i = r.int(this.online.length);
      const u = this.online[i]!;
      this.online[i] = this.online[this.online.length - 1]!;
      this.online.pop();
      const at = t + r.next();
      const kind = r.chance(0.08) ? 'security.session_expired' : 'security.logout';
      emit(at, () => this.make(at, 'monitor', kind, { user_id: userId(u), source_ip: homeIp(u), status: 'SUCCESS' }));
    }
    if (this.online.length > 0 && r.chance(1 / 600)) {
      const u = this.online[r.int(this.online.length)]!;
      const at = t + r.next();
      emit(at, () => this.make(at, 'monitor', 'security.permission_denied', { user_id: userId(u), source_ip: homeIp(u), status: 'FAILURE', resource: 'risk.limits.write', message: 'not permitted to change risk limits' }, 'warn'));
    }
    // The login-attack fault: someone guessing one user's password from one address.
    const attempts = faults.failedLoginsPerSecond ?? 0;
    for (let k = 0; k < attempts; k++) {
      const at = t + (k + r.next()) / attempts;
      emit(at, () => this.make(at, 'monitor', 'security.login', { user_id: ATTACKED_USER, source_ip: ATTACKER_IP, status: 'FAILURE', message: 'invalid password' }, 'warn'));
    }
  }

  /** One user's login at `t`: now and then a failed attempt first, then the second factor (now and then refused once). */
  private login(t: number, u: number, ip: string, emit: Emit): void {
    const r = this.sec;
    const user = userId(u);
    let at = t;
    if (r.chance(0.02)) {
      const failed = at;
      emit(failed, () => this.make(failed, 'monitor', 'security.login', { user_id: user, source_ip: ip, status: 'FAILURE', message: 'invalid password' }, 'warn'));
      at += 3 + r.next() * 7;
    }
    const session = `s-${this.tag}-${++this.sessions}`;
    const ok = at;
    emit(ok, () => this.make(ok, 'monitor', 'security.login', { user_id: user, source_ip: ip, status: 'SUCCESS', session_id: session }));
    let mfa = ok + 1 + r.next() * 3;
    if (r.chance(0.01)) {
      this.refused.add(u);
      const refused = mfa;
      emit(refused, () => this.make(refused, 'monitor', 'security.mfa_failed', { user_id: user, source_ip: ip, status: 'FAILURE', session_id: session, message: 'wrong one-time code' }, 'warn'));
      mfa += 5 + r.next() * 10;
    }
    const accepted = mfa;
    emit(accepted, () => this.make(accepted, 'monitor', 'security.mfa_success', { user_id: user, source_ip: ip, status: 'SUCCESS', session_id: session }));
    this.online.push(u);
  }

  /** A new position in the next symbol of the shuffled universe: one lot, growing a lot at a time to its target. */
  private open(): SimPosition {
    const r = this.pos;
    const code = (this.symbolA * this.nextSymbol++ + this.symbolB) % SYMBOLS;
    const size = Math.max(1, Math.round(r.lognormal(2, 0.9)));
    const target = r.chance(0.6) ? size : -size;
    return { symbol: String(code).padStart(4, '0'), price: round(Math.min(500, Math.max(10, r.lognormal(80, 0.8))), 2), lots: Math.sign(target), target, closing: false, extra: 0 };
  }

  private positions(t: number, faults: Faults, emit: Emit): void {
    const r = this.pos;
    this.strategies.forEach((strategy, si) => {
      const book = this.books.get(strategy)!;
      // About one position a second across the strategies starts closing.
      if (r.chance(0.33)) {
        const p = book[r.int(book.length)]!;
        if (p.extra === 0) p.closing = true;
      }
      // The position-jump fault: the first strategy's first position grows by the fault's notional at once.
      if (si === 0) {
        const p = book[0]!;
        const want = faults.positionJumpNotional ? Math.ceil(faults.positionJumpNotional / (LOT * p.price)) * (p.target < 0 ? -1 : 1) : 0;
        if (want !== p.extra) {
          p.lots += want - p.extra;
          p.extra = want;
          p.closing = false;
        }
      }
      for (let i = 0; i < book.length; i++) {
        const p = book[i]!;
        p.price = round(Math.max(1, p.price * (1 + r.normal() * 0.0005)), 2);
        if (p.closing) p.lots -= Math.sign(p.lots);
        else if (p.lots - p.extra !== p.target && r.chance(0.25)) p.lots += Math.sign(p.target - (p.lots - p.extra));
        else if (r.chance(0.02)) p.target = Math.max(1, Math.round(r.lognormal(2, 0.9))) * (r.chance(0.6) ? 1 : -1);
        const quantity = p.lots * LOT;
        const fields = { strategy, symbol: p.symbol, quantity, notional: round(quantity * p.price, 2), price: p.price };
        emit(t, () => this.make(t, 'monitor', 'position.snapshot', fields, 'debug'));
        if (p.closing && p.lots === 0) book[i] = this.open();
      }
    });
  }

  private engineAnomalies(t: number, emit: Emit): void {
    const r = this.sys;
    const opening = Math.round(t - this.start) === OPENING_ANOMALY_AT_SECONDS;
    if (!r.chance(1 / 300) && !opening) return;
    const id = `an-${this.tag}-${++this.anomalies}`;
    const drawn = r.pick(['volatility_spike', 'unusual_activity', 'high_slippage', 'price_outlier'] as const);
    const type = opening ? 'volatility_spike' : drawn;
    const severity = r.pick(['low', 'medium', 'medium', 'high'] as const);
    const book = this.books.get(this.strategies[0] ?? '') ?? [];
    const symbol = book.length ? book[r.int(book.length)]!.symbol : '2330';
    const expected = round(0.01 + r.next() * 0.01, 4);
    const value = round(expected * (2 + r.next() * 2), 4);
    const base = { anomaly_id: id, detected_by: 'risk_engine', anomaly_type: type, severity, symbol };
    const at = t + r.next();
    emit(at, () => this.make(at, 'risk_engine', 'anomaly.detected', { ...base, status: 'OPEN', value, expected, message: `${type.replace('_', ' ')} on ${symbol}: ${value} against ${expected}` }, severity === 'high' ? 'warn' : 'info'));
    const end = at + 30 + r.next() * 210;
    emit(end, () => this.make(end, 'risk_engine', 'anomaly.resolved', { ...base, status: 'CLOSED', message: `${type.replace('_', ' ')} on ${symbol} back within bounds` }));
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
