import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlatJsonReader, MAX_KEYS, MAX_NODES } from '../../exporters/ingest/flat.js';

/**
 * The line placed in a larger buffer with other bytes around it (as a line sits in a read chunk),
 * read, and compared with JSON.parse: keys in the same order, the same values (-0 and NaN-free
 * numbers compared with Object.is).
 * @returns the reader's object, or undefined when it left the line to JSON.parse
 */
function readAndCompare(reader: FlatJsonReader, text: string): Record<string, unknown> | undefined {
  const bytes = Buffer.from(text, 'utf8');
  const buf = Buffer.concat([Buffer.from('{"x":1}\n'), bytes, Buffer.from('\n{"y":"z"}')]);
  const got = reader.read(text, buf, 8, 8 + bytes.length);
  let want: unknown;
  try {
    want = JSON.parse(text);
  } catch {
    expect(got, `JSON.parse throws on ${text}, the reader must leave it`).toBeUndefined();
    return undefined;
  }
  if (got === undefined) return undefined;
  expect(Object.keys(got)).toEqual(Object.keys(want as object));
  expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
  for (const k of Object.keys(got)) expect(Object.is(got[k], (want as Record<string, unknown>)[k]), `${k} in ${text}`).toBe(true);
  return got;
}

const TICK = '{"ts":"2026-11-23T01:00:00.000006437Z","level":"debug","component":"market_data","event":"feed.tick","feed":"tpex-md","type":"tick","symbol":"2454","count":1,"latency_ns":178882}';

describe('FlatJsonReader', () => {
  it('reads the lines of a flat object as JSON.parse does, the second time from its learned shape', () => {
    const r = new FlatJsonReader();
    expect(readAndCompare(r, TICK)).toEqual(JSON.parse(TICK));
    const nodes = r.size;
    expect(nodes).toBe(9);
    const next = TICK.replace('2454', '2330').replace('178882', '-0').replace('"count":1', '"count":1.5e3');
    expect(readAndCompare(r, next)).toMatchObject({ symbol: '2330', latency_ns: -0, count: 1500 });
    expect(r.size).toBe(nodes);
    // Whitespace as Python's json.dumps and pretty-printers write it, true, false, null, exponents, big integers.
    for (const line of [
      '{"event": "a.b", "level": "info", "ok": true, "no": false, "none": null, "n": -12.5e-3, "big": 123456789012345678901234567890}',
      '{ "a" : "x" ,\t"b" :\r\n1 } ',
      '{"k":"\u007f~","0":1,"a":2,"1":3}',
    ]) expect(readAndCompare(r, line), line).toBeDefined();
    // Written as UTF-8, a line outside ASCII has more bytes than characters: JSON.parse reads it.
    expect(readAndCompare(r, '{"é":"ü€😀"}')).toBeUndefined();
  });

  it('keeps the first place and the last value of a duplicate key, as JSON.parse does', () => {
    const got = readAndCompare(new FlatJsonReader(), '{"a":1,"b":2,"a":3}');
    expect(got).toEqual({ a: 3, b: 2 });
    expect(Object.keys(got!)).toEqual(['a', 'b']);
  });

  it('leaves to JSON.parse what it does not take, including every line JSON.parse refuses', () => {
    const r = new FlatJsonReader();
    const left = [
      '{}',
      '{"a":{"b":1}}',
      '{"a":[1]}',
      '{"a":"x\\"y"}', // an escape
      '{"a\\u0062":1}',
      '{"a":"tab\there"}', // a raw control character: JSON.parse throws
      '{"a":01}',
      '{"a":1.}',
      '{"a":-}',
      '{"a":.5}',
      '{"a":1e}',
      '{"a":+1}',
      '{"a":tru}',
      '{"a":nul}',
      '{"a":1,}',
      '{"a":1} x',
      '{"a":1}}',
      '{"a" 1}',
      '{"a":1',
      '{"a":"open',
      '{"__proto__":{"x":1}}',
      '{"__proto__":1}',
      '[1,2]',
      ' {"a":1}',
      'not json',
    ];
    for (const line of left) expect(readAndCompare(r, line), line).toBeUndefined();
    const wide = `{${Array.from({ length: MAX_KEYS + 1 }, (_, i) => `"k${i}":${i}`).join(',')}}`;
    expect(readAndCompare(r, wide)).toBeUndefined();
    expect(readAndCompare(r, `{${Array.from({ length: MAX_KEYS }, (_, i) => `"k${i}":${i}`).join(',')}}`)).toBeDefined();
  });

  it('reads only lines whose bytes are one character each (so that a byte index is a character index)', () => {
    const r = new FlatJsonReader();
    const text = '{"a":"é"}';
    const utf8 = Buffer.from(text, 'utf8');
    expect(r.read(text, utf8, 0, utf8.length)).toBeUndefined();
    const latin1 = Buffer.from(text, 'latin1');
    expect(r.read(text, latin1, 0, latin1.length)).toEqual({ a: 'é' });
  });

  it('finds a quote, a backslash or a control character at any place of a long string, four bytes at a time or one', () => {
    const r = new FlatJsonReader();
    for (let len = 0; len <= 21; len++) {
      const plain = 'abcdefghijklmnopqrstuvwxyz'.slice(0, len);
      // Read as a whole, at each of four alignments in the buffer (readAndCompare puts the line at byte 8; spaces shift it).
      for (const pad of ['', ' ', '  ', '   ']) expect(readAndCompare(r, `{${pad}"k":"${plain}",${pad}"n":1}`), `${len}/${pad.length}`).toEqual({ k: plain, n: 1 });
      for (let at = 0; at < len; at++) {
        // A quote, a backslash, and control characters, as raw characters in the line (JSON.parse refuses each, or reads an escape).
        for (const bad of [0x22, 0x5c, 0x01, 0x1f, 0x09, 0x00].map((c) => String.fromCharCode(c))) {
          const text = `{"k":"${plain.slice(0, at)}${bad}${plain.slice(at)}","n":1}`;
          expect(readAndCompare(r, text), JSON.stringify(text)).toBeUndefined();
        }
        // 0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7f are ordinary characters: next to the ones looked for, not them.
        for (const ok of [0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7f].map((c) => String.fromCharCode(c))) {
          const text = `{"k":"${plain.slice(0, at)}${ok}${plain.slice(at)}","n":1}`;
          expect(readAndCompare(r, text), JSON.stringify(text)).toEqual(JSON.parse(text));
        }
      }
    }
  });

  it('takes a cached value only when its closing quote follows, for values of every short length', () => {
    const r = new FlatJsonReader();
    const values = ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'abcdefgh', 'abcdefghi'];
    for (let round = 0; round < 3; round++) {
      for (const v of values) {
        for (const text of [`{"lv":"${v}","n":1}`, `{"lv":"${v}x","n":1}`, `{"lv":"${v}","n":1}`, `{"lv":"${v.slice(0, -1)}","n":1}`]) {
          expect(readAndCompare(r, text), text).toEqual(JSON.parse(text));
        }
      }
    }
    // The key as written with whitespace after a compact line taught it, and the empty key (shorter than four bytes).
    expect(readAndCompare(r, '{"lv" :"abc", "n" : 1}')).toEqual({ lv: 'abc', n: 1 });
    expect(readAndCompare(r, '{"":1,"lv":"a"}')).toEqual({ '': 1, lv: 'a' });
    expect(readAndCompare(r, '{"":2,"lv":"a"}')).toEqual({ '': 2, lv: 'a' });
  });

  it('reads integers of up to 15 digits in one pass, and every other number, as JSON.parse does', () => {
    const r = new FlatJsonReader();
    for (const num of ['0', '-0', '7', '-7', '10', '123456789012345', '-123456789012345', '1234567890123456', '12345678901234567890', '1.5', '1e3', '1E3', '-0.0', '0e0', '9007199254740993']) {
      const text = `{"n":${num},"m":${num}}`;
      expect(readAndCompare(r, text), text).toEqual(JSON.parse(text));
    }
    for (const num of ['00', '-01', '1.', '-', '1e', '0x1', '1-', '0.-1', '1..2', '.5']) expect(readAndCompare(r, `{"n":${num}}`), num).toBeUndefined();
    // Decimals of 1 to 17 digits, as prices and ratios are written.
    let seed = 7;
    const digit = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 10;
    for (let t = 0; t < 20_000; t++) {
      const total = 1 + (t % 17);
      const point = t % (total + 1);
      let num = Array.from({ length: total }, digit).join('').replace(/^0+(?=\d)/, '');
      if (point > 0 && point < num.length) num = `${num.slice(0, point)}.${num.slice(point)}`;
      if (t % 3 === 0) num = `-${num}`;
      const text = `{"price":${num}}`;
      expect(Object.is(readAndCompare(r, text)?.price, JSON.parse(text).price), text).toBe(true);
    }
  });

  it('keeps copies of what it learns: the caller reuses its buffer for the next chunk', () => {
    const r = new FlatJsonReader();
    const buf = Buffer.alloc(256);
    const put = (line: string) => {
      buf.fill(0x20);
      const n = buf.write(line, 0, 'latin1');
      return r.read(line, buf, 0, n);
    };
    // Twice each (the second read of a key's value is taken from its cache), then another line over the same bytes.
    for (let round = 0; round < 2; round++) {
      expect(put('{"level":"debug","symbol":"2330"}')).toEqual({ level: 'debug', symbol: '2330' });
      expect(put('{"level":"error","symbol":"2454"}')).toEqual({ level: 'error', symbol: '2454' });
      expect(put('{"lever":"debug","symbol":"2330"}')).toEqual({ lever: 'debug', symbol: '2330' });
    }
  });

  it('gives the same answers after a key drops its cache of values (too few repeats) and when repeats are many', () => {
    const r = new FlatJsonReader();
    for (let i = 0; i < 2000; i++) {
      const line = `{"id":"v${i % 3 === 0 ? 1 : i}","level":"${['debug', 'info', 'warn'][i % 3]}"}`;
      expect(readAndCompare(r, line)).toEqual(JSON.parse(line));
    }
  });

  it(`stops learning at ${MAX_NODES} key paths and still reads the shapes it knows`, () => {
    const r = new FlatJsonReader();
    expect(readAndCompare(r, TICK)).toBeDefined();
    for (let i = 0; r.size < MAX_NODES; i++) expect(readAndCompare(r, `{"key${i}":${i}}`)).toBeDefined();
    expect(readAndCompare(r, '{"another":1}')).toBeUndefined();
    expect(readAndCompare(r, TICK)).toEqual(JSON.parse(TICK));
  });

  it('agrees with JSON.parse on generated flat objects and on any text made from them (property)', () => {
    const key = fc.oneof(fc.constantFrom('ts', 'level', 'event', 'a', 'b', '0', '__proto__', 'constructor', 'é'), fc.string({ maxLength: 6 }));
    const value = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.string({ minLength: 13, maxLength: 40 }),
      fc.constantFrom('debug', 'info', 'market_data', '2330'),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom(0, -0, 1e21, 2 ** 53 + 1, 123456789012345, 1234567890123456),
      fc.boolean(),
      fc.constant(null),
    );
    const object = fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 8 }).map((kv) => `{${kv.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);
    const mutated = fc.tuple(object, fc.nat(), fc.constantFrom('', ' ', ',', '}', '"', '\\', '\n', '0', '-', '.', 'e', '{', '[', '\u0001')).map(([t, at, s]) => {
      const i = at % (t.length + 1);
      return t.slice(0, i) + s + t.slice(i + 1);
    });
    const r = new FlatJsonReader();
    let taken = 0;
    fc.assert(
      fc.property(fc.oneof(object, mutated), (text) => {
        if (readAndCompare(r, text) !== undefined) taken++;
      }),
      { numRuns: 3000 },
    );
    // Not vacuous: about 900 of the 3,000 texts are taken (the rest are mutated into something else, or not ASCII).
    expect(taken).toBeGreaterThan(500);
  });
});
