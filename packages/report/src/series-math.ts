// Small numeric helpers over time series with NaN for absent values.

/** The `fraction` quantile (0–1) of the finite values, or null when there are none. */
export function quantile(values: ArrayLike<number>, fraction: number): number | null {
  const finite: number[] = [];
  for (let index = 0; index < values.length; index++) {
    const value = values[index] as number;
    if (Number.isFinite(value)) finite.push(value);
  }
  if (finite.length === 0) return null;
  finite.sort((left, right) => left - right);
  const position = (finite.length - 1) * fraction;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = finite[lower] as number;
  return low + ((finite[upper] as number) - low) * (position - lower);
}

/** The values whose time lies in [from, to]. */
export function valuesBetween(
  times: ArrayLike<number>,
  values: ArrayLike<number>,
  from: number,
  to: number,
): number[] {
  const selected: number[] = [];
  for (let index = 0; index < times.length; index++) {
    const time = times[index] as number;
    if (time >= from && time <= to) selected.push(values[index] as number);
  }
  return selected;
}

/**
 * The largest finite value during the run (time >= 0) and its time; samples taken before the run's
 * start (a collector started first, or one with 1-second timestamps) count only when there is no other.
 * Null when there is no finite value.
 */
export function peakDuringRun(
  times: ArrayLike<number>,
  values: ArrayLike<number>,
): { value: number; at: number } | null {
  return peak(times, values, Number.POSITIVE_INFINITY, 0) ?? peak(times, values);
}

/** The largest finite value and its time between `from` and `until`, or null. */
export function peak(
  times: ArrayLike<number>,
  values: ArrayLike<number>,
  until = Number.POSITIVE_INFINITY,
  from = Number.NEGATIVE_INFINITY,
): { value: number; at: number } | null {
  let best: { value: number; at: number } | null = null;
  for (let index = 0; index < values.length; index++) {
    const value = values[index] as number;
    const time = times[index] as number;
    if (time > until) break;
    if (time < from) continue;
    if (Number.isFinite(value) && (best === null || value > best.value)) best = { value, at: time };
  }
  return best;
}

/**
 * When the level reached `threshold` for good: the start of the last run of samples at or above it
 * that began before `until` and lasted at least `count` samples (or was still going at `until`).
 * Up to `maxGap` consecutive samples below the threshold do not break a run; absent samples are skipped.
 */
export function saturationStart(
  times: ArrayLike<number>,
  values: ArrayLike<number>,
  threshold: number,
  count: number,
  until: number,
  maxGap = 2,
): number | null {
  let found: number | null = null;
  let runStart: number | null = null;
  let runLength = 0;
  let gap = 0;
  for (let index = 0; index < values.length; index++) {
    const time = times[index] as number;
    if (time > until) break;
    const value = values[index] as number;
    if (!Number.isFinite(value)) continue;
    if (value >= threshold) {
      if (runStart === null) runStart = time;
      runLength++;
      gap = 0;
      if (runLength >= count) found = runStart;
    } else if (runStart !== null && ++gap > maxGap) {
      runStart = null;
      runLength = 0;
      gap = 0;
    }
  }
  return runStart !== null ? (runLength >= count ? runStart : (found ?? runStart)) : found;
}

/** Pearson correlation of two equally long series over the indexes where both are finite. */
export function correlation(left: ArrayLike<number>, right: ArrayLike<number>): number | null {
  let count = 0;
  let sumLeft = 0;
  let sumRight = 0;
  for (let index = 0; index < left.length; index++) {
    const a = left[index] as number;
    const b = right[index] as number;
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    count++;
    sumLeft += a;
    sumRight += b;
  }
  if (count < 3) return null;
  const meanLeft = sumLeft / count;
  const meanRight = sumRight / count;
  let covariance = 0;
  let varianceLeft = 0;
  let varianceRight = 0;
  for (let index = 0; index < left.length; index++) {
    const a = left[index] as number;
    const b = right[index] as number;
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    covariance += (a - meanLeft) * (b - meanRight);
    varianceLeft += (a - meanLeft) ** 2;
    varianceRight += (b - meanRight) ** 2;
  }
  if (varianceLeft === 0 || varianceRight === 0) return null;
  return covariance / Math.sqrt(varianceLeft * varianceRight);
}

/** The last finite value, or null. */
export function lastFinite(values: ArrayLike<number> | undefined): number | null {
  if (!values) return null;
  for (let index = values.length - 1; index >= 0; index--) {
    const value = values[index] as number;
    if (Number.isFinite(value)) return value;
  }
  return null;
}

/** Element-wise `transform`, NaN where any input is NaN. */
export function combine(length: number, transform: (index: number) => number): Float64Array {
  const output = new Float64Array(length);
  for (let index = 0; index < length; index++) output[index] = transform(index);
  return output;
}

/** The value of `values` at the sample whose time is nearest to `at` (within `tolerance`), or NaN. */
export function valueNear(
  times: ArrayLike<number>,
  values: ArrayLike<number>,
  at: number,
  tolerance: number,
): number {
  let best = Number.NaN;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (let index = 0; index < times.length; index++) {
    const distance = Math.abs((times[index] as number) - at);
    const value = values[index] as number;
    if (distance <= tolerance && distance < bestDistance && Number.isFinite(value)) {
      best = value;
      bestDistance = distance;
    }
  }
  return best;
}
