import { UsageError } from "../errors.js";
import { LatencyHistogram, type SerializedHistogram } from "../stats/histogram.js";
import { errorRatioPercent, type TimelineLatency, type TimelinePoint } from "../stats/stats.js";

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
  /** Plateau detection, on by default; `bandSeconds` (default windowSeconds / 6 rounded, at least 2). */
  plateau?: { enabled: boolean; bandSeconds?: number };
  /**
   * What the ramp raises: `"workers"` (closed model, default; the plateau is judged on the throughput
   * against the workers) or `"rate"` (arrival-rate model: on each second's `achievedRate` against its
   * `targetRate`, and a plateau, the achieved rate no longer following the target, stops the run).
   */
  load?: "workers" | "rate";
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
  | "plateau"
  | "capacity-above-max-load"
  | "duration"
  | "interrupted"
  | "max-runs"
  | "exception";

/** A stop decision returned by {@link SizingController.observe}. */
export interface SizingStop {
  reason: "error-ratio" | "latency" | "plateau" | "capacity-above-max-load";
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
  /** Mean worker count of the plateau's first band, rounded. */
  workers: number;
  /** Requests per second at the plateau's start. */
  throughput: number;
  /** p95 at the stop (or the end) divided by p95 at the plateau's start. */
  latencyGrowth: number;
  /**
   * Where the throughput (req/s) levelled out: in the workers model, the highest held for two bands in a
   * row from the plateau's start on (it can creep above `throughput` while the workers keep growing); in
   * arrival-rate sizing, its mean from the plateau's start to the stop (the seconds of `levelRate`).
   */
  levelThroughput?: number;
  /** Arrival-rate sizing only: the target rate at the plateau's start, scenario runs per second. */
  targetRate?: number;
  /** Arrival-rate sizing only: the mean achieved rate from the plateau's start to the stop. */
  levelRate?: number;
}

/** The arrival-rate figures of a sizing verdict (`sizing.rate`), scenario runs per second. */
export interface SizingRateVerdict {
  /**
   * The capacity: the mean achieved rate from the plateau's start to the stop when the run stopped on a
   * plateau, otherwise the achieved rate at the healthy level; null when neither was seen.
   */
  capacity: number | null;
  /** The workers that rate took: those of the plateau's start, or of the healthy level. */
  capacityWorkers: number | null;
  /** The target rate of the second that stopped the run (or of the last second). */
  targetAtStop: number;
  /** Target and achieved rates at the healthy level (its last seconds averaged), or null. */
  targetAtHealthy: number | null;
  achievedAtHealthy: number | null;
}

/** The `sizing` object of the results JSON (docs/formats.md). */
export interface SizingVerdict {
  tolerance: number;
  window: number;
  minSamples: number;
  latencyObjective: LatencyObjective | null;
  /** A stop criterion (error ratio, latency, or an arrival-rate plateau) fired: the capacity was found. */
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
  /** Present only when sizing an arrival-rate ramp. */
  rate?: SizingRateVerdict;
  message: string;
}

/** Seconds averaged for the figures of the healthy level (throughput, latency). */
const LEVEL_SECONDS = 5;
/**
 * Arrival-rate sizing: a healthy second's achieved rate is at least this share of its target rate. A
 * second that fell short was not held, errors or not: against nginx, a generator that fell behind its
 * 120,000 runs/s target called a second of 57,000 achieved its healthy level, its p50 at 17 s.
 */
export const RATE_HELD_SHARE = 0.9;
/** Plateau: the current band needs at least this many times the workers of the band it is compared with. */
const PLATEAU_WORKER_GROWTH = 1.2;
/** Plateau: throughput grew by less than this share of the growth proportional to the workers. */
const PLATEAU_THROUGHPUT_SHARE = 0.25;
/** Plateau: the band p95 must have grown by at least this factor. */
const PLATEAU_LATENCY_GROWTH = 1.1;
/** Plateau start: the first band reaching this share of the plateau's best throughput. */
const PLATEAU_START_SHARE = 0.95;
/**
 * A detected plateau is moved when the run climbs out of it: two bands in a row above this many times
 * its throughput...
 */
const PLATEAU_CLIMB = 1.1;
/** ...having gained at least this share of the growth proportional to the workers since its start. */
const PLATEAU_CLIMB_SHARE = 0.5;
/** The message names the plateau's level when it is at least this many times its start's throughput. */
const PLATEAU_LEVEL_NOTE = 1.05;

interface ObservedSecond {
  point: TimelinePoint;
  histogram: SerializedHistogram | undefined;
}

interface Level {
  atSeconds: number;
  workers: number;
  throughput: number;
  latency: TimelineLatency;
  targetRate: number;
  achievedRate: number;
}

interface Band {
  startSeconds: number;
  /** What the ramp raises: the mean workers, or the mean target rate. */
  load: number;
  /** What should follow the load: the throughput (req/s), or the achieved rate. */
  output: number;
  workers: number;
  throughput: number;
  p95: number;
}

interface PlateauStart {
  /** Index of the start band in the controller's bands. */
  band: number;
  atSeconds: number;
  load: number;
  output: number;
  workers: number;
  throughput: number;
  p95: number;
}

function plateauStartOf(bands: readonly Band[], index: number): PlateauStart {
  const band = bands[index] as Band;
  return {
    band: index,
    atSeconds: band.startSeconds,
    load: band.load,
    output: band.output,
    workers: band.workers,
    throughput: band.throughput,
    p95: band.p95,
  };
}

function formatNumber(value: number): string {
  if (value >= 100) return String(Math.round(value));
  if (value >= 10) return value.toFixed(1).replace(/\.0$/, "");
  return value.toFixed(2).replace(/\.?0+$/, "");
}

function formatPercent(value: number): string {
  return `${Number(value.toFixed(2))}%`;
}

/**
 * Latency figures of several seconds: exact from merged histograms when every second has one,
 * otherwise the request-weighted mean of the per-second percentiles (and the max of the maxima).
 */
function combinedLatency(seconds: readonly ObservedSecond[]): TimelineLatency {
  if (seconds.length > 0 && seconds.every((second) => second.histogram !== undefined)) {
    const histogram = new LatencyHistogram();
    for (const second of seconds) histogram.merge(second.histogram as SerializedHistogram);
    return {
      p50: histogram.percentile(50),
      p90: histogram.percentile(90),
      p95: histogram.percentile(95),
      p99: histogram.percentile(99),
      max: histogram.max,
    };
  }
  let requests = 0;
  const weighted = { p50: 0, p90: 0, p95: 0, p99: 0 };
  let max = 0;
  for (const { point } of seconds) {
    requests += point.requests;
    weighted.p50 += point.latency.p50 * point.requests;
    weighted.p90 += point.latency.p90 * point.requests;
    weighted.p95 += point.latency.p95 * point.requests;
    weighted.p99 += point.latency.p99 * point.requests;
    if (point.latency.max > max) max = point.latency.max;
  }
  if (requests === 0) return { p50: 0, p90: 0, p95: 0, p99: 0, max: 0 };
  return {
    p50: weighted.p50 / requests,
    p90: weighted.p90 / requests,
    p95: weighted.p95 / requests,
    p99: weighted.p99 / requests,
    max,
  };
}

function mean(seconds: readonly ObservedSecond[], value: (point: TimelinePoint) => number): number {
  if (seconds.length === 0) return 0;
  return seconds.reduce((sum, second) => sum + value(second.point), 0) / seconds.length;
}

function meanThroughput(seconds: readonly ObservedSecond[]): number {
  return mean(seconds, (point) => point.throughput);
}

const pointTargetRate = (point: TimelinePoint) => point.targetRate ?? 0;
const pointAchievedRate = (point: TimelinePoint) => point.achievedRate ?? 0;

function roundLatency(latency: TimelineLatency): TimelineLatency {
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return {
    p50: round(latency.p50),
    p90: round(latency.p90),
    p95: round(latency.p95),
    p99: round(latency.p99),
    max: round(latency.max),
  };
}

/**
 * Decides when a sizing run stops, fed one closed second at a time (pure: no clock, no I/O).
 *
 * - The error ratio is failed / (ok + failed) scenario runs over a sliding window of the last
 *   `windowSeconds` closed seconds (all processes merged). No decision while the window holds fewer
 *   than `minSamples` runs. A ratio strictly above `tolerance` stops with `error-ratio`.
 * - With a latency objective, the window's percentile strictly above the threshold stops with `latency`.
 * - Once every worker is started and a full window of seconds has been observed at that load without
 *   a stop, it stops with `capacity-above-max-load` (`reached: false`): sizing is never unbounded.
 * - The healthy level is the last second whose trailing window had enough samples, an error ratio
 *   within the tolerance and a latency within the objective.
 * - The plateau (docs/results-format.md) is detected and reported; it does not stop the run in the
 *   workers model. With `load: "rate"` the plateau is the achieved rate no longer following the target
 *   rate (same rule, target rate for workers, achieved rate for throughput), and it stops the run with
 *   `plateau`: an open model past capacity only queues, so it may never fail within the window.
 */
export class SizingController {
  readonly #options: SizingOptions;
  readonly #rate: boolean;
  readonly #bandSeconds: number;
  readonly #window: ObservedSecond[] = [];
  #windowOk = 0;
  #windowFailed = 0;
  #lastPoint: TimelinePoint | undefined;
  #secondsAtFullLoad = 0;
  #healthy: Level | undefined;
  #stop: SizingStop | undefined;
  #stopErrorRatio = 0;
  // Plateau detection.
  #bandSecondsSeen: ObservedSecond[] = [];
  readonly #bands: Band[] = [];
  #plateauStart: PlateauStart | undefined;
  #plateauCandidate: PlateauStart | undefined;

  constructor(options: Partial<SizingOptions> = {}) {
    // An option given as undefined takes its default (a spread would keep the undefined).
    this.#options = {
      tolerance: options.tolerance ?? DEFAULT_SIZING_OPTIONS.tolerance,
      windowSeconds: options.windowSeconds ?? DEFAULT_SIZING_OPTIONS.windowSeconds,
      minSamples: options.minSamples ?? DEFAULT_SIZING_OPTIONS.minSamples,
      plateau: options.plateau ?? DEFAULT_SIZING_OPTIONS.plateau,
      ...(options.latencyObjective === undefined ? {} : { latencyObjective: options.latencyObjective }),
    };
    this.#rate = options.load === "rate";
    const { tolerance, windowSeconds, minSamples } = this.#options;
    if (!Number.isFinite(tolerance) || tolerance < 0)
      throw new RangeError(`sizing tolerance must be >= 0, got ${tolerance}`);
    if (!Number.isInteger(windowSeconds) || windowSeconds < 1) {
      throw new RangeError(`sizing window must be a whole number of seconds >= 1, got ${windowSeconds}`);
    }
    if (!Number.isInteger(minSamples) || minSamples < 0) {
      throw new RangeError(`sizing minSamples must be a whole number >= 0, got ${minSamples}`);
    }
    this.#bandSeconds = Math.max(
      1,
      this.#options.plateau?.bandSeconds ?? Math.max(2, Math.round(windowSeconds / 6)),
    );
  }

  /**
   * Feeds one closed second. `allWorkersStarted` = the ramp-up is over (every worker started, or the
   * arrival-rate ramp reached its end). `secondLatency` (optional,
   * `StatsAggregator.lastSecondLatency`) makes windowed percentiles exact; without it they are the
   * request-weighted mean of the per-second percentiles. Returns a stop decision when a criterion
   * fires (once; seconds fed after a stop are ignored).
   */
  observe(
    point: TimelinePoint,
    allWorkersStarted: boolean,
    secondLatency?: SerializedHistogram,
  ): SizingStop | undefined {
    if (this.#stop !== undefined) return undefined;
    const { tolerance, windowSeconds, minSamples, latencyObjective } = this.#options;
    const second: ObservedSecond = { point, histogram: secondLatency };
    this.#lastPoint = point;
    this.#window.push(second);
    this.#windowOk += point.ok;
    this.#windowFailed += point.failed;
    if (this.#window.length > windowSeconds) {
      const dropped = this.#window.shift() as ObservedSecond;
      this.#windowOk -= dropped.point.ok;
      this.#windowFailed -= dropped.point.failed;
    }
    if (this.#options.plateau?.enabled !== false) this.#observePlateau(second);

    const atSeconds = point.t + 1;
    const plateau = this.#plateauStart;
    if (this.#rate && plateau !== undefined) {
      const level = this.#plateauMean(plateau.band, "output");
      return this.#stopWith({
        reason: "plateau",
        atSeconds,
        workers: point.workers,
        errorRatio: errorRatioPercent(this.#windowOk, this.#windowFailed),
        message: `capacity reached: the achieved rate levelled at ${formatNumber(level)} scenario runs/s (from ${formatNumber(plateau.load)}/s target, ${Math.round(plateau.workers)} workers) while the target rose to ${formatNumber(pointTargetRate(point))}/s${this.#healthyText()}`,
      });
    }
    const samples = this.#windowOk + this.#windowFailed;
    const errorRatio = errorRatioPercent(this.#windowOk, this.#windowFailed);
    if (samples >= minSamples && samples > 0) {
      if (errorRatio > tolerance) {
        return this.#stopWith({
          reason: "error-ratio",
          atSeconds,
          workers: point.workers,
          errorRatio,
          message: `capacity reached: ${formatPercent(errorRatio)} errors over the last ${this.#window.length} s ${this.#loadText(point)} (tolerance ${tolerance}%)${this.#healthyText()}`,
        });
      }
      const windowLatency = latencyObjective === undefined ? undefined : combinedLatency(this.#window);
      if (
        latencyObjective !== undefined &&
        windowLatency !== undefined &&
        windowLatency[latencyObjective.percentile] > latencyObjective.thresholdMs
      ) {
        const { percentile, thresholdMs } = latencyObjective;
        return this.#stopWith({
          reason: "latency",
          atSeconds,
          workers: point.workers,
          errorRatio,
          message: `capacity reached: ${percentile} ${formatNumber(windowLatency[percentile])} ms over the last ${this.#window.length} s ${this.#loadText(point)} (objective ${percentile} <= ${thresholdMs} ms)${this.#healthyText()}`,
        });
      }
      // The window lags: failures (or slow answers) that began a few seconds ago can still average out
      // under the tolerance. A healthy second must be within the limits on its own too.
      const ownHealthy =
        errorRatioPercent(point.ok, point.failed) <= tolerance &&
        (!this.#rate || pointAchievedRate(point) >= RATE_HELD_SHARE * pointTargetRate(point)) &&
        (latencyObjective === undefined ||
          point.latency[latencyObjective.percentile] <= latencyObjective.thresholdMs);
      if (ownHealthy) {
        const level = this.#window.slice(-LEVEL_SECONDS);
        this.#healthy = {
          atSeconds,
          workers: point.workers,
          throughput: meanThroughput(level),
          latency: combinedLatency(level),
          targetRate: mean(level, pointTargetRate),
          achievedRate: mean(level, pointAchievedRate),
        };
      }
    }

    this.#secondsAtFullLoad = allWorkersStarted ? this.#secondsAtFullLoad + 1 : 0;
    if (this.#secondsAtFullLoad >= windowSeconds) {
      const judged =
        samples >= minSamples && samples > 0
          ? `${formatPercent(errorRatio)} errors (tolerance ${tolerance}%)`
          : `only ${samples} scenario runs, fewer than the ${minSamples} needed to judge`;
      return this.#stopWith({
        reason: "capacity-above-max-load",
        atSeconds,
        workers: point.workers,
        errorRatio,
        message: this.#rate
          ? `capacity above the maximum load: the target rate of ${formatNumber(pointTargetRate(point))} scenario runs/s (${point.workers} workers) held a full ${windowSeconds} s window with ${judged}; raise the ramp rate's TO to find the limit${this.#plateauText()}`
          : `capacity above the maximum load: all ${point.workers} workers ran a full ${windowSeconds} s window with ${judged}; raise the workers to find the limit${this.#plateauText()}`,
      });
    }
    return undefined;
  }

  /** The `sizing` object of the results JSON, for a run that ended for `endReason` if no stop fired. */
  verdict(endReason: "duration" | "interrupted" | "max-runs" | "exception" = "duration"): SizingVerdict {
    const { tolerance, windowSeconds, minSamples, latencyObjective } = this.#options;
    const stop = this.#stop;
    const last = this.#lastPoint;
    const errorRatio =
      stop !== undefined ? this.#stopErrorRatio : errorRatioPercent(this.#windowOk, this.#windowFailed);
    const workersAtStop = stop?.workers ?? last?.workers ?? 0;
    let message: string;
    if (stop !== undefined) {
      message = stop.message;
    } else {
      const samples = this.#windowOk + this.#windowFailed;
      const state =
        samples >= minSamples && samples > 0
          ? `${formatPercent(errorRatio)} errors over the last ${this.#window.length} s ${last === undefined ? `with ${workersAtStop} workers` : this.#loadText(last)}`
          : `only ${samples} scenario runs in the last window, fewer than the ${minSamples} needed to judge`;
      message = `sizing not finished (${endReason}): no stop criterion fired; ${state}${this.#healthyText()}${this.#plateauText()}`;
    }
    const rate = this.#rate ? { rate: this.#rateVerdict(stop) } : {};
    return {
      tolerance,
      window: windowSeconds,
      minSamples,
      latencyObjective: latencyObjective ?? null,
      reached: stop?.reason === "error-ratio" || stop?.reason === "latency" || stop?.reason === "plateau",
      stopReason: stop?.reason ?? endReason,
      stoppedAtSeconds: stop?.atSeconds ?? (last === undefined ? 0 : last.t + 1),
      workersAtStop,
      healthyWorkers: this.#healthy?.workers ?? null,
      errorRatio: Math.round(errorRatio * 1000) / 1000,
      throughputAtHealthy:
        this.#healthy === undefined ? null : Math.round(this.#healthy.throughput * 100) / 100,
      latencyAtHealthy: this.#healthy === undefined ? null : roundLatency(this.#healthy.latency),
      plateau: this.#plateauVerdict(),
      ...rate,
      message,
    };
  }

  #rateVerdict(stop: SizingStop | undefined): SizingRateVerdict {
    const healthy = this.#healthy;
    const plateau = stop?.reason === "plateau" ? this.#plateauStart : undefined;
    const round = (value: number) => Math.round(value * 100) / 100;
    const stopSecond = this.#window.findLast((second) => second.point.t + 1 === stop?.atSeconds);
    const atStop = stopSecond?.point ?? this.#lastPoint;
    return {
      capacity:
        plateau !== undefined
          ? round(this.#plateauMean(plateau.band, "output"))
          : healthy === undefined
            ? null
            : round(healthy.achievedRate),
      capacityWorkers: plateau !== undefined ? Math.round(plateau.workers) : (healthy?.workers ?? null),
      targetAtStop: round(atStop === undefined ? 0 : pointTargetRate(atStop)),
      targetAtHealthy: healthy === undefined ? null : round(healthy.targetRate),
      achievedAtHealthy: healthy === undefined ? null : round(healthy.achievedRate),
    };
  }

  /** "with 12 workers", or in the arrival-rate model "at 210 scenario runs/s target with 12 workers". */
  #loadText(point: TimelinePoint): string {
    if (!this.#rate) return `with ${point.workers} workers`;
    return `at ${formatNumber(pointTargetRate(point))} scenario runs/s target with ${point.workers} workers`;
  }

  #stopWith(stop: SizingStop): SizingStop {
    this.#stop = stop;
    this.#stopErrorRatio = stop.errorRatio;
    return stop;
  }

  #healthyText(): string {
    const healthy = this.#healthy;
    if (healthy === undefined) return "; no healthy level was observed";
    if (this.#rate)
      return `; last healthy level ${formatNumber(healthy.achievedRate)} scenario runs/s achieved (${formatNumber(healthy.targetRate)}/s target, ${formatNumber(healthy.throughput)} req/s) with ${healthy.workers} workers`;
    return `; last healthy level ${healthy.workers} workers at ${formatNumber(healthy.throughput)} req/s`;
  }

  #plateauText(): string {
    const start = this.#currentPlateau();
    if (start === undefined) return "";
    const level = this.#heldLevel(start.band, "output");
    const levelling =
      level >= PLATEAU_LEVEL_NOTE * start.output ? `, levelling at ${formatNumber(level)} req/s` : "";
    return `; throughput plateau from ${Math.round(start.workers)} workers at ${formatNumber(start.throughput)} req/s${levelling}`;
  }

  #plateauVerdict(): PlateauVerdict | null {
    const start = this.#currentPlateau();
    if (start === undefined) return null;
    const recent = combinedLatency(this.#window.slice(-this.#bandSeconds)).p95;
    return {
      detected: true,
      atSeconds: start.atSeconds,
      workers: Math.round(start.workers),
      throughput: Math.round(start.throughput * 100) / 100,
      latencyGrowth: start.p95 > 0 ? Math.round((recent / start.p95) * 100) / 100 : 0,
      levelThroughput:
        Math.round(
          (this.#rate
            ? this.#plateauMean(start.band, "throughput")
            : this.#heldLevel(start.band, "throughput")) * 100,
        ) / 100,
      ...(this.#rate
        ? {
            targetRate: Math.round(start.load * 100) / 100,
            levelRate: Math.round(this.#plateauMean(start.band, "output") * 100) / 100,
          }
        : {}),
    };
  }

  /**
   * Groups seconds into bands of `bandSeconds`. When a band C completes, it is compared with P, the
   * most recent earlier band with at most C's workers / 1.2. A plateau is detected when
   * (a) C has at least 1.2x P's workers, (b) C's throughput grew by less than a quarter of the growth
   * proportional to the workers, and (c) C's p95 is at least 1.1x P's; and (d) the same holds for the
   * next band too (one noisy band is not a plateau). Its start, computed at the first of the two bands,
   * is the first band between P and C whose throughput reaches 95% of the best between P and C.
   * Bands are still recorded after the detection: {@link #currentPlateau} judges the plateau on them.
   */
  #observePlateau(second: ObservedSecond): void {
    this.#bandSecondsSeen.push(second);
    if (this.#bandSecondsSeen.length < this.#bandSeconds) return;
    const seconds = this.#bandSecondsSeen;
    this.#bandSecondsSeen = [];
    const workers = mean(seconds, (point) => point.workers);
    const throughput = meanThroughput(seconds);
    const current: Band = {
      startSeconds: (seconds[0] as ObservedSecond).point.t,
      load: this.#rate ? mean(seconds, pointTargetRate) : workers,
      output: this.#rate ? mean(seconds, pointAchievedRate) : throughput,
      workers,
      throughput,
      p95: combinedLatency(seconds).p95,
    };
    this.#bands.push(current);
    if (this.#plateauStart !== undefined) return;
    const candidate = this.#plateauAt(current);
    if (candidate === undefined) {
      this.#plateauCandidate = undefined;
    } else if (this.#plateauCandidate === undefined) {
      this.#plateauCandidate = candidate;
    } else {
      this.#plateauStart = this.#plateauCandidate;
    }
  }

  /** The plateau's start if `current` (the band just completed) shows one, per conditions (a) to (c). */
  #plateauAt(current: Band): PlateauStart | undefined {
    let previousIndex = -1;
    for (let index = this.#bands.length - 2; index >= 0; index--) {
      const band = this.#bands[index] as Band;
      if (band.load >= 1 && band.load * PLATEAU_WORKER_GROWTH <= current.load) {
        previousIndex = index;
        break;
      }
    }
    if (previousIndex < 0) return undefined;
    const previous = this.#bands[previousIndex] as Band;
    if (previous.output <= 0 || previous.p95 <= 0) return undefined;
    const workerGrowth = current.load / previous.load - 1;
    const throughputGrowth = current.output / previous.output - 1;
    if (throughputGrowth >= PLATEAU_THROUGHPUT_SHARE * workerGrowth) return undefined;
    if (current.p95 < PLATEAU_LATENCY_GROWTH * previous.p95) return undefined;
    const best = Math.max(...this.#bands.slice(previousIndex).map((band) => band.output));
    let startIndex = this.#bands.length - 1;
    for (let index = previousIndex; index < this.#bands.length; index++) {
      if ((this.#bands[index] as Band).output >= PLATEAU_START_SHARE * best) {
        startIndex = index;
        break;
      }
    }
    return plateauStartOf(this.#bands, startIndex);
  }

  /**
   * The plateau as the bands seen so far show it. A detected plateau stands as detected unless the run
   * climbs out of it: two bands in a row (the lower of the two, L, with the workers W of the second)
   * above {@link PLATEAU_CLIMB} times the plateau's throughput T, having gained at least
   * {@link PLATEAU_CLIMB_SHARE} of the growth proportional to the workers since its start:
   * `L / T - 1 >= 0.5 * (W / workers - 1)`. A slow creep (less than that) is the plateau's own slope and
   * leaves it where it was. After a climb the plateau moves to the first band reaching 95% of the highest
   * level held (two bands in a row) since, and stands there only if the run went on to 1.2x that band's
   * workers with a p95 1.1x its own; otherwise no plateau is reported.
   */
  #currentPlateau(): PlateauStart | undefined {
    const detected = this.#plateauStart;
    if (detected === undefined) return undefined;
    const bands = this.#bands;
    let climbed = false;
    for (let index = detected.band; index + 1 < bands.length; index++) {
      const second = bands[index + 1] as Band;
      const level = Math.min((bands[index] as Band).output, second.output);
      const gain = level / detected.output - 1;
      const proportional = second.load / detected.load - 1;
      if (level >= PLATEAU_CLIMB * detected.output && gain >= PLATEAU_CLIMB_SHARE * proportional)
        climbed = true;
    }
    if (!climbed) return detected;
    const held = this.#heldLevel(detected.band, "output");
    let startIndex = detected.band;
    while ((bands[startIndex] as Band).output < PLATEAU_START_SHARE * held) startIndex++;
    const start = plateauStartOf(bands, startIndex);
    const last = bands[bands.length - 1] as Band;
    const moreWorkers = last.load >= PLATEAU_WORKER_GROWTH * start.load;
    const slower = last.p95 >= PLATEAU_LATENCY_GROWTH * start.p95;
    return moreWorkers && slower ? start : undefined;
  }

  /**
   * The mean `key` of the bands from band `from` to the last: an arrival-rate plateau's level, from its
   * start to the stop. The highest level held two bands in a row ({@link #heldLevel}) picks the luckiest
   * seconds of a plateau: on a machine whose other processes took the service's core now and then, it was
   * noted overstating a CPU-bound service's capacity by up to 28% (#17).
   */
  #plateauMean(from: number, key: "output" | "throughput"): number {
    const bands = this.#bands.slice(from);
    if (bands.length === 0) return 0;
    return bands.reduce((sum, band) => sum + band[key], 0) / bands.length;
  }

  /** The highest `key` two bands in a row held from band `from` on (that band's own when none). */
  #heldLevel(from: number, key: "output" | "throughput"): number {
    const bands = this.#bands;
    let held = (bands[from] as Band)[key];
    for (let index = from; index + 1 < bands.length; index++) {
      const level = Math.min((bands[index] as Band)[key], (bands[index + 1] as Band)[key]);
      if (level > held) held = level;
    }
    return held;
  }
}

const OBJECTIVE_PATTERN = /^\s*(p50|p90|p95|p99)\s*[=:]\s*(\d+(?:\.\d+)?)\s*(?:ms)?\s*$/i;

/**
 * Parses a latency objective such as `p95=500` (milliseconds). Throws a `UsageError`
 * (code `ERR_LOADCORE_USAGE`, input `--sizing-latency`) naming the input when it is malformed.
 */
export function parseLatencyObjective(text: string): LatencyObjective {
  const match = OBJECTIVE_PATTERN.exec(text);
  const thresholdMs = match === null ? Number.NaN : Number(match[2]);
  if (match === null || !(thresholdMs > 0)) {
    throw new UsageError(
      `--sizing-latency must be PERCENTILE=MILLISECONDS with PERCENTILE one of p50, p90, p95, p99 and a threshold above 0 (e.g. p95=500), got ${JSON.stringify(text)}`,
      { input: "--sizing-latency" },
    );
  }
  return { percentile: (match[1] as string).toLowerCase() as ObjectivePercentile, thresholdMs };
}
