/**
 * Prometheus' `histogram_quantile` over cumulative bucket counts (linear interpolation inside the
 * bucket, as promql/quantile.go does), for tests that evaluate what an alert would see.
 * @param q - quantile, 0 to 1
 * @param bounds - upper bounds without +Inf
 * @param cumulative - cumulative counts, one per bound plus +Inf
 * @returns NaN when there are no observations
 */
export function histogramQuantile(q: number, bounds: readonly number[], cumulative: readonly number[]): number {
  const total = cumulative.at(-1)!;
  if (!(total > 0)) return NaN;
  const rank = q * total;
  let i = cumulative.findIndex((c) => c >= rank);
  if (i === bounds.length) return bounds.at(-1)!; // in the +Inf bucket: the highest finite bound
  if (i < 0) i = bounds.length - 1;
  const lower = i === 0 ? 0 : bounds[i - 1]!;
  const below = i === 0 ? 0 : cumulative[i - 1]!;
  const inBucket = cumulative[i]! - below;
  return lower + (bounds[i]! - lower) * (inBucket > 0 ? (rank - below) / inBucket : 0);
}
