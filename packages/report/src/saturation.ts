import type { Capacity, Decline, ResourceCheck, Saturation } from "./analysis-types.js";
import { formatBytes, formatMilliseconds, formatNumber, formatPercent } from "./format.js";
import type { MetricsData, TimelineEntry, TimelineLatency } from "./inputs/types.js";
import { quantile, valuesBetween } from "./series-math.js";
import { serviceCpuSeries } from "./service-cpu.js";

/** A second that lasted less than this share of a second (the closing one) is partial. */
const PARTIAL_SECOND = 0.9;
/** Seconds averaged for the latency at the start and at the end of a saturation. */
const EDGE_SECONDS = 3;
/** Fewest whole seconds of saturation before it is believed. */
const MIN_SATURATED_SECONDS = 3;
/** A decline is a fall of at least this share of the peak, or of the run's noise when larger. */
const MIN_DECLINE = 0.1;
/** How many times the noise of a window's mean a fall must exceed to be a decline. */
const DECLINE_NOISE_FACTOR = 3;
/** Something grew meanwhile when it grew by at least this share. */
const NOTABLE_GROWTH = 0.2;

const LATENCY_KEYS = ["p50", "p90", "p95", "p99", "max"] as const;

/**
 * True for a second that lasted less than a whole second (the closing one, cut by the run's end): its
 * throughput is its requests extrapolated to a second, which can read far above anything sustained.
 */
export function isPartialSecond(entry: TimelineEntry): boolean {
  if (!(entry.throughput > 0) || !(entry.requests > 0)) return false;
  return entry.requests / entry.throughput < PARTIAL_SECOND;
}

/** The timeline without a partial closing second. */
export function wholeSeconds(timeline: readonly TimelineEntry[]): TimelineEntry[] {
  const last = timeline[timeline.length - 1];
  return last !== undefined && isPartialSecond(last) ? timeline.slice(0, -1) : [...timeline];
}

/** The mean of each latency percentile over `entries`, or null when none has one. */
export function meanLatency(entries: readonly TimelineEntry[]): Partial<TimelineLatency> | null {
  const latency: Partial<TimelineLatency> = {};
  for (const key of LATENCY_KEYS) {
    const values = entries
      .map((entry) => entry.latency?.[key])
      .filter((value): value is number => typeof value === "number");
    if (values.length > 0) latency[key] = values.reduce((sum, value) => sum + value, 0) / values.length;
  }
  return Object.keys(latency).length > 0 ? latency : null;
}

function median(values: readonly number[]): number {
  return quantile(values, 0.5) ?? Number.NaN;
}

/** The seconds that carry load and lasted a whole second, up to `untilSeconds` (excluded). */
function loadedSeconds(timeline: readonly TimelineEntry[], untilSeconds: number | null): TimelineEntry[] {
  return wholeSeconds(timeline).filter(
    (entry) => entry.workers > 0 && (untilSeconds === null || entry.t < untilSeconds),
  );
}

/** A resource in words, for sentences: "CPU", "disk I/O". */
export const RESOURCE_WORDS: Record<string, string> = {
  cpu: "CPU",
  memory: "memory",
  disk: "disk I/O",
  network: "network",
};

/** "CPU of the service (99% of its 1 core)". */
export function describeCheck(check: ResourceCheck): string {
  const where =
    check.scope === "host"
      ? "the host"
      : check.scope === "container"
        ? "the service's container"
        : "the service";
  const what =
    check.rule === "swap" ? "memory (swapping)" : (RESOURCE_WORDS[check.resource] ?? check.resource);
  return `${what} of ${where} (${check.short})`;
}

/**
 * The resource checks that mean the service ran out of something: saturated, not the generator's, not
 * a growth rule; the host's CPU only when no check of the service's own CPU says it had room (a host
 * busy with other work is not the service's limit).
 */
export function limitingChecks(checks: readonly ResourceCheck[]): ResourceCheck[] {
  const serviceCpuHadRoom = checks.some(
    (check) =>
      check.resource === "cpu" && check.scope !== "host" && check.rule === "cpu-cores" && !check.saturated,
  );
  return checks.filter(
    (check) =>
      check.saturated &&
      check.scope !== "generator" &&
      check.rule !== "memory-growth" &&
      !(check.scope === "host" && check.resource === "cpu" && serviceCpuHadRoom),
  );
}

/**
 * The saturation before any failure: from the throughput plateau's start when there is one, else from
 * the first limiting resource check (see {@link limitingChecks}). Its level is the median throughput of
 * the whole loaded seconds from its start to the failure onset (or the end). Null without a signal, or
 * when it lasted fewer than 3 whole seconds.
 */
export function findSaturation(
  timeline: readonly TimelineEntry[],
  plateau: Capacity["plateau"],
  checks: readonly ResourceCheck[],
  failureSeconds: number | null,
): Saturation | null {
  const limiting = limitingChecks(checks)
    .filter((check) => check.sinceSeconds !== null)
    .sort((left, right) => (left.sinceSeconds as number) - (right.sinceSeconds as number));
  const firstCheck = limiting[0];
  const signal: Saturation["signal"] | null = plateau ? "plateau" : firstCheck ? "resource" : null;
  if (signal === null) return null;
  // A metrics sample stamped within a second covers that second: the saturation began in it.
  const startSeconds = Math.floor(plateau ? plateau.atSeconds : (firstCheck?.sinceSeconds as number));
  const seconds = loadedSeconds(timeline, failureSeconds).filter((entry) => entry.t >= startSeconds);
  if (seconds.length < MIN_SATURATED_SECONDS) return null;
  const first = seconds[0] as TimelineEntry;
  const lastSeconds = seconds.slice(-EDGE_SECONDS);
  return {
    signal,
    resource: firstCheck ? describeCheck(firstCheck) : null,
    atSeconds: first.t,
    workers: plateau ? plateau.workers : first.workers,
    throughput: median(seconds.map((entry) => entry.throughput)),
    latencyAtStart: meanLatency(seconds.slice(0, EDGE_SECONDS)),
    latencyAtEnd: meanLatency(lastSeconds),
    workersAtEnd: (lastSeconds[lastSeconds.length - 1] as TimelineEntry).workers,
  };
}

/** The metrics a decline reports the growth of, with how to print them. */
const GROWING_METRICS: ReadonlyArray<{ pattern: RegExp; label: (name: string) => string; bytes: boolean }> = [
  { pattern: /^process\.rss$/, label: () => "service memory", bytes: true },
  { pattern: /^container\.([^.]+)\.mem\.usage$/, label: (name) => `container ${name} memory`, bytes: true },
  { pattern: /^host\.disk\.([^.]+)\.util$/, label: (name) => `disk ${name} utilisation`, bytes: false },
];

/** What grew from the peak's window to the sustained one: latency, memory, disk. */
function whatGrew(
  peakSeconds: readonly TimelineEntry[],
  lastSeconds: readonly TimelineEntry[],
  metrics: MetricsData | undefined,
  metricSeconds: ArrayLike<number>,
): string[] {
  const grew: string[] = [];
  const before = meanLatency(peakSeconds)?.p95;
  const after = meanLatency(lastSeconds)?.p95;
  if (before !== undefined && after !== undefined && after >= before * (1 + NOTABLE_GROWTH)) {
    grew.push(`p95 latency from ${formatMilliseconds(before)} to ${formatMilliseconds(after)}`);
  }
  if (!metrics) return grew;
  const span = (entries: readonly TimelineEntry[]) => [
    (entries[0] as TimelineEntry).t,
    (entries[entries.length - 1] as TimelineEntry).t + 1,
  ];
  const [peakFrom = 0, peakTo = 0] = span(peakSeconds);
  const [lastFrom = 0, lastTo = 0] = span(lastSeconds);
  for (const [name, values] of metrics.series) {
    const spec = GROWING_METRICS.find((candidate) => candidate.pattern.test(name));
    if (!spec) continue;
    const start = quantile(valuesBetween(metricSeconds, values, peakFrom, peakTo), 0.5);
    const end = quantile(valuesBetween(metricSeconds, values, lastFrom, lastTo), 0.5);
    if (start === null || end === null) continue;
    const grown = spec.bytes ? end >= start * (1 + NOTABLE_GROWTH) : end - start >= 10;
    if (!grown) continue;
    const label = spec.label(spec.pattern.exec(name)?.[1] ?? name);
    grew.push(
      spec.bytes
        ? `${label} from ${formatBytes(start)} to ${formatBytes(end)}`
        : `${label} from ${formatPercent(start)} to ${formatPercent(end)}`,
    );
  }
  return grew;
}

/** The service's CPU per request must grow by this factor for a fall with less CPU to be its own decline. */
const OWN_WORK_GROWTH = 1.1;

/**
 * True when the fall is the machine's, not the service's: a service that filled its cores at the
 * peak (or ran on a machine busy with other processes, `contended`) got less CPU at the end while its
 * CPU per request did not grow by 10%: its work per request was the same, other processes took its
 * cores (the trust badge says so).
 */
function lostItsCpu(
  peakSeconds: readonly TimelineEntry[],
  lastSeconds: readonly TimelineEntry[],
  peak: number,
  sustained: number,
  metrics: MetricsData | undefined,
  metricSeconds: ArrayLike<number>,
  serviceCores: number | null,
  contended: boolean,
): boolean {
  const cpu = metrics ? serviceCpuSeries(metrics) : undefined;
  if (!cpu || serviceCores === null) return false;
  const level = (entries: readonly TimelineEntry[]) =>
    quantile(
      valuesBetween(
        metricSeconds,
        cpu,
        (entries[0] as TimelineEntry).t,
        (entries[entries.length - 1] as TimelineEntry).t + 1,
      ),
      0.5,
    );
  const atPeak = level(peakSeconds);
  const atEnd = level(lastSeconds);
  if (atPeak === null || atEnd === null || !(atPeak > 0) || !(sustained > 0)) return false;
  if (!contended && atPeak < 0.85 * serviceCores * 100) return false;
  const workGrowth = atEnd / sustained / (atPeak / peak);
  return atEnd < atPeak * 0.9 && workGrowth < OWN_WORK_GROWTH;
}

/**
 * The decline: over the whole loaded seconds before the failure onset (or the end), the best mean of
 * `size` consecutive seconds (10, or a quarter of the run, at least 3) against the mean of the last
 * `size` seconds. A decline when the last is lower by 10% or more (or by three times the noise of such
 * a mean when the run is noisier) while the workers at the end are at least those at the peak.
 */
export function findDecline(
  timeline: readonly TimelineEntry[],
  failureSeconds: number | null,
  metrics?: MetricsData,
  metricSeconds: ArrayLike<number> = [],
  serviceCores: number | null = null,
  contended = false,
): Decline | null {
  const seconds = loadedSeconds(timeline, failureSeconds);
  const size = Math.max(3, Math.min(10, Math.floor(seconds.length / 4)));
  if (seconds.length < 2 * size) return null;
  const means: number[] = [];
  for (let end = size; end <= seconds.length; end++) {
    const window = seconds.slice(end - size, end);
    means.push(window.reduce((sum, entry) => sum + entry.throughput, 0) / size);
  }
  let peakIndex = 0;
  for (let index = 1; index < means.length; index++) {
    if ((means[index] as number) > (means[peakIndex] as number)) peakIndex = index;
  }
  const lastIndex = means.length - 1;
  // The peak's window must end before the last one begins: the two are separate stretches.
  if (peakIndex + size > lastIndex) return null;
  const peakSeconds = seconds.slice(peakIndex, peakIndex + size);
  const lastSeconds = seconds.slice(-size);
  const peak = means[peakIndex] as number;
  const sustained = means[lastIndex] as number;
  const peakWorkers = Math.max(...peakSeconds.map((entry) => entry.workers));
  const endWorkers = (lastSeconds[lastSeconds.length - 1] as TimelineEntry).workers;
  if (!(peak > 0) || endWorkers < peakWorkers) return null;
  // The noise of one second around its neighbours' mean, then of a mean of `size` seconds.
  const deviations = seconds.slice(1, -1).map((entry, index) => {
    const neighbours =
      ((seconds[index] as TimelineEntry).throughput + (seconds[index + 2] as TimelineEntry).throughput) / 2;
    return Math.abs(entry.throughput - neighbours) / peak;
  });
  const secondNoise = 1.4826 * median(deviations);
  const noise = Math.max(MIN_DECLINE, (DECLINE_NOISE_FACTOR * secondNoise) / Math.sqrt(size));
  const drop = 1 - sustained / peak;
  if (drop < noise) return null;
  if (
    lostItsCpu(
      peakSeconds,
      seconds.slice(-size),
      peak,
      sustained,
      metrics,
      metricSeconds,
      serviceCores,
      contended,
    )
  )
    return null;
  const centre = peakSeconds[Math.floor(size / 2)] as TimelineEntry;
  return {
    peak: { throughput: peak, atSeconds: centre.t, workers: centre.workers, averagedSeconds: size },
    sustained: {
      throughput: sustained,
      fromSeconds: (lastSeconds[0] as TimelineEntry).t,
      toSeconds: (lastSeconds[lastSeconds.length - 1] as TimelineEntry).t + 1,
      workers: endWorkers,
      latency: meanLatency(lastSeconds),
    },
    dropPercent: drop * 100,
    noisePercent: noise * 100,
    grew: whatGrew(peakSeconds, lastSeconds, metrics, metricSeconds),
  };
}

/** "p95 12 ms" (or p50 when the p95 is not known), "" without latency. */
export function latencyText(latency: Partial<TimelineLatency> | null): string {
  if (latency?.p95 !== undefined) return `p95 ${formatMilliseconds(latency.p95)}`;
  if (latency?.p50 !== undefined) return `p50 ${formatMilliseconds(latency.p50)}`;
  return "";
}

/** "1,234 req/s" */
export function requestsPerSecond(value: number): string {
  return `${formatNumber(value)} req/s`;
}
