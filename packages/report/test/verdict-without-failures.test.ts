// The verdict on runs where nothing fails: the capacity from the saturation, the decline under load,
// the stop reason's own evidence and peaks that cannot be true. Timelines are built from a simple
// model whose capacity is known, so the expectations are computed from the model, not typed in.
import { describe, expect, it } from "vitest";
import { analyze } from "../src/analyze.js";
import { findPeakThroughput } from "../src/capacity.js";
import { formatNumber } from "../src/format.js";
import type { TimelineEntry } from "../src/inputs/types.js";
import { renderHtml } from "../src/render-html.js";
import { buildSummaryJson, renderSummaryMarkdown } from "../src/render-summary.js";
import { type Model, metricsOf, resultsOf, timelineOf } from "./helpers/model-run.js";

const MiB = 1024 * 1024;
/** The one-core CPU-bound service: 190 req/s at any concurrency from 2 workers on. */
const CAPACITY = 190;
const cpuBound: Model = {
  seconds: 60,
  workers: (t) => 1 + Math.floor(t / 4),
  throughput: (_t, workers) => Math.min(workers * 120, CAPACITY),
};

describe("capacity from the saturation when nothing fails", () => {
  it("states the saturation level, the workers where it began and the latency there, not 'No limit found'", () => {
    const timeline = timelineOf(cpuBound);
    const metrics = metricsOf(
      60,
      (t) => Math.min(100, ((1 + Math.floor(t / 4)) * 120 * 100) / CAPACITY),
      () => 60 * MiB,
    );
    const analysis = analyze({
      results: resultsOf(timeline),
      metrics,
      metadata: { host: { vcpus: 1 } },
    });
    const { capacity } = analysis;
    expect(capacity.levelFrom).toBe("saturation");
    expect(capacity.found).toBe(true);
    expect(capacity.throughput).toBeGreaterThan(CAPACITY * 0.95);
    expect(capacity.throughput).toBeLessThan(CAPACITY * 1.05);
    // Saturated from 2 workers on: the model's 2 workers give 240 > 190 req/s.
    expect(capacity.workers).toBeLessThanOrEqual(3);
    expect(analysis.headline).not.toMatch(/No limit found/);
    expect(analysis.headline).toMatch(
      new RegExp(
        `^One node takes about ${formatNumber(capacity.throughput ?? 0)} req/s: .* from ${capacity.workers} workers`,
      ),
    );
    expect(analysis.headline).toMatch(/more workers only added latency/);
    expect(analysis.headline).toMatch(/nothing failed/);
    expect(analysis.bottleneck).toMatchObject({ resource: "cpu", scope: "service" });
    expect(analysis.bottleneck.summary).toMatch(/^What ran out first: CPU of the service/);
    expect(analysis.onset.saturationSeconds).not.toBeNull();
    // The cards and summaries give the same figure.
    const input = { results: resultsOf(timeline), analysis, generatedAt: "2026-12-06T12:00:00.000Z" };
    expect(buildSummaryJson(input).analysis.capacity.throughput).toBe(capacity.throughput);
    expect(renderSummaryMarkdown(input)).toContain(`${formatNumber(capacity.throughput ?? 0)} req/s`);
    expect(renderHtml(input)).toContain("once saturated");
  });

  it("keeps 'No limit found' when the throughput grows with the workers to the end", () => {
    const growing: Model = { seconds: 60, workers: (t) => 1 + t, throughput: (_t, workers) => workers * 50 };
    const analysis = analyze({ results: resultsOf(timelineOf(growing)) });
    expect(analysis.capacity.levelFrom).toBe("peak");
    expect(analysis.capacity.found).toBe(false);
    expect(analysis.headline).toMatch(/^No limit found up to 60 workers/);
    expect(analysis.bottleneck.rule).toBe("no-onset");
  });

  it("finds the saturation from a resource at its limit when the timeline shows no plateau", () => {
    // Throughput still creeping up (no plateau) while the service's one core is full from 20 s.
    const creeping: Model = {
      seconds: 40,
      workers: (t) => 1 + Math.floor(t / 2),
      throughput: (t) => 100 + t * 3,
    };
    const metrics = metricsOf(
      40,
      (t) => (t >= 20 ? 99 : 50),
      () => 60 * MiB,
    );
    const analysis = analyze({
      results: resultsOf(timelineOf(creeping)),
      metrics,
      metadata: { host: { vcpus: 1 } },
    });
    expect(analysis.capacity.saturation?.signal).toBe("resource");
    expect(analysis.capacity.saturation?.atSeconds).toBe(20);
    expect(analysis.headline).toMatch(/the service saturated from 11 workers/);
  });
});

describe("decline under load", () => {
  // A store whose every request makes later ones dearer: 2,000 req/s at first, half that from 40 s.
  const declining: Model = {
    seconds: 60,
    workers: (t) => 10 + t * 3,
    throughput: (t) => (t < 10 ? 200 * (t + 1) : t < 40 ? 2000 - ((t - 10) * 1000) / 30 : 1000),
  };

  it("gives the sustained level as the capacity, the early peak beside it, and what grew meanwhile", () => {
    const timeline = timelineOf(declining);
    const metrics = metricsOf(
      60,
      () => 100,
      (t) => (60 + 2 * t) * MiB,
    );
    const analysis = analyze({ results: resultsOf(timeline), metrics, metadata: { host: { vcpus: 1 } } });
    const { capacity } = analysis;
    expect(capacity.levelFrom).toBe("decline");
    expect(capacity.throughput).toBeGreaterThan(950);
    expect(capacity.throughput).toBeLessThan(1050);
    expect(capacity.decline?.peak.throughput).toBeGreaterThan(1800);
    expect(analysis.headline).toMatch(/^One node sustains about (9\d\d|1,0\d\d) req\/s/);
    expect(analysis.headline).toContain(
      `peaked at ${formatNumber(capacity.decline?.peak.throughput ?? 0)} req/s`,
    );
    expect(analysis.headline).toMatch(/then fell by \d+(\.\d)?% while the workers grew to 187/);
    expect(analysis.headline).toMatch(/service memory from [\d.]+ MiB to [\d.]+ MiB/);
    expect(analysis.headline).toMatch(/p95 latency from/);
    expect(analysis.bottleneck.evidence.join(" ")).toMatch(
      /Throughput fell from .* more than this run's noise/,
    );
  });

  it("is not a decline when the fall is within the run's noise or the load fell with it", () => {
    const flat: Model = { seconds: 60, workers: (t) => 10 + t, throughput: (t) => (t < 30 ? 1000 : 960) };
    expect(analyze({ results: resultsOf(timelineOf(flat)) }).capacity.decline).toBeNull();
    const unloading: Model = {
      seconds: 60,
      workers: (t) => (t < 30 ? 50 : 20),
      throughput: (t) => (t < 30 ? 1000 : 500),
    };
    expect(analyze({ results: resultsOf(timelineOf(unloading)) }).capacity.decline).toBeNull();
  });
});

describe("the stop reason drives the evidence", () => {
  it("says the latency objective broke, never that failures passed the tolerance", () => {
    const timeline = timelineOf(cpuBound).slice(0, 30);
    const results = resultsOf(timeline, {
      sizing: {
        tolerance: 5,
        reached: true,
        stopReason: "latency",
        stoppedAtSeconds: 30,
        workersAtStop: 8,
        healthyWorkers: 4,
        throughputAtHealthy: 188,
        latencyObjective: { percentile: "p95", thresholdMs: 30 },
        errorRatio: 0,
      },
    });
    const analysis = analyze({ results });
    const evidence = analysis.bottleneck.evidence.join(" ");
    expect(analysis.onset.failureCause).toBe("latency");
    expect(evidence).not.toMatch(/Failures passed/);
    expect(evidence).toMatch(
      /The latency objective broke at \d+ s with \d+ workers: p95 [\d.]+ ms over the 5 s from there, objective 30\.0 ms; errors 0%, within the 5% tolerance\./,
    );
  });

  it("gives the error ratio when errors stopped the run", () => {
    const failing: Model = { ...cpuBound, failedShare: (t) => (t >= 40 ? 0.3 : 0) };
    const analysis = analyze({ results: resultsOf(timelineOf(failing)) });
    expect(analysis.onset.failureCause).toBe("errors");
    expect(analysis.bottleneck.evidence.join(" ")).toMatch(
      /Failures passed the 5% tolerance at 40 s with 11 workers: 30(\.\d)?% of the scenario runs failed over the 5 s from there\./,
    );
  });

  it("says a run stopped by its duration or a full healthy window ended so, not that it failed", () => {
    const timeline = timelineOf(cpuBound);
    for (const [stopReason, pattern] of [
      ["duration", /The run reached its duration at 60 s with 15 workers/],
      ["capacity-above-max-load", /The run stopped at 60 s: all 15 workers ran a full sizing window/],
      ["interrupted", /The run was interrupted at 60 s/],
    ] as const) {
      const results = resultsOf(timeline, {
        sizing: {
          tolerance: 5,
          reached: false,
          stopReason,
          stoppedAtSeconds: 60,
          workersAtStop: 15,
          healthyWorkers: 15,
        },
      });
      const evidence = analyze({ results }).bottleneck.evidence.join(" ");
      expect(evidence).toMatch(pattern);
      expect(evidence).not.toMatch(/Failures passed|objective broke/);
    }
  });
});

describe("peaks that cannot be true", () => {
  it("leaves the partial closing second out of the peak and the capacity", () => {
    const growing: Model = { seconds: 30, workers: (t) => 1 + t, throughput: (_t, workers) => workers * 10 };
    const timeline = timelineOf(growing);
    // The closing second lasted 50 ms: 40 requests read as 800 req/s.
    const last = timeline[timeline.length - 1] as TimelineEntry;
    timeline.push({ ...last, t: last.t + 1, time: last.time + 1000, requests: 40, ok: 40, throughput: 800 });
    const analysis = analyze({ results: resultsOf(timeline) });
    const sustained = Math.max(...timeline.slice(0, -1).map((entry) => entry.throughput));
    expect(findPeakThroughput(timeline)?.value).toBeLessThanOrEqual(sustained);
    expect(analysis.capacity.throughput).toBeLessThanOrEqual(sustained);
    expect(analysis.capacity.peakThroughput?.value).toBeLessThanOrEqual(sustained);
  });
});

describe("charts that read", () => {
  it("gives the secondary axis a round top and round steps", async () => {
    const { roundAxis } = await import("../src/render-html.js");
    const trace = (y: number[]) => ({ y }) as unknown as import("../src/charts.js").ChartTrace;
    expect(roundAxis([trace([12, 318.2, 190])])).toEqual({ range: [0, 400], dtick: 100 });
    expect(roundAxis([trace([0.3, 63.6])])).toEqual({ range: [0, 80], dtick: 20 });
    expect(roundAxis([trace([4.2])])).toEqual({ range: [0, 5], dtick: 1 });
    expect(roundAxis([trace([])])).toEqual({ rangemode: "tozero" });
    // an axis of counts (dropped runs) never steps by less than one, and labels integers
    expect(roundAxis([trace([2])])).toEqual({ range: [0, 2.5], dtick: 0.5 });
    expect(roundAxis([trace([2])], true)).toEqual({ range: [0, 3], dtick: 1, tickformat: "d" });
    expect(roundAxis([trace([0, 0])], true)).toEqual({ range: [0, 1], dtick: 1, tickformat: "d" });
    expect(roundAxis([trace([12, 318.2, 190])], true)).toEqual({
      range: [0, 400],
      dtick: 100,
      tickformat: "d",
    });
    expect(roundAxis([trace([130])], true)).toEqual({ range: [0, 150], dtick: 50, tickformat: "d" });
  });

  it("draws the service's memory on its own scale, the host's on the right axis", async () => {
    const { buildCharts } = await import("../src/charts.js");
    const timeline = timelineOf(cpuBound);
    const metrics = metricsOf(
      60,
      () => 100,
      (t) => (60 + t) * MiB,
      () => ({
        "host.mem.used": 8 * 1024 * MiB,
        "host.mem.total": 25 * 1024 * MiB,
      }),
    );
    const results = resultsOf(timeline);
    const analysis = analyze({ results, metrics });
    const memory = buildCharts(results, metrics, analysis).find((chart) => chart.id === "chart-memory");
    const axisOf = (name: string) => memory?.traces.find((trace) => trace.name === name)?.yaxis ?? "y";
    expect(axisOf("service RSS")).toBe("y");
    expect(axisOf("host used")).toBe("y2");
    expect(axisOf("host total")).toBe("y2");
    expect(memory?.y2Title).toBe("bytes (host)");
  });

  it("does not draw the partial closing second's extrapolated throughput", async () => {
    const { buildCharts } = await import("../src/charts.js");
    const timeline = timelineOf(cpuBound);
    const last = timeline[timeline.length - 1] as TimelineEntry;
    timeline.push({ ...last, t: last.t + 1, time: last.time + 1000, requests: 40, ok: 40, throughput: 800 });
    const results = resultsOf(timeline);
    const load = buildCharts(results, undefined, analyze({ results })).find(
      (chart) => chart.id === "chart-load",
    );
    const throughput = load?.traces.find((trace) => trace.name === "throughput");
    expect(throughput?.y[throughput.y.length - 1] ?? null).toBeNull();
    expect(Math.max(...(throughput?.y ?? []).map((value) => value ?? 0))).toBeLessThan(800);
  });
});
