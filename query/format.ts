/**
 * Figures in words: how thresholds and values are written in panel descriptions, alert
 * descriptions and runbooks, so that each sentence that names a threshold is made from the constant
 * in `alert-rules/thresholds.ts` and changes with it.
 */

/** A 0-1 ratio as a percentage, for descriptions: `0.05` → `5 %`. */
export function pct(ratio: number): string {
  return `${Number((ratio * 100).toPrecision(6))} %`;
}

/** Seconds in the unit that reads best, for descriptions: `0.0001` → `100 µs`, `0.005` → `5 ms`. */
export function dur(seconds: number): string {
  const [scale, unit] = seconds >= 1 ? [1, 's'] : seconds >= 1e-3 ? [1e3, 'ms'] : seconds >= 1e-6 ? [1e6, 'µs'] : [1e9, 'ns'];
  return `${Number((seconds * scale).toPrecision(6))} ${unit}`;
}

/**
 * A number as PromQL and JavaScript write it, for expressions in runbooks: `0.05`, `0.0001`, `14400`.
 * The same text the PromQL builder writes for a comparison (`.gt(0.05)` → `> 0.05`).
 */
export function num(n: number): string {
  return String(n);
}

/** A count with thousands separators, for prose: `10000` → `10,000`. */
export function count(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 6 });
}

/**
 * Seconds in words, for runbook prose: whole hours as `4 hours`, whole minutes as `2 minutes` or `1
 * minute`, anything else as {@link dur} does (`5 s`, `90 s`, `100 µs`).
 */
export function durWords(seconds: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (seconds >= 3600 && seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  if (seconds >= 60 && seconds % 60 === 0) return plural(seconds / 60, 'minute');
  return dur(seconds);
}

/** Go's `%.4g` for a magnitude in [1, 1000) or a percentage: four significant digits, no trailing zeros. */
function g4(v: number): string {
  return String(Number(v.toPrecision(4)));
}

/**
 * Seconds as alert descriptions write them, in Prometheus' own notation: from 1 s up as Prometheus
 * writes a duration (`for:`, range selectors): `10s`, `5m`, `2h`, `1h30m`, `1s500ms` (whole
 * milliseconds); under 1 s as the template function `humanizeDuration` does: `5ms`, `100us`,
 * `24.85ms` (four significant digits, `us` for µs). `humanizeDuration` itself writes `5m 0s` for 300 s;
 * a threshold reads better as `5m`, which is also what a `for:` of 300 s is written as. 0 is `0s`.
 * @param seconds - a duration in seconds, >= 0
 * @throws RangeError when `seconds` is negative, NaN or infinite
 */
export function promDur(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`promDur: ${seconds} is not a duration in seconds`);
  if (seconds === 0) return '0s';
  if (seconds < 1) {
    const [scale, unit] = seconds >= 1e-3 ? [1e3, 'ms'] : seconds >= 1e-6 ? [1e6, 'us'] : [1e9, 'ns'];
    return `${g4(seconds * scale)}${unit}`;
  }
  let ms = Math.round(seconds * 1000);
  let out = '';
  const units: [string, number, boolean][] = [
    ['y', 365 * 86_400_000, true],
    ['w', 7 * 86_400_000, true],
    ['d', 86_400_000, false],
    ['h', 3_600_000, false],
    ['m', 60_000, false],
    ['s', 1000, false],
    ['ms', 1, false],
  ];
  for (const [unit, size, exact] of units) {
    if (exact && ms % size !== 0) continue;
    const n = Math.floor(ms / size);
    if (n > 0) {
      out += `${n}${unit}`;
      ms -= n * size;
    }
  }
  return out;
}

/**
 * A 0-1 ratio as alert descriptions write it, like Prometheus' `humanizePercentage` (`%.4g%%` of
 * the ratio times 100): `0.8` → `80%`, `0.03125` → `3.125%`.
 * @throws RangeError when `ratio` is NaN or infinite
 */
export function promPct(ratio: number): string {
  if (!Number.isFinite(ratio)) throw new RangeError(`promPct: ${ratio} is not a ratio`);
  return `${g4(ratio * 100)}%`;
}

/**
 * A number as alert descriptions write it, like Prometheus' `humanize`: four significant digits
 * with an SI prefix, `10000` → `10k`, `25000` → `25k`, `1500000` → `1.5M`, `0.1` → `100m`, `0` → `0`.
 * @throws RangeError when `n` is NaN or infinite
 */
export function promNum(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`promNum: ${n} is not a finite number`);
  if (n === 0) return '0';
  let v = n;
  let prefix = '';
  if (Math.abs(v) >= 1) {
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
  } else {
    for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
      if (Math.abs(v) >= 1) break;
      prefix = p;
      v *= 1000;
    }
  }
  return `${g4(v)}${prefix}`;
}
