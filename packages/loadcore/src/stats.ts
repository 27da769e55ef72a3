import type { ErrorClass } from "./error-class.js";
import type { LatencySummary, SerializedHistogram } from "./histogram.js";

/** Latency percentiles of one second of the timeline, in milliseconds (0 when no request completed). */
export interface TimelineLatency {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

/** One second of the run (results JSON `timeline[]`). */
export interface TimelinePoint {
  /** Seconds since the start of the run: 0, 1, 2... */
  t: number;
  /** Epoch milliseconds at the start of this second. */
  time: number;
  /** Workers running at the end of the second. */
  workers: number;
  /** Scenario runs that succeeded during the second. */
  ok: number;
  /** Scenario runs that failed during the second. */
  failed: number;
  /** HTTP requests completed during the second. */
  requests: number;
  /** HTTP requests per second. */
  throughput: number;
  /** Percent of failed scenario runs, failed / (ok + failed) * 100, 0 when none ended. */
  errorRatio: number;
  /** HTTP request latency during the second. */
  latency: TimelineLatency;
  /** Load generator CPU, 100 = one core, all processes summed (0 when unknown). */
  generatorCpuPercent: number;
  /** Worst p99 event-loop delay among the generator processes, ms (0 when unknown). */
  eventLoopDelayMs: number;
}

/** Counts of failures by class; only non-zero classes are present. */
export type ErrorCounts = Partial<Record<ErrorClass, number>>;

/** Counts by HTTP status code, keys are the codes as strings ("200"). */
export type StatusCounts = Record<string, number>;

/** One request name's figures in a {@link StatsInterval}. */
export interface RequestInterval {
  name: string;
  count: number;
  ok: number;
  failed: number;
  statusCodes: StatusCounts;
  errors: ErrorCounts;
  latency: SerializedHistogram;
}

/** One scenario's figures in a {@link StatsInterval}. */
export interface ScenarioInterval {
  name: string;
  ok: number;
  failed: number;
  errors: ErrorCounts;
  /** Scenario run durations, ms. */
  duration: SerializedHistogram;
}

/** Everything one recorder saw between two drains; a plain structured-clone friendly object. */
export interface StatsInterval {
  /** Epoch ms of the previous drain (or of the recorder's creation). */
  startTime: number;
  /** Epoch ms of this drain. */
  endTime: number;
  /** Scenario runs. */
  ok: number;
  failed: number;
  /** HTTP requests. */
  requests: number;
  statusCodes: StatusCounts;
  /** Scenario failures by class. */
  errors: ErrorCounts;
  /** HTTP request latency. */
  latency: SerializedHistogram;
  scenarios: ScenarioInterval[];
  byRequest: RequestInterval[];
}

/** One scenario's totals (results JSON `scenarios[]`). */
export interface ScenarioTotals {
  name: string;
  ok: number;
  failed: number;
  errors: ErrorCounts;
  /** Scenario run duration, ms. */
  latency: LatencySummary;
}

/** One request name's totals (results JSON `byRequest[]`). */
export interface RequestTotals {
  name: string;
  count: number;
  ok: number;
  failed: number;
  statusCodes: StatusCounts;
  errors: ErrorCounts;
  latency: LatencySummary;
}

/** The merged totals of a run. */
export interface StatsTotals {
  ok: number;
  failed: number;
  requests: number;
  /** HTTP request latency, ms. */
  latency: LatencySummary;
  statusCodes: StatusCounts;
  /** Scenario failures by class, every class present (0 when none). */
  errors: Record<ErrorClass, number>;
  scenarios: ScenarioTotals[];
  byRequest: RequestTotals[];
}

/** Load generator figures for one second, measured by the runner (see `SelfMonitor`). */
export interface GeneratorSample {
  cpuPercent: number;
  eventLoopDelayMs: number;
}

/**
 * Records requests and scenario runs in one worker thread or process. The hot path
 * (`recordRequest`) does map lookups and histogram increments only.
 */
export class StatsRecorder {
  /** @param options.clock epoch ms clock, `Date.now` by default. */
  constructor(options: { clock?: () => number } = {}) {
    void options;
  }

  /**
   * Records one HTTP request. A request is failed when it got no response (`status` undefined),
   * a status >= 400, or an `error` class.
   */
  recordRequest(name: string, latencyMs: number, status: number | undefined, error?: ErrorClass): void {
    void name;
    void latencyMs;
    void status;
    void error;
    throw new Error("todo");
  }

  /** Records one scenario run; `error` undefined means it succeeded. */
  recordScenario(name: string, durationMs: number, error?: ErrorClass): void {
    void name;
    void durationMs;
    void error;
    throw new Error("todo");
  }

  /** Everything recorded since the previous drain, as a structured-clone-able object; resets the interval. */
  drain(): StatsInterval {
    throw new Error("todo");
  }
}

/**
 * In the coordinating thread: merges the intervals of every process into totals and a per-second timeline.
 */
export class StatsAggregator {
  /** @param options.startTime epoch ms of the run's start (timeline `t = 0`). */
  constructor(options: { startTime: number }) {
    void options;
  }

  /** Adds one drained interval (from any process) to the current second and to the totals. */
  add(interval: StatsInterval): void {
    void interval;
    throw new Error("todo");
  }

  /**
   * Closes the current second and returns its point. `now` (epoch ms) is used to compute the
   * throughput of a second that was shorter or longer than 1 s (the last one, a late timer).
   */
  closeSecond(now: number, workers: number, generator?: GeneratorSample): TimelinePoint {
    void now;
    void workers;
    void generator;
    throw new Error("todo");
  }

  /**
   * The HTTP latency histogram of the second closed last (serialised), to feed
   * `SizingController.observe` for exact windowed percentiles.
   */
  get lastSecondLatency(): SerializedHistogram | undefined {
    throw new Error("todo");
  }

  /** Every closed second, in order. */
  get timeline(): readonly TimelinePoint[] {
    throw new Error("todo");
  }

  /** The totals so far: ok, failed, requests, latency, statusCodes, errors, scenarios, byRequest. */
  totals(): StatsTotals {
    throw new Error("todo");
  }
}
