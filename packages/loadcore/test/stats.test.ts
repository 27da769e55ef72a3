import { describe, expect, it } from "vitest";
import { LatencyHistogram } from "../src/stats/histogram.js";
import { errorRatioPercent, StatsAggregator, StatsRecorder } from "../src/stats/stats.js";

function fakeClock(start: number): { now: () => number; advance: (ms: number) => void } {
  let current = start;
  return { now: () => current, advance: (ms) => (current += ms) };
}

describe("StatsRecorder", () => {
  it("counts requests by name, status and error class, and scenario runs, per interval", () => {
    const clock = fakeClock(1_000_000);
    const recorder = new StatsRecorder({ clock: clock.now });
    recorder.recordRequest("GET /", 2, 200);
    recorder.recordRequest("GET /", 4, 200);
    recorder.recordRequest("GET /", 6, 503);
    recorder.recordRequest("POST /items", 10, undefined, "refused");
    recorder.recordRequest("POST /items", 12, 201);
    recorder.recordScenario("browse", 20);
    recorder.recordScenario("browse", 30, "assertion");
    recorder.recordScenario("create", 25, "refused");
    clock.advance(1000);
    const interval = recorder.drain();

    expect(interval).toMatchObject({
      startTime: 1_000_000,
      endTime: 1_001_000,
      ok: 1,
      failed: 2,
      requests: 5,
    });
    expect(interval.statusCodes).toEqual({ "200": 2, "201": 1, "503": 1 });
    expect(interval.errors).toEqual({ assertion: 1, refused: 1 });
    expect(interval.latency.count).toBe(5);
    expect(interval.byRequest).toEqual([
      expect.objectContaining({
        name: "GET /",
        count: 3,
        ok: 2,
        failed: 1,
        statusCodes: { "200": 2, "503": 1 },
        errors: {},
      }),
      expect.objectContaining({
        name: "POST /items",
        count: 2,
        ok: 1,
        failed: 1,
        statusCodes: { "201": 1 },
        errors: { refused: 1 },
      }),
    ]);
    expect(interval.scenarios).toEqual([
      expect.objectContaining({ name: "browse", ok: 1, failed: 1, errors: { assertion: 1 } }),
      expect.objectContaining({ name: "create", ok: 0, failed: 1, errors: { refused: 1 } }),
    ]);
    expect(LatencyHistogram.from(interval.byRequest[0]?.latency ?? interval.latency).max).toBe(6);
    expect(structuredClone(interval)).toEqual(interval);
  });

  it("starts every interval empty after a drain", () => {
    const clock = fakeClock(0);
    const recorder = new StatsRecorder({ clock: clock.now });
    recorder.recordRequest("GET /", 2, 200);
    recorder.recordScenario("browse", 3);
    recorder.drain();
    clock.advance(1000);
    const empty = recorder.drain();
    expect(empty).toMatchObject({ startTime: 0, endTime: 1000, ok: 0, failed: 0, requests: 0 });
    expect(empty.byRequest).toEqual([]);
    expect(empty.scenarios).toEqual([]);
    expect(empty.statusCodes).toEqual({});
    expect(empty.latency.count).toBe(0);
    recorder.recordRequest("GET /", 8, 200);
    const next = recorder.drain();
    expect(next.byRequest).toEqual([expect.objectContaining({ name: "GET /", count: 1, ok: 1 })]);
    expect(next.latency.min).toBe(8);
  });
});

describe("StatsAggregator", () => {
  it("merges the intervals of several processes into one timeline point per second and totals", () => {
    const start = 1_795_676_400_000;
    const aggregator = new StatsAggregator({ startTime: start });
    const processes = [new StatsRecorder(), new StatsRecorder()] as const;
    // Second 0: process 0 does 10 ok requests at 1..10 ms; process 1 does 10 at 11..20 ms, 2 failing.
    for (let index = 1; index <= 10; index++) {
      processes[0].recordRequest("GET /", index, 200);
      processes[0].recordScenario("s", index);
      processes[1].recordRequest("GET /", 10 + index, index <= 2 ? 500 : 200);
      processes[1].recordScenario("s", 10 + index, index <= 2 ? "status" : undefined);
    }
    for (const recorder of processes) aggregator.add(structuredClone(recorder.drain()));
    const first = aggregator.closeSecond(start + 1000, 4, {
      cpuPercent: 55.55,
      eventLoopDelayMs: 3.21,
      rssBytes: 91_234_304,
    });
    expect(first).toEqual({
      t: 0,
      time: start,
      workers: 4,
      ok: 18,
      failed: 2,
      requests: 20,
      throughput: 20,
      errorRatio: 10,
      latency: first.latency,
      generatorCpuPercent: 55.6,
      eventLoopDelayMs: 3.21,
      generatorRssBytes: 91_234_304,
    });
    // Percentiles of both processes' values together, within the histogram's 0.1% precision.
    const expected = { p50: 10, p90: 18, p95: 19, p99: 20, max: 20 };
    for (const [key, value] of Object.entries(expected)) {
      expect(first.latency[key as keyof typeof expected]).toBeGreaterThanOrEqual(value);
      expect(first.latency[key as keyof typeof expected]).toBeLessThanOrEqual(value * 1.001);
    }
    expect(aggregator.lastSecondLatency?.count).toBe(20);

    // Second 1 lasts 500 ms (the last, partial one): 5 requests are 10 req/s.
    for (let index = 0; index < 5; index++) processes[0].recordRequest("POST /x", 100, 201);
    aggregator.add(processes[0].drain());
    const second = aggregator.closeSecond(start + 1500, 4);
    expect(second).toMatchObject({
      t: 1,
      time: start + 1000,
      requests: 5,
      throughput: 10,
      ok: 0,
      failed: 0,
      errorRatio: 0,
    });
    expect(second.generatorCpuPercent).toBe(0);
    expect(second).not.toHaveProperty("generatorRssBytes");

    // An empty second has zero latency figures, not NaN.
    const empty = aggregator.closeSecond(start + 2500, 4);
    expect(empty.latency).toEqual({ p50: 0, p90: 0, p95: 0, p99: 0, max: 0 });
    expect(aggregator.timeline.map((point) => point.t)).toEqual([0, 1, 2]);

    const totals = aggregator.totals();
    expect(totals).toMatchObject({
      ok: 18,
      failed: 2,
      requests: 25,
      statusCodes: { "200": 18, "201": 5, "500": 2 },
    });
    expect(totals.errors).toEqual({
      refused: 0,
      reset: 0,
      timeout: 0,
      dns: 0,
      tls: 0,
      status: 2,
      assertion: 0,
      aborted: 0,
      other: 0,
    });
    expect(totals.latency).toMatchObject({ count: 25, min: 1, max: 100 });
    expect(totals.scenarios).toEqual([
      expect.objectContaining({ name: "s", ok: 18, failed: 2, errors: { status: 2 } }),
    ]);
    expect(
      totals.byRequest.map((request) => [request.name, request.count, request.ok, request.failed]),
    ).toEqual([
      ["GET /", 20, 18, 2],
      ["POST /x", 5, 5, 0],
    ]);
    expect(totals.byRequest[0]?.latency.p50).toBeCloseTo(10, 1);
  });

  it("never divides by zero in the error ratio", () => {
    expect(errorRatioPercent(0, 0)).toBe(0);
    expect(errorRatioPercent(0, 5)).toBe(100);
    expect(errorRatioPercent(95, 5)).toBe(5);
  });
});
