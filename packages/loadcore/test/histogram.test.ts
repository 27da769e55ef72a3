import { describe, expect, it } from "vitest";
import { LatencyHistogram } from "../src/stats/histogram.js";

/** A small seeded PRNG so that a failure can be reproduced. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

function logNormalSamples(count: number, seed: number): number[] {
  const random = seededRandom(seed);
  const values: number[] = [];
  for (let index = 0; index < count; index++) {
    const gaussian = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    values.push(Math.exp(1.5 + 1.2 * gaussian)); // median ~4.5 ms, long tail
  }
  return values;
}

function exactPercentile(sorted: readonly number[], p: number): number {
  // Nearest rank; the epsilon absorbs float noise (0.9999 * 20000 must be rank 19998, not 19999).
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length - 1e-9));
  return sorted[rank - 1] as number;
}

/** 3 significant digits: relative error under 1/1024, plus the 1 µs unit (0.5 µs rounding). */
function expectWithinPrecision(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(expected / 1024 + 0.001);
}

describe("LatencyHistogram", () => {
  it("matches exact sorted-array percentiles on random data within its precision", () => {
    for (const seed of [1, 2, 3]) {
      const values = logNormalSamples(20_000, seed);
      const histogram = new LatencyHistogram();
      for (const value of values) histogram.record(value);
      const sorted = [...values].sort((left, right) => left - right);
      for (const p of [1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99]) {
        expectWithinPrecision(histogram.percentile(p), exactPercentile(sorted, p));
      }
      expect(histogram.count).toBe(values.length);
      expect(histogram.min).toBe(sorted[0]);
      expect(histogram.max).toBe(sorted[sorted.length - 1]);
      expect(histogram.percentile(100)).toBe(histogram.max);
      expect(histogram.percentile(0)).toBe(histogram.min);
      const exactMean = values.reduce((sum, value) => sum + value, 0) / values.length;
      expect(histogram.mean).toBeCloseTo(exactMean, 6);
    }
  });

  it("is exact for small integer-microsecond values and tracks values up to an hour", () => {
    const histogram = new LatencyHistogram();
    for (const value of [0.001, 0.5, 1, 2, 2, 3]) histogram.record(value);
    expect(histogram.percentile(50)).toBe(1);
    expect(histogram.percentile(100)).toBe(3);
    histogram.record(3_000_000); // 50 minutes
    expectWithinPrecision(histogram.percentile(100), 3_000_000);
    histogram.record(10_000_000); // above an hour: clamped in the buckets, exact max kept
    expect(histogram.max).toBe(10_000_000);
    expect(histogram.percentile(100)).toBe(10_000_000);
  });

  it("rounds its summary to the microsecond for compact JSON", () => {
    const histogram = new LatencyHistogram();
    histogram.record(1.23456789);
    histogram.record(193.659207000001);
    expect(histogram.summary()).toMatchObject({
      min: 1.235,
      max: 193.659,
      mean: 97.447,
      p50: 1.235,
      p99: 193.659,
    });
  });

  it("ignores negative and NaN values and answers 0 when empty", () => {
    const histogram = new LatencyHistogram();
    histogram.record(-1);
    histogram.record(Number.NaN);
    expect(histogram.count).toBe(0);
    expect(histogram.summary()).toEqual({
      count: 0,
      min: 0,
      mean: 0,
      p50: 0,
      p90: 0,
      p95: 0,
      p99: 0,
      p999: 0,
      max: 0,
    });
  });

  it("merges across processes: parts merged through structured clone equal the whole", () => {
    const values = logNormalSamples(9_000, 7);
    const whole = new LatencyHistogram();
    const parts = [new LatencyHistogram(), new LatencyHistogram(), new LatencyHistogram()];
    values.forEach((value, index) => {
      whole.record(value);
      parts[index % 3]?.record(value);
    });
    const merged = new LatencyHistogram();
    for (const part of parts) merged.merge(structuredClone(part.serialize()));
    expect(merged.serialize()).toEqual(whole.serialize());
    expect(merged.summary()).toEqual(whole.summary());
    const direct = new LatencyHistogram();
    for (const part of parts) direct.merge(part);
    expect(direct.summary()).toEqual(whole.summary());
  });

  it("serialises compactly and round-trips through JSON", () => {
    const histogram = new LatencyHistogram();
    for (const value of logNormalSamples(50_000, 11)) histogram.record(value);
    const serialized = histogram.serialize();
    expect(serialized.buckets.length).toBeLessThan(2 * 10_000);
    const text = JSON.stringify(serialized);
    expect(text.length).toBeLessThan(150_000);
    const restored = LatencyHistogram.from(JSON.parse(text));
    expect(restored.summary()).toEqual(histogram.summary());
  });

  it("refuses something that is not a serialised histogram", () => {
    const histogram = new LatencyHistogram();
    expect(() => histogram.merge({ v: 2 } as never)).toThrow(/not a serialised histogram/);
    expect(() =>
      histogram.merge({ v: 1, digits: 3, count: 1, min: 1, max: 1, sum: 1, buckets: [999_999, 1] }),
    ).toThrow(/out of range/);
  });

  it("resets to empty and records again", () => {
    const histogram = new LatencyHistogram();
    for (const value of [5, 6, 7]) histogram.record(value);
    histogram.reset();
    expect(histogram.count).toBe(0);
    expect(histogram.serialize().buckets).toEqual([]);
    histogram.record(42);
    expect(histogram.summary().p50).toBeCloseTo(42, 1);
    expect(histogram.min).toBe(42);
  });
});
