import { type IntervalHistogram, monitorEventLoopDelay, performance } from "node:perf_hooks";
import { isMainThread } from "node:worker_threads";
import type { TimelinePoint } from "../stats/stats.js";

/** The `selfCheck` object of the results JSON: the load generator watching itself (the first second, start-up, left out). */
export interface SelfCheck {
  /** Highest per-second generator CPU, percent (100 = one core). */
  cpuPercentMax: number;
  /** Mean per-second generator CPU, percent. */
  cpuPercentMean: number;
  /** Cores the generator may use (the capacity the CPU figures are judged against). */
  cores: number;
  /** Highest per-second p99 event-loop delay, ms. */
  eventLoopDelayP99MaxMs: number;
  /** The generator, not the target, may have been the limit. */
  saturated: boolean;
  message: string;
}

/** One reading of {@link SelfMonitor.sample}. */
export interface SelfSample {
  /** CPU used since the previous sample, 100 = one core. */
  cpuPercent: number;
  /** p99 event-loop delay since the previous sample, ms (timer resolution removed). */
  eventLoopDelayMs: number;
}

/** What a {@link SelfMonitor} measures the CPU of. */
export type SelfMonitorScope = "process" | "thread";

/** Options of {@link SelfMonitor}. */
export interface SelfMonitorOptions {
  /** A monotonic ms clock, `performance.now` by default. */
  clock?: () => number;
  /**
   * `process`: the whole process's CPU (every thread), `process.cpuUsage()`.
   * `thread`: this thread only, `process.threadCpuUsage()` where Node has it (22.19+), else the
   * event-loop utilisation of this thread. Default: `process` in the main thread, `thread` in a worker.
   */
  scope?: SelfMonitorScope;
  /** Event-loop delay sampling resolution, ms (default 10). */
  resolutionMs?: number;
}

type CpuReader = () => number;

function threadCpuReader(): CpuReader {
  const threadCpuUsage = (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage;
  if (typeof threadCpuUsage === "function") {
    return () => {
      const usage = threadCpuUsage.call(process);
      return (usage.user + usage.system) / 1000;
    };
  }
  return () => performance.eventLoopUtilization().active;
}

function processCpuReader(): CpuReader {
  return () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  };
}

/**
 * A reader of the CPU time (ms, cumulative) of the generator's `scope` (see {@link SelfMonitorOptions.scope};
 * default: the process in the main thread, the thread in a worker).
 */
export function cpuTimeReader(scope: SelfMonitorScope = isMainThread ? "process" : "thread"): () => number {
  return scope === "process" ? processCpuReader() : threadCpuReader();
}

/**
 * Watches the CPU and event-loop delay of the current process (main thread) or worker thread.
 * In a main thread whose process also runs worker threads, the `process` scope already counts
 * them: do not add the threads' own readings to it.
 */
export class SelfMonitor {
  readonly #clock: () => number;
  readonly #readCpu: CpuReader;
  readonly #resolutionMs: number;
  #histogram: IntervalHistogram | undefined;
  #lastCpuMs = 0;
  #lastTime = 0;

  constructor(options: SelfMonitorOptions = {}) {
    this.#clock = options.clock ?? (() => performance.now());
    const scope = options.scope ?? (isMainThread ? "process" : "thread");
    this.#readCpu = cpuTimeReader(scope);
    this.#resolutionMs = options.resolutionMs ?? 10;
  }

  /** Starts measuring (event-loop delay histogram, CPU baseline). */
  start(): void {
    if (this.#histogram === undefined) {
      this.#histogram = monitorEventLoopDelay({ resolution: this.#resolutionMs });
      this.#histogram.enable();
    }
    this.#lastCpuMs = this.#readCpu();
    this.#lastTime = this.#clock();
  }

  /** CPU percent and p99 event-loop delay since the previous sample (or start). */
  sample(): SelfSample {
    if (this.#histogram === undefined) this.start();
    const histogram = this.#histogram as IntervalHistogram;
    const now = this.#clock();
    const cpuMs = this.#readCpu();
    const elapsedMs = now - this.#lastTime;
    const cpuPercent = elapsedMs > 0 ? Math.max(0, ((cpuMs - this.#lastCpuMs) / elapsedMs) * 100) : 0;
    // The histogram holds the gaps between timer ticks: the delay is the gap minus the resolution.
    // No tick at all since the last sample means the loop was blocked the whole time.
    const gapMs = histogram.count > 0 ? histogram.percentile(99) / 1e6 : elapsedMs;
    const eventLoopDelayMs = Math.max(0, gapMs - this.#resolutionMs);
    histogram.reset();
    this.#lastCpuMs = cpuMs;
    this.#lastTime = now;
    return { cpuPercent, eventLoopDelayMs };
  }

  /** Stops the event-loop delay monitor. */
  stop(): void {
    this.#histogram?.disable();
    this.#histogram = undefined;
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
  /**
   * Seconds at the start of the timeline that are not judged (default 1): the first second holds the
   * generator's start-up (module loading, JIT compilation), which would flag any very short run.
   */
  startUpSeconds?: number;
  /**
   * Arrival-rate model: the most workers of the pool, all processes. A second whose started runs fell
   * more than {@link SCHEDULE_TOLERANCE} short of its target rate while the pool was below this counts as
   * the generator falling behind its schedule (at the maximum, the pool is the limit: a slow target holds
   * every worker).
   */
  maxWorkers?: number;
}

/** Arrival-rate model: a second is behind its schedule when it started less than this share short of it. */
export const SCHEDULE_TOLERANCE = 0.05;

interface ScheduleLag {
  /** The longest run of consecutive seconds behind the schedule. */
  seconds: number;
  /** Runs due and runs started over that run of seconds, and the most workers of the pool in it. */
  due: number;
  started: number;
  workers: number;
}

/** The longest stretch of seconds in which the generator fell behind its arrival-rate schedule. */
function scheduleLagOf(timeline: readonly TimelinePoint[], maxWorkers: number): ScheduleLag {
  let longest: ScheduleLag = { seconds: 0, due: 0, started: 0, workers: 0 };
  let current: ScheduleLag = { seconds: 0, due: 0, started: 0, workers: 0 };
  for (const point of timeline) {
    const due = point.targetRate ?? 0;
    const started = point.startedRuns ?? 0;
    if (due > 0 && started < (1 - SCHEDULE_TOLERANCE) * due && point.workers < maxWorkers) {
      current = {
        seconds: current.seconds + 1,
        due: current.due + due,
        started: current.started + started,
        workers: Math.max(current.workers, point.workers),
      };
      if (current.seconds > longest.seconds) longest = current;
    } else {
      current = { seconds: 0, due: 0, started: 0, workers: 0 };
    }
  }
  return longest;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/**
 * Judges, from the timeline, whether the load generator itself was the limit: saturated when, for
 * `sustainedSeconds` consecutive seconds (or the whole run if it is shorter), its CPU stayed above
 * `cpuThresholdPercent` of `cores` x 100% or its p99 event-loop delay above the threshold, or (arrival-rate
 * model, `maxWorkers` given) it started fewer runs than its schedule ({@link SCHEDULE_TOLERANCE}) while its
 * pool could still grow. The first `startUpSeconds` (start-up) are left out of the verdict and of the
 * figures.
 */
export function judgeSelfCheck(
  fullTimeline: readonly TimelinePoint[],
  cores: number,
  options: SelfCheckOptions = {},
): SelfCheck {
  const timeline = fullTimeline.slice(Math.max(0, options.startUpSeconds ?? 1));
  const usableCores = Math.max(1, cores);
  const cpuLimit = ((options.cpuThresholdPercent ?? 90) / 100) * usableCores * 100;
  const delayLimit = options.eventLoopDelayThresholdMs ?? 50;
  const sustained = Math.max(1, Math.min(options.sustainedSeconds ?? 5, timeline.length));
  let cpuPercentMax = 0;
  let cpuSum = 0;
  let delayMax = 0;
  let cpuRun = 0;
  let delayRun = 0;
  let cpuLongest = 0;
  let delayLongest = 0;
  for (const point of timeline) {
    cpuSum += point.generatorCpuPercent;
    cpuPercentMax = Math.max(cpuPercentMax, point.generatorCpuPercent);
    delayMax = Math.max(delayMax, point.eventLoopDelayMs);
    cpuRun = point.generatorCpuPercent > cpuLimit ? cpuRun + 1 : 0;
    delayRun = point.eventLoopDelayMs > delayLimit ? delayRun + 1 : 0;
    cpuLongest = Math.max(cpuLongest, cpuRun);
    delayLongest = Math.max(delayLongest, delayRun);
  }
  const cpuSaturated = timeline.length > 0 && cpuLongest >= sustained;
  const delaySaturated = timeline.length > 0 && delayLongest >= sustained;
  const lag = options.maxWorkers === undefined ? undefined : scheduleLagOf(timeline, options.maxWorkers);
  const behind = lag !== undefined && timeline.length > 0 && lag.seconds >= sustained;
  const usedShare = Math.round(cpuPercentMax / usableCores);
  const coresText = plural(usableCores, "core");
  let message: string;
  if (behind) {
    const share = Math.round((lag.started / lag.due) * 1000) / 10;
    message = `the load generator fell behind its schedule: it started ${share}% of the runs due over ${plural(lag.seconds, "second")} in a row, its pool at ${lag.workers} of up to ${options.maxWorkers} workers (a busy generator does not grow it) and its CPU at most ${usedShare}% of its ${coresText}; the achieved rate and the latencies may measure the generator, not the target`;
  } else if (cpuSaturated) {
    message = `the load generator used ${usedShare}% of its ${coresText} for ${plural(cpuLongest, "second")} in a row; the result may measure the generator, not the target`;
  } else if (delaySaturated) {
    // A lagging loop with CPU to spare means other work took the machine's cores.
    const cause =
      cpuPercentMax < cpuLimit / 2
        ? ` while using at most ${usedShare}% of its ${coresText} (the machine was busy with other work)`
        : "";
    message = `the load generator's event loop lagged up to ${Math.round(delayMax)} ms (p99) for ${plural(delayLongest, "second")} in a row${cause}; latencies include that lag and the result may measure the generator, not the target`;
  } else if (timeline.length === 0) {
    message =
      fullTimeline.length === 0
        ? "no generator figures: the run lasted less than a second"
        : "not judged: the run's only second is its start-up (module loading, JIT compilation)";
  } else {
    message = `the load generator kept up: at most ${usedShare}% of its ${coresText}, event-loop delay p99 at most ${Math.round(delayMax)} ms`;
  }
  return {
    cpuPercentMax: Math.round(cpuPercentMax * 10) / 10,
    cpuPercentMean: timeline.length === 0 ? 0 : Math.round((cpuSum / timeline.length) * 10) / 10,
    cores: usableCores,
    eventLoopDelayP99MaxMs: Math.round(delayMax * 100) / 100,
    saturated: cpuSaturated || delaySaturated || behind,
    message,
  };
}
