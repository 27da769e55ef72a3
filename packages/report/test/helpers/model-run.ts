// Runs built from a simple model whose capacity is known: a timeline (±2% noise, latency from Little's
// law) and the service's CPU and memory, so expectations are computed from the model, not typed in.
import { MetricsBuilder } from "../../src/inputs/metrics-builder.js";
import type { LoadResultsInput, MetricsData, TimelineEntry } from "../../src/inputs/types.js";

export const START_MS = Date.UTC(2026, 11, 6, 12, 0, 0);

/** A deterministic pseudo-random source in [0, 1). */
function noise(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export interface Model {
  seconds: number;
  /** Workers at second t. */
  workers: (t: number) => number;
  /** Throughput the service gives at second t with that many workers. */
  throughput: (t: number, workers: number) => number;
  /** Failed share of the scenario runs at second t (0 by default). */
  failedShare?: (t: number) => number;
  /** The generator's p99 event-loop delay at second t, ms (1 by default). */
  eventLoopDelayMs?: (t: number) => number;
  /** Extra latency (ms) of the requests of second t (0 by default). */
  extraLatencyMs?: (t: number) => number;
}

/** A timeline from the model, ±2% noise, latency from Little's law (workers / throughput). */
export function timelineOf(model: Model): TimelineEntry[] {
  const random = noise(7);
  return Array.from({ length: model.seconds }, (_, t) => {
    const workers = model.workers(t);
    const throughput = model.throughput(t, workers) * (0.98 + 0.04 * random());
    const runs = Math.round(throughput);
    const failed = Math.round(runs * (model.failedShare?.(t) ?? 0));
    const p50 = (workers / throughput) * 1000 + (model.extraLatencyMs?.(t) ?? 0);
    return {
      t,
      time: START_MS + t * 1000,
      workers,
      ok: runs - failed,
      failed,
      requests: runs,
      throughput,
      errorRatio: runs === 0 ? 0 : (failed / runs) * 100,
      latency: { p50, p90: p50 * 1.5, p95: p50 * 1.8, p99: p50 * 2.5, max: p50 * 4 },
      generatorCpuPercent: 20,
      eventLoopDelayMs: model.eventLoopDelayMs?.(t) ?? 1,
    };
  });
}

export function resultsOf(
  timeline: TimelineEntry[],
  extra: Partial<LoadResultsInput> = {},
): LoadResultsInput {
  const ok = timeline.reduce((sum, entry) => sum + entry.ok, 0);
  const failed = timeline.reduce((sum, entry) => sum + entry.failed, 0);
  return {
    format: "loadcore-results",
    formatVersion: 1,
    startedAt: new Date(START_MS).toISOString(),
    durationSeconds: timeline.length,
    ok,
    failed,
    requests: ok + failed,
    throughput: (ok + failed) / timeline.length,
    timeline,
    ...extra,
  };
}

/**
 * Service CPU (process tree, percent of one core) and RSS per second on a 2-core host, and any other
 * series given (`extra(t)`: name to value).
 */
export function metricsOf(
  seconds: number,
  cpu: (t: number) => number,
  rss: (t: number) => number,
  extra: (t: number) => Record<string, number> = () => ({}),
): MetricsData {
  const builder = new MetricsBuilder();
  for (let t = 0; t < seconds; t++) {
    const index = builder.addSample(START_MS + t * 1000 + 500);
    builder.set("host.cpu.count", index, 2);
    builder.set("process.cpu.percent", index, cpu(t));
    builder.set("process.rss", index, rss(t));
    for (const [name, value] of Object.entries(extra(t))) builder.set(name, index, value);
  }
  return builder.build({ format: "sizer-metrics", formatVersion: 1, source: "native", extra: {} });
}
