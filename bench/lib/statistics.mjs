/**
 * The median of some numbers: the middle one, or the mean of the two middle ones.
 *
 * @param {number[]} values
 * @returns {number | undefined} undefined for no values
 */
export function median(values) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  const upper = /** @type {number} */ (sorted[middle]);
  return sorted.length % 2 === 1 ? upper : /** @type {number} */ (sorted[middle - 1] + upper) / 2;
}

/**
 * The ratio of two medians, or undefined when either is missing or the divisor is zero.
 *
 * @param {number | undefined} numerator
 * @param {number | undefined} denominator
 */
export function ratio(numerator, denominator) {
  if (numerator === undefined || denominator === undefined || denominator === 0) return undefined;
  return numerator / denominator;
}

/**
 * The ratios `numerator / denominator` of each round in which both tools ran and succeeded: runs of the
 * same round are back to back, so a slow phase of the machine weighs on both sides of a ratio.
 *
 * @param {Array<{ tool: string, round: number, ok: boolean, requestsPerSecond?: number, requestsPerCpuSecond?: number }>} runs
 * @param {string} numerator
 * @param {string} denominator
 * @param {"requestsPerSecond" | "requestsPerCpuSecond"} [field] the figure compared (default req/s)
 * @returns {number[]} in round order
 */
export function pairedRatios(runs, numerator, denominator, field = "requestsPerSecond") {
  const rateOf = (/** @type {string} */ tool, /** @type {number} */ round) =>
    runs.find((run) => run.tool === tool && run.round === round && run.ok)?.[field];
  const rounds = [...new Set(runs.map((run) => run.round))].sort((left, right) => left - right);
  return rounds.flatMap((round) => {
    const value = ratio(rateOf(numerator, round), rateOf(denominator, round));
    return value === undefined ? [] : [value];
  });
}

/**
 * A percentile bootstrap interval of the median: resamples the values with replacement `iterations`
 * times and takes the `(1 - level) / 2` and `(1 + level) / 2` quantiles of the resampled medians. The
 * generator is seeded (mulberry32), so the same values always give the same interval.
 *
 * @param {number[]} values
 * @param {{ level?: number, iterations?: number, seed?: number }} [options]
 * @returns {{ low: number, high: number } | undefined} undefined for fewer than 3 values
 */
export function bootstrapMedianInterval(values, { level = 0.95, iterations = 10_000, seed = 1 } = {}) {
  if (values.length < 3) return undefined;
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
  const medians = new Float64Array(iterations);
  const sample = new Array(values.length);
  for (let iteration = 0; iteration < iterations; iteration++) {
    for (let index = 0; index < values.length; index++)
      sample[index] = values[Math.floor(random() * values.length)];
    medians[iteration] = /** @type {number} */ (median(sample));
  }
  medians.sort();
  const at = (/** @type {number} */ quantile) =>
    /** @type {number} */ (
      medians[Math.min(iterations - 1, Math.max(0, Math.round(quantile * (iterations - 1))))]
    );
  return { low: at((1 - level) / 2), high: at((1 + level) / 2) };
}
