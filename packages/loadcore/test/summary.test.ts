import { describe, expect, it } from "vitest";
import { judgeSelfCheck } from "../src/engine/self-check.js";
import { buildResults, type LoadResults, readResults } from "../src/results/results.js";
import { formatStatusLine, formatSummary } from "../src/results/summary.js";
import { SizingController } from "../src/sizing/sizing.js";
import { StatsAggregator, StatsRecorder, type TimelinePoint } from "../src/stats/stats.js";

const START = Date.UTC(2026, 10, 26, 6, 50, 0);

function run(options: { failing: boolean; cpuPercent: number; interrupted?: boolean }): LoadResults {
  const aggregator = new StatsAggregator({ startTime: START });
  const recorder = new StatsRecorder();
  const sizing = new SizingController({ windowSeconds: 5, minSamples: 10 });
  for (let t = 0; t < 6; t++) {
    for (let index = 0; index < 20; index++) {
      recorder.recordRequest("GET /", 1 + index, 200);
      const failing = options.failing && t >= 4 && index < 10;
      recorder.recordRequest("POST /buckets/{id}/records", 100 + index, failing ? 503 : 201);
      recorder.recordScenario("add_record", 120 + index, failing ? "assertion" : undefined);
    }
    aggregator.add(recorder.drain());
    const point = aggregator.closeSecond(START + (t + 1) * 1000, 10 * (t + 1), {
      cpuPercent: options.cpuPercent,
      eventLoopDelayMs: 2,
    });
    sizing.observe(point, false, aggregator.lastSecondLatency);
  }
  return buildResults({
    toolVersion: "0.1.0",
    command: ["loadcore", "--sizing", "loadtest.ts"],
    host: { hostname: "node-1", cpus: 1, memoryBytes: 1024, platform: "linux" },
    startedAt: START,
    endedAt: START + 6000,
    interrupted: options.interrupted ?? false,
    options: { workers: 60, processes: 1 },
    totals: aggregator.totals(),
    timeline: aggregator.timeline,
    sizing: sizing.verdict(options.interrupted ? "interrupted" : "duration"),
    selfCheck: judgeSelfCheck(aggregator.timeline, 1),
  });
}

describe("formatSummary", () => {
  it("prints totals, latency, per-scenario and per-request tables, statuses, errors and the sizing verdict", () => {
    const text = formatSummary(run({ failing: true, cpuPercent: 30 }));
    const lines = text.split("\n");
    expect(lines[0]).toBe("loadcore 0.1.0: 6s, 60 workers x 1 process");
    expect(text).toContain("Scenarios   100 ok  20 failed (16.67%)  20.0 runs/s");
    expect(text).toContain("Requests    240  40.0 req/s");
    expect(text).toMatch(/Latency ms {2}min 1\.00 {2}mean 60\.\d {2}p50 \d+\.\d+ {2}p90 .* {2}max 119/);
    const scenarioHeader = lines.findIndex((line) => line.startsWith("Scenario "));
    expect(lines[scenarioHeader]).toMatch(
      /^Scenario\s+ok\s+failed\s+p50 ms\s+p90 ms\s+p95 ms\s+p99 ms\s+max ms\s+errors$/,
    );
    expect(lines[scenarioHeader + 1]).toMatch(/^add_record\s+100\s+20\s+.*\s+assertion 20$/);
    const requestHeader = lines.findIndex((line) => line.startsWith("Request "));
    expect(lines[requestHeader + 1]).toMatch(/^GET \/\s+120\s+120\s+0\s.*\s200: 120$/);
    expect(lines[requestHeader + 2]).toMatch(
      /^POST \/buckets\/\{id\}\/records\s+120\s+100\s+20\s.*\s201: 100 {2}503: 20$/,
    );
    expect(text).toContain("Status codes  200: 120  201: 100  503: 20");
    expect(text).toContain("Errors        assertion 20");
    expect(text).toContain(
      "Sizing  capacity reached: 10% errors over the last 5 s with 50 workers (tolerance 5%); last healthy level 40 workers at 40 req/s",
    );
    expect(text).toContain(
      "  stop: error-ratio at 5s with 50 workers; 10.00% errors over the window (tolerance 5%, window 5 s)",
    );
    expect(text).toMatch(
      / {2}healthy level: 40 workers at 40\.0 req\/s, p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms/,
    );
    expect(text).toContain("Generator   the load generator kept up");
    expect(text).not.toContain("\u001b[");
  });

  it("warns when the generator was saturated, marks an interrupted run and colours on demand", () => {
    const results = run({ failing: false, cpuPercent: 99, interrupted: true });
    const text = formatSummary(results);
    expect(text.split("\n")[0]).toBe("loadcore 0.1.0: 6s, 60 workers x 1 process (interrupted)");
    expect(text).toContain("WARNING: the load generator used 99% of its 1 core for 5 seconds in a row");
    expect(text).toContain("Sizing  sizing not finished (interrupted)");
    expect(text).toContain("Errors        -");
    const colored = formatSummary(results, { color: true });
    expect(colored).toContain("\u001b[31mWARNING:");
    expect(colored.replaceAll(new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, "g"), "")).toBe(text);
  });
});

describe("formatSummary of a run that stopped before starting every worker", () => {
  it("names the workers reached out of the configured ones", () => {
    const results = run({ failing: true, cpuPercent: 30 });
    const stopped = { ...results, options: { workers: 120, processes: 1 }, workersStarted: 77 };
    expect(formatSummary(stopped).split("\n")[0]).toBe("loadcore 0.1.0: 6s, 77 of 120 workers x 1 process");
    const threads = { ...results, options: { workers: 120, processes: 2 }, workersStarted: 150 };
    expect(formatSummary(threads).split("\n")[0]).toBe(
      "loadcore 0.1.0: 6s, 150 of 240 workers (120 x 2 processes)",
    );
    const all = { ...results, options: { workers: 60, processes: 2 }, workersStarted: 120 };
    expect(formatSummary(all).split("\n")[0]).toBe("loadcore 0.1.0: 6s, 60 workers x 2 processes");
  });

  it("takes the most workers of the timeline from a file without workersStarted", () => {
    const { workersStarted: _written, ...file } = {
      ...run({ failing: true, cpuPercent: 30 }),
      options: { workers: 120, processes: 1 },
    };
    const read = readResults(JSON.stringify(file));
    expect(read.workersStarted).toBeUndefined();
    expect(formatSummary(read).split("\n")[0]).toBe("loadcore 0.1.0: 6s, 60 of 120 workers x 1 process");
  });
});

describe("formatSummary of a minimal file", () => {
  it("prints a run without sizing, tables or options (a hand-written file)", () => {
    const results = readResults(
      JSON.stringify({
        format: "loadcore-results",
        formatVersion: 1,
        startedAt: "2026-11-26T06:50:00.000Z",
        ok: 10,
        failed: 0,
        requests: 20,
        durationSeconds: 2,
        latency: { count: 20, min: 1, mean: 2, p50: 2, p90: 3, p95: 3, p99: 4, p999: 4, max: 4 },
        timeline: [],
      }),
      "hand.json",
    );
    const text = formatSummary(results);
    expect(text.split("\n")[0]).toBe("unknown unknown: 2s");
    expect(text).toContain("Requests    20  10.0 req/s");
    expect(text).not.toContain("Sizing");
    expect(text).not.toContain("Scenario ");
    expect(text).toContain("Status codes  -");
  });
});

describe("formatStatusLine", () => {
  const point: TimelinePoint = {
    t: 41,
    time: START + 41_000,
    workers: 212,
    ok: 980,
    failed: 20,
    requests: 1834,
    throughput: 1834.4,
    errorRatio: 2,
    latency: { p50: 12.3, p90: 40, p95: 61.25, p99: 180, max: 410 },
    generatorCpuPercent: 50,
    eventLoopDelayMs: 2,
  };

  it("shows elapsed/planned time, workers, req/s, ok, failed, error ratio and p95", () => {
    expect(formatStatusLine(point, 42, 300)).toBe(
      "[42s/5m00s] workers 212 | 1,834 req/s | ok 980 | failed 20 | errors 2.00% | p95 61.3 ms",
    );
    expect(formatStatusLine(point, 3725)).toBe(
      "[1h02m05s] workers 212 | 1,834 req/s | ok 980 | failed 20 | errors 2.00% | p95 61.3 ms",
    );
  });
});
