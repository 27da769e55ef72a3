import type { LoadResults } from "./results.js";
import type { TimelinePoint } from "./stats.js";

/** Options of {@link formatSummary}. */
export interface SummaryOptions {
  /** ANSI colours (default false). */
  color?: boolean;
}

/**
 * The end-of-run table: totals, throughput, latency percentiles, per scenario and per request tables,
 * status codes, error classes, the sizing verdict and the self-check warning.
 */
export function formatSummary(results: LoadResults, options: SummaryOptions = {}): string {
  void results;
  void options;
  throw new Error("todo");
}

/** One status line: elapsed/planned, workers, req/s, ok, failed, error ratio, p95. */
export function formatStatusLine(
  point: TimelinePoint,
  elapsedSeconds: number,
  plannedSeconds?: number,
): string {
  void point;
  void elapsedSeconds;
  void plannedSeconds;
  throw new Error("todo");
}
