#!/usr/bin/env node
// Exactness of `loadcore merge`: K random trials, each 1 to 8 loaders with random latency sets (10 µs
// to 10 s, clustered), run through the real producer path (StatsRecorder, StatsAggregator,
// buildResults, JSON, parseResults) and merged. Prints the largest gap, over every trial, between the
// merged figures and (a) one histogram of every raw latency, (b) the raw latencies' own nearest-rank
// percentiles. Reads loadcore's sources: no build needed.
// Usage: node bench/merge-exactness.mjs [--trials K] [--seed S]
import { createRequire } from "node:module";

// The recorder, the aggregator and buildResults are loadcore's internals (not its public API): read
// from its sources through jiti, loadcore's own TypeScript loader.
const loadcoreRequire = createRequire(createRequire(import.meta.url).resolve("@sizer/loadcore/package.json"));
const jiti = loadcoreRequire("jiti").createJiti(import.meta.url);
const source = (path) => jiti.import(loadcoreRequire.resolve(`./src/${path}`));
const { buildResults, parseResults } = await source("results/results.ts");
const { mergeResults } = await source("results/merge.ts");
const { LatencyHistogram } = await source("stats/histogram.ts");
const { StatsAggregator, StatsRecorder } = await source("stats/stats.ts");

const argument = (name, fallback) => {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
};
const trials = argument("--trials", 200);
const firstSeed = argument("--seed", 1);

function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 2 ** 32;
  };
}

function latency(next) {
  const mode = next();
  if (mode < 0.6) return 1 + next() * 20;
  if (mode < 0.9) return 10 ** (next() * 6 - 2);
  return 200 + next() * 3000;
}

const selfCheck = {
  cpuPercentMax: 20,
  cpuPercentMean: 10,
  cores: 1,
  eventLoopDelayP99MaxMs: 1,
  saturated: false,
  message: "",
};

function loader(next, startTime, seconds, raw) {
  let now = startTime;
  const recorder = new StatsRecorder({ clock: () => now });
  const aggregator = new StatsAggregator({ startTime });
  const rate = Math.floor(next() * 2000);
  for (let t = 0; t < seconds; t++) {
    const count = Math.floor(rate * next());
    for (let index = 0; index < count; index++) {
      const value = latency(next);
      raw.push(value);
      recorder.recordRequest("GET /", value, 200);
    }
    now = startTime + (t + 1) * 1000;
    aggregator.add(recorder.drain());
    aggregator.closeSecond(now, 1);
  }
  const results = buildResults({
    toolVersion: "bench",
    command: ["loadcore"],
    startedAt: startTime,
    endedAt: now,
    interrupted: false,
    options: {},
    totals: aggregator.totals(),
    timeline: aggregator.timeline,
    histograms: aggregator.histograms(),
    selfCheck,
  });
  return JSON.stringify(results);
}

const KEYS = [
  ["p50", 50],
  ["p90", 90],
  ["p99", 99],
  ["p999", 99.9],
];
let worstVsHistogram = 0;
let worstP99VsRaw = 0;
let worstRelativeVsRaw = 0;
let requests = 0;
let bytes = 0;
for (let seed = firstSeed; seed < firstSeed + trials; seed++) {
  const next = random(seed);
  const raw = [];
  const files = Array.from({ length: 1 + Math.floor(next() * 8) }, () =>
    loader(next, 1_800_000_000_000 + Math.floor(next() * 1500), 2 + Math.floor(next() * 10), raw),
  );
  bytes += files.reduce((total, text) => total + text.length, 0);
  const merged = mergeResults(
    files.map((text, index) => ({ source: `${index}.json`, results: parseResults(JSON.parse(text)) })),
  );
  if (raw.length === 0) continue;
  requests += raw.length;
  const truth = new LatencyHistogram();
  for (const value of raw) truth.record(value);
  const expected = truth.summary();
  const sorted = raw.sort((left, right) => left - right);
  for (const [key, p] of KEYS) {
    worstVsHistogram = Math.max(worstVsHistogram, Math.abs(merged.latency[key] - expected[key]));
    const exact = sorted[Math.max(1, Math.ceil((p / 100) * sorted.length - 1e-9)) - 1];
    const gap = Math.abs(merged.latency[key] - exact);
    if (key === "p99") worstP99VsRaw = Math.max(worstP99VsRaw, gap);
    worstRelativeVsRaw = Math.max(worstRelativeVsRaw, gap / exact);
  }
}
console.log(
  `${trials} trials (seeds ${firstSeed}..${firstSeed + trials - 1}), ${requests} requests, ${(bytes / 1e6).toFixed(1)} MB of results JSON`,
);
console.log(
  `max |merged pXX - one histogram of all raw latencies pXX| (p50, p90, p99, p99.9): ${worstVsHistogram} ms`,
);
console.log(`max |merged p99 - exact p99 of the raw latencies|: ${worstP99VsRaw.toFixed(6)} ms`);
console.log(
  `max relative gap to the raw latencies' exact percentiles (p50..p99.9): ${(worstRelativeVsRaw * 100).toFixed(4)} %`,
);
