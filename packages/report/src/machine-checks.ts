import { formatMilliseconds, formatNumber, formatPercent, formatSeconds } from "./format.js";
import type { LoadResultsInput, MetricsData, TimelineEntry } from "./inputs/types.js";
import { secondOfSample } from "./run-seconds.js";
import { quantile } from "./series-math.js";
import { serviceCpuSeries } from "./service-cpu.js";

/** Other processes using at least this many cores (median over the loaded run) disturb the run... */
const OTHER_CORES = 0.25;
/** ...when that is also at least this share of the host's cores. */
const OTHER_SHARE = 0.1;
/** A second whose generator event-loop delay (p99) reaches this many ms is a stall. */
const STALL_MS = 100;
/** A latency jump: a second's p95 at least this many times the median of the 5 seconds before it. */
const LATENCY_JUMP = 3;
/** Stalls in at least this share of the loaded seconds (and 3 or more) disturb the run even when nothing coincides. */
const STALL_SHARE = 0.05;
const STALL_COUNT = 3;
/** CPU steal (percent of the host's CPU time) whose median over the run disturbs it... */
const STEAL_MEDIAN = 5;
/** ...or whose 90th percentile does. */
const STEAL_P90 = 10;

/** What the machine did to a run: each finding lowers the trust badge, with a reason and a figure. */
export interface MachineFinding {
  check: "other-processes" | "generator-stalls" | "cpu-steal";
  /** The figure the warning gives: cores, ms, percent. */
  value: number;
  warning: string;
}

function median(values: number[]): number | null {
  return quantile(values, 0.5);
}

/** The loaded seconds of the run, by second. */
function loadedTimeline(results: LoadResultsInput): Map<number, TimelineEntry> {
  const loaded = new Map<number, TimelineEntry>();
  for (const entry of results.timeline) if (entry.workers > 0) loaded.set(Math.round(entry.t), entry);
  return loaded;
}

/**
 * CPU used by processes other than the service's tree and the load generator: the host's busy CPU
 * (from /proc/stat, `host.cpu.percent` of `host.cpu.count` cores) minus the service's
 * (`process.cpu.percent`, or its containers') and the generator's (the timeline's `generatorCpuPercent`), in cores, the
 * median over the loaded seconds. Needs all three.
 */
function otherProcesses(
  results: LoadResultsInput,
  metrics: MetricsData,
  seconds: ArrayLike<number>,
): MachineFinding | null {
  const host = metrics.series.get("host.cpu.percent");
  const service = serviceCpuSeries(metrics);
  const counts = metrics.series.get("host.cpu.count");
  if (!host || !service || !counts) return null;
  const loaded = loadedTimeline(results);
  const others: number[] = [];
  let cores = Number.NaN;
  for (let index = 0; index < seconds.length; index++) {
    const entry = loaded.get(secondOfSample(seconds[index] as number));
    const count = counts[index] as number;
    const hostBusy = host[index] as number;
    const serviceBusy = service[index] as number;
    if (!entry || typeof entry.generatorCpuPercent !== "number") continue;
    if (!Number.isFinite(count) || !Number.isFinite(hostBusy) || !Number.isFinite(serviceBusy)) continue;
    cores = count;
    others.push(Math.max(0, (hostBusy * count - serviceBusy - entry.generatorCpuPercent) / 100));
  }
  const other = median(others);
  if (other === null || !Number.isFinite(cores)) return null;
  if (other < OTHER_CORES || other < OTHER_SHARE * cores) return null;
  return {
    check: "other-processes",
    value: other,
    warning: `Other processes used ${formatNumber(other, 2)} of the host's ${formatNumber(cores)} cores (median over the loaded run, from /proc/stat minus the service's and the generator's own): they took CPU from the service or the generator, so the capacity may be understated and change from run to run. Run on a quiet machine.`,
  };
}

/**
 * Seconds where the load generator's event loop stalled (p99 delay of STALL_MS or more): the latency
 * of requests in flight then includes the stall. Disturbing when a stall coincides with the failure
 * onset (within 2 s) or a latency jump, or when stalls fill 5% of the loaded seconds.
 */
function generatorStalls(results: LoadResultsInput, failureSeconds: number | null): MachineFinding | null {
  const timeline = results.timeline.filter((entry) => entry.workers > 0);
  const stalls = timeline.filter((entry) => (entry.eventLoopDelayMs ?? 0) >= STALL_MS);
  if (stalls.length === 0) return null;
  const jumps = new Set<number>();
  timeline.forEach((entry, index) => {
    const before = timeline
      .slice(Math.max(0, index - 5), index)
      .map((other) => other.latency?.p95)
      .filter((value): value is number => typeof value === "number");
    const typical = median(before);
    const p95 = entry.latency?.p95;
    if (typical !== null && typical > 0 && typeof p95 === "number" && p95 >= LATENCY_JUMP * typical)
      jumps.add(entry.t);
  });
  const atFailure = stalls.filter(
    (entry) => failureSeconds !== null && Math.abs(entry.t - failureSeconds) <= 2,
  );
  const atJump = stalls.filter((entry) => jumps.has(entry.t));
  const worst = stalls.reduce((top, entry) =>
    (entry.eventLoopDelayMs ?? 0) > (top.eventLoopDelayMs ?? 0) ? entry : top,
  );
  const frequent = stalls.length >= STALL_COUNT && stalls.length >= STALL_SHARE * timeline.length;
  if (atFailure.length === 0 && atJump.length === 0 && !frequent) return null;
  const coincidences = [
    atFailure.length > 0 ? `at the failure onset (${formatSeconds(failureSeconds ?? 0)})` : "",
    atJump.length > 0
      ? `with ${formatNumber(atJump.length)} latency jump${atJump.length === 1 ? "" : "s"} (p95 ${formatNumber(LATENCY_JUMP)}x the seconds before, at ${atJump
          .slice(0, 3)
          .map((entry) => formatSeconds(entry.t))
          .join(", ")}${atJump.length > 3 ? ", ..." : ""})`
      : "",
  ].filter(Boolean);
  return {
    check: "generator-stalls",
    value: worst.eventLoopDelayMs ?? 0,
    warning: `The load generator's event loop stalled in ${formatNumber(stalls.length)} of ${formatNumber(timeline.length)} loaded seconds (p99 delay ${formatMilliseconds(STALL_MS)} or more, up to ${formatMilliseconds(worst.eventLoopDelayMs)} at ${formatSeconds(worst.t)})${
      coincidences.length > 0 ? `, ${coincidences.join(" and ")}` : ""
    }: latencies (and timeouts) measured then include the generator's own delay. Give the generator a quieter machine or more cores.`,
  };
}

/** CPU steal of the host (a virtual machine waiting for its hypervisor), percent of its CPU time. */
function cpuSteal(
  results: LoadResultsInput,
  metrics: MetricsData,
  seconds: ArrayLike<number>,
): MachineFinding | null {
  const steal = metrics.series.get("host.cpu.steal");
  if (!steal) return null;
  const loaded = loadedTimeline(results);
  const values: number[] = [];
  for (let index = 0; index < seconds.length; index++) {
    const value = steal[index] as number;
    if (loaded.has(Math.round(seconds[index] as number)) && Number.isFinite(value)) values.push(value);
  }
  const middle = median(values);
  const high = quantile(values, 0.9);
  if (middle === null || high === null || (middle < STEAL_MEDIAN && high < STEAL_P90)) return null;
  return {
    check: "cpu-steal",
    value: middle,
    warning: `The host lost CPU to its hypervisor: steal ${formatPercent(middle)} (median over the loaded run, ${formatPercent(high)} at the 90th percentile). Other virtual machines took CPU the service was counting on; the capacity may be understated. Use a dedicated or larger instance.`,
  };
}

/**
 * What the machine did to the run: other processes' CPU, the generator's event-loop stalls and CPU
 * steal. Each finding lowers the trust badge with its reason and figure.
 */
export function machineFindings(
  results: LoadResultsInput,
  metrics: MetricsData | undefined,
  seconds: ArrayLike<number>,
  failureSeconds: number | null,
): MachineFinding[] {
  const findings = [
    metrics ? otherProcesses(results, metrics, seconds) : null,
    generatorStalls(results, failureSeconds),
    metrics ? cpuSteal(results, metrics, seconds) : null,
  ];
  return findings.filter((finding): finding is MachineFinding => finding !== null);
}
