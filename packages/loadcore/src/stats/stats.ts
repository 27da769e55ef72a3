// NOTE FOR index.ts (stats engineer -> runner engineer), additions only, no contract change:
// please also re-export errorRatioPercent, RequestInterval, ScenarioInterval (stats.ts);
// ResultsFormatError, BuildResultsInput (results.ts); DEFAULT_SIZING_OPTIONS, ObjectivePercentile,
// SizingStopReason (sizing.ts); SelfSample, SelfMonitorOptions, SelfMonitorScope, SelfCheckOptions
// (self-check.ts); SummaryOptions (summary.ts).
import { ERROR_CLASSES, type ErrorClass } from "../http/error-class.js";
import { encodePair, type RunHistograms, type TimelineHistograms } from "../results/histogram-encoding.js";
import {
  LatencyHistogram,
  type LatencySummary,
  type SerializedHistogram,
  toMicrosecond,
} from "./histogram.js";

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
  /**
   * Workers running at the end of the second, all processes. The closing second of a run ends once its
   * workers stopped: it holds the most workers that ran at once during it instead (per process, summed).
   */
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
  /**
   * Arrival-rate model only: the requests' service time (from when each was sent) during the second;
   * `latency` is then counted from when each should have been sent.
   */
  serviceTime?: TimelineLatency;
  /**
   * Arrival-rate model only: scenario runs per second the schedule planned for this second (all
   * processes), the target a chart draws against `achievedRate`.
   */
  targetRate?: number;
  /** Arrival-rate model only: scenario runs that ended (ok or failed) per second during this second. */
  achievedRate?: number;
  /** Arrival-rate model only: scenario runs started during the second (on time or late). */
  startedRuns?: number;
  /** Arrival-rate model only: scenario runs dropped during the second (no free worker in time). */
  droppedRuns?: number;
  /** Load generator CPU, 100 = one core, all processes summed (0 when unknown). */
  generatorCpuPercent: number;
  /** Worst p99 event-loop delay among the generator processes, ms (0 when unknown). */
  eventLoopDelayMs: number;
  /** Resident memory of the load generator process (all its threads), bytes; absent when unknown. */
  generatorRssBytes?: number;
}

/** The arrival-rate schedule's side of one second, for {@link StatsAggregator.closeSecond}. */
export interface SecondArrivals {
  /** Scenario runs per second the schedule planned for the second. */
  targetRate: number;
  /** Runs started, and dropped, during the second. */
  started: number;
  dropped: number;
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
  /** Arrival-rate model only: service time, from when each request was sent. */
  serviceTime?: SerializedHistogram;
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
  /** Arrival-rate model only: HTTP request service time. */
  serviceTime?: SerializedHistogram;
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
  /** Arrival-rate model only: service time, ms (`latency` is from when each request should have been sent). */
  serviceTime?: LatencySummary;
}

/** The merged totals of a run. */
export interface StatsTotals {
  ok: number;
  failed: number;
  requests: number;
  /** HTTP request latency, ms. */
  latency: LatencySummary;
  /** Arrival-rate model only: HTTP request service time, ms. */
  serviceTime?: LatencySummary;
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
  /** Resident memory of the generator process (all its threads), bytes. */
  rssBytes?: number;
}

interface RequestEntry {
  name: string;
  count: number;
  ok: number;
  failed: number;
  statusCodes: Map<number, number>;
  errors: Record<ErrorClass, number>;
  latency: LatencyHistogram;
  serviceTime: LatencyHistogram | undefined;
}

interface ScenarioEntry {
  name: string;
  ok: number;
  failed: number;
  errors: Record<ErrorClass, number>;
  duration: LatencyHistogram;
}

function zeroErrors(): Record<ErrorClass, number> {
  return { refused: 0, reset: 0, timeout: 0, dns: 0, tls: 0, status: 0, assertion: 0, aborted: 0, other: 0 };
}

function nonZeroErrors(errors: Record<ErrorClass, number>): ErrorCounts {
  const counts: ErrorCounts = {};
  for (const errorClass of ERROR_CLASSES) {
    if (errors[errorClass] !== 0) counts[errorClass] = errors[errorClass];
  }
  return counts;
}

function statusObject(statusCodes: Map<number, number>): StatusCounts {
  const counts: StatusCounts = {};
  for (const [status, count] of [...statusCodes].sort(([left], [right]) => left - right)) {
    if (count !== 0) counts[String(status)] = count;
  }
  return counts;
}

function addStatusCounts(target: StatusCounts, source: StatusCounts): void {
  for (const [status, count] of Object.entries(source)) target[status] = (target[status] ?? 0) + count;
}

function addErrorCounts(target: Record<ErrorClass, number>, source: ErrorCounts): void {
  for (const errorClass of ERROR_CLASSES) {
    const count = source[errorClass];
    if (count !== undefined) target[errorClass] += count;
  }
}

function sortedStatusCounts(counts: StatusCounts): StatusCounts {
  const sorted: StatusCounts = {};
  for (const key of Object.keys(counts).sort((left, right) => Number(left) - Number(right))) {
    sorted[key] = counts[key] as number;
  }
  return sorted;
}

/** Percent of failed among ended scenario runs, 0 when none ended (never divides by zero). */
export function errorRatioPercent(ok: number, failed: number): number {
  const ended = ok + failed;
  return ended === 0 ? 0 : (failed / ended) * 100;
}

/**
 * Records requests and scenario runs in one worker thread or process. The hot path
 * (`recordRequest`) does map lookups and histogram increments only: request names are interned
 * in a map whose entries live for the whole run and are zeroed at each drain.
 */
export class StatsRecorder {
  readonly #clock: () => number;
  #intervalStart: number;
  #ok = 0;
  #failed = 0;
  #requests = 0;
  readonly #statusCodes = new Map<number, number>();
  readonly #errors = zeroErrors();
  readonly #latency = new LatencyHistogram();
  #serviceTime: LatencyHistogram | undefined;
  readonly #byRequest = new Map<string, RequestEntry>();
  readonly #scenarios = new Map<string, ScenarioEntry>();

  /** @param options.clock epoch ms clock, `Date.now` by default. */
  constructor(options: { clock?: () => number } = {}) {
    this.#clock = options.clock ?? Date.now;
    this.#intervalStart = this.#clock();
  }

  /**
   * Records one HTTP request. A request is failed when it got no response (`status` undefined),
   * a status >= 400, or an `error` class. `serviceTimeMs`, in the arrival-rate model only, is the time
   * from the request's actual send (`latencyMs` then counts from when it should have been sent).
   */
  recordRequest(
    name: string,
    latencyMs: number,
    status: number | undefined,
    error?: ErrorClass,
    serviceTimeMs?: number,
  ): void {
    let entry = this.#byRequest.get(name);
    if (entry === undefined) {
      entry = {
        name,
        count: 0,
        ok: 0,
        failed: 0,
        statusCodes: new Map(),
        errors: zeroErrors(),
        latency: new LatencyHistogram(),
        serviceTime: undefined,
      };
      this.#byRequest.set(name, entry);
    }
    entry.count++;
    this.#requests++;
    if (error !== undefined || status === undefined || status >= 400) entry.failed++;
    else entry.ok++;
    if (error !== undefined) entry.errors[error]++;
    if (status !== undefined) {
      entry.statusCodes.set(status, (entry.statusCodes.get(status) ?? 0) + 1);
      this.#statusCodes.set(status, (this.#statusCodes.get(status) ?? 0) + 1);
    }
    entry.latency.record(latencyMs);
    this.#latency.record(latencyMs);
    if (serviceTimeMs !== undefined) {
      entry.serviceTime ??= new LatencyHistogram();
      entry.serviceTime.record(serviceTimeMs);
      this.#serviceTime ??= new LatencyHistogram();
      this.#serviceTime.record(serviceTimeMs);
    }
  }

  /** Records one scenario run; `error` undefined means it succeeded. */
  recordScenario(name: string, durationMs: number, error?: ErrorClass): void {
    let entry = this.#scenarios.get(name);
    if (entry === undefined) {
      entry = { name, ok: 0, failed: 0, errors: zeroErrors(), duration: new LatencyHistogram() };
      this.#scenarios.set(name, entry);
    }
    if (error === undefined) {
      entry.ok++;
      this.#ok++;
    } else {
      entry.failed++;
      this.#failed++;
      entry.errors[error]++;
      this.#errors[error]++;
    }
    entry.duration.record(durationMs);
  }

  /** Everything recorded since the previous drain, as a structured-clone-able object; resets the interval. */
  drain(): StatsInterval {
    const endTime = this.#clock();
    const scenarios: ScenarioInterval[] = [];
    for (const entry of this.#scenarios.values()) {
      if (entry.ok + entry.failed === 0) continue;
      scenarios.push({
        name: entry.name,
        ok: entry.ok,
        failed: entry.failed,
        errors: nonZeroErrors(entry.errors),
        duration: entry.duration.serialize(),
      });
      entry.ok = 0;
      entry.failed = 0;
      entry.errors = zeroErrors();
      entry.duration.reset();
    }
    const byRequest: RequestInterval[] = [];
    for (const entry of this.#byRequest.values()) {
      if (entry.count === 0) continue;
      byRequest.push({
        name: entry.name,
        count: entry.count,
        ok: entry.ok,
        failed: entry.failed,
        statusCodes: statusObject(entry.statusCodes),
        errors: nonZeroErrors(entry.errors),
        latency: entry.latency.serialize(),
        ...(entry.serviceTime === undefined ? {} : { serviceTime: entry.serviceTime.serialize() }),
      });
      entry.serviceTime?.reset();
      entry.count = 0;
      entry.ok = 0;
      entry.failed = 0;
      entry.statusCodes.clear();
      entry.errors = zeroErrors();
      entry.latency.reset();
    }
    const interval: StatsInterval = {
      startTime: this.#intervalStart,
      endTime,
      ok: this.#ok,
      failed: this.#failed,
      requests: this.#requests,
      statusCodes: statusObject(this.#statusCodes),
      errors: nonZeroErrors(this.#errors),
      latency: this.#latency.serialize(),
      ...(this.#serviceTime === undefined ? {} : { serviceTime: this.#serviceTime.serialize() }),
      scenarios,
      byRequest,
    };
    this.#serviceTime?.reset();
    this.#intervalStart = endTime;
    this.#ok = 0;
    this.#failed = 0;
    this.#requests = 0;
    this.#statusCodes.clear();
    for (const errorClass of ERROR_CLASSES) this.#errors[errorClass] = 0;
    this.#latency.reset();
    return interval;
  }
}

interface ScenarioAccumulator {
  name: string;
  ok: number;
  failed: number;
  errors: Record<ErrorClass, number>;
  duration: LatencyHistogram;
}

interface RequestAccumulator {
  name: string;
  count: number;
  ok: number;
  failed: number;
  statusCodes: StatusCounts;
  errors: Record<ErrorClass, number>;
  latency: LatencyHistogram;
  serviceTime: LatencyHistogram | undefined;
}

/** A second's latency figures (p50, p90, p95, p99, max, in ms to the microsecond) from its histogram. */
export function timelinePercentiles(histogram: LatencyHistogram): TimelineLatency {
  return {
    p50: toMicrosecond(histogram.percentile(50)),
    p90: toMicrosecond(histogram.percentile(90)),
    p95: toMicrosecond(histogram.percentile(95)),
    p99: toMicrosecond(histogram.percentile(99)),
    max: toMicrosecond(histogram.max),
  };
}

function roundTo(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/**
 * In the coordinating thread: merges the intervals of every process into totals and a per-second timeline.
 */
export class StatsAggregator {
  readonly #startTime: number;
  #lastClose: number;
  readonly #timeline: TimelinePoint[] = [];
  #lastSecondLatency: SerializedHistogram | undefined;
  // Each closed second's histograms, encoded once as it closes, for the results' `histograms`.
  readonly #secondHistograms: TimelineHistograms[] = [];
  // The second being filled.
  #secondOk = 0;
  #secondFailed = 0;
  #secondRequests = 0;
  readonly #secondLatency = new LatencyHistogram();
  #secondServiceTime: LatencyHistogram | undefined;
  // The whole run.
  #ok = 0;
  #failed = 0;
  #requests = 0;
  readonly #statusCodes: StatusCounts = {};
  readonly #errors = zeroErrors();
  readonly #latency = new LatencyHistogram();
  #serviceTime: LatencyHistogram | undefined;
  readonly #scenarios = new Map<string, ScenarioAccumulator>();
  readonly #byRequest = new Map<string, RequestAccumulator>();

  /** @param options.startTime epoch ms of the run's start (timeline `t = 0`). */
  constructor(options: { startTime: number }) {
    this.#startTime = options.startTime;
    this.#lastClose = options.startTime;
  }

  /** Adds one drained interval (from any process) to the current second and to the totals. */
  add(interval: StatsInterval): void {
    this.#secondOk += interval.ok;
    this.#secondFailed += interval.failed;
    this.#secondRequests += interval.requests;
    this.#secondLatency.merge(interval.latency);
    this.#ok += interval.ok;
    this.#failed += interval.failed;
    this.#requests += interval.requests;
    addStatusCounts(this.#statusCodes, interval.statusCodes);
    addErrorCounts(this.#errors, interval.errors);
    this.#latency.merge(interval.latency);
    if (interval.serviceTime !== undefined) {
      this.#secondServiceTime ??= new LatencyHistogram();
      this.#secondServiceTime.merge(interval.serviceTime);
      this.#serviceTime ??= new LatencyHistogram();
      this.#serviceTime.merge(interval.serviceTime);
    }
    for (const scenario of interval.scenarios) {
      let accumulator = this.#scenarios.get(scenario.name);
      if (accumulator === undefined) {
        accumulator = {
          name: scenario.name,
          ok: 0,
          failed: 0,
          errors: zeroErrors(),
          duration: new LatencyHistogram(),
        };
        this.#scenarios.set(scenario.name, accumulator);
      }
      accumulator.ok += scenario.ok;
      accumulator.failed += scenario.failed;
      addErrorCounts(accumulator.errors, scenario.errors);
      accumulator.duration.merge(scenario.duration);
    }
    for (const request of interval.byRequest) {
      let accumulator = this.#byRequest.get(request.name);
      if (accumulator === undefined) {
        accumulator = {
          name: request.name,
          count: 0,
          ok: 0,
          failed: 0,
          statusCodes: {},
          errors: zeroErrors(),
          latency: new LatencyHistogram(),
          serviceTime: undefined,
        };
        this.#byRequest.set(request.name, accumulator);
      }
      accumulator.count += request.count;
      accumulator.ok += request.ok;
      accumulator.failed += request.failed;
      addStatusCounts(accumulator.statusCodes, request.statusCodes);
      addErrorCounts(accumulator.errors, request.errors);
      accumulator.latency.merge(request.latency);
      if (request.serviceTime !== undefined) {
        accumulator.serviceTime ??= new LatencyHistogram();
        accumulator.serviceTime.merge(request.serviceTime);
      }
    }
  }

  /**
   * Closes the current second and returns its point. `now` (epoch ms) is used to compute the
   * throughput of a second that was shorter or longer than 1 s (the last one, a late timer).
   */
  closeSecond(
    now: number,
    workers: number,
    generator?: GeneratorSample,
    arrivals?: SecondArrivals,
  ): TimelinePoint {
    const t = this.#timeline.length;
    const elapsedSeconds = (now - this.#lastClose) / 1000;
    this.#lastClose = now;
    const throughput = elapsedSeconds > 0 ? this.#secondRequests / elapsedSeconds : this.#secondRequests;
    const latency = this.#secondLatency;
    const point: TimelinePoint = {
      t,
      time: this.#startTime + t * 1000,
      workers,
      ok: this.#secondOk,
      failed: this.#secondFailed,
      requests: this.#secondRequests,
      throughput: roundTo(throughput, 2),
      errorRatio: roundTo(errorRatioPercent(this.#secondOk, this.#secondFailed), 3),
      latency: timelinePercentiles(latency),
      ...(this.#secondServiceTime === undefined
        ? {}
        : { serviceTime: timelinePercentiles(this.#secondServiceTime) }),
      ...(arrivals === undefined
        ? {}
        : {
            targetRate: roundTo(arrivals.targetRate, 2),
            achievedRate: roundTo(
              elapsedSeconds > 0
                ? (this.#secondOk + this.#secondFailed) / elapsedSeconds
                : this.#secondOk + this.#secondFailed,
              2,
            ),
            startedRuns: arrivals.started,
            droppedRuns: arrivals.dropped,
          }),
      generatorCpuPercent: roundTo(generator?.cpuPercent ?? 0, 1),
      eventLoopDelayMs: roundTo(generator?.eventLoopDelayMs ?? 0, 2),
    };
    this.#lastSecondLatency = latency.serialize();
    this.#secondHistograms.push(
      encodePair({
        latency: this.#lastSecondLatency,
        ...(this.#secondServiceTime === undefined
          ? {}
          : { serviceTime: this.#secondServiceTime.serialize() }),
      }),
    );
    this.#secondServiceTime?.reset();
    if (generator?.rssBytes !== undefined) point.generatorRssBytes = generator.rssBytes;
    this.#timeline.push(point);
    this.#secondOk = 0;
    this.#secondFailed = 0;
    this.#secondRequests = 0;
    latency.reset();
    return point;
  }

  /**
   * The HTTP latency histogram of the second closed last (serialised), to feed
   * `SizingController.observe` for exact windowed percentiles.
   */
  get lastSecondLatency(): SerializedHistogram | undefined {
    return this.#lastSecondLatency;
  }

  /** Every closed second, in order. */
  get timeline(): readonly TimelinePoint[] {
    return this.#timeline;
  }

  /**
   * Every latency histogram of the run so far, serialised (totals, scenarios, requests, each closed
   * second): the results' `histograms`, for an exact merge of several runs.
   */
  histograms(): RunHistograms {
    const scenarios: RunHistograms["scenarios"] = {};
    for (const accumulator of this.#scenarios.values()) {
      scenarios[accumulator.name] = accumulator.duration.serialize();
    }
    const byRequest: RunHistograms["byRequest"] = {};
    for (const accumulator of this.#byRequest.values()) {
      byRequest[accumulator.name] = {
        latency: accumulator.latency.serialize(),
        ...(accumulator.serviceTime === undefined
          ? {}
          : { serviceTime: accumulator.serviceTime.serialize() }),
      };
    }
    return {
      latency: this.#latency.serialize(),
      ...(this.#serviceTime === undefined ? {} : { serviceTime: this.#serviceTime.serialize() }),
      scenarios,
      byRequest,
      timeline: [...this.#secondHistograms],
    };
  }

  /** The totals so far: ok, failed, requests, latency, statusCodes, errors, scenarios, byRequest. */
  totals(): StatsTotals {
    return {
      ok: this.#ok,
      failed: this.#failed,
      requests: this.#requests,
      latency: this.#latency.summary(),
      ...(this.#serviceTime === undefined ? {} : { serviceTime: this.#serviceTime.summary() }),
      statusCodes: sortedStatusCounts(this.#statusCodes),
      errors: { ...this.#errors },
      scenarios: [...this.#scenarios.values()].map((accumulator) => ({
        name: accumulator.name,
        ok: accumulator.ok,
        failed: accumulator.failed,
        errors: nonZeroErrors(accumulator.errors),
        latency: accumulator.duration.summary(),
      })),
      byRequest: [...this.#byRequest.values()].map((accumulator) => ({
        name: accumulator.name,
        count: accumulator.count,
        ok: accumulator.ok,
        failed: accumulator.failed,
        statusCodes: sortedStatusCounts(accumulator.statusCodes),
        errors: nonZeroErrors(accumulator.errors),
        latency: accumulator.latency.summary(),
        ...(accumulator.serviceTime === undefined ? {} : { serviceTime: accumulator.serviceTime.summary() }),
      })),
    };
  }
}
