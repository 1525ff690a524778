/**
 * The envelope of a tickwatch line read from its first keys, without parsing the line: what a
 * consumer that keeps few lines (the recorder keeps no debug market-data tick, three lines in four
 * of the simulator's normal mix) needs to know to pass a line by (issue 19: parsing, validating and
 * redacting lines only to drop them was most of the recorder's CPU at 60,000 lines/s).
 *
 * Conservative by construction: the answer is `undefined` (parse the line as usual) unless the
 * line opens with string-valued keys, without escapes, that include `ts`, `level`, `component` and
 * `event`, and none of those four names appears again later in the line as a quoted string (JSON.parse
 * keeps the last of duplicate keys; a nested object with an `event` key also falls back).
 */

/** The envelope keys of a line, as written (see {@link envelopePrefix}). */
export interface EnvelopePrefix {
  readonly ts: string;
  readonly level: string;
  readonly component: string;
  readonly event: string;
  /** Index in the line of the first character of `ts`'s value (at most 9 when `ts` is the first key). */
  readonly tsStart: number;
  /** Index in the line just past the quote that closes the last of the four values read. */
  readonly end: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;

/**
 * Reads `ts`, `level`, `component` and `event` from the start of a JSON object line. Accepts one
 * optional space after `:` and `,` (Python's `json.dumps` default separators), nothing else.
 * @param text - one line (no trailing newline)
 * @returns the four values, or undefined when the line does not open that way, a value holds an
 *   escape, or one of the four key names appears again after them
 */
export function envelopePrefix(text: string): EnvelopePrefix | undefined {
  if (text.charCodeAt(0) !== 0x7b /* { */) return undefined;
  let i = 1;
  let ts: string | undefined;
  let level: string | undefined;
  let component: string | undefined;
  let event: string | undefined;
  let found = 0;
  let tsStart = 0;
  for (;;) {
    if (text.charCodeAt(i) === SPACE) i++;
    if (text.charCodeAt(i) !== QUOTE) return undefined;
    const keyStart = i + 1;
    const keyEnd = text.indexOf('"', keyStart);
    // A quote after a backslash may be escaped: give up rather than count backslashes.
    if (keyEnd < 0 || text.charCodeAt(keyEnd - 1) === BACKSLASH) return undefined;
    i = keyEnd + 1;
    if (text.charCodeAt(i) !== 0x3a /* : */) return undefined;
    i++;
    if (text.charCodeAt(i) === SPACE) i++;
    if (text.charCodeAt(i) !== QUOTE) return undefined; // a value that is not a string: parse the line
    const valueStart = i + 1;
    const valueEnd = text.indexOf('"', valueStart);
    if (valueEnd < 0 || text.charCodeAt(valueEnd - 1) === BACKSLASH) return undefined;
    i = valueEnd + 1;
    // Which envelope key, if any (compared in place: no string made for other keys).
    const len = keyEnd - keyStart;
    let which = 0;
    if (len === 2 && text.startsWith('ts', keyStart)) which = 1;
    else if (len === 5 && text.startsWith('level', keyStart)) which = 2;
    else if (len === 9 && text.startsWith('component', keyStart)) which = 3;
    else if (len === 5 && text.startsWith('event', keyStart)) which = 4;
    if (which !== 0) {
      const value = text.slice(valueStart, valueEnd);
      if (value.includes('\\')) return undefined; // an escape: the value as parsed differs from the text
      if (which === 1) {
        if (ts !== undefined) return undefined;
        ts = value;
        tsStart = valueStart;
      } else if (which === 2) {
        if (level !== undefined) return undefined;
        level = value;
      } else if (which === 3) {
        if (component !== undefined) return undefined;
        component = value;
      } else {
        if (event !== undefined) return undefined;
        event = value;
      }
      if (++found === 4) break;
    }
    if (text.charCodeAt(i) !== 0x2c /* , */) return undefined;
    i++;
  }
  if (namesAgain(text, i)) return undefined;
  return { ts: ts!, level: level!, component: component!, event: event!, tsStart, end: i };
}

/** Whether one of the four key names appears as a quoted string at or after `from` (conservative: any quoted string). */
function namesAgain(text: string, from: number): boolean {
  AGAIN.lastIndex = from;
  return AGAIN.test(text);
}

/**
 * The `ts` text of a line that opens exactly as an earlier line did, but for its `ts` value:
 * `head` is the earlier line's text before its `ts` value (`{"ts":"`: `ts` was its first key) and
 * `segment` its text from the quote that closes `ts` to {@link EnvelopePrefix.end}. Such a line
 * holds the same keys and values up to there, so {@link envelopePrefix} would read from it the
 * same `level`, `component` and `event`, and this `ts`; and, as there, none of the four names may
 * appear again after them. A `ts` holding an escape is returned as written: it is no valid
 * timestamp (a backslash is no character of one), which the caller checks.
 *
 * Issue 19: the recorder passes by 84 % of the normal mix's lines, most opening as the line before;
 * this comparison instead of {@link envelopePrefix}, the envelope check and the skip decision made
 * its pipeline (no store) 1,146-1,188 ns a line before, 777-841 ns after, alternating runs over
 * 1,032,692 lines (`npm run bench -- ingest` prints it beside `JSON.parse` alone).
 * @returns the `ts` value's text, or undefined when the line does not open so
 */
export function sameEnvelope(text: string, head: string, segment: string): string | undefined {
  const n = head.length;
  // The head is a few characters: compared in place (startsWith costs about 35 ns a call here).
  for (let i = 0; i < n; i++) if (text.charCodeAt(i) !== head.charCodeAt(i)) return undefined;
  const q = text.indexOf('"', n);
  if (q < 0 || text.slice(q, q + segment.length) !== segment) return undefined;
  if (namesAgain(text, q + segment.length)) return undefined;
  return text.slice(n, q);
}

/** One of the envelope's key names as a quoted string (searched from where the four were read). */
const AGAIN = /"(?:ts|level|component|event)"/g;
