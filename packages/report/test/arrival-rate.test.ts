import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Analysis } from "../src/analysis-types.js";
import { analyze } from "../src/analyze.js";
import { buildCharts } from "../src/charts.js";
import type { LoadResultsInput } from "../src/inputs/types.js";
import { renderHtml } from "../src/render-html.js";
import { buildSummaryJson } from "../src/render-summary.js";
import { wholeSeconds } from "../src/saturation.js";
import { arrivalRateRun, limitedServer } from "./helpers/rate-run.js";

/** The service's limit: a token bucket refusing (429) what passes 200 requests per second. */
const LIMIT = 200;

describe("the report of an arrival-rate sizing run (loadcore against a 200 req/s limit)", () => {
  let server: Awaited<ReturnType<typeof limitedServer>>;
  let results: LoadResultsInput;
  let analysis: Analysis;

  beforeAll(async () => {
    server = await limitedServer({ rate: LIMIT });
    results = await arrivalRateRun(server.url, {
      sizing: true,
      rampRate: "100:300",
      rampUp: 40,
      sizingWindow: 5,
      duration: 60,
    });
    analysis = analyze({ results });
    if (process.env.SHOW_REPORT)
      console.log(analysis.headline, "\n", analysis.bottleneck.evidence.join("\n"));
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  it("states the capacity in req/s within 10% of the limit, and the pool as an upper bound", () => {
    expect(results.sizing?.stopReason, results.sizing?.message).toBe("error-ratio");
    const level = analysis.capacity.arrivalRate;
    expect(level?.requestsPerSecond, analysis.headline).toBeGreaterThanOrEqual(LIMIT * 0.9);
    expect(level?.requestsPerSecond, analysis.headline).toBeLessThanOrEqual(LIMIT * 1.1);
    expect(analysis.capacity.found).toBe(true);
    expect(analysis.capacity.throughput).toBe(level?.requestsPerSecond);
    // the figures are loadcore's verdict, not the report's own
    expect(level?.runsPerSecond).toBe(results.sizing?.rate?.capacity);
    expect(level?.poolWorkers).toBe(results.sizing?.rate?.capacityWorkers);
    const match =
      /^One node sustains about ([\d,.]+) req\/s \(([\d,.]+) scenario runs\/s\) while errors stay under 5%; it took a pool of \d+ workers \(an upper bound/.exec(
        analysis.headline,
      );
    expect(match, analysis.headline).not.toBeNull();
    const stated = Number((match?.[1] ?? "").replaceAll(",", ""));
    expect(Math.abs(stated - LIMIT) / LIMIT, analysis.headline).toBeLessThanOrEqual(0.1);
    expect(analysis.headline).not.toMatch(/One node takes about \d+ workers/);
    // an arrival-rate run answered: no advice to switch models
    expect(analysis.modelAdvice).toBeNull();
  });

  it("words the failure onset on the target rate and counts the runs dropped in the evidence", () => {
    const evidence = analysis.bottleneck.evidence.join("\n");
    expect(evidence).toMatch(
      /Failures passed the 5% tolerance at \d+ s at a target of [\d,.]+ scenario runs\/s/,
    );
    const started = results.arrivalRate?.started ?? 0;
    expect(results.arrivalRate?.dropped).toBe(0);
    expect(evidence).toContain(
      `No scheduled scenario run was dropped (${started.toLocaleString("en-US")} started`,
    );
  });

  it("carries the arrival-rate level into summary.json and draws target vs achieved rate per second", () => {
    const summary = buildSummaryJson({ results, analysis, generatedAt: "2026-12-07T16:00:00Z" });
    expect(summary.analysis.capacity.arrivalRate?.requestsPerSecond).toBe(
      analysis.capacity.arrivalRate?.requestsPerSecond,
    );
    const html = renderHtml({ results, analysis, generatedAt: "2026-12-07T16:00:00Z" });
    expect(html).toContain('id="chart-rate"');
    const chart = buildCharts(results, undefined, analysis).find((spec) => spec.id === "chart-rate");
    const trace = (name: string) => chart?.traces.find((candidate) => candidate.name === name);
    const seconds = results.timeline.map((entry) => entry.t);
    // every trace on the timeline's seconds, each value the second's own
    for (const [name, field] of [
      ["target rate", "targetRate"],
      ["achieved rate", "achievedRate"],
      ["dropped runs", "droppedRuns"],
    ] as const) {
      expect(trace(name)?.x, name).toEqual(seconds);
      expect(trace(name)?.y, name).toEqual(
        results.timeline.map((entry) =>
          entry[field] === undefined ? null : Math.round(entry[field] * 1000) / 1000,
        ),
      );
    }
    // the schedule ramped past the limit while the service kept near it
    const target = trace("target rate")?.y.filter((value): value is number => value !== null) ?? [];
    expect(Math.max(...target)).toBeGreaterThan(LIMIT);
  });
});

describe("the evidence of an arrival-rate run whose pool was too small", () => {
  it("counts the dropped runs: load the service never got", async () => {
    const server = await limitedServer({ delayMs: 100 });
    try {
      // 2 workers at 100 ms a run start at most 20 runs/s: half of the 40 runs/s target cannot start
      const results = await arrivalRateRun(server.url, { rate: 40, maxWorkers: 2, duration: 4 });
      const dropped = results.arrivalRate?.dropped ?? 0;
      expect(dropped).toBeGreaterThan(0);
      const analysis = analyze({ results });
      const scheduled = (results.arrivalRate?.started ?? 0) + dropped;
      expect(analysis.bottleneck.evidence.join("\n")).toContain(
        `${dropped.toLocaleString("en-US")} of ${scheduled.toLocaleString("en-US")} scheduled scenario runs`,
      );
      expect(analysis.bottleneck.evidence.join("\n")).toContain(
        "no worker of the pool of 2 was free in time",
      );
    } finally {
      await server.close();
    }
  }, 60_000);
});

describe("a workers-model sizing run that one worker already takes past the limit", () => {
  it("advises an arrival-rate ramp from 1 to 1.5 times the median second's successes (rounded up), over 60 s", async () => {
    const server = await limitedServer({ rate: LIMIT });
    try {
      const results = await arrivalRateRun(server.url, {
        sizing: true,
        workers: 40,
        rampUp: 40,
        sizingWindow: 3,
        sizingMinSamples: 50,
        duration: 30,
      });
      expect(results.sizing?.stopReason, results.sizing?.message).toBe("error-ratio");
      const analysis = analyze({ results });
      const perSecond = wholeSeconds(results.timeline)
        .map((entry) => entry.ok)
        .sort((a, b) => a - b);
      const median = perSecond[Math.floor(perSecond.length / 2)] ?? 0;
      expect(median).toBeGreaterThan(0);
      const advice = analysis.modelAdvice;
      expect(advice?.flags.slice(0, 1).concat(advice.flags.slice(2))).toEqual([
        "--ramp-rate",
        "--ramp-up",
        "60",
      ]);
      const to = Number(/^1:(\d+)$/.exec(advice?.flags[1] ?? "")?.[1]);
      expect(to).toBeGreaterThanOrEqual(1.5 * median);
      expect(to).toBeLessThanOrEqual(2.5 * median);
      expect(advice?.message).toContain(`a median ${median} successful scenario runs a second`);
      expect(advice?.message).toMatch(/^\d worker(s)? already went past the error tolerance/);
      const html = renderHtml({ results, analysis, generatedAt: "2026-12-07T16:00:00Z" });
      expect(html).toContain('id="model-advice"');
      expect(html).toContain(`--ramp-rate ${advice?.flags[1]} --ramp-up 60`);
    } finally {
      await server.close();
    }
  }, 90_000);
});

describe("the report of an arrival-rate sizing run that stops on the plateau (20 at once, 50 ms: 400 req/s)", () => {
  it("states the level the achieved rate held, from the target and achieved rates", async () => {
    const server = await limitedServer({ concurrency: 20, delayMs: 50 });
    try {
      const results = await arrivalRateRun(server.url, {
        sizing: true,
        rampRate: "200:700",
        rampUp: 50,
        sizingWindow: 12,
        duration: 80,
      });
      expect(results.sizing?.stopReason, results.sizing?.message).toBe("plateau");
      const analysis = analyze({ results });
      const level = analysis.capacity.arrivalRate;
      expect(analysis.capacity.found).toBe(true);
      expect(level?.requestsPerSecond).toBe(results.sizing?.plateau?.levelThroughput);
      expect(level?.requestsPerSecond, analysis.headline).toBeGreaterThanOrEqual(360);
      expect(level?.requestsPerSecond, analysis.headline).toBeLessThanOrEqual(440);
      expect(analysis.headline).toMatch(
        /^One node sustains about [\d,.]+ req\/s \([\d,.]+ scenario runs\/s\): the achieved rate stopped following the target \(target [\d,.]+ scenario runs\/s, achieved [\d,.]+ at the stop\)/,
      );
      expect(level?.targetAtStop).toBeGreaterThan(level?.runsPerSecond ?? Number.POSITIVE_INFINITY);
      const evidence = analysis.bottleneck.evidence.join("\n");
      expect(evidence).toMatch(
        /The achieved rate stopped following the target from \d+ s \(target [\d,.]+ scenario runs\/s there\)/,
      );
      expect(evidence).not.toMatch(/stopped growing with the workers/);
    } finally {
      await server.close();
    }
  }, 150_000);
});
