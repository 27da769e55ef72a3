import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { RunMetadata } from "../src/analysis-types.js";
import { analyze } from "../src/analyze.js";
import { findPeakThroughput } from "../src/capacity.js";
import { ReportOptionError } from "../src/errors.js";
import { formatNumber } from "../src/format.js";
import { readMetricsFile } from "../src/inputs/read-metrics.js";
import type { LoadResultsInput, MetricsData, TimelineEntry } from "../src/inputs/types.js";
import { renderHtml } from "../src/render-html.js";
import { buildSummaryJson, renderSummaryMarkdown } from "../src/render-summary.js";
import { peakDuringRun } from "../src/series-math.js";
import { type SyntheticKind, syntheticRun } from "./helpers/synthetic-run.js";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));

function analyzeKind(kind: SyntheticKind, extra: { withoutSizing?: boolean } = {}) {
  const run = syntheticRun({ kind, ...extra });
  return { run, analysis: analyze({ results: run.results, metrics: run.metrics, metadata: run.metadata }) };
}

describe("bottleneck verdict on synthetic runs", () => {
  it("names the service's CPU when its process tree fills its cores", () => {
    const { analysis } = analyzeKind("cpu");
    expect(analysis.bottleneck).toMatchObject({
      resource: "cpu",
      scope: "service",
      confidence: "high",
      rule: "cpu-cores",
    });
    expect(analysis.bottleneck.summary).toMatch(/CPU of the service \(9\d\.\d% of its 2 cores, from 4\d s\)/);
    expect(analysis.bottleneck.evidence.join("\n")).toContain("Failures passed the 5% tolerance at 58 s");
    // The host's CPU is saturated too, but it is explained by the service: it is evidence, not the verdict.
    expect(analysis.bottleneck.evidence.some((fact) => fact.startsWith("Also saturated: Host CPU"))).toBe(
      true,
    );
    expect(analysis.trust).toEqual({ trustworthy: true, partial: false, warnings: [] });
  });

  it("names a single-threaded service bound by one core of several", () => {
    const { analysis } = analyzeKind("single-core");
    expect(analysis.bottleneck).toMatchObject({
      resource: "cpu",
      rule: "cpu-single-core",
      confidence: "medium",
    });
  });

  it("names the container's memory when usage nears its limit", () => {
    const { analysis } = analyzeKind("memory");
    expect(analysis.bottleneck).toMatchObject({
      resource: "memory",
      scope: "container",
      rule: "memory-limit",
    });
    expect(analysis.bottleneck.summary).toContain("of its 512 MiB limit");
  });

  it("names the disk when utilisation and iowait climb", () => {
    const { analysis } = analyzeKind("disk");
    expect(analysis.bottleneck).toMatchObject({ resource: "disk", scope: "host" });
    const rules = analysis.checks.filter((check) => check.saturated).map((check) => check.rule);
    expect(rules).toEqual(expect.arrayContaining(["disk-util", "iowait"]));
  });

  it("names the network when an interface runs at its link speed", () => {
    const { analysis } = analyzeKind("network");
    expect(analysis.bottleneck).toMatchObject({ resource: "network", scope: "host", rule: "network-link" });
    expect(analysis.bottleneck.summary).toContain("eth0 link, 1 Gbit/s");
  });

  it("blames the application when nothing is saturated", () => {
    const { analysis } = analyzeKind("application");
    expect(analysis.bottleneck).toMatchObject({
      resource: "application",
      confidence: "medium",
      rule: "none-saturated",
    });
    expect(analysis.bottleneck.summary).toContain("a pool, a lock, a configured limit");
    expect(analysis.checks.every((check) => !check.saturated)).toBe(true);
  });

  it("says the generator ran out and the result is not trustworthy", () => {
    const { analysis } = analyzeKind("generator");
    expect(analysis.bottleneck).toMatchObject({
      resource: "generator",
      scope: "generator",
      confidence: "high",
    });
    expect(analysis.trust.trustworthy).toBe(false);
    expect(analysis.trust.warnings[0]).toContain("The load generator reported itself saturated");
    expect(analysis.headline).toContain(
      "Not trustworthy: the load generator was the limit, so the service may take more; see the warnings.",
    );
  });

  it("names the loaders a merged run lost, without doubting the measure of the others", () => {
    const run = syntheticRun({ kind: "cpu" });
    const lostLoaders = [{ instanceId: "i-0abc", reason: "its command ended Failed (exit 137)" }];
    const results = { ...run.results, options: { ...run.results.options, lostLoaders } };
    const analysis = analyze({ results, metrics: run.metrics, metadata: run.metadata });
    expect(analysis.trust.warnings).toEqual([
      "1 loader was lost during the run and left out of the results (i-0abc: its command ended Failed (exit 137)): the load from then on came from the others only.",
    ]);
    expect(analysis.trust.trustworthy).toBe(true);
    const input = { results, metrics: run.metrics, metadata: run.metadata };
    expect(renderSummaryMarkdown({ ...input, analysis, generatedAt: "2026-12-07T22:00:00.000Z" })).toContain(
      "1 loader was lost",
    );
  });

  it("warns when the generator and the service share a host's cores", () => {
    const run = syntheticRun({ kind: "shared-cores" });
    const { host: _host, ...metadata } = run.metadata;
    const analysis = analyze({ results: run.results, metrics: run.metrics, metadata });
    expect(analysis.bottleneck.resource).toBe("cpu");
    expect(analysis.trust.trustworthy).toBe(false);
    expect(analysis.trust.warnings.join(" ")).toContain("shared the same host (load-1)");
    const declared = analyze({
      results: run.results,
      metrics: run.metrics,
      metadata: { ...run.metadata, sharedCores: true },
    });
    expect(declared.trust.trustworthy).toBe(false);
    const declaredOnly = analyze({ results: run.results, metadata: { sharedCores: true } });
    expect(declaredOnly.trust.warnings.join(" ")).toContain("shared the same cores: each took CPU");
  });

  it("finds no limit when the run ended before any failure", () => {
    const { analysis } = analyzeKind("no-failure");
    expect(analysis.capacity.found).toBe(false);
    expect(analysis.capacity.message).toMatch(/^No limit found up to 239 workers/);
    expect(analysis.bottleneck).toMatchObject({ resource: "unknown", rule: "no-onset" });
    expect(analysis.onset.failureSeconds).toBeNull();
  });

  it("names the load at the stop, not the closing second where the workers were already gone", () => {
    const run = syntheticRun({ kind: "no-failure" });
    const { sizing: _sizing, ...withoutSizing } = run.results;
    const last = withoutSizing.timeline[withoutSizing.timeline.length - 1];
    if (last === undefined) throw new Error("the synthetic run has no timeline");
    const closing = { ...last, t: last.t + 1, time: last.time + 1000, workers: 0, throughput: 12 };
    const results = { ...withoutSizing, timeline: [...withoutSizing.timeline, closing] };
    const analysis = analyze({ results, metrics: run.metrics, metadata: run.metadata });
    expect(analysis.capacity.workersAtStop).toBe(last.workers);
    expect(analysis.capacity.message).toMatch(new RegExp(`^No limit found up to ${last.workers} workers`));
  });

  it("follows the thresholds it is given", () => {
    // thresholds above what a CPU can read: the same run must no longer be blamed on CPU
    const run = syntheticRun({ kind: "cpu" });
    const strict = analyze({
      results: run.results,
      metrics: run.metrics,
      metadata: run.metadata,
      options: { thresholds: { cpuPercent: 101, singleCorePercent: 101 } },
    });
    expect(strict.bottleneck.resource).not.toBe("cpu");
    expect(() => analyze({ results: run.results, options: { thresholds: { cpuPercent: -1 } } })).toThrow(
      ReportOptionError,
    );
    expect(() => analyze({ results: run.results, options: { serviceCores: 0 } })).toThrow(
      "serviceCores: expected a positive number",
    );
  });
});

describe("a run where every scenario run failed", () => {
  /** The generator run (which blames the generator), with every run failed for `errors`. */
  function failedRun(errors: Record<string, number>, statusCodes: Record<string, number>) {
    const run = syntheticRun({ kind: "generator", seconds: 12 });
    const timeline = run.results.timeline.map((entry) => ({
      ...entry,
      ok: 0,
      failed: entry.ok + entry.failed,
      errorRatio: 100,
    }));
    const failed = timeline.reduce((sum, entry) => sum + entry.failed, 0);
    const results: LoadResultsInput = {
      ...run.results,
      timeline,
      ok: 0,
      failed,
      statusCodes,
      errors,
      sizing: {
        ...(run.results.sizing as NonNullable<LoadResultsInput["sizing"]>),
        reached: true,
        stopReason: "error-ratio",
        stoppedAtSeconds: 3,
        workersAtStop: 7,
        errorRatio: 100,
        healthyWorkers: null,
        throughputAtHealthy: null,
        latencyAtHealthy: null,
      },
    };
    return { results, metrics: run.metrics, metadata: run.metadata };
  }

  it("says every run failed and why from the answers, not that the generator ran out", () => {
    const input = failedRun({ status: 1963, assertion: 1963 }, { "404": 1963 });
    input.results.failed = 1963;
    const analysis = analyze(input);
    expect(analysis.bottleneck).toMatchObject({
      resource: "application",
      scope: "service",
      confidence: "high",
      rule: "all-failed",
    });
    expect(analysis.bottleneck.summary).toBe(
      "No resource ran out: every scenario run failed (all 1,963 answers were 404). Check the scenario's URLs (host, port, paths) and that the service answers them.",
    );
    expect(analysis.bottleneck.evidence).toEqual(
      expect.arrayContaining([
        "None of the 1,963 scenario runs succeeded.",
        "All 1,963 answers were 404.",
        "Error class status: 1,963 (the service answered with a status the scenario did not expect).",
      ]),
    );
    expect(analysis.headline).toBe(
      `Nothing was measured: none of the 1,963 scenario runs succeeded. ${analysis.bottleneck.summary} The run measured nothing usable.`,
    );
    expect(analysis.headline).not.toMatch(/generator|failed before any level/);
    expect(analysis.capacity).toMatchObject({ found: false, throughput: null, peakThroughput: null });
    expect(analysis.trust.trustworthy).toBe(false);
    expect(analysis.trust.warnings[0]).toContain("The run measured nothing usable");
    const generatedAt = "2026-11-26T07:00:00.000Z";
    const html = renderHtml({ ...input, analysis, generatedAt });
    expect(html).toContain('<span class="badge untrusted">measured nothing usable</span>');
    expect(html).toContain("<strong>Every scenario run failed</strong>");
    const markdown = renderSummaryMarkdown({ ...input, analysis, generatedAt });
    expect(markdown).toContain("> **Measured nothing usable**: every scenario run failed.");
    expect(markdown).toContain("**Bottleneck: every scenario run failed** (service, confidence high)");
  });

  it("says the connection was refused, or how to accept a TLS certificate", () => {
    const refused = analyze(failedRun({ refused: 500 }, {}));
    expect(refused.bottleneck.rule).toBe("all-failed");
    expect(refused.bottleneck.summary).toBe(
      "No resource ran out: every scenario run failed (connection refused: nothing listened at the target's host and port, 500 times). Check that the service is up and listens at the scenario's host and port.",
    );
    expect(refused.bottleneck.evidence).toContain("No HTTP answer came back.");
    const tls = analyze(failedRun({ tls: 40 }, {}));
    expect(tls.bottleneck.summary).toContain("the TLS handshake failed");
    expect(tls.bottleneck.summary).toContain(
      "For a self-signed certificate pass -k/--insecure; for a private CA trust it with NODE_EXTRA_CA_CERTS=ca.pem.",
    );
  });

  it("still names the generator when some runs succeeded", () => {
    const { analysis } = analyzeKind("generator");
    expect(analysis.bottleneck.rule).not.toBe("all-failed");
    expect(analysis.bottleneck.resource).toBe("generator");
  });
});

describe("a service that died during the run", () => {
  /** A run stopped short by the service's death: no failure onset yet, loadcore says "interrupted". */
  function diedRun(serviceExit: NonNullable<RunMetadata["serviceExit"]>) {
    const run = syntheticRun({ kind: "no-failure", seconds: 10 });
    const results = {
      ...run.results,
      interrupted: true,
      sizing: { ...run.results.sizing, stopReason: "interrupted" },
    } as LoadResultsInput;
    const metadata = { ...run.metadata, serviceExit };
    return { results, metrics: run.metrics, metadata };
  }

  it("says the service died under load, with the workers running when it did", () => {
    const input = diedRun({ code: 7, signal: null, atSeconds: 4 });
    // Without the exit this run reads "No limit found … Nothing ran out".
    expect(analyze({ ...input, metadata: { ...input.metadata, serviceExit: undefined } }).headline).toMatch(
      /^No limit found .*Nothing ran out/,
    );
    const analysis = analyze(input);
    // 1 worker at 0 s, 2 more each second: 9 at 4 s.
    expect(analysis.headline).toMatch(
      /^The service died under load: it exited with code 7 at 4 s, with 9 workers running\./,
    );
    expect(analysis.headline).not.toMatch(/No limit found|takes at least|Nothing ran out/);
    expect(analysis.capacity.stopReason).toBe("service-died");
    expect(analysis.bottleneck).toMatchObject({
      resource: "application",
      scope: "service",
      confidence: "high",
      rule: "service-died",
    });
    expect(analysis.bottleneck.summary).toContain("service.log");
    expect(analysis.bottleneck.evidence[0]).toBe(
      "The service exited with code 7 at 4 s, with 9 workers running.",
    );
    expect(analysis.trust.partial).toBe(true);
    const generatedAt = "2026-11-26T07:00:00.000Z";
    const html = renderHtml({ ...input, analysis, generatedAt });
    expect(html).toContain("<strong>The service died</strong>");
    expect(html).toContain("PARTIAL RUN: the service exited with code 7 at 4 s, with 9 workers running.");
    const markdown = renderSummaryMarkdown({ ...input, analysis, generatedAt });
    expect(markdown).toContain("**Bottleneck: the service died** (service, confidence high)");
    expect(markdown).toContain("**The service died under load: it exited with code 7 at 4 s");
  });

  it("names the signal that killed it, and says so when the time is unknown", () => {
    const killed = analyze(diedRun({ code: null, signal: "SIGKILL", atSeconds: null }));
    expect(killed.headline).toMatch(
      /^The service died under load: it was killed by SIGKILL during the run\./,
    );
    expect(killed.bottleneck.summary).toContain("out-of-memory killer");
    expect(killed.bottleneck.rule).toBe("service-died");
  });
});

describe("memory rules", () => {
  function withSeries(metrics: MetricsData, name: string, values: (index: number) => number): MetricsData {
    const series = new Map(metrics.series);
    series.set(
      name,
      Float64Array.from(metrics.times, (_, index) => values(index)),
    );
    return { ...metrics, series };
  }

  it("reports swapping as memory", () => {
    const run = syntheticRun({ kind: "application" });
    const metrics = withSeries(run.metrics, "host.swap.used", (index) => index * 4 * 1024 * 1024);
    const analysis = analyze({ results: run.results, metrics, metadata: run.metadata });
    expect(analysis.bottleneck).toMatchObject({ resource: "memory", rule: "swap", scope: "host" });
  });

  it("reports memory that grows steadily with the load, with low confidence", () => {
    const run = syntheticRun({ kind: "application" });
    const metrics = withSeries(run.metrics, "process.rss", (index) => (100 + index * 5) * 1024 * 1024);
    const analysis = analyze({ results: run.results, metrics, metadata: run.metadata });
    expect(analysis.bottleneck).toMatchObject({
      resource: "memory",
      rule: "memory-growth",
      confidence: "low",
    });
  });
});

describe("capacity and onsets", () => {
  it("uses the sizing block when there is one", () => {
    const { run, analysis } = analyzeKind("cpu");
    expect(analysis.capacity).toMatchObject({
      basis: "sizing",
      found: true,
      workers: run.results.sizing?.healthyWorkers,
      stopReason: "error-ratio",
    });
    expect(analysis.onset.plateauSeconds).toBe(50);
    expect(analysis.onset.referenceSeconds).toBe(50);
  });

  it("says where the throughput levelled out when it crept above the plateau's start", () => {
    const run = syntheticRun({ kind: "cpu" });
    const plateau = run.results.sizing?.plateau;
    if (!plateau) throw new Error("the synthetic cpu run has a plateau");
    const crept = { ...plateau, levelThroughput: Math.round(plateau.throughput * 1.2) };
    const results = { ...run.results, sizing: { ...run.results.sizing, plateau: crept } } as LoadResultsInput;
    const analysis = analyze({ results, metrics: run.metrics, metadata: run.metadata });
    expect(analysis.capacity.plateau?.levelThroughput).toBe(crept.levelThroughput);
    expect(analysis.bottleneck.evidence.join(" ")).toContain(
      `it then crept up to ${crept.levelThroughput.toLocaleString("en-US")} req/s`,
    );
    const level = `levelling at ${crept.levelThroughput.toLocaleString("en-US")} req/s`;
    const input = { results, metrics: run.metrics, metadata: run.metadata, analysis };
    expect(renderSummaryMarkdown({ ...input, generatedAt: "2026-11-26T07:00:00.000Z" })).toContain(level);
    expect(renderHtml({ ...input, generatedAt: "2026-11-26T07:00:00.000Z" })).toContain(level);
    // Within 5% of the start, or from an older loadcore without the field: nothing more is said.
    for (const levelThroughput of [plateau.throughput * 1.02, undefined]) {
      const near = {
        ...run.results,
        sizing: { ...run.results.sizing, plateau: { ...plateau, levelThroughput } },
      };
      const quiet = analyze({
        results: near as LoadResultsInput,
        metrics: run.metrics,
        metadata: run.metadata,
      });
      expect(quiet.bottleneck.evidence.join(" ")).not.toContain("crept up");
    }
  });

  it("gives the plateau's own worker count in the evidence, as on its card and in summary.json", () => {
    const run = syntheticRun({ kind: "cpu" });
    const plateau = run.results.sizing?.plateau;
    if (!plateau) throw new Error("the synthetic cpu run has a plateau");
    // loadcore's figure is a band's mean: it differs from the timeline's workers at that second.
    const timelineWorkers = run.results.timeline.find((entry) => entry.t >= plateau.atSeconds)?.workers;
    const banded = { ...plateau, workers: (timelineWorkers ?? 0) + 1 };
    const results = {
      ...run.results,
      sizing: { ...run.results.sizing, plateau: banded },
    } as LoadResultsInput;
    const analysis = analyze({ results, metrics: run.metrics, metadata: run.metadata });
    const fact = analysis.bottleneck.evidence.find((line) => line.startsWith("Throughput stopped growing"));
    expect(fact).toBe(
      `Throughput stopped growing with the workers at ${plateau.atSeconds} s (${banded.workers} workers).`,
    );
    const html = renderHtml({ results, analysis, generatedAt: "2026-11-26T07:00:00.000Z" });
    expect(html).toContain(`from ${plateau.atSeconds} s, ${banded.workers} workers`);
  });

  it("gives one throughput for a run with no limit: the headline's, the cards', summary.md's and summary.json's", () => {
    const run = syntheticRun({ kind: "no-failure", seconds: 30 });
    const generatedAt = "2026-11-26T07:00:00.000Z";
    const figures = (results: LoadResultsInput) => {
      const analysis = analyze({ results, metrics: run.metrics, metadata: run.metadata });
      const input = { results, metrics: run.metrics, metadata: run.metadata, analysis, generatedAt };
      const html = renderHtml(input);
      const card = (label: string) =>
        new RegExp(`<div class="label">${label}</div><div class="value">([^<]*)</div>`).exec(html)?.[1];
      const markdown = renderSummaryMarkdown(input);
      const mdRow = (label: string) => new RegExp(`^\\| ${label} \\| (.*) \\|$`, "m").exec(markdown)?.[1];
      const json = buildSummaryJson(input);
      return { analysis, card, mdRow, json };
    };
    const withHealthy = (throughputAtHealthy: number) =>
      ({
        ...run.results,
        sizing: {
          ...run.results.sizing,
          reached: false,
          stopReason: "capacity-above-max-load",
          healthyWorkers: 57,
          throughputAtHealthy,
          latencyAtHealthy: { p50: 2, p95: 5.1, p99: 8 },
        },
      }) as LoadResultsInput;

    // The healthy level the sizing block gives, above the 10 s peak: that figure, and no other.
    const above = figures(withHealthy(31_603));
    expect(above.analysis.headline).toMatch(
      /^No limit found up to 59 workers \(the run stopped: capacity-above-max-load\): the last healthy level was 57 workers, 31,603 req\/s, p95 5\.1 ms; the node takes at least that much\./,
    );
    expect(above.card("Throughput")).toBe("31,603 req/s");
    expect(above.card("Peak throughput")).toBeUndefined();
    expect(above.mdRow("throughput")).toBe("31,603 req/s");
    expect(above.mdRow("peak throughput")).toBeUndefined();
    expect(above.json.analysis.capacity.throughput).toBe(31_603);

    // A peak 5% or more above the healthy level is a second figure, labelled as the peak everywhere.
    const below = figures(withHealthy(400));
    const peak = below.analysis.capacity.peakThroughput;
    if (!peak) throw new Error("the run has a peak");
    const peakText = `${formatNumber(peak.value)} req/s`;
    expect(below.analysis.headline).toContain(
      `the last healthy level was 57 workers, 400 req/s, p95 5.1 ms (the throughput peaked at ${peakText}, 10 s average, at ${peak.atSeconds} s)`,
    );
    expect(below.card("Throughput")).toBe("400 req/s");
    expect(below.card("Peak throughput")).toBe(peakText);
    expect(below.mdRow("throughput")).toBe("400 req/s");
    expect(below.mdRow("peak throughput")).toBe(`${peakText} (peak, 10 s average, at ${peak.atSeconds} s)`);
    expect(below.json.analysis.capacity.throughput).toBe(400);

    // No healthy level given (timeline only): every level was healthy, the best is the peak, said as such.
    const { sizing: _sizing, ...timelineOnly } = run.results;
    const best = figures(timelineOnly as LoadResultsInput);
    const bestPeak = best.analysis.capacity.peakThroughput;
    if (!bestPeak) throw new Error("the run has a peak");
    const bestText = `${formatNumber(bestPeak.value)} req/s`;
    expect(best.analysis.capacity).toMatchObject({ levelFrom: "peak", throughput: bestPeak.value });
    expect(best.analysis.headline).toContain(`its best was`);
    expect(best.analysis.headline).toContain(`${bestText}, p95`);
    expect(best.card("Throughput")).toBe(bestText);
    expect(best.mdRow("throughput")).toBe(`${bestText} (peak, 10 s average, at ${bestPeak.atSeconds} s)`);
    expect(best.json.analysis.capacity.throughput).toBe(bestPeak.value);
  });

  it("takes a resource's peak during the run, not from a sample taken before its start", () => {
    // A Glances sample stamped 1 s before the load began (1-second timestamps) was the highest.
    expect(peakDuringRun([-1, 0, 1, 2], [66.7, 40, 52, 44.4])).toEqual({ value: 52, at: 1 });
    expect(peakDuringRun([-2, -1], [10, 20])).toEqual({ value: 20, at: -1 });
    expect(peakDuringRun([0, 1], [Number.NaN, Number.NaN])).toBeNull();
  });

  it("finds the peak throughput inside the run, not on a truncated window at its start or end", () => {
    const entry = (t: number, throughput: number) => ({ t, throughput, workers: 10 }) as TimelineEntry;
    // A 7-second run: ramp-up, a steady middle, the closing partial second.
    const short = [100, 300, 400, 420, 410, 400, 50].map((throughput, t) => entry(t, throughput));
    const peak = findPeakThroughput(short);
    expect(peak?.atSeconds).toBe(3);
    expect(peak?.averagedSeconds).toBe(2);
    expect(peak?.value).toBeCloseTo(410, 5);
    // 60 seconds growing to the end: the last whole 11-second window is centred on second 54.
    const long = Array.from({ length: 60 }, (_, t) => entry(t, 1000 + t));
    expect(findPeakThroughput(long)).toEqual({ value: 1054, atSeconds: 54, averagedSeconds: 10 });
    expect(findPeakThroughput([])).toBeNull();
    expect(findPeakThroughput([entry(0, 80)])).toEqual({ value: 80, atSeconds: 0, averagedSeconds: 1 });
  });

  it("works from the timeline alone, finding the plateau itself", () => {
    const { analysis } = analyzeKind("cpu", { withoutSizing: true });
    expect(analysis.capacity.basis).toBe("timeline");
    expect(analysis.capacity.found).toBe(true);
    expect(analysis.onset.failureSeconds).toBe(58);
    expect(analysis.capacity.workers).toBe(115);
    expect(analysis.onset.plateauSeconds).toBeGreaterThanOrEqual(40);
    expect(analysis.onset.plateauSeconds).toBeLessThanOrEqual(56);
    expect(analysis.bottleneck.resource).toBe("cpu");
  });

  it("judges the evidence at the failure onset when the plateau's throughput went on climbing well above it", () => {
    const run = syntheticRun({ kind: "cpu" });
    const plateau = run.results.sizing?.plateau;
    if (!plateau) throw new Error("the synthetic cpu run has a plateau");
    const withLevel = (levelThroughput: number) =>
      analyze({
        results: {
          ...run.results,
          sizing: { ...run.results.sizing, plateau: { ...plateau, levelThroughput } },
        } as LoadResultsInput,
        metrics: run.metrics,
        metadata: run.metadata,
      });
    // Levelling out near its start: the plateau is where the resource ran out, the window starts there.
    const flat = withLevel(plateau.throughput * 1.05);
    expect(flat.onset.window.fromSeconds).toBe(plateau.atSeconds);
    // Climbing 30% more after it: nothing was exhausted yet at its start; the window ends after the onset.
    const climbed = withLevel(plateau.throughput * 1.3);
    const failure = climbed.onset.failureSeconds ?? Number.NaN;
    expect(climbed.onset.referenceSeconds).toBe(failure);
    expect(climbed.onset.window.toSeconds).toBeGreaterThan(failure);
    expect(climbed.bottleneck.resource).toBe("cpu");
  });

  it("dates the failure onset at the first second past the tolerance, never before the sizing's healthy level", () => {
    // Seconds 56 and 57 have a few failures, under 5% each; 58 is the first past the tolerance.
    const { analysis } = analyzeKind("cpu", { withoutSizing: true });
    expect(analysis.onset.failureSeconds).toBe(58);
    // A sizing block whose healthy level is 62 workers (loadcore judged that level within the tolerance
    // over its window): the onset comes after the last second at that level.
    const run = syntheticRun({ kind: "cpu" });
    const sizing = { ...run.results.sizing, healthyWorkers: 62 };
    const later = analyze({
      results: { ...run.results, sizing } as LoadResultsInput,
      metrics: run.metrics,
      metadata: run.metadata,
    });
    const lastHealthy = run.results.timeline.findLast((entry) => entry.workers <= 62)?.t ?? 0;
    expect(later.onset.failureSeconds).toBeGreaterThan(lastHealthy);
  });

  it("ignores a single second of errors at low load", () => {
    const run = syntheticRun({ kind: "no-failure", withoutSizing: true });
    const blip = run.results.timeline[10] as TimelineEntry;
    blip.failed = blip.ok;
    const analysis = analyze({ results: run.results, metrics: run.metrics });
    expect(analysis.onset.failureSeconds).toBeNull();
  });

  it("says what is missing without metrics, and when a run is partial", () => {
    const run = syntheticRun({ kind: "cpu" });
    const analysis = analyze({ results: { ...run.results, interrupted: true } });
    expect(analysis.bottleneck).toMatchObject({ resource: "unknown", rule: "no-metrics" });
    expect(analysis.trust.partial).toBe(true);
    expect(analysis.trust.warnings.join(" ")).toContain("No resource metrics were given");
    expect(analysis.trust.warnings.join(" ")).toContain("Partial run: the run was interrupted");
  });

  it("warns when the metrics do not overlap the run", () => {
    const run = syntheticRun({ kind: "cpu" });
    const shifted = { ...run.metrics, times: run.metrics.times.map((time) => time - 86_400_000) };
    const analysis = analyze({ results: run.results, metrics: shifted });
    expect(analysis.trust.warnings.join(" ")).toContain("do not overlap the run");
    expect(analysis.bottleneck).toMatchObject({ resource: "unknown", rule: "no-samples-in-window" });
  });
});

describe("real recorded Glances data", () => {
  /** A results timeline over the recorded metrics, with failures from `failingFrom` seconds. */
  function resultsOver(metrics: MetricsData, failingFrom: number): LoadResultsInput {
    const start = metrics.times[0] as number;
    const seconds = Math.round(((metrics.times[metrics.times.length - 1] as number) - start) / 1000) + 1;
    const timeline: TimelineEntry[] = [];
    for (let t = 0; t < seconds; t++) {
      const failed = t >= failingFrom ? 40 : 0;
      timeline.push({
        t,
        time: start + t * 1000,
        workers: 10 + 10 * t,
        ok: 100,
        failed,
        requests: 200 + 20 * t,
        throughput: 200 + 20 * t,
        latency: { p50: 2, p95: 5, p99: 9 },
      });
    }
    const { results } = syntheticRun({ kind: "application", seconds: 2 });
    return {
      ...results,
      startedAt: new Date(start).toISOString(),
      durationSeconds: seconds,
      timeline,
      sizing: undefined,
      selfCheck: undefined,
    } as LoadResultsInput;
  }

  it.each(["glances-3.3.1-host.csv", "glances-4.5.6-host.csv"])(
    "finds the host CPU saturated during the recorded burst (%s)",
    async (file) => {
      const metrics = await readMetricsFile(join(fixtures, file));
      const analysis = analyze({
        results: resultsOver(metrics, 9),
        metrics,
        options: { thresholds: { windowBeforeSeconds: 4, windowAfterSeconds: 3 } },
      });
      expect(analysis.onset.failureSeconds).toBe(9);
      expect(analysis.bottleneck).toMatchObject({ resource: "cpu", scope: "host", confidence: "medium" });
      expect(analysis.serviceCores).toEqual({ count: 2, source: "the metrics (host.cpu.count)" });
    },
  );

  it.each(["glances-3.3.1-host.csv", "glances-4.5.6-host.csv"])(
    "finds nothing saturated once the burst is over (%s)",
    async (file) => {
      const metrics = await readMetricsFile(join(fixtures, file));
      const analysis = analyze({
        results: resultsOver(metrics, 20),
        metrics,
        options: { thresholds: { windowBeforeSeconds: 1, windowAfterSeconds: 3 } },
      });
      // Only host metrics: the application verdict comes with low confidence.
      expect(analysis.bottleneck).toMatchObject({ resource: "application", confidence: "low" });
    },
  );
});

describe("a real recorded run (loadcore results + glances-collector native CSV)", () => {
  it("blames the busy host, not the service, and distrusts the shared machine", async () => {
    const { readResultsFile } = await import("../src/inputs/read-results.js");
    const results = await readResultsFile(join(fixtures, "real-run", "results.json"));
    const metrics = await readMetricsFile(join(fixtures, "real-run", "metrics.csv"));
    const analysis = analyze({ results, metrics });
    expect(analysis.capacity).toMatchObject({
      basis: "sizing",
      found: true,
      workers: 4,
      stopReason: "error-ratio",
    });
    expect(analysis.bottleneck).toMatchObject({ resource: "cpu", scope: "host" });
    expect(analysis.bottleneck.evidence.join("\n")).toMatch(
      /Meanwhile the service was not saturated: Service CPU/,
    );
    expect(analysis.trust.trustworthy).toBe(false);
    expect(analysis.trust.warnings.join(" ")).toContain("shared the same host (vm)");
    expect(analysis.onset.window.fromSeconds).toBe(0);
  });
});
