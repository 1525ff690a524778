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
  // No second key of the same name further on (nor the name as any quoted string: conservative).
  AGAIN.lastIndex = i;
  if (AGAIN.test(text)) return undefined;
  return { ts: ts!, level: level!, component: component!, event: event! };
}

/** One of the envelope's key names as a quoted string (searched from where the four were read). */
const AGAIN = /"(?:ts|level|component|event)"/g;
