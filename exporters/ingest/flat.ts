/**
 * A reader of flat JSON object lines, for the ingest hot path: what `JSON.parse` makes of a line
 * that is one object of strings, numbers, booleans and nulls (no nested object or array, no escape
 * in a string), built without `JSON.parse` (issue 19: three lines in four of the simulator's normal
 * mix are debug market-data ticks of one shape, and `JSON.parse` was half of the ingest's cost).
 *
 * The line is read from its bytes in the chunk it was split from (a byte is read without a
 * string's checks), when each byte is one character of the line (ASCII, as the engine's lines are).
 * The keys, in order, are looked up in a trie learned from the lines themselves; each trie node
 * where a line ended has a constructor compiled once for its keys (an object literal), so every
 * line of one shape makes an object of one hidden class, with the keys in the line's order. Short
 * string values are taken from a small cache per key when they repeat (level, component, event,
 * feed), so they are not made again; a key whose values rarely repeat (a time, an id) drops its cache.
 *
 * Measured over the 1,032,692 lines of `npm run bench -- ingest`'s file, each decoded and then
 * read: 669-740 ns a line against 987-1,082 ns with `JSON.parse`, in the same run (4 rounds).
 *
 * Since 7 December 2026 (issue 19) a key is first compared as written without whitespace,
 * `"key":`, four bytes at a time ({@link matches}); a key or a cached value that matches moves one
 * place forward in its list, so the frequent ones are tried first; a string value is scanned four
 * bytes at a time for its closing quote; an integer is read in one pass. Reading the same lines
 * already decoded, both readers in one process, 10 alternating rounds: 409-443 ns a line against
 * 535-567 ns before (medians). The whole ingest (`npm run bench -- ingest`'s fullPath), both in one
 * process: 0.715-0.742x the `JSON.parse`-only rate against 0.643-0.671x before (3 pairs each way).
 * Some runs were 2-3x slower throughout: V8 had left `read` in baseline code after an on-stack
 * replacement, which tickwatch now turns off (`--no-use-osr`, scripts/lib/v8-flags.mjs).
 *
 * Conservative by construction: {@link FlatJsonReader.read} returns `undefined`, and the caller
 * parses the line with `JSON.parse` as before, for anything outside that subset: a nested value,
 * an escape, a control character, text that is not a JSON number, `true`, `false` or `null`, a
 * `__proto__` key (an object literal would set the prototype), more than {@link MAX_KEYS} keys, a
 * new shape once {@link MAX_NODES} are known, and every line `JSON.parse` refuses. What it returns
 * is what `JSON.parse` returns for the line: the same keys in the same order, the same values (a
 * duplicate key keeps its first place and its last value, as there). It never throws.
 */

/** Most keys a line may have to be read here (more: `JSON.parse`). */
export const MAX_KEYS = 64;
/** Most trie nodes (distinct key paths) one reader learns; lines of new shapes after that go to `JSON.parse`. */
export const MAX_NODES = 4096;
/** Longest string value looked up in a key's cache of repeated values, in bytes. */
const CACHE_MAX_LENGTH = 24;
/** Values kept per key (the first ones seen; see CACHE_TRIAL). */
const CACHE_SIZE = 8;
/** Lookups after which a key's cache is dropped unless at least half of them were hits (a time, a message, an id). */
const CACHE_TRIAL = 256;

/** The envelope's time key, whose string value's place a read keeps ({@link FlatJsonReader.timeFrom}). */
const TIME_KEY = 'ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const CLOSE = 0x7d;

/**
 * Bytes to compare four at a time: `len` bytes (at least 4) as little-endian 32-bit words, one for
 * each 4 bytes from the start and the last for the 4 bytes ending at `len` (overlapping the one
 * before when `len` is not a multiple of 4). See {@link matches}.
 */
interface Words {
  readonly words: Int32Array;
  readonly len: number;
  /** `words[0]` and the last word, as fields: the two {@link matches} compares first (for up to 8 bytes, the only two). */
  readonly first: number;
  readonly last: number;
  /** Whether `words` has any between the first and the last (more than 8 bytes). */
  readonly long: boolean;
}

/**
 * {@link Words} of `buf[from, to)` and then the byte `after`: a key as written, `"key"` and its
 * colon, or a cached value and its closing quote; null when that makes fewer than 4 bytes (the empty
 * key, a value of up to 2 bytes), which are compared byte by byte instead.
 */
function wordsThen(buf: Uint8Array, from: number, to: number, after: number): Words | null {
  const len = to - from + 1;
  if (len < 4) return null;
  const bytes = new Uint8Array(len);
  bytes.set(buf.subarray(from, to));
  bytes[len - 1] = after;
  const view = new DataView(bytes.buffer, 0, len);
  const words = new Int32Array(Math.ceil(len / 4));
  for (let q = 0; q < words.length - 1; q++) words[q] = view.getInt32(q * 4, true);
  words[words.length - 1] = view.getInt32(len - 4, true);
  return { words, len, first: words[0]!, last: words[words.length - 1]!, long: words.length > 2 };
}

/**
 * Whether the `w.len` bytes of `view` at `at` are those of `w`, read four at a time (an unaligned
 * load each, which TurboFan inlines): the first and the last word from fields of `w`, then any
 * between from its array (keys and values of up to 8 bytes have none). The caller checks that they
 * lie within the line.
 */
function matches(view: DataView<ArrayBufferLike>, at: number, w: Words): boolean {
  if (view.getInt32(at, true) !== w.first || view.getInt32(at + w.len - 4, true) !== w.last) return false;
  if (!w.long) return true;
  const words = w.words;
  const last = words.length - 1;
  for (let q = 1; q < last; q++) if (view.getInt32(at + q * 4, true) !== words[q]) return false;
  return true;
}

/** A cached string value of a key: its text, its bytes, and its bytes and closing quote as {@link Words} (null when fewer than 4). */
interface Cached {
  readonly bytes: Uint8Array;
  readonly text: string;
  readonly quoted: Words | null;
}

/** One key position of a shape: the key read there, what may follow, and the constructor when the object may end here. */
interface Node {
  /** The key's bytes (ASCII or UTF-8 as written, without escapes). */
  readonly key: Uint8Array;
  /** The key as written without whitespace, `"key":`, as {@link Words}: most lines match it whole (null for the empty key, 3 bytes). */
  readonly written: Words | null;
  /** Nodes for the next key, tried in order (usually one or two; a match moves one place forward). */
  readonly next: Node[];
  /** Builds the object of the keys on the path to this node from the values read; null until a line ends here. */
  build: ((v: unknown[]) => Record<string, unknown>) | null;
  /** Recent string values of this key with their bytes; emptied for good once dropped (see CACHE_TRIAL). */
  cache: Cached[];
  /** Whether the cache was dropped after its trial (it is then empty and stays so). */
  dropped: boolean;
  lookups: number;
  hits: number;
  /** Keys on the path from the root, this one last. */
  readonly path: readonly string[];
  /** Whether this is the time key (see {@link FlatJsonReader.timeFrom}). */
  readonly time: boolean;
}

/** A copy of `buf[from, to)` (a Buffer's `slice` is a view of a buffer the caller reuses). */
function copy(buf: Uint8Array, from: number, to: number): Uint8Array {
  return new Uint8Array(buf.subarray(from, to));
}

/** Whether `bytes` and then a closing quote are at `buf[at]`, before `end` (a cached value of fewer than 3 bytes). */
function quotedAt(buf: Uint8Array, at: number, end: number, bytes: Uint8Array): boolean {
  const len = bytes.length;
  if (at + len >= end || buf[at + len] !== QUOTE) return false;
  for (let k = 0; k < len; k++) if (bytes[k] !== buf[at + k]) return false;
  return true;
}

function isWhitespace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Reads flat JSON object lines (see the module's comment). Not shared across threads. */
export class FlatJsonReader {
  private readonly root: Node[] = [];
  private nodes = 0;
  /** Values of the line being read, reused. */
  private readonly values: unknown[] = new Array<unknown>(MAX_KEYS).fill(undefined);
  /**
   * Where in the buffer the last line read holds the string value of the time key (the last one,
   * as JSON.parse keeps the last of a duplicate key): `[timeFrom, timeTo)`, without its quotes;
   * `timeFrom` is -1 when that line had no such string (no time key, or another kind of value).
   * Meaningful only after a {@link read} that returned an object. The ingest parses the time from
   * these bytes (timestamp.ts: parseTimestampBytes).
   */
  timeFrom = -1;
  timeTo = -1;
  /** The last buffer read, and a view of it ({@link viewOf}); kept until the next buffer (as the chunk's reader keeps it). */
  private viewed: Uint8Array | null = null;
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  /** A DataView of all of the buffer the last {@link read} read (its chunk), for a caller reading more of that line's bytes. */
  get lastView(): DataView<ArrayBufferLike> {
    return this.view;
  }

  /** Distinct key paths learned so far (trie nodes). */
  get size(): number {
    return this.nodes;
  }

  /**
   * What `JSON.parse(text)` returns, when the line is a flat JSON object this reader takes.
   * @param text - the line as decoded, without its newline
   * @param buf - a buffer holding the line's bytes at `[start, end)` (read, never kept); the line is
   *   read from its bytes only when each byte is one character of `text` (its length is `end - start`),
   *   else undefined is returned
   * @returns the object, or undefined when the line is to be parsed by `JSON.parse` (never throws)
   */
  read(text: string, buf: Uint8Array, start: number, end: number): Record<string, unknown> | undefined {
    this.timeFrom = -1;
    if (text.length !== end - start || buf[start] !== 0x7b /* { */) return undefined;
    let i = start + 1;
    while (isWhitespace(buf[i])) i++;
    if (buf[i] !== QUOTE) return undefined; // {} or not a key
    const view = this.viewOf(buf);
    let level = this.root;
    let node: Node | undefined;
    const values = this.values;
    let n = 0;
    for (;;) {
      // The key: its opening quote is at i. First as written without whitespace (`"key":`), four bytes at a time.
      const parent = node;
      node = undefined;
      for (let j = 0; j < level.length; j++) {
        const w = level[j]!.written;
        if (w !== null && i + w.len <= end && matches(view, i, w)) {
          node = level[j]!;
          i += w.len;
          if (j > 0) {
            // One place forward (transposition): the keys of the most frequent shapes come first after a while.
            level[j] = level[j - 1]!;
            level[j - 1] = node;
          }
          break;
        }
      }
      if (node === undefined) {
        // Then byte by byte: a learned key matches when its bytes and then a quote follow, and a colon after any whitespace.
        const ks = i + 1;
        for (let j = 0; j < level.length; j++) {
          const key = level[j]!.key;
          const klen = key.length;
          if (ks + klen >= end || buf[ks + klen] !== QUOTE) continue;
          let k = 0;
          while (k < klen && key[k] === buf[ks + k]) k++;
          if (k === klen) {
            node = level[j]!;
            break;
          }
        }
        if (node === undefined) {
          node = this.learn(level, parent, text, buf, ks - start, ks, end);
          if (node === undefined) return undefined;
        }
        i = ks + node.key.length + 1;
        while (isWhitespace(buf[i])) i++;
        if (buf[i] !== COLON) return undefined;
        i++;
      }
      while (isWhitespace(buf[i])) i++;
      if (i >= end) return undefined;
      const c = buf[i]!;
      // The value.
      if (c === QUOTE) {
        const vs = i + 1;
        // A value the key's cache holds, followed by its closing quote: its bytes were checked when it was cached.
        const cache = node.cache;
        let hit: Cached | undefined;
        for (let k = 0; k < cache.length; k++) {
          const e = cache[k]!;
          const q = e.quoted;
          if (q !== null ? vs + q.len <= end && matches(view, vs, q) : quotedAt(buf, vs, end, e.bytes)) {
            hit = e;
            if (k > 0) {
              // One place forward, as for keys: the frequent values are compared first.
              cache[k] = cache[k - 1]!;
              cache[k - 1] = e;
            }
            break;
          }
        }
        let j: number;
        if (hit !== undefined) {
          values[n] = hit.text;
          j = vs + hit.bytes.length;
          node.hits++;
          if (++node.lookups === CACHE_TRIAL) this.trial(node);
        } else {
          // Four bytes at a time while none of them is a quote, a backslash or a control character
          // (the bit tests of "Determine if a word has a byte less than n" and "... equal to n",
          // Sean Eron Anderson's Bit Twiddling Hacks; exact as yes-or-no answers), then byte by byte.
          j = vs;
          while (j + 4 <= end) {
            const x = view.getInt32(j, true);
            const q = x ^ 0x22222222;
            const b = x ^ 0x5c5c5c5c;
            if ((((q - 0x01010101) & ~q) | ((b - 0x01010101) & ~b) | ((x - 0x20202020) & ~x)) & 0x80808080) break;
            j += 4;
          }
          for (;;) {
            if (j >= end) return undefined;
            const d = buf[j]!;
            if (d === QUOTE) break;
            if (d === BACKSLASH || d < 0x20) return undefined; // an escape, or a control character (JSON.parse throws)
            j++;
          }
          values[n] = this.string(node, text, buf, start, vs, j);
        }
        if (node.time) {
          this.timeFrom = vs;
          this.timeTo = j;
        }
        i = j + 1;
      } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
        // An integer of up to 15 digits in one pass (a count, a latency); any other number by numberEnd and numberAt.
        const ds = c === 0x2d ? i + 1 : i;
        let k = ds;
        let v = 0;
        for (; k < end; k++) {
          const d = buf[k]! - 0x30;
          if (d < 0 || d > 9) break;
          v = v * 10 + d;
        }
        const digits = k - ds;
        const after = k < end ? buf[k]! : -1;
        if (digits >= 1 && digits <= 15 && (digits === 1 || buf[ds] !== 0x30) && after !== 0x2e && after !== 0x65 && after !== 0x45 /* . e E */) {
          values[n] = c === 0x2d ? -v : v;
          i = k;
        } else {
          const e = numberEnd(buf, i, end);
          if (e < 0) return undefined;
          values[n] = numberAt(text, buf, start, i, e);
          i = e;
        }
      } else if (c === 0x74 /* t */ && buf[i + 1] === 0x72 && buf[i + 2] === 0x75 && buf[i + 3] === 0x65 && i + 4 <= end) {
        values[n] = true;
        i += 4;
      } else if (c === 0x66 /* f */ && buf[i + 1] === 0x61 && buf[i + 2] === 0x6c && buf[i + 3] === 0x73 && buf[i + 4] === 0x65 && i + 5 <= end) {
        values[n] = false;
        i += 5;
      } else if (c === 0x6e /* n */ && buf[i + 1] === 0x75 && buf[i + 2] === 0x6c && buf[i + 3] === 0x6c && i + 4 <= end) {
        values[n] = null;
        i += 4;
      } else return undefined; // a nested object or array, or not JSON
      if (node.time && c !== QUOTE) this.timeFrom = -1;
      n++;
      while (i < end && isWhitespace(buf[i])) i++;
      if (i >= end) return undefined;
      if (buf[i] === COMMA) {
        if (n === MAX_KEYS) return undefined;
        i++;
        while (i < end && isWhitespace(buf[i])) i++;
        if (i >= end || buf[i] !== QUOTE) return undefined;
        level = node.next;
        continue;
      }
      if (buf[i] !== CLOSE) return undefined;
      i++;
      while (i < end && isWhitespace(buf[i])) i++;
      if (i < end) return undefined; // something after the object: JSON.parse throws
      const build = node.build ?? (node.build = compile(node.path));
      return build(values); // values past n are a former line's: not read (the constructor reads n of them)
    }
  }

  /**
   * A view of `buf`'s bytes, made again only when the buffer is another one (a chunk holds many
   * lines). Keyed by the buffer itself: asking a buffer for its `.buffer` costs more than the view.
   */
  private viewOf(buf: Uint8Array): DataView<ArrayBufferLike> {
    if (buf !== this.viewed) {
      this.viewed = buf;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    return this.view;
  }

  /**
   * A new trie node under `parent` for the key starting at `buf[ks]` (`text[tks]`); undefined when
   * the key is not taken (an escape, a control character, `__proto__`, no closing quote) or the trie is full.
   */
  private learn(level: Node[], parent: Node | undefined, text: string, buf: Uint8Array, tks: number, ks: number, end: number): Node | undefined {
    if (this.nodes >= MAX_NODES) return undefined;
    let ke = ks;
    for (;;) {
      if (ke >= end) return undefined;
      const d = buf[ke]!;
      if (d === QUOTE) break;
      if (d === BACKSLASH || d < 0x20) return undefined;
      ke++;
    }
    const key = text.slice(tks, tks + (ke - ks));
    if (key === '__proto__') return undefined; // an object literal would set the prototype; JSON.parse makes an own key
    const node: Node = { key: copy(buf, ks, ke), written: wordsThen(buf, ks - 1, ke + 1, COLON), next: [], build: null, cache: [], dropped: false, lookups: 0, hits: 0, path: [...(parent?.path ?? []), key], time: key === TIME_KEY };
    level.push(node);
    this.nodes++;
    return node;
  }

  /** The string value at `buf[from, to)` (`text[from - start, to - start)`) that the key's cache does not hold: cached while there is room. */
  private string(node: Node, text: string, buf: Uint8Array, start: number, from: number, to: number): string {
    const s = text.slice(from - start, to - start);
    const cache = node.cache;
    if (node.dropped || to - from > CACHE_MAX_LENGTH) return s;
    if (cache.length < CACHE_SIZE) {
      cache.push({ bytes: copy(buf, from, to), text: s, quoted: wordsThen(buf, from, to, QUOTE) });
    }
    if (++node.lookups === CACHE_TRIAL) this.trial(node);
    return s;
  }

  /** Keeps a key's cache after its trial when at least half its lookups were hits; drops it otherwise. */
  private trial(node: Node): void {
    if (node.hits * 2 < node.lookups) {
      node.cache.length = 0;
      node.dropped = true;
    }
    node.lookups = CACHE_TRIAL + 1; // no second trial
  }
}

/**
 * The end of a JSON number starting at `buf[i]`, before `end` (the JSON grammar:
 * `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`).
 * @returns the index just past it, or -1 when it is not one
 */
function numberEnd(buf: Uint8Array, i: number, end: number): number {
  if (buf[i] === 0x2d) i++;
  let c = i < end ? buf[i]! : -1;
  if (c === 0x30) c = ++i < end ? buf[i]! : -1;
  else if (c >= 0x31 && c <= 0x39) {
    do c = ++i < end ? buf[i]! : -1;
    while (c >= 0x30 && c <= 0x39);
  } else return -1;
  if (c === 0x2e /* . */) {
    c = ++i < end ? buf[i]! : -1;
    if (!(c >= 0x30 && c <= 0x39)) return -1;
    do c = ++i < end ? buf[i]! : -1;
    while (c >= 0x30 && c <= 0x39);
  }
  if (c === 0x65 || c === 0x45 /* e E */) {
    c = ++i < end ? buf[i]! : -1;
    if (c === 0x2b || c === 0x2d) c = ++i < end ? buf[i]! : -1;
    if (!(c >= 0x30 && c <= 0x39)) return -1;
    do c = ++i < end ? buf[i]! : -1;
    while (c >= 0x30 && c <= 0x39);
  }
  return i;
}

/**
 * The value of the JSON number at `buf[from, to)`: integers of up to 15 digits summed exactly (below
 * 2^53), anything else by `Number` of its text, which reads a JSON number as `JSON.parse` does
 * (both round to the nearest float64).
 */
function numberAt(text: string, buf: Uint8Array, start: number, from: number, to: number): number {
  const neg = buf[from] === 0x2d;
  let i = neg ? from + 1 : from;
  if (to - i <= 15) {
    let v = 0;
    for (; i < to; i++) {
      const d = buf[i]! - 0x30;
      if (d < 0 || d > 9) return Number(text.slice(from - start, to - start));
      v = v * 10 + d;
    }
    return neg ? -v : v;
  }
  return Number(text.slice(from - start, to - start));
}

/** A constructor of the object of `keys` (in order) from an array of values: one object literal, one hidden class. */
function compile(keys: readonly string[]): (v: unknown[]) => Record<string, unknown> {
  // Each key is written as a JSON string literal, which is a JavaScript string literal too.
  const body = `return {${keys.map((k, i) => `${JSON.stringify(k)}: v[${i}]`).join(', ')}};`;
  // The keys are quoted by JSON.stringify: no text of a line is evaluated as code.
  return new Function('v', body) as (v: unknown[]) => Record<string, unknown>;
}
