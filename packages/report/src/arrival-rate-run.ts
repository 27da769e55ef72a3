import type { ArrivalRateLevel, Capacity } from "./analysis-types.js";
import { formatMilliseconds, formatNumber, formatPercent } from "./format.js";
import type { LoadResultsInput, TimelineEntry } from "./inputs/types.js";
import { meanLatency, requestsPerSecond, wholeSeconds } from "./saturation.js";

/** The achieved rate follows the target when it reaches this share of it. */
const KEPT_UP_SHARE = 0.95;
/**
 * Whole seconds of a ramp whose level is read: before the failure onset, or at the top of the ramp. Few,
 * so that their mean lags the ramp little (1 second of its climb).
 */
const RAMP_LEVEL_SECONDS = 3;

/** What the seconds of a stretch of an arrival-rate run add up to. */
interface Stretch {
  seconds: number;
  target: number;
  achieved: number;
  requests: number;
  errorPercent: number | null;
  dropped: number;
  pool: number;
  latency: Capacity["latency"];
}

function mean(entries: readonly TimelineEntry[], value: (entry: TimelineEntry) => number): number {
  return entries.reduce((sum, entry) => sum + value(entry), 0) / entries.length;
}

/** The means of `entries` (whole seconds with a target rate): target, achieved, requests, errors, drops. */
function stretchOf(entries: readonly TimelineEntry[]): Stretch | null {
  if (entries.length === 0) return null;
  const ok = entries.reduce((sum, entry) => sum + entry.ok, 0);
  const failed = entries.reduce((sum, entry) => sum + entry.failed, 0);
  return {
    seconds: entries.length,
    target: mean(entries, (entry) => entry.targetRate ?? 0),
    achieved: mean(entries, (entry) => entry.achievedRate ?? 0),
    requests: mean(entries, (entry) => entry.throughput),
    errorPercent: ok + failed === 0 ? null : (failed / (ok + failed)) * 100,
    dropped: entries.reduce((sum, entry) => sum + (entry.droppedRuns ?? 0), 0),
    pool: Math.max(...entries.map((entry) => entry.workers)),
    latency: meanLatency(entries),
  };
}

/**
 * The seconds whose level an unsized run states, and whether they are a limit found: every whole
 * second of a constant rate; on a ramp, the last 3 before the failure onset (a limit), or the last 3
 * of the run when nothing failed, or its first 3 when it failed from the start.
 */
function levelSeconds(
  results: LoadResultsInput,
  constant: boolean,
  failureSeconds: number | null,
): { entries: TimelineEntry[]; limit: boolean } {
  const loaded = wholeSeconds(results.timeline).filter((entry) => (entry.targetRate ?? 0) > 0);
  if (constant) return { entries: loaded, limit: false };
  if (failureSeconds === null) return { entries: loaded.slice(-RAMP_LEVEL_SECONDS), limit: false };
  const before = loaded.filter((entry) => entry.t < failureSeconds).slice(-RAMP_LEVEL_SECONDS);
  return before.length > 0
    ? { entries: before, limit: true }
    : { entries: loaded.slice(0, RAMP_LEVEL_SECONDS), limit: false };
}

/** "12 scenario runs/s" */
function runs(value: number): string {
  return `${formatNumber(value)} scenario runs/s`;
}

/** "p95 2.4 ms from the intended start, errors 0%, no scheduled run dropped": the stretch's health. */
function healthText(stretch: Stretch, level: ArrivalRateLevel): string {
  const p95 = stretch.latency?.p95;
  const parts = [
    ...(p95 === undefined ? [] : [`p95 ${formatMilliseconds(p95)} from the intended start`]),
    `errors ${formatPercent(stretch.errorPercent ?? 0)}`,
  ];
  const late = level.late > 0 ? `, ${formatNumber(level.late)} started late` : "";
  parts.push(
    level.dropped > 0
      ? `${formatNumber(level.dropped)} of ${formatNumber(level.started + level.dropped)} scheduled runs dropped${late}`
      : `no scheduled run dropped${late}`,
  );
  return parts.join(", ");
}

/** The advice that closes the headline of a run that was not sized: a ramp with --sizing finds the limit. */
const SIZE_IT = "A ramp with --sizing (--ramp-rate FROM:TO) finds the limit.";

/** The headline of an unsized arrival-rate run, in req/s: target against achieved, drops and lateness. */
function describeUnsized(
  capacity: Capacity,
  stretch: Stretch,
  level: ArrivalRateLevel,
  constant: boolean,
): string {
  const achieved = `${requestsPerSecond(stretch.requests)} (${runs(stretch.achieved)} achieved, target ${formatNumber(stretch.target)})`;
  const health = healthText(stretch, level);
  if (constant) {
    return level.keptUp
      ? `No limit found at a constant target of ${runs(level.to)}: the node kept up, ${achieved}, ${health}; it takes at least that much. ${SIZE_IT}`
      : `The node did not keep up with a constant target of ${runs(level.to)}: ${achieved}, ${health}; its limit is below that rate. ${SIZE_IT}`;
  }
  if (capacity.found) {
    return `One node sustains about ${achieved} while errors stay under ${formatPercent(capacity.tolerancePercent)} (the ${formatNumber(stretch.seconds)} s before the failure onset of a ramp from ${formatNumber(level.from)} to ${runs(level.to)}, not sized: read from the timeline); ${health}.`;
  }
  return level.keptUp
    ? `No limit found up to a target of ${runs(level.to)}: over the last ${formatNumber(stretch.seconds)} s the node kept up, ${achieved}, ${health}; it takes at least that much. ${SIZE_IT}`
    : `The node stopped keeping up with a ramp to ${runs(level.to)}: over its last ${formatNumber(stretch.seconds)} s, ${achieved}, ${health}. ${SIZE_IT}`;
}

/**
 * The capacity of an arrival-rate run that was not sized (`--rate R`, or `--ramp-rate` without
 * `--sizing`), stated in req/s: at a constant rate, whether the node kept up with the target over the
 * whole run (achieved rate against target, errors, runs dropped and late); on a ramp, the level of the
 * 3 whole seconds before the failure onset (a limit found), else of the ramp's top. `workers` is the pool,
 * `throughput` the requests per second of those seconds; `level` is {@link arrivalRateLevel}'s.
 */
export function unsizedArrivalRateCapacity(
  capacity: Capacity,
  level: ArrivalRateLevel,
  results: LoadResultsInput,
  failureSeconds: number | null,
): Capacity {
  const constant = level.from === level.to;
  const { entries, limit } = levelSeconds(results, constant, failureSeconds);
  const stretch = stretchOf(entries);
  if (stretch === null) return { ...capacity, saturation: null, decline: null, arrivalRate: level };
  const followed =
    stretch.achieved >= KEPT_UP_SHARE * stretch.target &&
    (stretch.errorPercent ?? 0) <= capacity.tolerancePercent &&
    stretch.dropped === 0;
  const measured: ArrivalRateLevel = {
    ...level,
    runsPerSecond: stretch.achieved,
    requestsPerSecond: stretch.requests,
    poolWorkers: stretch.pool,
    targetRunsPerSecond: stretch.target,
    keptUp: followed,
  };
  const judged: Capacity = {
    ...capacity,
    found: limit,
    workers: stretch.pool,
    throughput: stretch.requests,
    latency: stretch.latency,
    levelFrom: limit ? "healthy" : null,
    saturation: null,
    decline: null,
    arrivalRate: measured,
  };
  return { ...judged, message: describeUnsized(judged, stretch, measured, constant) };
}
