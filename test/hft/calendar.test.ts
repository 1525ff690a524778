/**
 * The trading calendar's open/closed answer and local date (exporters/hft/calendar.ts `isOpen`,
 * `localDate`), computed once a UTC minute: every second around a session's open and close, across
 * a daylight-saving change, in zones whose offsets are whole hours, half and quarter hours, and one
 * whose offset had seconds (Monrovia until 1972, where the date changed in the middle of a UTC
 * minute), they answer as a calendar that has never answered before.
 */
import { describe, expect, it } from 'vitest';
import { TradingCalendar, TWSE_CALENDAR, type CalendarConfig } from '../../exporters/hft/calendar.js';

const cal = (timeZone: string, open = '09:00', close = '13:30'): CalendarConfig => ({ exchange: 'X', timeZone, sessions: [{ open, close }], weekdays: [0, 1, 2, 3, 4, 5, 6], holidays: [] });

/** Each second of [from, from + secs), asked of one calendar in turn and of a fresh one each time. */
function compare(config: CalendarConfig, from: number, secs: number, step = 1): { opens: number; closes: number } {
  const kept = new TradingCalendar(config);
  let opens = 0;
  let closes = 0;
  let prev: boolean | undefined;
  for (let t = from; t < from + secs; t += step) {
    const want = new TradingCalendar(config).isOpen(t);
    expect(kept.isOpen(t), `${config.timeZone} at ${new Date(t * 1000).toISOString()}`).toBe(want);
    expect(kept.localDate(t), `${config.timeZone} date at ${new Date(t * 1000).toISOString()}`).toBe(new TradingCalendar(config).localDate(t));
    if (prev === false && want) opens++;
    if (prev === true && !want) closes++;
    prev = want;
  }
  return { opens, closes };
}

describe('TradingCalendar.isOpen', () => {
  it('opens and closes on the second, TWSE (Asia/Taipei), with a holiday', () => {
    // 2026-10-08 (a Thursday) 00:00 UTC = 08:00 Taipei; the session runs 09:00-13:30, i.e. 01:00-05:30 UTC.
    const day = Date.UTC(2026, 9, 8) / 1000;
    expect(compare(TWSE_CALENDAR, day + 3600 - 120, 240)).toEqual({ opens: 1, closes: 0 });
    expect(compare(TWSE_CALENDAR, day + 5.5 * 3600 - 120, 240)).toEqual({ opens: 0, closes: 1 });
    const kept = new TradingCalendar(TWSE_CALENDAR);
    expect(kept.isOpen(day + 3600)).toBe(true);
    expect(kept.isOpen(day + 3599.5)).toBe(false);
    // 2026-10-09 is a holiday in the default list.
    expect(kept.isOpen(day + 86400 + 2 * 3600)).toBe(false);
    expect(compare(TWSE_CALENDAR, day + 86400 + 3600 - 120, 240)).toEqual({ opens: 0, closes: 0 });
  });

  it('answers as a fresh calendar over a day of every kind of offset, and across a daylight-saving change', () => {
    const day = Date.UTC(2026, 2, 8) / 1000; // New York moves to daylight time at 07:00 UTC
    for (const tz of ['America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Eucla', 'UTC']) {
      const r = compare(cal(tz, '02:30', '03:15'), day, 2 * 86400, 7);
      expect(r.opens + r.closes, tz).toBeGreaterThan(0);
    }
    // New York's clocks go from 02:00 EST to 03:00 EDT at 07:00 UTC: 01:59-03:01 local is 06:59-07:01 UTC.
    expect(compare(cal('America/New_York', '01:59', '03:01'), day + 6 * 3600, 2 * 3600)).toEqual({ opens: 1, closes: 1 });
  });

  it("answers each second where the zone's offset had seconds (Monrovia, -00:44:30 in 1960)", () => {
    // 1960-06-02 08:00:00 UTC was 07:15:30 in Monrovia: its session 07:16-07:17 ran 08:00:30-08:01:30 UTC.
    const at = Date.UTC(1960, 5, 2, 8) / 1000;
    const r = compare(cal('Africa/Monrovia', '07:16', '07:17'), at - 60, 180);
    expect(r).toEqual({ opens: 1, closes: 1 });
    const kept = new TradingCalendar(cal('Africa/Monrovia', '07:16', '07:17'));
    expect([kept.isOpen(at + 29), kept.isOpen(at + 30), kept.isOpen(at + 89), kept.isOpen(at + 90)]).toEqual([false, true, true, false]);
    // Monrovia's midnight was 00:44:30 UTC: the date changes in the middle of a UTC minute.
    const midnight = Date.UTC(1960, 5, 2, 0, 44, 30) / 1000;
    compare(cal('Africa/Monrovia'), midnight - 90, 180);
    expect([kept.localDate(midnight - 1), kept.localDate(midnight)]).toEqual(['1960-06-01', '1960-06-02']);
  });
});
