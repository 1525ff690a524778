/**
 * RFC 3339 timestamps to Unix seconds, on the ingest hot path.
 *
 * `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm)` is parsed by hand with the minute prefix's epoch
 * cached (one `Date.UTC` call per new minute, not per event), so sub-millisecond digits are kept. A
 * float64 holds today's Unix time to about 0.24 µs.
 *
 * The cached minute is held as its 16 character codes and compared code by code, last first (the
 * minute changes most often): `startsWith` against a prefix sliced from an earlier line cost about
 * 90 ns an event in `npm run bench -- ingest` (issue 19), the comparison a few. A timestamp is read
 * from a string ({@link parseTimestampSeconds}) or from the bytes of the line it is in
 * ({@link parseTimestampBytes}, for lines flat.ts read), to the same value.
 */

/** `YYYY-MM-DDTHH:MM` of the cached minute, as character codes (-1, which no character has, until the first parse). */
const cachedPrefix = new Int32Array(16).fill(-1);
let cachedEpoch = 0;
/** The same 16 characters as four little-endian 32-bit words of their bytes, once a minute is cached ({@link prefixWordsSet}). */
const prefixWords = new Int32Array(4);
let prefixWordsSet = false;

/** The character code at an index of the timestamp (past its end: NaN or undefined, never a digit). */
type CodeAt = (i: number) => number | undefined;

function digits(code: CodeAt, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = code(i)! - 48;
    if (!(c >= 0 && c <= 9)) return NaN;
    v = v * 10 + c;
  }
  return v;
}

/**
 * The Unix time of the timestamp's minute `YYYY-MM-DDTHH:MM`, now the cached minute; NaN when not
 * valid. Once a minute of events, so it reads through a function (for a string or for bytes alike).
 */
function minuteEpoch(code: CodeAt): number {
  const t = code(10);
  if (code(4) !== 45 || code(7) !== 45 || (t !== 84 && t !== 116) || code(13) !== 58) return NaN;
  const y = digits(code, 0, 4);
  const mo = digits(code, 5, 2);
  const d = digits(code, 8, 2);
  const h = digits(code, 11, 2);
  const mi = digits(code, 14, 2);
  if (Number.isNaN(y + mo + d + h + mi) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return NaN;
  for (let i = 0; i < 16; i++) cachedPrefix[i] = code(i)!; // YYYY-MM-DDTHH:MM (all digits and separators checked above)
  for (let q = 0; q < 4; q++) prefixWords[q] = cachedPrefix[q * 4]! | (cachedPrefix[q * 4 + 1]! << 8) | (cachedPrefix[q * 4 + 2]! << 16) | (cachedPrefix[q * 4 + 3]! << 24);
  prefixWordsSet = true;
  return (cachedEpoch = Date.UTC(y, mo - 1, d, h, mi) / 1000);
}

/** The offset east of UTC in seconds of a zone `±hh:mm` at `at`, which must end the timestamp (`length`); NaN when not valid. */
function zoneOffset(code: CodeAt, at: number, length: number): number {
  const sign = code(at);
  if ((sign !== 43 && sign !== 45) || length !== at + 6 || code(at + 3) !== 58) return NaN;
  const oh = digits(code, at + 1, 2);
  const om = digits(code, at + 4, 2);
  if (Number.isNaN(oh + om) || oh > 23 || om > 59) return NaN;
  return (oh * 3600 + om * 60) * (sign === 43 ? 1 : -1);
}

/**
 * Unix time in seconds of an RFC 3339 timestamp (up to nanosecond digits).
 * @returns NaN when the string is not a valid timestamp (the event schema rejects those first)
 */
export function parseTimestampSeconds(ts: string): number {
  // The seconds, fraction and `Z` are read here and in parseTimestampBytes alike, each from its own
  // kind of input: one reader of both through a function, or a copy of a string's characters into
  // bytes, cost 45 ns more a call (issue 19).
  let same = true;
  for (let i = 15; i >= 0; i--) {
    if (ts.charCodeAt(i) !== cachedPrefix[i]) {
      same = false;
      break;
    }
  }
  const base = same ? cachedEpoch : minuteEpoch((i) => ts.charCodeAt(i));
  const s1 = ts.charCodeAt(17) - 48;
  const s2 = ts.charCodeAt(18) - 48;
  if (base !== base || ts.charCodeAt(16) !== 58 || !(s1 >= 0 && s1 <= 6 && s2 >= 0 && s2 <= 9)) return NaN;
  const sec = s1 * 10 + s2;
  if (sec > 60) return NaN;
  let frac = 0;
  let end = 19;
  if (ts.charCodeAt(19) === 46) {
    let v = 0;
    let scale = 1;
    for (end = 20; end < ts.length; end++) {
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
  return base + sec + frac - zoneOffset((i) => ts.charCodeAt(i), end, ts.length);
}

/**
 * Unix time in seconds of an RFC 3339 timestamp written as ASCII at `b[from, to)` (a byte of 0x80 or
 * more is never valid): what {@link parseTimestampSeconds} returns for the same text, read from the
 * line's own bytes (flat.ts says where its `ts` is) with no string made: 48 ns against 66-92 ns
 * for a string, over a million timestamps of the normal mix in a loop.
 * @param view - a DataView of all of `b` (the flat reader's, `FlatJsonReader.lastView`), if there is
 *   one: the cached minute is then compared four bytes at a time, in four loads instead of sixteen
 * @returns NaN when the bytes are not a valid timestamp
 */
export function parseTimestampBytes(b: Uint8Array, from: number, to: number, view?: DataView<ArrayBufferLike>): number {
  const length = to - from;
  if (length < 20) return NaN; // the shortest: YYYY-MM-DDTHH:MM:SSZ (nothing past `to` is read)
  let same = true;
  if (view !== undefined) {
    same = prefixWordsSet && view.getInt32(from + 12, true) === prefixWords[3] && view.getInt32(from + 8, true) === prefixWords[2] && view.getInt32(from + 4, true) === prefixWords[1] && view.getInt32(from, true) === prefixWords[0];
  } else {
    for (let i = 15; i >= 0; i--) {
      if (b[from + i] !== cachedPrefix[i]) {
        same = false;
        break;
      }
    }
  }
  const base = same ? cachedEpoch : minuteEpoch((i) => b[from + i]);
  const s1 = b[from + 17]! - 48;
  const s2 = b[from + 18]! - 48;
  if (base !== base || b[from + 16] !== 58 || !(s1 >= 0 && s1 <= 6 && s2 >= 0 && s2 <= 9)) return NaN;
  const sec = s1 * 10 + s2;
  if (sec > 60) return NaN;
  let frac = 0;
  let end = 19;
  if (b[from + 19] === 46) {
    let v = 0;
    let scale = 1;
    for (end = 20; end < length; end++) {
      const c = b[from + end]! - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      scale *= 10;
    }
    if (end === 20 || end > 29) return NaN;
    frac = v / scale;
  }
  if (end >= length) return NaN;
  const zone = b[from + end];
  if ((zone === 90 || zone === 122) && end === length - 1) return base + sec + frac; // Z or z
  return base + sec + frac - zoneOffset((i) => b[from + i], end, length);
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
