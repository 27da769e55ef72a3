import type { TimelinePoint } from "./stats.js";

/** The `selfCheck` object of the results JSON: the load generator watching itself. */
export interface SelfCheck {
  cpuPercentMax: number;
  cpuPercentMean: number;
  cores: number;
  eventLoopDelayP99MaxMs: number;
  /** The generator, not the target, may have been the limit. */
  saturated: boolean;
  message: string;
}

/** One reading of {@link SelfMonitor.sample}. */
export interface SelfSample {
  /** CPU used since the previous sample, 100 = one core. */
  cpuPercent: number;
  /** p99 event-loop delay since the previous sample, ms. */
  eventLoopDelayMs: number;
}

/**
 * Watches the CPU and event-loop delay of the current process (main thread) or worker thread.
 */
export class SelfMonitor {
  /** @param options.clock a monotonic ms clock, `performance.now` by default. */
  constructor(options: { clock?: () => number } = {}) {
    void options;
  }

  /** Starts measuring (event-loop delay histogram, CPU baseline). */
  start(): void {
    throw new Error("todo");
  }

  /** CPU percent and p99 event-loop delay since the previous sample (or start). */
  sample(): SelfSample {
    throw new Error("todo");
  }

  /** Stops the event-loop delay monitor. */
  stop(): void {
    throw new Error("todo");
  }
}

/** Thresholds of {@link judgeSelfCheck}. */
export interface SelfCheckOptions {
  /** Percent of the cores' capacity above which a second counts as CPU-saturated (default 90). */
  cpuThresholdPercent?: number;
  /** p99 event-loop delay above which a second counts as saturated, ms (default 50). */
  eventLoopDelayThresholdMs?: number;
  /** Consecutive saturated seconds that make the run saturated (default 5, or the whole run if shorter). */
  sustainedSeconds?: number;
}

/** Judges, from the timeline, whether the load generator itself was the limit. */
export function judgeSelfCheck(
  timeline: readonly TimelinePoint[],
  cores: number,
  options: SelfCheckOptions = {},
): SelfCheck {
  void timeline;
  void cores;
  void options;
  throw new Error("todo");
}
