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

/**
 * An HDR-style log-linear latency histogram: values from 1 µs to 1 hour with 3 significant digits,
 * fixed memory, O(1) `record`, mergeable and serialisable.
 */
export class LatencyHistogram {
  /** Records one latency in milliseconds (negative or NaN values are ignored; above 1 h is clamped). */
  record(valueMs: number): void {
    void valueMs;
    throw new Error("todo");
  }

  /** Adds every value of `other` (a histogram or its serialised form) into this one. */
  merge(other: LatencyHistogram | SerializedHistogram): void {
    void other;
    throw new Error("todo");
  }

  /** The value (ms) at percentile `p` (0..100), nearest-rank, within the histogram's precision. 0 when empty. */
  percentile(p: number): number {
    void p;
    throw new Error("todo");
  }

  /** Number of recorded values. */
  get count(): number {
    throw new Error("todo");
  }

  /** Smallest recorded value (ms), 0 when empty. */
  get min(): number {
    throw new Error("todo");
  }

  /** Largest recorded value (ms), 0 when empty. */
  get max(): number {
    throw new Error("todo");
  }

  /** Exact mean (ms), 0 when empty. */
  get mean(): number {
    throw new Error("todo");
  }

  /** count, min, mean, p50, p90, p95, p99, p999, max. */
  summary(): LatencySummary {
    throw new Error("todo");
  }

  /** A compact plain object (sparse buckets) that {@link LatencyHistogram.from} reads back. */
  serialize(): SerializedHistogram {
    throw new Error("todo");
  }

  /** Rebuilds a histogram from {@link LatencyHistogram.serialize}'s output (validated). */
  static from(serialized: SerializedHistogram): LatencyHistogram {
    void serialized;
    throw new Error("todo");
  }

  /** Empties the histogram. */
  reset(): void {
    throw new Error("todo");
  }
}
