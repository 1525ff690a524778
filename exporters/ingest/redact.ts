/**
 * Redaction of the engine's secrets (issue 16, seed 001): values under keys that look like secrets
 * are replaced by {@link REDACTED} before a line reaches any store, the write-ahead log, the
 * dead-letter file or a log. The pipeline (pipeline.ts) redacts right after parsing, before the
 * line is mapped, validated and handed to the consumers, so the recorder stores, chains and hashes
 * the redacted line: `audit verify` checks what was stored, and the secret was never stored.
 *
 * A key is secret-looking when it contains one of the configured words, case-insensitive, with
 * `_`, `-` or a space optional where the word has one (`api_key` matches `api_key`, `api-key`,
 * `apiKey`, `X-API-KEY`; `token` matches `accessToken` and `token_id`). Keys are matched at any depth
 * (objects inside arrays inside objects); the whole value under such a key is replaced, whatever its
 * type. Besides keys, any string value holding a PEM private key (`-----BEGIN ... PRIVATE KEY-----`)
 * is replaced wherever it is.
 *
 * Cost on the hot path: the parsed line's keys are walked (each key's verdict is remembered, so a
 * key seen before costs a map lookup; a string value is searched for a PEM marker only when it is
 * long enough to hold one), and only a line in which something was replaced is serialized again
 * (then the stored line is that JSON, not the bytes received). Issue 19: this walk replaced a
 * regular-expression test over the whole line, which V8 scans at about a nanosecond a character
 * (166 ns against 106 ns a line of the normal mix), and which missed a key written with a JSON escape
 * (`"pass\u0077ord"` parses to `password`). Since then, a line of a contract event type is first
 * given its type's test ({@link Redactor.cleanTest}: only declared keys, no nested value, no PEM
 * key), and walked only when that fails: 64-74 ns a line of the normal mix instead of 152-188 ns for
 * the walk (1.2 % of its lines are walked: those with a nested value).
 *
 * Limits: a secret under an innocent key (`"note": "password is hunter2"`) is not found; a line that
 * is not JSON (dead-lettered as `invalid_json`, `encoding` or `too_large`) is redacted best-effort
 * with regular expressions over its text ({@link Redactor.text}): `"key": "value"` and `"key": 123`
 * pairs, `key=value` and `key: value` forms, and PEM private-key blocks; a secret split oddly in a
 * broken line may survive there. A key that merely contains a word (`token_bucket_size`) is redacted
 * too: better a lost figure than a leaked secret.
 */

/** What a redacted value becomes. */
export const REDACTED = '[REDACTED]';

/**
 * The default secret-looking words (issue 16: token, password, secret, api_key, authorization,
 * private keys; plus the common spellings `passwd`, `credential`, `cookie`).
 */
export const DEFAULT_REDACT_KEYS: readonly string[] = ['token', 'password', 'passwd', 'secret', 'api_key', 'authorization', 'private_key', 'credential', 'cookie'];

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A redactor for one list of words. */
export class Redactor {
  /** Matches a key (or any text) holding one of the words; null when the list is empty. */
  private readonly key: RegExp | null;
  private readonly jsonPair: RegExp | null;
  private readonly plainPair: RegExp | null;
  /** The words, as given. */
  readonly words: readonly string[];
  /**
   * Each key's verdict, so that a key seen before costs a map lookup instead of a regular-expression
   * test (an engine writes the same few dozen keys again and again); bounded by {@link KEY_CACHE_MAX},
   * past which keys are tested each time.
   */
  private readonly keyVerdicts = new Map<string, boolean>();

  /**
   * @param words - secret-looking words (see the module comment); empty turns redaction off except
   *   for PEM private keys
   * @throws Error when a word is empty or holds nothing but separators
   */
  constructor(words: readonly string[] = DEFAULT_REDACT_KEYS) {
    this.words = words;
    const alts = words.map((w) => {
      const parts = w
        .trim()
        .split(/[-_ ]+/)
        .filter(Boolean);
      if (!parts.length) throw new Error(`redaction: '${w}' is not a word`);
      return parts.map(escape).join('[-_ ]?');
    });
    // "private key" is always among them so that a PEM block anywhere in the line triggers the walk.
    const all = [...alts, 'private[-_ ]?key'];
    const any = all.join('|');
    this.key = words.length ? new RegExp(any, 'i') : /private[-_ ]?key/i;
    const keyIn = words.length ? `[^"\\\\\\n]*(?:${alts.join('|')})[^"\\\\\\n]*` : null;
    // "key" : "value" (escapes kept whole; an unterminated value runs to the end) or "key": 123 / true / null.
    this.jsonPair = keyIn ? new RegExp(`("${keyIn}"\\s*:\\s*)("(?:[^"\\\\]|\\\\.)*"?|[^,}\\]\\s]+)`, 'gi') : null;
    // key=value or key: value outside JSON quotes (logfmt, headers); a quoted value kept whole.
    this.plainPair = words.length ? new RegExp(`(\\b[\\w.-]*(?:${alts.join('|')})[\\w.-]*\\s*[=:]\\s*)("[^"]*"?|'[^']*'?|(?:Bearer|Basic)\\s+\\S+|[^\\s,;&"']+)`, 'gi') : null;
  }

  /** Whether the text may hold a secret (one regular-expression test): the cheap first step. */
  mayHold(text: string): boolean {
    return this.key!.test(text);
  }

  /** Whether a key is secret-looking. */
  isSecretKey(k: string): boolean {
    if (this.words.length === 0) return false;
    const known = this.keyVerdicts.get(k);
    if (known !== undefined) return known;
    const secret = this.key!.test(k);
    if (this.keyVerdicts.size < KEY_CACHE_MAX) this.keyVerdicts.set(k, secret);
    return secret;
  }

  /**
   * Replaces, in place, every value under a secret-looking key and every string holding a PEM
   * private key, at any depth (iteratively: a deeply nested line cannot overflow the stack).
   * @returns how many values were replaced
   */
  object(root: unknown): number {
    if (typeof root !== 'object' || root === null) return 0;
    // One stack, kept between calls (emptied first, in case a getter of an in-process object threw).
    const stack = this.stack;
    stack.length = 0;
    let n = Array.isArray(root) ? this.items(root, stack) : this.keys(root as Record<string, unknown>, stack);
    while (stack.length) {
      const o = stack.pop()!;
      n += Array.isArray(o) ? this.items(o, stack) : this.keys(o as Record<string, unknown>, stack);
    }
    return n;
  }

  /** {@link object}'s stack of nested values still to walk. */
  private readonly stack: object[] = [];

  /** Redacts one object's own values; pushes its nested objects and arrays. @returns values replaced */
  private keys(rec: Record<string, unknown>, stack: object[]): number {
    let n = 0;
    const words = this.words.length > 0;
    for (const k in rec) {
      const v = rec[k];
      if (words && this.isSecretKey(k)) {
        if (v !== null && v !== undefined && v !== '' && v !== REDACTED) {
          rec[k] = REDACTED;
          n++;
        }
      } else if (typeof v === 'object' && v !== null) stack.push(v);
      else if (typeof v === 'string' && isPem(v)) {
        rec[k] = REDACTED;
        n++;
      }
    }
    return n;
  }

  /** Redacts one array's PEM strings; pushes its nested objects and arrays. @returns values replaced */
  private items(a: unknown[], stack: object[]): number {
    let n = 0;
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (typeof v === 'object' && v !== null) stack.push(v);
      else if (typeof v === 'string' && isPem(v)) {
        a[i] = REDACTED;
        n++;
      }
    }
    return n;
  }

  /**
   * Compiles a test that a parsed line of one event type holds nothing {@link object} would replace,
   * so that the walk can be skipped (issue 19). The test passes only when (1) every own key of the
   * line is one of `names` (their count equals the line's key count, and a JSON object's keys are
   * distinct), (2) no name is secret-looking (checked here, once: such a type gets no test), and
   * (3) no value under a name is an object or array (those are left to the walk) or a string
   * holding a PEM private key. Then the walk would replace nothing: the test is exact, not a guess,
   * and a line that fails it is walked as before.
   *
   * The test is generated code (`new Function`, as TypeBox compiles its checks) with each name a
   * constant, so that its property loads see the few shapes of one event type instead of every
   * shape of the stream. Measured in `npm run bench -- ingest` (issue 19): on the simulator's
   * normal mix the walk costs 152-188 ns a line; the type's lookup, this test and the walk of the
   * 1.2 % of lines that fail it 64-74 ns (this test alone about 47 ns in a CPU profile).
   *
   * @param names - an event type's declared property names (its schema's `properties`), e.g.
   *   `['ts', 'component', 'level', 'event', 'feed', 'symbol']`
   * @returns the test (true: nothing to redact), or undefined when a name is secret-looking, or is
   *   inherited by every object (`constructor`, `__proto__`: its absence could not be told), so
   *   that lines of the type are always walked
   */
  cleanTest(names: readonly string[]): ((line: Record<string, unknown>) => boolean) | undefined {
    if (names.some((n) => this.isSecretKey(n) || n in Object.prototype || n === '__proto__')) return undefined;
    const body = ['let keys = 0;', 'for (const k in v) keys++;', 'let named = 0;', 'let x;'];
    for (const n of names) {
      body.push(
        `x = v[${JSON.stringify(n)}];`,
        `if (x !== undefined) { named++; if (typeof x === 'object' ? x !== null : typeof x === 'string' && x.length > ${PEM_MIN_LENGTH} && x.includes(${JSON.stringify(PEM_MARKER)})) return false; }`,
      );
    }
    body.push('return keys === named;');
    return new Function('v', body.join('\n')) as (line: Record<string, unknown>) => boolean;
  }

  /**
   * Best-effort redaction of text that is not (or not all) JSON: a line dead-lettered as not JSON,
   * not UTF-8 or too large, or a parser's message quoting it. See the module comment for its limits.
   */
  text(s: string): string {
    if (!this.mayHold(s)) return s;
    let out = s.replace(PEM_BLOCK, REDACTED);
    if (this.jsonPair) out = out.replace(this.jsonPair, `$1"${REDACTED}"`);
    if (this.plainPair) out = out.replace(this.plainPair, (m, k: string, v: string) => (v.startsWith(`"${REDACTED}`) || v === REDACTED ? m : `${k}${REDACTED}`));
    return out;
  }
}

/** Most distinct keys whose verdict a {@link Redactor} remembers (a few hundred bytes each at most). */
const KEY_CACHE_MAX = 4096;

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;

/** What every PEM private-key header ends with (`-----BEGIN RSA PRIVATE KEY-----`). */
const PEM_MARKER = 'PRIVATE KEY-----';
/** A string this long or shorter is never taken for a PEM private key (no key fits in it). */
const PEM_MIN_LENGTH = 40;

function isPem(v: string): boolean {
  return v.length > PEM_MIN_LENGTH && v.includes(PEM_MARKER);
}
