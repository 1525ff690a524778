/**
 * RFC 3339 timestamps to Unix seconds, on the ingest hot path.
 *
 * `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm)` is parsed by hand with the minute prefix's epoch
 * cached (one `Date.UTC` call per new minute, not per event), so sub-millisecond digits are kept. A
 * float64 holds today's Unix time to about 0.24 µs.
 *
 * The cached minute is held as its 16 character codes and compared code by code, last first (the
 * minute changes most often): `startsWith` against a prefix sliced from an earlier line cost about
 * 90 ns an event in `npm run bench -- ingest` (issue 19), the comparison a few.
 */

/** `YYYY-MM-DDTHH:MM` of the cached minute, as character codes (-1, which no character has, until the first parse). */
const cachedPrefix = new Int32Array(16).fill(-1);
let cachedEpoch = 0;

/** Whether `ts` starts with the cached minute. */
function sameMinute(ts: string): boolean {
  for (let i = 15; i >= 0; i--) if (ts.charCodeAt(i) !== cachedPrefix[i]) return false;
  return true;
}

function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Unix time in seconds of an RFC 3339 timestamp (up to nanosecond digits).
 * @returns NaN when the string is not a valid timestamp (the event schema rejects those first)
 */
export function parseTimestampSeconds(ts: string): number {
  // Fast path: ...Z with the same minute as the last call.
  let base: number;
  if (sameMinute(ts)) base = cachedEpoch;
  else {
    const t = ts.charCodeAt(10);
    if (ts.charCodeAt(4) !== 45 || ts.charCodeAt(7) !== 45 || (t !== 84 && t !== 116) || ts.charCodeAt(13) !== 58) return NaN;
    const y = digits(ts, 0, 4);
    const mo = digits(ts, 5, 2);
    const d = digits(ts, 8, 2);
    const h = digits(ts, 11, 2);
    const mi = digits(ts, 14, 2);
    if (Number.isNaN(y + mo + d + h + mi) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return NaN;
    base = Date.UTC(y, mo - 1, d, h, mi) / 1000;
    for (let i = 0; i < 16; i++) cachedPrefix[i] = ts.charCodeAt(i); // YYYY-MM-DDTHH:MM (all digits and separators checked above)
    cachedEpoch = base;
  }
  if (ts.charCodeAt(16) !== 58) return NaN;
  const sec = digits(ts, 17, 2);
  if (Number.isNaN(sec) || sec > 60) return NaN;
  // Fraction: '.' then 1 to 9 digits (inline, no allocation).
  let frac = 0;
  let end = 19;
  if (ts.charCodeAt(19) === 46) {
    let v = 0;
    let scale = 1;
    end = 20;
    for (; end < ts.length; end++) {
      const c = ts.charCodeAt(end) - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      scale *= 10;
    }
    if (end === 20 || end > 29) return NaN;
    frac = v / scale;
  }
  const zone = ts.charCodeAt(end);
  if ((zone === 90 || zone === 122) && end === ts.length - 1) return base + sec + frac; // Z or z
  if ((zone !== 43 && zone !== 45) || ts.length !== end + 6 || ts.charCodeAt(end + 3) !== 58) return NaN;
  const oh = digits(ts, end + 1, 2);
  const om = digits(ts, end + 4, 2);
  if (Number.isNaN(oh + om) || oh > 23 || om > 59) return NaN;
  const offset = (oh * 3600 + om * 60) * (zone === 43 ? 1 : -1);
  return base + sec + frac - offset;
}

/**
 * Formats Unix seconds as RFC 3339 UTC with nanosecond digits: `2026-11-23T01:00:00.123456789Z`.
 * @param seconds - Unix time; the fraction is rounded to whole nanoseconds
 */
export function formatTimestamp(seconds: number): string {
  const whole = Math.floor(seconds);
  const ns = Math.min(999_999_999, Math.round((seconds - whole) * 1e9));
  return `${new Date(whole * 1000).toISOString().slice(0, 19)}.${String(ns).padStart(9, '0')}Z`;
}

/**
 * Nanoseconds since the Unix epoch of an RFC 3339 timestamp, exactly, as a decimal string (no
 * float rounding, no BigInt): whole seconds (an integer, exact in a float64) and the fraction's
 * digits padded to nine.
 * @returns undefined when the string is not a valid timestamp
 */
export function timestampNanosString(ts: string): string | undefined {
  const t = parseTimestampSeconds(ts);
  if (t !== t) return undefined;
  const m = /^.{19}(?:\.(\d{1,9}))?/.exec(ts);
  const frac = m?.[1] ?? '';
  // t carries the fraction as a float; the whole seconds are t minus it, rounded to the integer it is.
  const whole = Math.round(t - Number(`0.${frac || '0'}`));
  return `${whole}${frac.padEnd(9, '0')}`;
}
