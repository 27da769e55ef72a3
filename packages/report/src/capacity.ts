import type { Capacity, Decline, RunMetadata, Saturation } from "./analysis-types.js";
import { formatMilliseconds, formatNumber, formatPercent, formatSeconds } from "./format.js";
import type { LoadResultsInput, TimelineEntry, TimelineLatency } from "./inputs/types.js";
import { smoothedThroughput } from "./onsets.js";
import { latencyText, meanLatency, requestsPerSecond, wholeSeconds } from "./saturation.js";

/** Seconds the peak throughput is smoothed over (centred), shorter on runs of under 30 seconds. */
const PEAK_SMOOTHING_SECONDS = 10;

/** The peak's smoothing window on a timeline of `length` seconds: a third of a short run. */
function peakSmoothingSeconds(length: number): number {
  return Math.max(1, Math.min(PEAK_SMOOTHING_SECONDS, Math.floor(length / 3)));
}

/**
 * The highest smoothed throughput, its second and the seconds it is averaged over. Only seconds whose
 * whole smoothing window lies inside the run count (a truncated window at either end is a mean of
 * fewer, unrepresentative seconds: the ramp-up's first ones), and a partial closing second (its
 * throughput extrapolated from a fraction of a second) is left out; a run shorter than 3 windows is
 * smoothed over a third of its length.
 */
export function findPeakThroughput(fullTimeline: readonly TimelineEntry[]): Capacity["peakThroughput"] {
  const timeline = wholeSeconds(fullTimeline);
  if (timeline.length === 0) return null;
  const size = peakSmoothingSeconds(timeline.length);
  const half = Math.floor(size / 2);
  const smoothed = smoothedThroughput([...timeline], size);
  let peak: Capacity["peakThroughput"] = null;
  for (let index = half; index + half < timeline.length; index++) {
    const value = smoothed[index] as number;
    if (peak === null || value > peak.value)
      peak = { value, atSeconds: (timeline[index] as TimelineEntry).t, averagedSeconds: size };
  }
  return peak;
}

/** The seconds the peak's throughput was averaged over. */
function peakWindow(timeline: readonly TimelineEntry[], peak: NonNullable<Capacity["peakThroughput"]>) {
  const half = Math.floor(peak.averagedSeconds / 2);
  return timeline.filter((entry) => Math.abs(entry.t - peak.atSeconds) <= half);
}

/**
 * The level of the whole seconds run with exactly `workers` workers before `beforeSeconds`, each within
 * the tolerance (and the latency objective) on its own: the seconds that began with that many workers
 * too when there are any (a second's workers are counted at its end). Null without such a second.
 */
function levelAtWorkers(
  timeline: readonly TimelineEntry[],
  workers: number,
  tolerance: number,
  objective: Capacity["latencyObjective"],
  beforeSeconds: number | null,
): Pick<Capacity, "throughput" | "latency"> | null {
  const seconds = wholeSeconds(timeline);
  const healthy = seconds.filter((entry) => {
    if (entry.workers !== workers || (beforeSeconds !== null && entry.t >= beforeSeconds)) return false;
    const runs = entry.ok + entry.failed;
    if (runs === 0 || (entry.failed / runs) * 100 > tolerance) return false;
    const latency = objective ? entry.latency?.[objective.percentile as keyof TimelineLatency] : undefined;
    return !(objective && typeof latency === "number" && latency > objective.thresholdMs);
  });
  const steady = healthy.filter(
    (entry) => seconds.find((other) => other.t === entry.t - 1)?.workers === workers,
  );
  const level = steady.length > 0 ? steady : healthy;
  if (level.length === 0) return null;
  return {
    throughput: level.reduce((sum, entry) => sum + entry.throughput, 0) / level.length,
    latency: meanLatency(level),
  };
}

/** The level of a run: its workers, throughput and latency, and where they were read. */
type Level = Pick<Capacity, "workers" | "throughput" | "latency" | "levelFrom">;

/** Nothing failed: every level was healthy, the best of them is the peak. No level when something failed. */
function peakLevelOf(
  timeline: readonly TimelineEntry[],
  peakThroughput: Capacity["peakThroughput"],
  failed: boolean,
): Level {
  if (failed || peakThroughput === null)
    return { workers: null, throughput: null, latency: null, levelFrom: null };
  const window = peakWindow(wholeSeconds(timeline), peakThroughput);
  return {
    workers: timeline.find((entry) => entry.t >= peakThroughput.atSeconds)?.workers ?? null,
    throughput: peakThroughput.value,
    latency: meanLatency(window),
    levelFrom: "peak",
  };
}

/** The healthy level of a timeline: the last 10 seconds before the failure onset, if it has any. */
function levelBeforeFailure(timeline: readonly TimelineEntry[], failureSeconds: number): Level | null {
  const endIndex = timeline.findIndex((entry) => entry.t >= failureSeconds) - 1;
  const healthy = timeline.slice(Math.max(0, endIndex - 9), Math.max(0, endIndex + 1));
  const healthyEnd = healthy[healthy.length - 1];
  if (healthyEnd === undefined) return null;
  return {
    workers: healthyEnd.workers,
    throughput: healthy.reduce((sum, entry) => sum + entry.throughput, 0) / healthy.length,
    latency: meanLatency(healthy),
    levelFrom: "healthy",
  };
}

/**
 * The capacity of one node: from the results' sizing block when there is one; otherwise from the
 * timeline: the last 10 seconds before the failure onset. When nothing failed, the best level is the
 * last healthy one the sizing block gives, else the peak throughput: every level was healthy.
 */
export function computeCapacity(
  results: LoadResultsInput,
  tolerance: number,
  failureSeconds: number | null,
  plateau: Capacity["plateau"],
): Capacity {
  const timeline = results.timeline;
  const peakThroughput = findPeakThroughput(timeline);
  const sizing = results.sizing;
  const latencyObjective = sizing?.latencyObjective ?? null;
  const common = {
    tolerancePercent: tolerance,
    latencyObjective,
    plateau,
    peakThroughput,
    saturation: null,
    decline: null,
  };
  const last = timeline[timeline.length - 1];
  // The closing second of a run (its workers stopping) reads 0 workers: the load at the stop is the last
  // second that had workers.
  const lastLoaded = timeline.findLast((entry) => entry.workers > 0) ?? last;
  const stoppedOnFailure = sizing?.stopReason === "error-ratio" || sizing?.stopReason === "latency";
  const failed = stoppedOnFailure || failureSeconds !== null;
  const peakLevel = () => peakLevelOf(timeline, peakThroughput, failed);

  if (sizing) {
    const found = sizing.reached && sizing.healthyWorkers !== null && sizing.healthyWorkers !== undefined;
    const healthyKnown =
      sizing.healthyWorkers !== null &&
      sizing.healthyWorkers !== undefined &&
      sizing.throughputAtHealthy !== null &&
      sizing.throughputAtHealthy !== undefined;
    // Under a ramp, the sizing block's figures average seconds with fewer workers: a run that failed is
    // measured at its healthy worker count itself when the timeline has healthy seconds there.
    const atHealthy =
      found && typeof sizing.healthyWorkers === "number"
        ? levelAtWorkers(timeline, sizing.healthyWorkers, tolerance, latencyObjective, failureSeconds)
        : null;
    const capacity: Capacity = {
      found,
      ...(healthyKnown || found
        ? {
            workers: sizing.healthyWorkers ?? null,
            throughput: atHealthy?.throughput ?? sizing.throughputAtHealthy ?? null,
            latency: atHealthy?.latency ?? sizing.latencyAtHealthy ?? null,
            levelFrom: "healthy" as const,
          }
        : peakLevel()),
      stopReason: sizing.stopReason,
      stoppedAtSeconds: sizing.stoppedAtSeconds ?? last?.t ?? null,
      workersAtStop: sizing.workersAtStop ?? lastLoaded?.workers ?? null,
      errorRatioAtStop: sizing.errorRatio ?? null,
      ...common,
      basis: "sizing",
      message: "",
    };
    capacity.message = describeCapacity(capacity, stoppedOnFailure);
    return capacity;
  }

  const totalRuns = results.ok + results.failed;
  const level =
    (failureSeconds !== null ? levelBeforeFailure(timeline, failureSeconds) : null) ?? peakLevel();
  const capacity: Capacity = {
    found: failureSeconds !== null && level.levelFrom === "healthy",
    ...level,
    stopReason: results.interrupted ? "interrupted" : null,
    stoppedAtSeconds: last?.t ?? null,
    workersAtStop: lastLoaded?.workers ?? null,
    errorRatioAtStop: totalRuns > 0 ? (results.failed / totalRuns) * 100 : null,
    ...common,
    basis: "timeline",
    message: "",
  };
  capacity.message = describeCapacity(capacity, failureSeconds !== null);
  return capacity;
}

function describeLevel(capacity: Capacity): string {
  const parts = [`${formatNumber(capacity.workers ?? 0)} workers`];
  if (capacity.throughput !== null) parts.push(`${formatNumber(capacity.throughput)} req/s`);
  const p95 = capacity.latency?.p95;
  if (p95 !== undefined) parts.push(`p95 ${formatMilliseconds(p95)}`);
  return parts.join(", ");
}

/** "peak, 10 s average, at 40 s": how the peak throughput was measured. */
export function peakLabel(peak: NonNullable<Capacity["peakThroughput"]>): string {
  return `peak, ${formatNumber(peak.averagedSeconds)} s average, at ${formatSeconds(peak.atSeconds)}`;
}

/**
 * The peak throughput, when it is worth a figure of its own beside the capacity's: no limit was found,
 * the capacity is the last healthy level, and the peak is 5% or more above it.
 */
export function separatePeak(capacity: Capacity): Capacity["peakThroughput"] {
  const peak = capacity.peakThroughput;
  if (capacity.found || capacity.levelFrom !== "healthy" || capacity.throughput === null || peak === null)
    return null;
  return peak.value >= 1.05 * capacity.throughput ? peak : null;
}

/** "the last healthy level was 5 workers, 31,603 req/s, p95 1.2 ms", or the peak's; null without a level. */
function describeBestLevel(capacity: Capacity): string | null {
  if (capacity.throughput === null || capacity.workers === null) return null;
  if (capacity.levelFrom === "peak" && capacity.peakThroughput) {
    return `its best was ${describeLevel(capacity)} (${peakLabel(capacity.peakThroughput)})`;
  }
  const peak = separatePeak(capacity);
  return `the last healthy level was ${describeLevel(capacity)}${
    peak
      ? ` (the throughput peaked at ${formatNumber(peak.value)} req/s, ${peakLabel(peak).replace(/^peak, /, "")})`
      : ""
  }`;
}

/** One sentence about the capacity; `failed` when the failures came before any healthy level was known. */
export function describeCapacity(capacity: Capacity, failed: boolean): string {
  const limit = capacity.latencyObjective
    ? `errors stay under ${formatPercent(capacity.tolerancePercent)} and ${capacity.latencyObjective.percentile} under ${formatMilliseconds(capacity.latencyObjective.thresholdMs)}`
    : `errors stay under ${formatPercent(capacity.tolerancePercent)}`;
  if (capacity.found && capacity.workers !== null) {
    return `One node takes about ${describeLevel(capacity)} while ${limit}.`;
  }
  if (failed) {
    return `The node failed before any level stayed healthy: ${formatPercent(capacity.errorRatioAtStop ?? Number.NaN)} errors at ${formatNumber(capacity.workersAtStop ?? 0)} workers.`;
  }
  const reason = capacity.stopReason ? ` (the run stopped: ${capacity.stopReason})` : "";
  const best = describeBestLevel(capacity);
  return `No limit found up to ${formatNumber(capacity.workersAtStop ?? 0)} workers${reason}: ${
    best ? `${best}; ` : ""
  }the node takes at least that much.`;
}

/** "errors stayed at 0%" or "errors stayed within the 5% tolerance (1.2%)": the error side of a run that did not fail. */
function errorsText(capacity: Capacity): string {
  const ratio = capacity.errorRatioAtStop;
  if (ratio === null || ratio === 0) return "nothing failed";
  return `errors stayed within the ${formatPercent(capacity.tolerancePercent)} tolerance (${formatPercent(ratio)})`;
}

function describeSaturation(capacity: Capacity, saturation: Saturation): string {
  const start = latencyText(saturation.latencyAtStart);
  const end = latencyText(saturation.latencyAtEnd);
  const startP95 = saturation.latencyAtStart?.p95;
  const endP95 = saturation.latencyAtEnd?.p95;
  const latencyGrew = startP95 !== undefined && endP95 !== undefined && endP95 >= 1.2 * startP95;
  const began =
    saturation.signal === "plateau"
      ? `the throughput stopped growing with the workers from ${formatNumber(saturation.workers)} workers`
      : `the service saturated from ${formatNumber(saturation.workers)} workers`;
  const after =
    saturation.workersAtEnd > saturation.workers
      ? latencyGrew
        ? `; more workers only added latency, up to ${end} at ${formatNumber(saturation.workersAtEnd)} workers`
        : `; it held that level up to ${formatNumber(saturation.workersAtEnd)} workers`
      : "";
  return `One node takes about ${requestsPerSecond(saturation.throughput)}: ${began} (at ${formatSeconds(saturation.atSeconds)}${
    start ? `, ${start} there` : ""
  })${after}; ${errorsText(capacity)}.`;
}

function describeDecline(capacity: Capacity, decline: Decline): string {
  const { peak, sustained } = decline;
  const latency = latencyText(sustained.latency);
  const workers =
    sustained.workers > peak.workers
      ? `while the workers grew to ${formatNumber(sustained.workers)}`
      : `while the load held at ${formatNumber(sustained.workers)} workers`;
  const grew = decline.grew.length > 0 ? `; meanwhile ${decline.grew.join(", ")}` : "";
  return `One node sustains about ${requestsPerSecond(sustained.throughput)} (${formatNumber(sustained.workers)} workers${
    latency ? `, ${latency}` : ""
  }, over the last ${formatNumber(peak.averagedSeconds)} s): the throughput peaked at ${requestsPerSecond(peak.throughput)} (${formatNumber(peak.averagedSeconds)} s average, at ${formatSeconds(peak.atSeconds)}, ${formatNumber(peak.workers)} workers), then fell by ${formatPercent(decline.dropPercent)} ${workers}${grew}; ${errorsText(capacity)}.`;
}

/**
 * The capacity once saturation and decline are known. A run that failed keeps its healthy level (the
 * limit the user set). Otherwise a decline sets the capacity to the level sustained at the end (the
 * early peak is said beside it); a saturation sets it to the level held once saturated, from the
 * workers where it began. "No limit found" stays only when neither happened.
 */
export function withSaturation(
  capacity: Capacity,
  failed: boolean,
  saturation: Saturation | null,
  decline: Decline | null,
): Capacity {
  if (failed || (saturation === null && decline === null)) return { ...capacity, saturation, decline };
  if (decline !== null) {
    const declined: Capacity = {
      ...capacity,
      found: true,
      workers: decline.sustained.workers,
      throughput: decline.sustained.throughput,
      latency: decline.sustained.latency,
      levelFrom: "decline",
      saturation,
      decline,
    };
    return { ...declined, message: describeDecline(declined, decline) };
  }
  const saturated = saturation as Saturation;
  const held: Capacity = {
    ...capacity,
    found: true,
    workers: saturated.workers,
    throughput: saturated.throughput,
    latency: saturated.latencyAtStart,
    levelFrom: "saturation",
    saturation: saturated,
    decline: null,
  };
  return { ...held, message: describeSaturation(held, saturated) };
}

/** How the service under test ended, from the run metadata. */
export type ServiceExit = NonNullable<RunMetadata["serviceExit"]>;

/** "exited with code 7 at 4 s, with 12 workers running": how and when the service died. */
export function describeServiceExit(exit: ServiceExit, timeline: readonly TimelineEntry[]): string {
  const how =
    exit.signal !== null
      ? `was killed by ${exit.signal}`
      : exit.code !== null
        ? `exited with code ${exit.code}`
        : "exited";
  if (exit.atSeconds === null) return `${how} during the run`;
  const at = exit.atSeconds;
  // The second the service died in: its workers were still running when it went.
  const workers = timeline.findLast((entry) => entry.t <= at && entry.workers > 0)?.workers;
  return `${how} at ${formatSeconds(at)}${workers !== undefined ? `, with ${formatNumber(workers)} workers running` : ""}`;
}

/**
 * The capacity of a run whose service died: the death is the verdict (stop reason `service-died`);
 * the last healthy level before it, when one is known, is said after it.
 */
export function serviceDiedCapacity(
  capacity: Capacity,
  exit: ServiceExit,
  timeline: readonly TimelineEntry[],
): Capacity {
  const best = describeBestLevel(capacity);
  const before = best ? ` Before it died, ${best}.` : "";
  return {
    ...capacity,
    stopReason: "service-died",
    message: `The service died under load: it ${describeServiceExit(exit, timeline)}.${before}`,
  };
}

/**
 * The capacity of a run where no scenario run succeeded: nothing was measured, so no level, no
 * throughput (of failures) and no latency (of failures) are given.
 */
export function allFailedCapacity(capacity: Capacity, results: LoadResultsInput): Capacity {
  return {
    ...capacity,
    found: false,
    workers: null,
    throughput: null,
    latency: null,
    peakThroughput: null,
    levelFrom: null,
    message: `Nothing was measured: none of the ${formatNumber(results.failed)} scenario runs succeeded.`,
  };
}
