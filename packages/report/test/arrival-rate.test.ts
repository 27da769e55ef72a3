import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Analysis } from "../src/analysis-types.js";
import { analyze } from "../src/analyze.js";
import { buildCharts } from "../src/charts.js";
import type { LoadResultsInput } from "../src/inputs/types.js";
import { renderHtml } from "../src/render-html.js";
import { buildSummaryJson, renderSummaryMarkdown } from "../src/render-summary.js";
import { isPartialSecond, wholeSeconds } from "../src/saturation.js";
import { arrivalRateRun, limitedServer } from "./helpers/rate-run.js";

/** The layout the report gives plotly for chart `id` (its data block, as the page reads it). */
function chartLayoutOf(html: string, id: string): { yaxis2?: Record<string, unknown> } | undefined {
  const data = JSON.parse(
    /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "{}",
  ) as { charts: Array<{ id: string; layout: { yaxis2?: Record<string, unknown> } }> };
  return data.charts.find((chart) => chart.id === id)?.layout;
}

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
        results.timeline.map((entry, index) =>
          entry[field] === undefined ||
          // a partial closing second's achieved rate (a few runs extrapolated) is not drawn
          (field === "achievedRate" && index === results.timeline.length - 1 && isPartialSecond(entry))
            ? null
            : Math.round(entry[field] * 1000) / 1000,
        ),
      );
    }
    // the schedule ramped past the limit while the service kept near it
    const target = trace("target rate")?.y.filter((value): value is number => value !== null) ?? [];
    expect(Math.max(...target)).toBeGreaterThan(LIMIT);
  });
});

describe("the report of a run at a constant arrival rate, not sized (loadcore --rate R)", () => {
  it("speaks in req/s: the target kept up with, the achieved rate, no run dropped", async () => {
    const server = await limitedServer({});
    try {
      const results = await arrivalRateRun(server.url, { rate: 50, duration: 4 });
      expect(results.sizing).toBeUndefined();
      const analysis = analyze({ results });
      const { capacity, headline } = analysis;
      expect(headline).toMatch(
        /^No limit found at a constant target of 50 scenario runs\/s: the node kept up, [\d.]+ req\/s \([\d.]+ scenario runs\/s achieved, target 50\), p95 [\d.]+ ms from the intended start, errors 0%, no scheduled run dropped; it takes at least that much\. A ramp with --sizing \(--ramp-rate FROM:TO\) finds the limit\./,
      );
      expect(headline).not.toMatch(/\bworkers\b/);
      expect(capacity.arrivalRate?.keptUp).toBe(true);
      expect(capacity.arrivalRate?.targetRunsPerSecond).toBe(50);
      // one request per run: the requests and the runs the service answered, about the target
      expect(capacity.throughput).toBeGreaterThanOrEqual(47.5);
      expect(capacity.throughput).toBeLessThanOrEqual(52.5);
      expect(capacity.arrivalRate?.runsPerSecond).toBeGreaterThanOrEqual(47.5);
      const markdown = renderSummaryMarkdown({ results, analysis, generatedAt: "2026-12-07T16:00:00Z" });
      expect(markdown).toMatch(/\| achieved rate \| [\d.]+ scenario runs\/s of a 50 target \|/);
      expect(markdown).toContain(`| dropped runs | 0 of ${results.arrivalRate?.started} |`);
      expect(markdown).not.toContain("workers at the peak");
      const html = renderHtml({ results, analysis, generatedAt: "2026-12-07T16:00:00Z" });
      expect(html).toContain('<div class="label">Rate kept up with</div>');
      expect(html).not.toContain('<div class="label">Workers reached</div>');
      // the closing second (a few ms: its runs extrapolated to a second) is not drawn as an achieved rate
      const achieved = buildCharts(results, undefined, analysis)
        .find((chart) => chart.id === "chart-rate")
        ?.traces.find((trace) => trace.name === "achieved rate")?.y;
      const closing = results.timeline.at(-1);
      if (closing && isPartialSecond(closing)) expect(achieved?.at(-1)).toBeNull();
      // no run dropped: the dropped-runs axis still counts in whole runs (0 to 1), not 0.5s
      expect(chartLayoutOf(html, "chart-rate")?.yaxis2).toMatchObject({
        range: [0, 1],
        dtick: 1,
        tickformat: "d",
      });
      const summary = buildSummaryJson({ results, analysis, generatedAt: "2026-12-07T16:00:00Z" });
      expect(summary.analysis.capacity.arrivalRate?.requestsPerSecond).toBe(capacity.throughput);
    } finally {
      await server.close();
    }
  }, 60_000);

  it("says the node did not keep up, in req/s, when the target is past the service's limit", async () => {
    const server = await limitedServer({ rate: 100 });
    try {
      const results = await arrivalRateRun(server.url, { rate: 200, duration: 4 });
      const analysis = analyze({ results });
      expect(analysis.headline).toMatch(
        /^The node did not keep up with a constant target of 200 scenario runs\/s: [\d.]+ req\/s \([\d.]+ scenario runs\/s achieved, target 200\), p95 [\d.]+ ms from the intended start, errors [\d.]+%, no scheduled run dropped; its limit is below that rate\./,
      );
      const errors = Number(/errors ([\d.]+)%/.exec(analysis.headline)?.[1]);
      // a 100 req/s bucket lets about half of 200 runs/s through
      expect(errors).toBeGreaterThan(30);
      expect(errors).toBeLessThan(70);
      expect(analysis.capacity.arrivalRate?.keptUp).toBe(false);
      const html = renderHtml({ results, analysis, generatedAt: "2026-12-07T16:00:00Z" });
      expect(html).toContain('<div class="label">Achieved rate</div>');
    } finally {
      await server.close();
    }
  }, 60_000);
});

describe("the report of an arrival-rate ramp that was not sized (--ramp-rate without --sizing)", () => {
  it("states the level of the seconds before the failure onset in req/s", async () => {
    const server = await limitedServer({ rate: 100 });
    try {
      const results = await arrivalRateRun(server.url, { rampRate: "40:200", rampUp: 16, duration: 16 });
      const analysis = analyze({ results });
      const { capacity, onset } = analysis;
      expect(onset.failureSeconds).not.toBeNull();
      expect(capacity.found).toBe(true);
      expect(analysis.headline).toMatch(
        /^One node sustains about [\d.]+ req\/s \([\d.]+ scenario runs\/s achieved, target [\d.]+\) while errors stay under 5% \(the \d+ s before the failure onset of a ramp from 40 to 200 scenario runs\/s, not sized: read from the timeline\)/,
      );
      // the 3 seconds before the onset: at most the limit, one second of the climb (10 runs/s) below it on average
      expect(capacity.throughput).toBeLessThanOrEqual(110);
      expect(capacity.throughput).toBeGreaterThanOrEqual(75);
      expect(capacity.arrivalRate?.keptUp).toBe(true);
    } finally {
      await server.close();
    }
  }, 60_000);
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
      // the same pool below a larger maximum could have grown: it is the generator that did not grow it
      const arrival = results.arrivalRate as NonNullable<typeof results.arrivalRate>;
      const belowMaximum = analyze({ results: { ...results, arrivalRate: { ...arrival, maxWorkers: 10 } } });
      expect(belowMaximum.bottleneck.evidence.join("\n")).toContain(
        "no worker was free in time, and the pool stayed at 2 of up to 10 workers",
      );
      // the dropped-runs axis counts whole runs: integer ticks, a whole top
      const html = renderHtml({ results, analysis, generatedAt: "2026-12-07T16:00:00Z" });
      const axis = chartLayoutOf(html, "chart-rate")?.yaxis2;
      expect(axis?.tickformat).toBe("d");
      expect(Number.isInteger(axis?.dtick) && (axis?.dtick as number) >= 1, JSON.stringify(axis)).toBe(true);
      const top = (axis?.range as number[] | undefined)?.[1] ?? Number.NaN;
      expect(
        Number.isInteger(top) && top >= Math.max(...results.timeline.map((e) => e.droppedRuns ?? 0)),
      ).toBe(true);
      // the headline counts them too: the node (here the pool) did not keep up with the target
      expect(analysis.headline).toMatch(
        /^The node did not keep up with a constant target of 40 scenario runs\/s/,
      );
      expect(analysis.headline).toContain(
        `${dropped.toLocaleString("en-US")} of ${scheduled.toLocaleString("en-US")} scheduled runs dropped`,
      );
    } finally {
      await server.close();
    }
  }, 60_000);
});

describe("a workers-model sizing run that one worker already takes past the limit", () => {
  it("advises an arrival-rate ramp from half to 1.5 times the median second's successes, over 60 s", async () => {
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
      const [, from, to] = (/^(\d+):(\d+)$/.exec(advice?.flags[1] ?? "") ?? []).map(Number);
      // the ramp crosses the level the workers run measured halfway, at 1/60 of it each second
      expect(from).toBe(Math.floor(median / 2));
      expect(to).toBe(Math.ceil(1.5 * median));
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
