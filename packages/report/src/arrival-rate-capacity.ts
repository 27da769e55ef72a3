import type { Analysis, ArrivalRateLevel, Capacity } from "./analysis-types.js";
import { formatMilliseconds, formatNumber, formatPercent, formatSeconds } from "./format.js";
import type { LoadResultsInput, TimelineEntry } from "./inputs/types.js";
import { requestsPerSecond, wholeSeconds } from "./saturation.js";

/** "12 scenario runs/s": a rate of the arrival-rate model. */
function runsPerSecond(value: number): string {
  return `${formatNumber(value)} scenario runs/s`;
}

/**
 * The timeline second that ended at `endSeconds` (the stop second), or the last whole one (a partial
 * closing second's rates are a few runs extrapolated to a second).
 */
function secondEndingAt(
  timeline: readonly TimelineEntry[],
  endSeconds: number | null,
): TimelineEntry | undefined {
  return timeline.find((entry) => entry.t + 1 === endSeconds) ?? wholeSeconds(timeline).at(-1);
}

/**
 * The arrival-rate figures of a run of the arrival-rate model (`results.arrivalRate`), read from the
 * sizing verdict's `rate` block when the run was sized: the rate the service sustained, in requests
 * and in scenario runs per second, the pool it took, target and achieved rates at the stop, and the
 * runs dropped. Null for a run of the workers model.
 */
export function arrivalRateLevel(results: LoadResultsInput): ArrivalRateLevel | null {
  const arrival = results.arrivalRate;
  if (arrival === undefined) return null;
  const sizing = results.sizing;
  const rate = sizing?.rate;
  const plateauStop = sizing?.stopReason === "plateau" && sizing.plateau !== null;
  // loadcore measured both rates over the same seconds: the plateau's held level, or the healthy level's.
  const requests = plateauStop
    ? (sizing.plateau?.levelThroughput ?? null)
    : (sizing?.throughputAtHealthy ?? null);
  const stopSecond = secondEndingAt(results.timeline, sizing?.stoppedAtSeconds ?? null);
  return {
    runsPerSecond: rate?.capacity ?? null,
    requestsPerSecond: rate?.capacity === null || rate === undefined ? null : requests,
    poolWorkers: rate?.capacityWorkers ?? null,
    targetRunsPerSecond: rate?.targetAtHealthy ?? null,
    keptUp: null,
    targetAtStop: rate?.targetAtStop ?? stopSecond?.targetRate ?? null,
    achievedAtStop: stopSecond?.achievedRate ?? null,
    plateauTargetRate: plateauStop ? (sizing.plateau?.targetRate ?? null) : null,
    from: arrival.from,
    to: arrival.to,
    maxWorkers: arrival.maxWorkers,
    peakWorkers: results.timeline.reduce((peak, second) => Math.max(peak, second.workers), 0),
    started: arrival.started,
    late: arrival.late,
    dropped: arrival.dropped,
  };
}

/** " with at most 12 workers (…)": the pool, an upper bound on the workers the service kept busy. */
function poolText(level: ArrivalRateLevel): string {
  if (level.poolWorkers === null) return "";
  return `; it took a pool of ${formatNumber(level.poolWorkers)} workers (an upper bound: the pool grows with every run waiting for an answer, those queued in the service included)`;
}

/** "errors stay under 5%" (and the latency objective): the limit a healthy level kept. */
function limitText(capacity: Capacity): string {
  return capacity.latencyObjective
    ? `errors stay under ${formatPercent(capacity.tolerancePercent)} and ${capacity.latencyObjective.percentile} (from the intended start) under ${formatMilliseconds(capacity.latencyObjective.thresholdMs)}`
    : `errors stay under ${formatPercent(capacity.tolerancePercent)}`;
}

/** "target 260 scenario runs/s, achieved 201": the rates of the stop second. */
function atStopText(level: ArrivalRateLevel): string {
  if (level.targetAtStop === null) return "";
  const achieved = level.achievedAtStop === null ? "" : `, achieved ${formatNumber(level.achievedAtStop)}`;
  return `target ${runsPerSecond(level.targetAtStop)}${achieved}`;
}

/** "about 200 req/s (200 scenario runs/s)", or the runs alone when the requests are unknown. */
function sustainedText(level: ArrivalRateLevel): string {
  const runs = runsPerSecond(level.runsPerSecond ?? Number.NaN);
  return level.requestsPerSecond === null
    ? `about ${runs}`
    : `about ${requestsPerSecond(level.requestsPerSecond)} (${runs})`;
}

/** One sentence about the capacity of an arrival-rate sizing run, in requests per second. */
function describeArrivalRate(capacity: Capacity, level: ArrivalRateLevel): string {
  if (capacity.found && level.runsPerSecond !== null) {
    if (capacity.stopReason === "plateau") {
      return `One node sustains ${sustainedText(level)}: the achieved rate stopped following the target (${atStopText(level)} at the stop)${poolText(level)}.`;
    }
    return `One node sustains ${sustainedText(level)} while ${limitText(capacity)}${poolText(level)}.`;
  }
  if (capacity.stopReason === "error-ratio" || capacity.stopReason === "latency") {
    const what =
      capacity.stopReason === "latency"
        ? "the latency objective broke"
        : `${formatPercent(capacity.errorRatioAtStop ?? Number.NaN)} errors`;
    return `The node failed before any rate stayed healthy: ${what} at a ${atStopText(level)}.`;
  }
  const reason = capacity.stopReason ? ` (the run stopped: ${capacity.stopReason})` : "";
  const kept =
    level.runsPerSecond !== null ? `; it kept up with ${sustainedText(level)}${poolText(level)}` : "";
  return `No limit found up to a target of ${runsPerSecond(level.targetAtStop ?? level.to)}${reason}${kept}: the node takes at least that much.`;
}

/**
 * The capacity of an arrival-rate sizing run: the rate the service sustained (loadcore's
 * `sizing.rate`), stated in requests per second, with the pool of workers it took as a secondary,
 * bounding figure. `workers` and `throughput` carry the same level for the tables and cards.
 */
export function arrivalRateCapacity(
  capacity: Capacity,
  level: ArrivalRateLevel,
  latencyAtHealthy: Capacity["latency"] | undefined,
): Capacity {
  const stopped = ["error-ratio", "latency", "plateau"].includes(capacity.stopReason ?? "");
  const judged: Capacity = {
    ...capacity,
    found: capacity.basis === "sizing" && stopped && level.runsPerSecond !== null,
    workers: level.poolWorkers ?? capacity.workers,
    throughput: level.requestsPerSecond ?? capacity.throughput,
    // loadcore's healthy-level latency (its seconds); the workers-model level's seconds mean nothing here
    latency: latencyAtHealthy ?? capacity.latency,
    saturation: null,
    decline: null,
    arrivalRate: level,
  };
  return { ...judged, message: describeArrivalRate(judged, level) };
}

/**
 * The evidence of an arrival-rate run: the runs dropped (load the service never got) and, at a
 * plateau, the target and achieved rates that show it.
 */
export function arrivalRateFacts(capacity: Capacity): string[] {
  const level = capacity.arrivalRate;
  if (!level) return [];
  const facts: string[] = [];
  const plateau = capacity.plateau;
  if (capacity.stopReason === "plateau" && plateau !== null) {
    const target =
      level.plateauTargetRate === null ? "" : ` (target ${runsPerSecond(level.plateauTargetRate)} there)`;
    facts.push(
      `The achieved rate stopped following the target from ${formatSeconds(plateau.atSeconds)}${target}: it held about ${runsPerSecond(level.runsPerSecond ?? Number.NaN)} while the target rose to ${formatNumber(level.targetAtStop ?? Number.NaN)} at the stop${level.achievedAtStop === null ? "" : ` (achieved ${formatNumber(level.achievedAtStop)} in that second)`}.`,
    );
  }
  const scheduled = level.started + level.dropped;
  if (level.dropped > 0) {
    facts.push(
      `${formatNumber(level.dropped)} of ${formatNumber(scheduled)} scheduled scenario runs (${formatPercent((level.dropped / scheduled) * 100)}) were dropped: ${droppedWhy(level)}, so the service never got that load.`,
    );
  } else {
    facts.push(
      `No scheduled scenario run was dropped (${formatNumber(level.started)} started${level.late > 0 ? `, ${formatNumber(level.late)} of them late` : ""}): the service got the whole target load.`,
    );
  }
  return facts;
}

/** Why runs were dropped: the pool at its maximum, or a pool that could grow and did not. */
function droppedWhy(level: ArrivalRateLevel): string {
  if (level.peakWorkers >= level.maxWorkers)
    return `no worker of the pool of ${formatNumber(level.maxWorkers)} was free in time`;
  return `no worker was free in time, and the pool stayed at ${formatNumber(level.peakWorkers)} of up to ${formatNumber(level.maxWorkers)} workers (a load generator too busy to read its answers in time does not grow it)`;
}

/** At most this many workers at the stop is "a handful": the workers model has no resolution below it. */
const HANDFUL_OF_WORKERS = 5;
/** The suggested ramp's length, seconds: long enough for bands of a sizing window to see the limit. */
const SUGGESTED_RAMP_SECONDS = 60;
/** The suggested ramp starts at this share of the successful runs the workers run measured... */
const SUGGESTED_FROM_SHARE = 0.5;
/** ...and ends at this share: it crosses the measured level halfway through. */
const SUGGESTED_TO_SHARE = 1.5;

/**
 * Advice for a workers-model sizing run that failed at its first levels (error ratio or latency with a
 * handful of workers): the service's limit is below what one or a few workers send, so an arrival-rate
 * ramp is suggested, derived from what that run measured, the successful scenario runs S of its median
 * whole second (near the limit: the workers sent more than the service let through): from S/2 to 1.5 S
 * over 60 s. It crosses S halfway and climbs S/60 runs/s each second, 1.7% of S: the healthy level
 * (loadcore's mean of the 5 seconds ending at the last healthy one, 2 seconds behind it on a ramp) lags
 * the limit by a few percent at most, where a ramp from 1 to a round 1.5 S or more climbed 2.5 to 5
 * times faster and stated a 200 req/s limit 2 to 6% low (bench/README.md). Null otherwise.
 */
export function arrivalRateAdvice(results: LoadResultsInput): Analysis["modelAdvice"] {
  const sizing = results.sizing;
  if (results.arrivalRate !== undefined || sizing === undefined) return null;
  if (sizing.stopReason !== "error-ratio" && sizing.stopReason !== "latency") return null;
  const workers = sizing.workersAtStop;
  if (workers === undefined || workers > HANDFUL_OF_WORKERS) return null;
  // The median whole second: a limit counted in fixed windows lets one second straddle two of them.
  const perSecond = wholeSeconds(results.timeline)
    .map((entry) => entry.ok)
    .sort((a, b) => a - b);
  const succeeded = perSecond[Math.floor(perSecond.length / 2)] ?? 0;
  const from = Math.max(1, Math.floor(SUGGESTED_FROM_SHARE * succeeded));
  const to = Math.max(10, from + 1, Math.ceil(SUGGESTED_TO_SHARE * succeeded));
  const flags = ["--ramp-rate", `${from}:${to}`, "--ramp-up", String(SUGGESTED_RAMP_SECONDS)];
  const what =
    sizing.stopReason === "latency" ? "broke the latency objective" : "went past the error tolerance";
  return {
    flags,
    message: `${formatNumber(workers)} worker${workers === 1 ? "" : "s"} already ${what}: the service's limit is below what a handful of workers send, so the workers model cannot size it. Size it on an arrival rate instead: ${flags.join(" ")} (the service let through a median ${formatNumber(succeeded)} successful scenario runs a second; the ramp crosses that level halfway, climbing ${formatNumber((to - from) / SUGGESTED_RAMP_SECONDS)} runs/s each second).`,
  };
}
