/**
 * The trading calendar: exchange time zone, sessions, trading weekdays and holidays. Decides
 * whether the market is open at a given instant (feed-gap alerts only mean something then).
 *
 * The default is TWSE-like: Asia/Taipei, Monday to Friday, one session 09:00-13:30 local time
 * (https://www.twse.com.tw/en/page/trading/introduction.html). Holidays change every year and come
 * from configuration: the default list holds only fixed-date Taiwanese holidays as an example.
 */
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { readFileSync } from 'node:fs';

const HHMM = '^([01]\\d|2[0-3]):[0-5]\\d$';

/** JSON shape of a calendar file (`--calendar file.json`). */
export const CalendarConfigSchema = Type.Object(
  {
    exchange: Type.String({ minLength: 1, maxLength: 32, description: 'Exchange name, the `exchange` label.' }),
    timeZone: Type.String({ minLength: 1, description: 'IANA time zone of the exchange, e.g. Asia/Taipei.' }),
    sessions: Type.Array(Type.Object({ open: Type.String({ pattern: HHMM }), close: Type.String({ pattern: HHMM }) }), { minItems: 1 }),
    weekdays: Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), { description: '0 = Sunday ... 6 = Saturday.' }),
    holidays: Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), { description: 'Local dates the exchange is closed.' }),
  },
  { additionalProperties: false },
);

/** A calendar configuration. */
export type CalendarConfig = Static<typeof CalendarConfigSchema>;

/** TWSE-like default: Asia/Taipei, Mon-Fri, 09:00-13:30. */
export const TWSE_CALENDAR: CalendarConfig = {
  exchange: 'TWSE',
  timeZone: 'Asia/Taipei',
  sessions: [{ open: '09:00', close: '13:30' }],
  weekdays: [1, 2, 3, 4, 5],
  holidays: ['2026-01-01', '2026-02-27', '2026-04-03', '2026-05-01', '2026-10-09', '2027-01-01'],
};

/** A calendar that is always open, for tests and simulations that ignore the clock. */
export const ALWAYS_OPEN_CALENDAR: CalendarConfig = {
  exchange: 'SIM',
  timeZone: 'UTC',
  sessions: [{ open: '00:00', close: '23:59' }],
  weekdays: [0, 1, 2, 3, 4, 5, 6],
  holidays: [],
};

const check = TypeCompiler.Compile(CalendarConfigSchema);

/**
 * Reads and validates a calendar file.
 * @throws Error naming the file and the first problem
 */
export function loadCalendar(path: string): CalendarConfig {
  const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!check.Check(v)) {
    const e = check.Errors(v).First();
    throw new Error(`calendar ${path}: ${e?.path ?? ''} ${e?.message ?? 'invalid'}`);
  }
  return v;
}

const WEEKDAY: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Local time parts of an instant in the exchange's zone. */
interface Local {
  readonly date: string;
  readonly weekday: number;
  /** Seconds since local midnight. */
  readonly second: number;
}

/** Answers "is the market open at t?" for one calendar. */
export class TradingCalendar {
  private readonly fmt: Intl.DateTimeFormat;
  private readonly sessions: readonly (readonly [number, number])[];
  private readonly holidays: ReadonlySet<string>;
  private readonly weekdays: ReadonlySet<number>;

  /** @throws RangeError when the time zone is unknown, Error when a session closes before it opens */
  constructor(readonly config: CalendarConfig = TWSE_CALENDAR) {
    this.fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: config.timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    const toSec = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 3600 + Number(hhmm.slice(3, 5)) * 60;
    this.sessions = config.sessions.map((s) => {
      const o = toSec(s.open);
      const c = toSec(s.close);
      if (c <= o) throw new Error(`calendar ${config.exchange}: session ${s.open}-${s.close} closes before it opens`);
      return [o, c] as const;
    });
    this.holidays = new Set(config.holidays);
    this.weekdays = new Set(config.weekdays);
  }

  /** The exchange name (the `exchange` label). */
  get exchange(): string {
    return this.config.exchange;
  }

  private local(tSeconds: number): Local {
    const p: Record<string, string> = {};
    for (const part of this.fmt.formatToParts(new Date(tSeconds * 1000))) p[part.type] = part.value;
    return {
      date: `${p.year}-${p.month}-${p.day}`,
      weekday: WEEKDAY[p.weekday!] ?? -1,
      second: Number(p.hour) * 3600 + Number(p.minute) * 60 + Number(p.second) + (tSeconds % 1),
    };
  }

  private cachedMinute = NaN;
  private cachedLocal: Local | undefined;

  /**
   * {@link local} of `tSeconds`'s UTC minute, computed once a minute: its local date, weekday and
   * `second` at the minute's start. Kept for the rest of the minute only when the zone's offset is
   * then a whole number of minutes (local and UTC seconds within the minute agree, as in every zone
   * since 1972): sessions open and close on local minutes (`HH:MM`) and dates change at local
   * midnight, so nothing {@link isOpen} and {@link localDate} read changes within that minute.
   * Otherwise it is `local(tSeconds)` itself, every call. Formatting the instant in the zone
   * (`Intl.DateTimeFormat`) was about 60 us a call and most of the HFT exporter's tick (every
   * 250 ms) at rest (`perf` of `tickwatch start` at about 270 lines/s, issue 19, 7 December 2026).
   */
  private minuteLocal(tSeconds: number): Local {
    const minute = Math.floor(tSeconds / 60);
    if (minute === this.cachedMinute) return this.cachedLocal!;
    const l = this.local(tSeconds);
    const within = tSeconds - minute * 60;
    if (Math.floor(l.second) % 60 !== Math.floor(within)) {
      this.cachedMinute = NaN;
      return l;
    }
    this.cachedMinute = minute;
    return (this.cachedLocal = { date: l.date, weekday: l.weekday, second: Math.round((l.second - within) / 60) * 60 });
  }

  /** Whether a trading session is open at Unix time `tSeconds` (see {@link minuteLocal}). */
  isOpen(tSeconds: number): boolean {
    const l = this.minuteLocal(tSeconds);
    return this.weekdays.has(l.weekday) && !this.holidays.has(l.date) && this.sessions.some(([o, c]) => l.second >= o && l.second < c);
  }

  /** The exchange-local date (`YYYY-MM-DD`) at `tSeconds`, for per-day state such as the PnL peak (see {@link minuteLocal}). */
  localDate(tSeconds: number): string {
    return this.minuteLocal(tSeconds).date;
  }

  /**
   * The start of the session that is open at `tSeconds`, or of the latest session before it.
   * Searches back up to 15 days in one-minute steps over session opens only.
   * @returns Unix seconds, or undefined when no session opened in that range
   */
  lastOpen(tSeconds: number): number | undefined {
    const t = Math.floor(tSeconds);
    for (let day = 0; day <= 15; day++) {
      const probe = t - day * 86400;
      const l = this.local(probe);
      if (!this.weekdays.has(l.weekday) || this.holidays.has(l.date)) continue;
      const midnight = probe - Math.floor(l.second);
      const opens = this.sessions.map(([o]) => midnight + o).filter((o) => o <= t).sort((a, b) => b - a);
      if (opens.length) return opens[0];
    }
    return undefined;
  }
}
