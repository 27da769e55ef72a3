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
