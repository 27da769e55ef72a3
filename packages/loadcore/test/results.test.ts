import { describe, expect, it } from "vitest";
import { judgeSelfCheck } from "../src/engine/self-check.js";
import {
  buildResults,
  type LoadResults,
  parseResults,
  RESULTS_FORMAT_VERSION,
  readResults,
} from "../src/results/results.js";
import { SizingController } from "../src/sizing/sizing.js";
import { StatsAggregator, StatsRecorder } from "../src/stats/stats.js";

const START = Date.UTC(2026, 10, 26, 6, 50, 0);

/** A small but complete run: 3 seconds, two request names, failures, sizing. */
function sampleResults(withSizing = true): LoadResults {
  const aggregator = new StatsAggregator({ startTime: START });
  const recorder = new StatsRecorder();
  const sizing = new SizingController({ windowSeconds: 2, minSamples: 1 });
  for (let t = 0; t < 3; t++) {
    for (let index = 0; index < 10; index++) {
      recorder.recordRequest("GET /items/{id}", 2 + index, 200);
      const failing = t === 2 && index < 3;
      recorder.recordRequest("POST /items", 5 + index, failing ? 503 : 201, failing ? "status" : undefined);
      recorder.recordScenario("add_item", 8 + index, failing ? "status" : undefined);
    }
    aggregator.add(recorder.drain());
    const point = aggregator.closeSecond(START + (t + 1) * 1000, t + 1, {
      cpuPercent: 12,
      eventLoopDelayMs: 1.5,
    });
    sizing.observe(point, false, aggregator.lastSecondLatency);
  }
  return buildResults({
    toolVersion: "0.1.0",
    command: ["loadcore", "--sizing", "loadtest.ts"],
    host: { hostname: "node-1", cpus: 2, memoryBytes: 1024, platform: "linux" },
    startedAt: START,
    endedAt: START + 3000,
    interrupted: false,
    options: { workers: 3, processes: 1 },
    totals: aggregator.totals(),
    timeline: aggregator.timeline,
    ...(withSizing ? { sizing: sizing.verdict("duration") } : {}),
    selfCheck: judgeSelfCheck(aggregator.timeline, 2),
  });
}

describe("buildResults", () => {
  it("writes every documented field, in the documented order", () => {
    const results = sampleResults();
    expect(Object.keys(results)).toEqual([
      "format",
      "formatVersion",
      "tool",
      "command",
      "host",
      "startedAt",
      "endedAt",
      "durationSeconds",
      "interrupted",
      "options",
      "ok",
      "failed",
      "requests",
      "throughput",
      "scenariosPerSecond",
      "latency",
      "statusCodes",
      "errors",
      "scenarios",
      "byRequest",
      "timeline",
      "sizing",
      "selfCheck",
    ]);
    expect(results).toMatchObject({
      format: "loadcore-results",
      formatVersion: 1,
      tool: { name: "loadcore", version: "0.1.0", node: process.version },
      startedAt: "2026-11-26T06:50:00.000Z",
      endedAt: "2026-11-26T06:50:03.000Z",
      durationSeconds: 3,
      ok: 27,
      failed: 3,
      requests: 60,
      throughput: 20,
      scenariosPerSecond: 10,
      statusCodes: { "200": 30, "201": 27, "503": 3 },
    });
    expect(results.errors).toMatchObject({ status: 3, refused: 0, assertion: 0 });
    expect(results.timeline).toHaveLength(3);
    expect(results.timeline[2]).toMatchObject({
      t: 2,
      time: START + 2000,
      workers: 3,
      ok: 7,
      failed: 3,
      errorRatio: 30,
    });
    expect(results.sizing).toMatchObject({
      window: 2,
      minSamples: 1,
      stopReason: "error-ratio",
      reached: true,
    });
    expect(results.selfCheck.saturated).toBe(false);
    expect(Object.keys(sampleResults(false))).not.toContain("sizing");
  });

  it("keeps URL credentials out of the recorded command", () => {
    const results = buildResults({
      toolVersion: "0.1.0",
      command: [
        "loadcore",
        "--config",
        "https://alice:s3cret@example.test/molotov.json",
        "http://127.0.0.1:8080/x",
      ],
      startedAt: START,
      endedAt: START + 1000,
      interrupted: false,
      options: {},
      totals: new StatsAggregator({ startTime: START }).totals(),
      timeline: [],
      selfCheck: judgeSelfCheck([], 1),
    });
    expect(results.command).toEqual([
      "loadcore",
      "--config",
      "https://***@example.test/molotov.json",
      "http://127.0.0.1:8080/x",
    ]);
  });

  it("defaults the host to this machine", () => {
    const results = buildResults({
      toolVersion: "0.1.0",
      command: ["loadcore", "x.ts"],
      startedAt: START,
      endedAt: START,
      interrupted: true,
      options: {},
      totals: new StatsAggregator({ startTime: START }).totals(),
      timeline: [],
      selfCheck: judgeSelfCheck([], 1),
    });
    expect(results.host.cpus).toBeGreaterThan(0);
    expect(results.host.memoryBytes).toBeGreaterThan(0);
    expect(results).toMatchObject({
      durationSeconds: 0,
      throughput: 0,
      scenariosPerSecond: 0,
      interrupted: true,
    });
  });
});

describe("readResults", () => {
  it("reads what a newer producer adds, as docs/formats.md's policy says: unknown keys, error classes, stop reasons", () => {
    const newer = {
      ...sampleResults(),
      addedLater: { note: "a field of loadcore-results 1.x" },
      errors: { ...sampleResults().errors, quic: 2 },
    } as Record<string, unknown>;
    (newer.sizing as Record<string, unknown>).stopReason = "budget";
    const read = parseResults(JSON.parse(JSON.stringify(newer)), "newer.json");
    expect(read).toMatchObject({ addedLater: { note: "a field of loadcore-results 1.x" } });
    expect(read.errors?.quic).toBe(2);
    expect(read.sizing?.stopReason).toBe("budget");
  });

  it("reads back what buildResults wrote", () => {
    const results = sampleResults();
    expect(readResults(JSON.stringify(results, null, 2), "run.json")).toEqual(results);
  });

  it("accepts a minimal hand-written file and fills neutral defaults", () => {
    const minimal = {
      format: "loadcore-results",
      formatVersion: 1,
      startedAt: new Date(START).toISOString(),
      ok: 10,
      failed: 0,
      requests: 20,
      durationSeconds: 2,
      latency: { count: 20, min: 1, mean: 2, p50: 2, p90: 3, p95: 3, p99: 4, p999: 4, max: 4 },
      timeline: [
        {
          t: 0,
          time: START,
          workers: 1,
          ok: 10,
          failed: 0,
          requests: 20,
          throughput: 20,
          errorRatio: 0,
          latency: { p50: 2, p90: 3, p95: 3, p99: 4, max: 4 },
        },
      ],
    };
    const results = readResults(JSON.stringify(minimal), "hand.json");
    expect(results).toMatchObject({
      throughput: 10,
      scenariosPerSecond: 5,
      scenarios: [],
      byRequest: [],
      statusCodes: {},
    });
    expect(results.timeline[0]?.generatorCpuPercent).toBe(0);
    expect(results.sizing).toBeUndefined();
    expect(results.selfCheck.saturated).toBe(false);
  });

  function readError(text: string): { code: string; message: string; field: string | undefined } {
    try {
      readResults(text, "run.json");
    } catch (error) {
      return error as { code: string; message: string; field: string | undefined };
    }
    throw new Error("readResults accepted the input");
  }

  it("refuses a file that is not JSON, not loadcore results, or of a newer version", () => {
    expect(readError("{ nope")).toMatchObject({ code: "ERR_LOADCORE_RESULTS_FORMAT" });
    expect(readError("{ nope").message).toMatch(/^run\.json: not valid JSON/);
    expect(readError("[]").message).toBe('run.json: field "(root)" must be an object, got []');
    expect(readError(JSON.stringify({ format: "sizer-metrics", formatVersion: 1 }))).toMatchObject({
      field: "format",
      message: 'run.json: field "format" must be "loadcore-results", got "sizer-metrics"',
    });
    const newer = { ...sampleResults(), formatVersion: RESULTS_FORMAT_VERSION + 1 };
    expect(readError(JSON.stringify(newer))).toMatchObject({
      field: "formatVersion",
      message:
        "run.json: formatVersion 2 is newer than this loadcore reads (up to 1); upgrade @sizer/loadcore",
    });
  });

  it("names the field at fault", () => {
    const results = sampleResults() as unknown as Record<string, unknown> & {
      timeline: Record<string, unknown>[];
    };
    const broken = structuredClone(results);
    (broken.timeline[1] as { latency: Record<string, unknown> }).latency.p95 = "fast";
    expect(readError(JSON.stringify(broken))).toMatchObject({
      field: "timeline[1].latency.p95",
      message: 'run.json: field "timeline[1].latency.p95" must be a number, got "fast"',
    });
    const missing = structuredClone(results);
    delete missing.requests;
    expect(readError(JSON.stringify(missing)).message).toBe(
      'run.json: field "requests" must be a number, got nothing',
    );
    const badSizing = structuredClone(results);
    (badSizing.sizing as Record<string, unknown>).stopReason = 42;
    expect(readError(JSON.stringify(badSizing)).field).toBe("sizing.stopReason");
    const badMemory = structuredClone(results);
    (badMemory.timeline[0] as Record<string, unknown>).generatorRssBytes = -1;
    expect(readError(JSON.stringify(badMemory)).field).toBe("timeline[0].generatorRssBytes");
    const badError = structuredClone(results);
    (badError.errors as Record<string, unknown>).gremlins = "many";
    expect(readError(JSON.stringify(badError)).field).toBe("errors.gremlins");
    // the arrival-rate fields, when present
    const badRate = structuredClone(results);
    (badRate.timeline[0] as Record<string, unknown>).targetRate = "fast";
    expect(readError(JSON.stringify(badRate)).field).toBe("timeline[0].targetRate");
    const badCapacity = structuredClone(results);
    (badCapacity.sizing as Record<string, unknown>).rate = { targetAtStop: 200, capacity: "lots" };
    expect(readError(JSON.stringify(badCapacity)).field).toBe("sizing.rate.capacity");
    const rateSizing = structuredClone(results);
    (rateSizing.sizing as Record<string, unknown>).rate = {
      capacity: null,
      capacityWorkers: null,
      targetAtStop: 120,
      targetAtHealthy: null,
      achievedAtHealthy: null,
    };
    expect(readResults(JSON.stringify(rateSizing)).sizing?.rate?.targetAtStop).toBe(120);
  });
});
