/**
 * A strict reader of the Prometheus text exposition format (0.0.4) for tests: every sample line
 * becomes `{ name, labels, value }`. It throws on any line it does not understand, so a format
 * regression fails the test rather than being skipped.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

function parseValue(s: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (/^nan$/i.test(s)) return NaN;
  const v = Number(s);
  if (s === '' || Number.isNaN(v)) throw new Error(`bad sample value '${s}'`);
  return v;
}

/** Parses a whole exposition body. @throws Error naming the line that does not parse */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '' || line.startsWith('#')) continue;
    const m = NAME.exec(line);
    if (!m) throw new Error(`line ${i + 1}: no metric name: ${line}`);
    let pos = m[0].length;
    const labels: Record<string, string> = {};
    if (line[pos] === '{') {
      pos++;
      while (line[pos] !== '}') {
        const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(pos));
        if (!lm) throw new Error(`line ${i + 1}: bad label at ${pos}: ${line}`);
        pos += lm[0].length;
        let v = '';
        for (;;) {
          const c = line[pos++];
          if (c === undefined) throw new Error(`line ${i + 1}: unterminated label value`);
          if (c === '"') break;
          if (c === '\\') {
            const e = line[pos++];
            v += e === 'n' ? '\n' : e;
          } else v += c;
        }
        labels[lm[1]!] = v;
        if (line[pos] === ',') pos++;
      }
      pos++;
    }
    if (line[pos] !== ' ') throw new Error(`line ${i + 1}: expected a space before the value: ${line}`);
    const [value, ts, extra] = line.slice(pos + 1).split(' ');
    if (extra !== undefined || (ts !== undefined && !/^-?\d+$/.test(ts))) throw new Error(`line ${i + 1}: trailing data: ${line}`);
    out.push({ name: m[0], labels, value: parseValue(value!) });
  }
  return out;
}

/** The value of the one sample with this name and exactly these labels. @throws Error when absent or ambiguous */
export function valueOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  const keys = Object.keys(labels);
  const hits = samples.filter(
    (s) => s.name === name && Object.keys(s.labels).length === keys.length && keys.every((k) => s.labels[k] === labels[k]),
  );
  if (hits.length !== 1) throw new Error(`${hits.length} samples for ${name}${JSON.stringify(labels)}`);
  return hits[0]!.value;
}
