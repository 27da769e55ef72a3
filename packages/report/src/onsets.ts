import type { AnalysisThresholds, Capacity } from "./analysis-types.js";
import { formatNumber } from "./format.js";
import type { LoadResultsInput, TimelineEntry, TimelineLatency } from "./inputs/types.js";

/** The tolerance (percent) the run was judged against: the sizing block's, or 5% as in Molotov. */
export function tolerancePercent(results: LoadResultsInput, override?: number): number {
  return override ?? results.sizing?.tolerance ?? 5;
}

function windowRatio(timeline: TimelineEntry[], end: number, size: number): { ratio: number; runs: number } {
  let ok = 0;
  let failed = 0;
  for (let index = Math.max(0, end - size + 1); index <= end; index++) {
    const entry = timeline[index] as TimelineEntry;
    ok += entry.ok;
    failed += entry.failed;
  }
  const runs = ok + failed;
  return { ratio: runs === 0 ? 0 : (failed / runs) * 100, runs };
}

/** When the failures began and what they were: errors past the tolerance, or the latency objective broken. */
export interface FailureOnset {
  atSeconds: number;
  cause: "errors" | "latency";
}

/**
 * The failure onset: the first second at which the error ratio over the last `errorWindowSeconds`
 * exceeds the tolerance (with at least `errorWindowMinRuns` runs) and the following window does too;
 * or, with a latency objective, the first second its percentile stays above the threshold as long.
 */
export function findFailureOnset(
  results: LoadResultsInput,
  thresholds: AnalysisThresholds,
  tolerance: number,
): FailureOnset | null {
  const timeline = results.timeline;
  const size = Math.max(1, Math.round(thresholds.errorWindowSeconds));
  const failing = (end: number) => {
    const { ratio, runs } = windowRatio(timeline, end, size);
    return runs >= thresholds.errorWindowMinRuns && ratio > tolerance;
  };
  const objective = results.sizing?.latencyObjective;
  const slow = (index: number) => {
    if (!objective) return false;
    const value = timeline[index]?.latency?.[objective.percentile as keyof TimelineLatency];
    return typeof value === "number" && value > objective.thresholdMs;
  };
  // Still failing one whole window later, so a blip of one bad second does not count.
  const sustained = (index: number, test: (index: number) => boolean) =>
    index + size >= timeline.length ? true : test(index + size);
  // A second past the limits on its own: the same test loadcore's sizing applies to a healthy second.
  const failingAlone = (index: number) => windowRatio(timeline, index, 1).ratio > tolerance || slow(index);
  // The last second loadcore's sizing judged healthy bounds the onset: failures before it stayed
  // within the tolerance over its window, so the report does not date the onset earlier.
  const healthyWorkers = results.sizing?.healthyWorkers;
  let searchFrom = 0;
  if (typeof healthyWorkers === "number") {
    const lastHealthy = timeline.findLastIndex(
      (entry) => entry.workers > 0 && entry.workers <= healthyWorkers,
    );
    if (lastHealthy >= 0) searchFrom = lastHealthy + 1;
  }
  for (let index = searchFrom; index < timeline.length; index++) {
    const erring = failing(index) && sustained(index, failing);
    if (erring || (slow(index) && sustained(index, slow))) {
      const cause = erring ? "errors" : "latency";
      // The onset is where the failing seconds began, not where the window filled up: the first second
      // of the window past the limits on its own.
      for (let start = Math.max(searchFrom, index - size + 1); start <= index; start++) {
        if (failingAlone(start)) return { atSeconds: (timeline[start] as TimelineEntry).t, cause };
      }
      return { atSeconds: (timeline[index] as TimelineEntry).t, cause };
    }
  }
  const sizing = results.sizing;
  if (sizing && (sizing.stopReason === "error-ratio" || sizing.stopReason === "latency")) {
    const cause = sizing.stopReason === "latency" ? "latency" : "errors";
    return sizing.stoppedAtSeconds === undefined ? null : { atSeconds: sizing.stoppedAtSeconds, cause };
  }
  return null;
}

/** Throughput smoothed over `size` seconds, centred. */
export function smoothedThroughput(timeline: TimelineEntry[], size = 10): number[] {
  const half = Math.floor(size / 2);
  return timeline.map((_, index) => {
    let sum = 0;
    let count = 0;
    for (
      let other = Math.max(0, index - half);
      other <= Math.min(timeline.length - 1, index + half);
      other++
    ) {
      sum += (timeline[other] as TimelineEntry).throughput;
      count++;
    }
    return sum / count;
  });
}

/**
 * Where the throughput levelled out after the plateau's start, when that is worth saying: at least 5%
 * above the plateau's own throughput. Null otherwise.
 */
export function notablePlateauLevel(plateau: Capacity["plateau"]): number | null {
  if (plateau === null || plateau.levelThroughput === null) return null;
  return plateau.levelThroughput >= 1.05 * plateau.throughput ? plateau.levelThroughput : null;
}

/** `, levelling at X req/s` after a plateau's figures when {@link notablePlateauLevel} has a level; "" otherwise. */
export function plateauLevelText(plateau: Capacity["plateau"]): string {
  const level = notablePlateauLevel(plateau);
  return level === null ? "" : `, levelling at ${formatNumber(level)} req/s`;
}

/**
 * The throughput plateau: the sizing block's when loadcore found one; otherwise the first second
 * after which workers still grew by `plateauWorkerGrowth` while the smoothed throughput never
 * exceeded its level by more than `plateauThroughputGrowth`.
 */
export function findPlateau(results: LoadResultsInput, thresholds: AnalysisThresholds): Capacity["plateau"] {
  const fromSizing = results.sizing?.plateau;
  if (fromSizing?.detected) {
    return {
      atSeconds: fromSizing.atSeconds,
      workers: fromSizing.workers,
      throughput: fromSizing.throughput,
      levelThroughput: fromSizing.levelThroughput ?? null,
    };
  }
  if (results.sizing?.plateau === null) return null;
  const timeline = results.timeline;
  if (timeline.length < 10) return null;
  const throughput = smoothedThroughput(timeline);
  const suffixThroughput = new Array<number>(timeline.length);
  const suffixWorkers = new Array<number>(timeline.length);
  let maxThroughput = 0;
  let maxWorkers = 0;
  for (let index = timeline.length - 1; index >= 0; index--) {
    maxThroughput = Math.max(maxThroughput, throughput[index] as number);
    maxWorkers = Math.max(maxWorkers, (timeline[index] as TimelineEntry).workers);
    suffixThroughput[index] = maxThroughput;
    suffixWorkers[index] = maxWorkers;
  }
  for (let index = 0; index < timeline.length; index++) {
    const entry = timeline[index] as TimelineEntry;
    const level = throughput[index] as number;
    if (entry.workers <= 0 || level <= 0) continue;
    if (
      (suffixWorkers[index] as number) >= entry.workers * (1 + thresholds.plateauWorkerGrowth) &&
      (suffixThroughput[index] as number) <= level * (1 + thresholds.plateauThroughputGrowth)
    ) {
      return {
        atSeconds: entry.t,
        workers: entry.workers,
        throughput: level,
        // loadcore's level only: this plateau holds within plateauThroughputGrowth of its start
        levelThroughput: null,
      };
    }
  }
  return null;
}
