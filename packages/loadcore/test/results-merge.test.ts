import { describe, expect, it } from "vitest";
import type { SelfCheck } from "../src/engine/self-check.js";
import { decodeHistogram, encodeHistogram } from "../src/results/histogram-encoding.js";
import { mergeResults } from "../src/results/merge.js";
import { buildResults, type LoadResults, parseResults } from "../src/results/results.js";
import { LatencyHistogram } from "../src/stats/histogram.js";
import { StatsAggregator, StatsRecorder } from "../src/stats/stats.js";

/** mulberry32: a seeded PRNG, so that a failing trial can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A latency in ms spread over six decades (10 µs to 10 s), with clusters, as real runs have. */
function latency(next: () => number): number {
  const mode = next();
  if (mode < 0.6) return 1 + next() * 20;
  if (mode < 0.9) return 10 ** (next() * 6 - 2);
  return 200 + next() * 3000;
}

interface RawRequest {
  /** The loader's second. */
  t: number;
  latencyMs: number;
  status: number;
  name: string;
}

interface Loader {
  startTime: number;
  requests: RawRequest[];
  results: LoadResults;
}

const SATURATED: SelfCheck = {
  cpuPercentMax: 99,
  cpuPercentMean: 90,
  cores: 1,
  eventLoopDelayP99MaxMs: 80,
  saturated: true,
  message: "the load generator used 99% of its cores",
};
const HEALTHY: SelfCheck = {
  ...SATURATED,
  cpuPercentMax: 20,
  cpuPercentMean: 10,
  saturated: false,
  message: "",
};

/** One loader's run through the real producer path: recorder, aggregator, buildResults. */
function runLoader(next: () => number, startTime: number, seconds: number, saturated: boolean): Loader {
  let now = startTime;
  const recorder = new StatsRecorder({ clock: () => now });
  const aggregator = new StatsAggregator({ startTime });
  const requests: RawRequest[] = [];
  const perSecond = Math.floor(next() * 400);
  for (let t = 0; t < seconds; t++) {
    const count = Math.floor(perSecond * next());
    for (let index = 0; index < count; index++) {
      const request: RawRequest = {
        t,
        latencyMs: latency(next),
        status: next() < 0.05 ? 503 : 200,
        name: next() < 0.5 ? "GET /" : "POST /items",
      };
      requests.push(request);
      recorder.recordRequest(request.name, request.latencyMs, request.status);
      recorder.recordScenario("home", request.latencyMs + 1, request.status === 503 ? "status" : undefined);
    }
    now = startTime + (t + 1) * 1000;
    aggregator.add(recorder.drain());
    aggregator.closeSecond(now, 4);
  }
  const results = buildResults({
    toolVersion: "test",
    command: ["loadcore"],
    startedAt: startTime,
    endedAt: now,
    interrupted: false,
    options: { workers: 4, processes: 1, totalWorkers: 4 },
    workersStarted: 4,
    totals: aggregator.totals(),
    timeline: aggregator.timeline,
    histograms: aggregator.histograms(),
    selfCheck: saturated ? SATURATED : HEALTHY,
  });
  return { startTime, requests, results };
}

/** The nearest-rank percentile of the raw values (what the histogram approximates). */
function exactPercentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length - 1e-9)) - 1] as number;
}

/** A file written and read back through the one reader, as `loadcore merge` reads it. */
function throughFile(results: LoadResults, source: string) {
  return { source, results: parseResults(JSON.parse(JSON.stringify(results)), source) };
}

function trial(seed: number, loaderCount?: number) {
  const next = random(seed);
  const base = Date.parse("2026-12-07T10:00:00.000Z");
  const count = loaderCount ?? 1 + Math.floor(next() * 5);
  const loaders = Array.from({ length: count }, (_, index) =>
    // Loaders start within 1.5 s of each other, at any millisecond; a late one may run shorter.
    runLoader(next, base + Math.floor(next() * 1500), 2 + Math.floor(next() * 5), index === 1),
  );
  const merged = mergeResults(
    loaders.map((loader, index) => throughFile(loader.results, `loader-${index}.json`)),
  );
  return { loaders, merged, base };
}

describe("mergeResults (loadcore merge)", () => {
  it("equals the statistics of one histogram of every raw latency, over random runs", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const { loaders, merged } = trial(seed);
      const all = loaders.flatMap((loader) => loader.requests);
      const truth = new LatencyHistogram();
      for (const request of all) truth.record(request.latencyMs);
      const { mean, ...exact } = truth.summary();
      const { mean: mergedMean, ...mergedExact } = merged.latency;
      expect(mergedExact, `seed ${seed}`).toEqual(exact);
      expect(Math.abs(mergedMean - mean), `seed ${seed}`).toBeLessThanOrEqual(0.001);
      // ...and so within the histogram's resolution (1/1024 + 1 µs) of the raw values' own percentiles.
      const sorted = all.map((request) => request.latencyMs).sort((left, right) => left - right);
      for (const [key, p] of [
        ["p50", 50],
        ["p90", 90],
        ["p99", 99],
        ["p999", 99.9],
      ] as const) {
        if (sorted.length === 0) continue;
        const real = exactPercentile(sorted, p);
        expect(Math.abs(merged.latency[key] - real), `seed ${seed} ${key}`).toBeLessThanOrEqual(
          real / 1024 + 0.002,
        );
      }
      expect(merged.requests).toBe(all.length);
      expect(merged.statusCodes).toEqual(
        Object.fromEntries(
          [200, 503]
            .map((status) => [String(status), all.filter((request) => request.status === status).length])
            .filter(([, n]) => n !== 0),
        ),
      );
      expect(merged.errors.status).toBe(all.filter((request) => request.status === 503).length);
      for (const name of ["GET /", "POST /items"]) {
        const raw = new LatencyHistogram();
        for (const request of all) if (request.name === name) raw.record(request.latencyMs);
        const entry = merged.byRequest.find((request) => request.name === name);
        if (raw.count === 0) continue;
        expect(entry?.latency.p99, `seed ${seed} ${name}`).toBe(raw.summary().p99);
        expect(entry?.count).toBe(raw.count);
      }
    }
  });

  it("aligns the timelines on absolute time: each merged second is one histogram of its requests", () => {
    for (let seed = 100; seed <= 120; seed++) {
      const { loaders, merged } = trial(seed);
      const start = Math.min(...loaders.map((loader) => loader.startTime));
      expect(merged.startedAt).toBe(new Date(start).toISOString());
      const bySecond = new Map<number, { histogram: LatencyHistogram; requests: number }>();
      for (const loader of loaders) {
        for (const request of loader.requests) {
          const second = Math.round((loader.startTime + request.t * 1000 - start) / 1000);
          const entry = bySecond.get(second) ?? { histogram: new LatencyHistogram(), requests: 0 };
          entry.histogram.record(request.latencyMs);
          entry.requests += 1;
          bySecond.set(second, entry);
        }
      }
      merged.timeline.forEach((point, t) => {
        expect(point.t).toBe(t);
        expect(point.time).toBe(start + t * 1000);
        const truth = bySecond.get(t);
        expect(point.requests, `seed ${seed} second ${t}`).toBe(truth?.requests ?? 0);
        if (truth === undefined) return;
        const summary = truth.histogram.summary();
        expect(point.latency, `seed ${seed} second ${t}`).toEqual({
          p50: summary.p50,
          p90: summary.p90,
          p95: summary.p95,
          p99: summary.p99,
          max: summary.max,
        });
      });
      const workers = loaders.reduce((total) => total + 4, 0);
      expect(Math.max(...merged.timeline.map((point) => point.workers))).toBeLessThanOrEqual(workers);
    }
  });

  it("folds a loader's last, partial second left alone past the others' end into the second before", () => {
    /** A loader of 3 workers, 10 requests a second, from `startTime` until the common stop at `endTime`. */
    const loader = (startTime: number, endTime: number) => {
      let now = startTime;
      const recorder = new StatsRecorder({ clock: () => now });
      const aggregator = new StatsAggregator({ startTime });
      for (let t = 0; startTime + t * 1000 < endTime; t++) {
        now = Math.min(endTime, startTime + (t + 1) * 1000);
        for (let index = 0; index < 10; index++) recorder.recordRequest("GET /", 5 + index, 200);
        aggregator.add(recorder.drain());
        aggregator.closeSecond(now, 3);
      }
      return buildResults({
        toolVersion: "test",
        command: ["loadcore"],
        startedAt: startTime,
        endedAt: endTime,
        interrupted: false,
        options: { workers: 3, processes: 1, totalWorkers: 3 },
        workersStarted: 3,
        totals: aggregator.totals(),
        timeline: aggregator.timeline,
        histograms: aggregator.histograms(),
        selfCheck: HEALTHY,
      });
    };
    const base = Date.parse("2026-12-07T10:00:00.000Z");
    // stopped together at 5.7 s; the second loader started 0.6 s later: its last 0.1 s lands alone on second 6
    const early = loader(base, base + 5700);
    const late = loader(base + 600, base + 5700);
    const merged = mergeResults([throughFile(early, "a.json"), throughFile(late, "b.json")]);
    expect(merged.timeline.map((point) => point.workers)).toEqual([3, 6, 6, 6, 6, 6]);
    // nothing lost: every request is in a second
    expect(merged.timeline.reduce((total, point) => total + point.requests, 0)).toBe(merged.requests);
    expect(merged.timeline.at(-1)?.requests).toBe(30);
    // loaders that end in the same merged second are not folded
    const together = mergeResults([
      throughFile(early, "a.json"),
      throughFile(loader(base + 300, base + 5700), "c.json"),
    ]);
    expect(together.timeline.map((point) => point.workers)).toEqual([6, 6, 6, 6, 6, 6]);
  });

  it("keeps each loader's self-check and names the saturated one", () => {
    const { loaders, merged } = trial(7, 3);
    expect(merged.loaders?.map((loader) => loader.source)).toEqual(
      loaders.map((_, index) => `loader-${index}.json`),
    );
    expect(merged.loaders?.[1]?.selfCheck?.saturated).toBe(true);
    expect(merged.selfCheck.saturated).toBe(true);
    expect(merged.selfCheck.message).toContain("loader 2 (");
    expect(merged.selfCheck.message).toContain("loader-1.json");
    expect(merged.selfCheck.message).toContain("99% of its cores");
    expect(merged.options).toMatchObject({ totalWorkers: 4 * loaders.length, loaders: loaders.length });
    expect(merged.workersStarted).toBe(4 * loaders.length);
  });

  it("merges merged files again to the same figures (the merge is associative)", () => {
    const { loaders } = trial(8, 4);
    const files = loaders.map((loader, index) => throughFile(loader.results, `loader-${index}.json`));
    const all = mergeResults(files);
    const firstTwo = mergeResults(files.slice(0, 2));
    const again = mergeResults([throughFile(firstTwo, "first-two.json"), ...files.slice(2)]);
    expect(again.latency).toEqual(all.latency);
    expect(again.timeline).toEqual(all.timeline);
    expect(again.byRequest).toEqual(all.byRequest);
    expect(again.loaders).toEqual(all.loaders);
  });

  it("refuses a file without histograms or with corrupt ones, naming the file and the field", () => {
    const { loaders } = trial(3);
    const { histograms, ...old } = (loaders[0] as (typeof loaders)[number]).results;
    expect(() => mergeResults([throughFile(old as LoadResults, "old.json")])).toThrow(
      /old\.json: no "histograms": an exact merge needs them/,
    );
    const corrupt = JSON.parse(JSON.stringify(loaders[0]?.results));
    corrupt.histograms.latency.count += 1;
    expect(() => mergeResults([throughFile(corrupt, "corrupt.json")])).toThrow(
      /corrupt\.json: histograms\.latency: buckets hold \d+ values, count says \d+/,
    );
    const wrongType = JSON.parse(JSON.stringify(loaders[0]?.results));
    wrongType.histograms.timeline[0].latency.buckets = 12;
    expect(() => parseResults(wrongType, "typed.json")).toThrow(
      'typed.json: field "histograms.timeline[0].latency.buckets" must be a string, got 12',
    );
    const unknown = JSON.parse(JSON.stringify(loaders[0]?.results));
    unknown.histograms.encoding = "hdr-v9";
    expect(() => parseResults(unknown, "new.json")).not.toThrow();
    expect(() => mergeResults([throughFile(unknown, "new.json")])).toThrow(/encoding "hdr-v9"/);
  });

  it("encodes a histogram compactly and decodes it to the same buckets", () => {
    const next = random(42);
    const histogram = new LatencyHistogram();
    for (let index = 0; index < 100_000; index++) histogram.record(latency(next));
    const serialized = histogram.serialize();
    const encoded = encodeHistogram(serialized);
    expect(decodeHistogram(encoded)).toEqual(serialized);
    // at most 4 bytes of varints per non-empty bucket, in base64
    expect(encoded.buckets.length).toBeLessThanOrEqual(Math.ceil((serialized.buckets.length * 2) / 3) * 4);
  });
});
