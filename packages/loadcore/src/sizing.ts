import type { SerializedHistogram } from "./histogram.js";
import type { TimelineLatency, TimelinePoint } from "./stats.js";

/** A percentile a latency objective can be set on. */
export type ObjectivePercentile = "p50" | "p90" | "p95" | "p99";

/** A latency objective: `percentile` of the HTTP latency over the window must stay <= `thresholdMs`. */
export interface LatencyObjective {
  percentile: ObjectivePercentile;
  thresholdMs: number;
}

/** Options of {@link SizingController}; see {@link DEFAULT_SIZING_OPTIONS}. */
export interface SizingOptions {
  /** Percent of failed scenario runs over the window above which capacity is reached (default 5). */
  tolerance: number;
  /** Sliding window length in closed seconds (default 60). */
  windowSeconds: number;
  /** Scenario runs needed in the window before any decision (default 100). */
  minSamples: number;
  /** Optional second stop criterion. */
  latencyObjective?: LatencyObjective;
  /** Plateau detection, on by default; `bandSeconds` (default windowSeconds / 6, at least 1). */
  plateau?: { enabled: boolean; bandSeconds?: number };
}

/** The defaults of {@link SizingOptions}. */
export const DEFAULT_SIZING_OPTIONS: SizingOptions = {
  tolerance: 5,
  windowSeconds: 60,
  minSamples: 100,
  plateau: { enabled: true },
};

/** Why a sizing run ended. */
export type SizingStopReason =
  | "error-ratio"
  | "latency"
  | "capacity-above-max-load"
  | "duration"
  | "interrupted"
  | "max-runs";

/** A stop decision returned by {@link SizingController.observe}. */
export interface SizingStop {
  reason: "error-ratio" | "latency" | "capacity-above-max-load";
  /** End of the second that triggered the stop, seconds since the start. */
  atSeconds: number;
  workers: number;
  /** Percent over the window. */
  errorRatio: number;
  /** One line for humans. */
  message: string;
}

/** The throughput plateau: more workers, no more throughput, rising latency. */
export interface PlateauVerdict {
  detected: true;
  /** Start of the plateau, seconds since the start of the run. */
  atSeconds: number;
  /** Mean worker count at the plateau's start. */
  workers: number;
  /** Requests per second at the plateau's start. */
  throughput: number;
  /** p95 at the stop (or the end) divided by p95 at the plateau's start. */
  latencyGrowth: number;
}

/** The `sizing` object of the results JSON (docs/formats.md). */
export interface SizingVerdict {
  tolerance: number;
  window: number;
  minSamples: number;
  latencyObjective: LatencyObjective | null;
  /** A stop criterion (error ratio or latency) fired: the capacity was found. */
  reached: boolean;
  stopReason: SizingStopReason;
  stoppedAtSeconds: number;
  workersAtStop: number;
  /** The worker count at the end of the last second whose trailing window was healthy, or null. */
  healthyWorkers: number | null;
  /** Percent, failed / (ok + failed) over the window at the stop. */
  errorRatio: number;
  /** Requests per second at the healthy level, or null. */
  throughputAtHealthy: number | null;
  /** Latency at the healthy level, or null. */
  latencyAtHealthy: TimelineLatency | null;
  plateau: PlateauVerdict | null;
  message: string;
}

/**
 * Decides when a sizing run stops, fed one closed second at a time (pure: no clock, no I/O).
 */
export class SizingController {
  constructor(options: Partial<SizingOptions> = {}) {
    void options;
  }

  /**
   * Feeds one closed second. `allWorkersStarted` = the ramp-up is over. `secondLatency` (optional,
   * `StatsAggregator.lastSecondLatency`) makes windowed percentiles exact; without it they are the
   * request-weighted mean of the per-second percentiles. Returns a stop decision when a criterion fires.
   */
  observe(
    point: TimelinePoint,
    allWorkersStarted: boolean,
    secondLatency?: SerializedHistogram,
  ): SizingStop | undefined {
    void point;
    void allWorkersStarted;
    void secondLatency;
    throw new Error("todo");
  }

  /** The `sizing` object of the results JSON, for a run that ended for `endReason` if no stop fired. */
  verdict(endReason?: "duration" | "interrupted" | "max-runs"): SizingVerdict {
    void endReason;
    throw new Error("todo");
  }
}

/**
 * Parses a latency objective such as `p95=500` (milliseconds). Throws an error with code
 * `ERR_LOADCORE_USAGE` and a message naming the input when it is malformed.
 */
export function parseLatencyObjective(text: string): LatencyObjective {
  void text;
  throw new Error("todo");
}
