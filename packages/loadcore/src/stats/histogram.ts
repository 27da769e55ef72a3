/** The latency figures of a histogram, in milliseconds (`count` is a number of values). */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

/**
 * A histogram as a plain, structured-clone friendly object: only the non-empty buckets,
 * as a flat list of `[index, count, index, count, ...]` pairs.
 */
export interface SerializedHistogram {
  /** Serialisation layout version, 1. */
  v: 1;
  /** Significant decimal digits of precision (3). */
  digits: number;
  /** Number of recorded values. */
  count: number;
  /** Exact smallest recorded value, ms (0 when empty). */
  min: number;
  /** Exact largest recorded value, ms (0 when empty). */
  max: number;
  /** Exact sum of the recorded values, ms. */
  sum: number;
  /** Sparse bucket counts: `[index, count, index, count, ...]`. */
  buckets: number[];
}

// Values are stored as integer microseconds. 3 significant digits need 2 * 10^3 distinct values at unit
// resolution, rounded up to a power of two: 2048 sub-buckets, of which the upper half (1024) is used in every
// bucket after the first. Each bucket doubles the unit, so the relative error stays under 1 / 1024.
const SIGNIFICANT_DIGITS = 3;
const SUB_BUCKET_HALF_COUNT_MAGNITUDE = 10;
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
const SUB_BUCKET_MASK = 2 * SUB_BUCKET_HALF_COUNT - 1;
/** One hour in microseconds: the highest trackable value (larger values are clamped). */
const HIGHEST_TRACKABLE = 3_600_000_000;
const BUCKET_COUNT = 22; // 2048 * 2^21 > 3.6e9
const COUNTS_LENGTH = (BUCKET_COUNT + 1) * SUB_BUCKET_HALF_COUNT;

function bucketIndexOf(value: number): number {
  // value < 2^32 always (clamped to one hour), so clz32 gives the highest set bit.
  return 31 - Math.clz32(value | SUB_BUCKET_MASK) - SUB_BUCKET_HALF_COUNT_MAGNITUDE;
}

function countsIndexOf(value: number): number {
  const bucketIndex = bucketIndexOf(value);
  const subBucketIndex = value >>> bucketIndex; // value < 2^32: an unsigned shift is exact
  return ((bucketIndex + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + subBucketIndex - SUB_BUCKET_HALF_COUNT;
}

/** Lowest value (µs) that lands in counts index `index`, and the size of its range. */
function rangeOfIndex(index: number): { lowest: number; size: number } {
  let bucketIndex = (index >> SUB_BUCKET_HALF_COUNT_MAGNITUDE) - 1;
  let subBucketIndex = (index & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT;
  if (bucketIndex < 0) {
    subBucketIndex -= SUB_BUCKET_HALF_COUNT;
    bucketIndex = 0;
  }
  const size = 2 ** bucketIndex;
  return { lowest: subBucketIndex * size, size };
}

/** Milliseconds rounded to the microsecond (the unit of the buckets), for compact JSON. */
export function toMicrosecond(valueMs: number): number {
  return Math.round(valueMs * 1000) / 1000;
}

function isSerializedHistogram(value: unknown): value is SerializedHistogram {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    candidate.v === 1 &&
    candidate.digits === SIGNIFICANT_DIGITS &&
    typeof candidate.count === "number" &&
    typeof candidate.min === "number" &&
    typeof candidate.max === "number" &&
    typeof candidate.sum === "number" &&
    Array.isArray(candidate.buckets) &&
    candidate.buckets.length % 2 === 0
  );
}

/**
 * An HDR-style log-linear latency histogram: values from 1 µs to 1 hour with 3 significant digits,
 * fixed memory, O(1) `record`, mergeable and serialisable.
 *
 * Percentiles use the nearest-rank definition (the smallest recorded value such that at least p% of
 * the values are less than or equal to it), reported as the highest value of that value's bucket and
 * clamped to the exact min and max: within 0.1% (plus 1 µs) of the exact percentile.
 */
export class LatencyHistogram {
  #counts = new Float64Array(COUNTS_LENGTH);
  #count = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;
  #sum = 0;
  // Range of touched indexes, to keep serialise/reset cheap on sparse histograms.
  #lowestIndex = COUNTS_LENGTH;
  #highestIndex = -1;

  /** Records one latency in milliseconds (negative or NaN values are ignored; above 1 h is clamped). */
  record(valueMs: number): void {
    if (!(valueMs >= 0)) return;
    let microseconds = Math.round(valueMs * 1000);
    if (microseconds > HIGHEST_TRACKABLE) microseconds = HIGHEST_TRACKABLE;
    const index = countsIndexOf(microseconds);
    this.#counts[index] = (this.#counts[index] ?? 0) + 1;
    if (index < this.#lowestIndex) this.#lowestIndex = index;
    if (index > this.#highestIndex) this.#highestIndex = index;
    this.#count++;
    this.#sum += valueMs;
    if (valueMs < this.#min) this.#min = valueMs;
    if (valueMs > this.#max) this.#max = valueMs;
  }

  /** Adds every value of `other` (a histogram or its serialised form) into this one. */
  merge(other: LatencyHistogram | SerializedHistogram): void {
    const serialized = other instanceof LatencyHistogram ? other.serialize() : other;
    if (!isSerializedHistogram(serialized)) {
      throw new TypeError("LatencyHistogram.merge: not a serialised histogram (v 1, 3 digits)");
    }
    if (serialized.count === 0) return;
    const buckets = serialized.buckets;
    for (let position = 0; position < buckets.length; position += 2) {
      const index = buckets[position] as number;
      const count = buckets[position + 1] as number;
      if (!Number.isInteger(index) || index < 0 || index >= COUNTS_LENGTH || !(count >= 0)) {
        throw new TypeError(`LatencyHistogram.merge: bucket ${index} out of range`);
      }
      this.#counts[index] = (this.#counts[index] ?? 0) + count;
      if (index < this.#lowestIndex) this.#lowestIndex = index;
      if (index > this.#highestIndex) this.#highestIndex = index;
    }
    this.#count += serialized.count;
    this.#sum += serialized.sum;
    if (serialized.min < this.#min) this.#min = serialized.min;
    if (serialized.max > this.#max) this.#max = serialized.max;
  }

  /** The value (ms) at percentile `p` (0..100), nearest-rank, within the histogram's precision. 0 when empty. */
  percentile(p: number): number {
    if (this.#count === 0) return 0;
    const requested = Math.min(100, Math.max(0, p));
    const rank = Math.max(1, Math.ceil((requested / 100) * this.#count - 1e-9));
    let seen = 0;
    for (let index = this.#lowestIndex; index <= this.#highestIndex; index++) {
      seen += this.#counts[index] ?? 0;
      if (seen >= rank) {
        // The highest non-empty bucket holds the exact max (also when values above an hour were clamped).
        if (index === this.#highestIndex) return this.#max;
        const { lowest, size } = rangeOfIndex(index);
        const highestMs = (lowest + size - 1) / 1000;
        return Math.min(this.#max, Math.max(this.#min, highestMs));
      }
    }
    return this.#max;
  }

  /** Number of recorded values. */
  get count(): number {
    return this.#count;
  }

  /** Smallest recorded value (ms), 0 when empty. */
  get min(): number {
    return this.#count === 0 ? 0 : this.#min;
  }

  /** Largest recorded value (ms), 0 when empty. */
  get max(): number {
    return this.#count === 0 ? 0 : this.#max;
  }

  /** Exact mean (ms), 0 when empty. */
  get mean(): number {
    return this.#count === 0 ? 0 : this.#sum / this.#count;
  }

  /** count, min, mean, p50, p90, p95, p99, p999, max; milliseconds rounded to the microsecond. */
  summary(): LatencySummary {
    return {
      count: this.#count,
      min: toMicrosecond(this.min),
      mean: toMicrosecond(this.mean),
      p50: toMicrosecond(this.percentile(50)),
      p90: toMicrosecond(this.percentile(90)),
      p95: toMicrosecond(this.percentile(95)),
      p99: toMicrosecond(this.percentile(99)),
      p999: toMicrosecond(this.percentile(99.9)),
      max: toMicrosecond(this.max),
    };
  }

  /** A compact plain object (sparse buckets) that {@link LatencyHistogram.from} reads back. */
  serialize(): SerializedHistogram {
    const buckets: number[] = [];
    for (let index = this.#lowestIndex; index <= this.#highestIndex; index++) {
      const count = this.#counts[index] ?? 0;
      if (count !== 0) buckets.push(index, count);
    }
    return {
      v: 1,
      digits: SIGNIFICANT_DIGITS,
      count: this.#count,
      min: this.min,
      max: this.max,
      sum: this.#sum,
      buckets,
    };
  }

  /** Rebuilds a histogram from {@link LatencyHistogram.serialize}'s output (validated). */
  static from(serialized: SerializedHistogram): LatencyHistogram {
    const histogram = new LatencyHistogram();
    histogram.merge(serialized);
    return histogram;
  }

  /** Empties the histogram. */
  reset(): void {
    if (this.#highestIndex >= 0) this.#counts.fill(0, this.#lowestIndex, this.#highestIndex + 1);
    this.#lowestIndex = COUNTS_LENGTH;
    this.#highestIndex = -1;
    this.#count = 0;
    this.#sum = 0;
    this.#min = Number.POSITIVE_INFINITY;
    this.#max = Number.NEGATIVE_INFINITY;
  }
}
