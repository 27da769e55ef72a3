import type { AnalysisThresholds, BottleneckScope, Onsets, ResourceCheck } from "./analysis-types.js";
import { formatBitsPerSecond, formatBytes, formatNumber, formatPercent, formatSeconds } from "./format.js";
import type { LoadResultsInput, MetricsData, TimelineEntry } from "./inputs/types.js";
import {
  combine,
  correlation,
  lastFinite,
  peakDuringRun,
  quantile,
  saturationStart,
  valuesBetween,
} from "./series-math.js";

/** What the checks need to know about the run. */
export interface CheckContext {
  results: LoadResultsInput;
  metrics: MetricsData | undefined;
  /** Seconds since the start of the run of each metrics sample. */
  seconds: Float64Array;
  thresholds: AnalysisThresholds;
  window: Onsets["window"];
  /** Cores the service could use, when known. */
  serviceCores: number | null;
  /** The CPU numbers the service was pinned to, when it was. */
  serviceCpus?: readonly number[] | undefined;
  /** Link speed to assume for interfaces whose speed the metrics do not give. */
  linkSpeedBitsPerSecond?: number;
}

interface Level {
  resource: ResourceCheck["resource"];
  scope: BottleneckScope;
  rule: string;
  label: string;
  metric: string;
  unit?: ResourceCheck["unit"];
  threshold: number;
  times: ArrayLike<number>;
  values: ArrayLike<number>;
  /** What the level is a share of, for the short text: "of 2 cores". */
  noun: string;
  /** Absolute value behind a level, for the detail text: "1.96 cores". */
  absolute?: (level: number) => string;
}

function formatLevel(level: number, unit: ResourceCheck["unit"]): string {
  return unit === "bytes" ? formatBytes(level) : formatPercent(level);
}

/** Evaluates one level series against its threshold over the evidence window. */
function evaluate(context: CheckContext, level: Level): ResourceCheck | null {
  const unit = level.unit ?? "percent";
  const { fromSeconds, toSeconds } = context.window;
  const windowLevel = quantile(valuesBetween(level.times, level.values, fromSeconds, toSeconds), 0.75);
  const top = peakDuringRun(level.times, level.values);
  if (top === null) return null;
  const saturated = windowLevel !== null && windowLevel >= level.threshold;
  let since: number | null = null;
  if (saturated) {
    since =
      saturationStart(
        level.times,
        level.values,
        level.threshold,
        context.thresholds.sustainedSamples,
        toSeconds,
      ) ?? fromSeconds;
  }
  const absolute = (value: number) => (level.absolute ? ` (${level.absolute(value)})` : "");
  const parts = [
    windowLevel === null
      ? "no sample in the evidence window"
      : `${formatLevel(windowLevel, unit)}${absolute(windowLevel)} over the evidence window`,
    `peak ${formatLevel(top.value, unit)}${absolute(top.value)} at ${formatSeconds(top.at)}`,
  ];
  const verdict = saturated
    ? `at or above ${formatLevel(level.threshold, unit)} from ${formatSeconds(since ?? fromSeconds)}`
    : `under the ${formatLevel(level.threshold, unit)} threshold`;
  return {
    resource: level.resource,
    scope: level.scope,
    rule: level.rule,
    label: level.label,
    metric: level.metric,
    unit,
    threshold: level.threshold,
    windowLevel,
    peakLevel: top.value,
    peakAtSeconds: top.at,
    sinceSeconds: since,
    saturated,
    short: `${windowLevel === null ? "n/a" : formatLevel(windowLevel, unit)} ${level.noun}`,
    detail: `${level.label}: ${parts.join(", ")}; ${verdict}.`,
  };
}

function names(metrics: MetricsData, pattern: RegExp): string[] {
  const found = new Set<string>();
  for (const name of metrics.series.keys()) {
    const match = pattern.exec(name);
    if (match?.[1]) found.add(match[1]);
  }
  return [...found].sort();
}

/** The workers at each metrics sample, from the timeline (NaN outside the run). */
function workersAt(results: LoadResultsInput, seconds: Float64Array): Float64Array {
  const bySecond = new Map<number, number>();
  for (const entry of results.timeline) bySecond.set(Math.round(entry.t), entry.workers);
  return combine(seconds.length, (index) => bySecond.get(Math.round(seconds[index] as number)) ?? Number.NaN);
}

function memoryGrowth(
  context: CheckContext,
  metric: string,
  scope: BottleneckScope,
  label: string,
): ResourceCheck | null {
  const values = context.metrics?.series.get(metric);
  if (!values) return null;
  const { seconds, results, thresholds, window } = context;
  const firstLoaded = results.timeline.find((entry: TimelineEntry) => entry.workers > 0)?.t ?? 0;
  const baseline = quantile(valuesBetween(seconds, values, firstLoaded, firstLoaded + 5), 0.5);
  const atWindow = quantile(valuesBetween(seconds, values, window.fromSeconds, window.toSeconds), 0.75);
  if (baseline === null || atWindow === null || baseline <= 0) return null;
  const growth = ((atWindow - baseline) / baseline) * 100;
  const workers = workersAt(results, seconds);
  const until = combine(values.length, (index) =>
    (seconds[index] as number) <= window.toSeconds ? (values[index] as number) : Number.NaN,
  );
  const related = correlation(until, workers);
  const top = peakDuringRun(seconds, values);
  const saturated = growth >= thresholds.memoryGrowthPercent && related !== null && related >= 0.8;
  return {
    resource: "memory",
    scope,
    rule: "memory-growth",
    label,
    metric,
    unit: "percent",
    threshold: thresholds.memoryGrowthPercent,
    windowLevel: growth,
    peakLevel: top ? ((top.value - baseline) / baseline) * 100 : null,
    peakAtSeconds: top?.at ?? null,
    sinceSeconds: saturated ? firstLoaded : null,
    saturated,
    short: `${formatBytes(atWindow)}, ${growth >= 0 ? "+" : ""}${formatPercent(growth)} since the load began`,
    detail: `${label}: grew from ${formatBytes(baseline)} to ${formatBytes(atWindow)} (${growth >= 0 ? "+" : ""}${formatPercent(growth)}) by the evidence window, correlation with the workers ${related === null ? "n/a" : formatNumber(related, 2)}; ${
      saturated ? "growing steadily with the load" : "not growing steadily with the load"
    }.`,
  };
}

/** The generator's CPU from the results' timeline, against its cores. */
export function generatorCheck(context: CheckContext): ResourceCheck | null {
  const { results, thresholds } = context;
  const cores = results.selfCheck?.cores ?? results.host?.cpus ?? 1;
  const timeline = results.timeline.filter((entry) => typeof entry.generatorCpuPercent === "number");
  if (timeline.length === 0) return null;
  return evaluate(context, {
    resource: "generator",
    scope: "generator",
    rule: "generator-cpu",
    noun: `of its ${formatNumber(cores)} core${cores === 1 ? "" : "s"}`,
    label: `Load generator CPU (${formatNumber(cores)} core${cores === 1 ? "" : "s"})`,
    metric: "timeline.generatorCpuPercent",
    threshold: thresholds.generatorCpuPercent,
    times: timeline.map((entry) => entry.t),
    values: timeline.map((entry) => (entry.generatorCpuPercent as number) / cores),
    absolute: (level) => `${formatNumber((level * cores) / 100, 2)} cores`,
  });
}

/**
 * Every resource check the metrics allow: CPU of the service, its containers and the host; memory
 * near a limit, swapping or growing with the load; disk utilisation and iowait; network against
 * link speed. Checks whose metrics are absent are left out.
 */
export function resourceChecks(context: CheckContext): ResourceCheck[] {
  const { metrics, seconds, thresholds, serviceCores } = context;
  if (!metrics) return [];
  const series = (name: string) => metrics.series.get(name);
  const checks: Array<ResourceCheck | null> = [];
  const level = (spec: Omit<Level, "times">) => checks.push(evaluate(context, { ...spec, times: seconds }));

  const processCpu = series("process.cpu.percent");
  if (processCpu && serviceCores !== null) {
    level({
      resource: "cpu",
      scope: "service",
      rule: "cpu-cores",
      noun: `of its ${formatNumber(serviceCores)} core${serviceCores === 1 ? "" : "s"}`,
      label: `Service CPU (process tree, ${formatNumber(serviceCores)} core${serviceCores === 1 ? "" : "s"})`,
      metric: "process.cpu.percent",
      threshold: thresholds.cpuPercent,
      values: combine(processCpu.length, (index) => (processCpu[index] as number) / serviceCores),
      absolute: (percent) => `${formatNumber((percent * serviceCores) / 100, 2)} cores`,
    });
  }
  if (processCpu && (serviceCores === null || serviceCores > 1)) {
    level({
      resource: "cpu",
      scope: "service",
      rule: "cpu-single-core",
      noun: "of one core, the most a single-threaded process can use",
      label: "Service CPU on one core (a single-threaded process is bound by one core)",
      metric: "process.cpu.percent",
      threshold: thresholds.singleCorePercent,
      // Above 110% the tree used more than one core: not single-core bound, so those samples do not count.
      values: combine(processCpu.length, (index) => {
        const value = processCpu[index] as number;
        return value > 110 ? Number.NaN : Math.min(value, 100);
      }),
    });
  }
  const pinned = context.serviceCpus ?? [];
  const pinnedSeries = pinned.map((cpu) => series(`host.cpu.core.${cpu}.percent`));
  if (pinned.length > 0 && pinnedSeries.every((values) => values !== undefined)) {
    const list = pinned.join(",");
    const plural = pinned.length === 1 ? "" : "s";
    level({
      resource: "cpu",
      scope: "service",
      rule: "cpu-pinned-cores",
      noun: `of its pinned core${plural} (cpu ${list}), shared with other processes`,
      label: `The service's pinned core${plural} (cpu ${list}), busy with any process while the service used a quarter or more (its own share otherwise)`,
      metric: pinned.map((cpu) => `host.cpu.core.${cpu}.percent`).join(" + "),
      threshold: thresholds.cpuPercent,
      // The cores' busy share where the service itself used a quarter of them or more (a CPU-bound service
      // squeezed by others still does), its own share elsewhere: cores full of other processes' work
      // while it idled did not limit it.
      values: combine((pinnedSeries[0] as Float64Array).length, (index) => {
        const own = processCpu?.[index] ?? Number.NaN;
        if (!Number.isFinite(own)) return Number.NaN;
        if (own < 25 * pinned.length) return own / pinned.length;
        let sum = 0;
        for (const values of pinnedSeries) sum += (values as Float64Array)[index] as number;
        return sum / pinned.length;
      }),
    });
  }
  const hostCores = lastFinite(series("host.cpu.count"));
  for (const name of names(metrics, /^container\.([^.]+)\.cpu\.percent$/)) {
    const cpu = series(`container.${name}.cpu.percent`) as Float64Array;
    const limit = lastFinite(series(`container.${name}.cpu.limit`));
    const cores = limit ?? serviceCores ?? hostCores;
    if (cores === null || cores <= 0) continue;
    level({
      resource: "cpu",
      scope: "container",
      rule: "cpu-cores",
      noun: `of its ${formatNumber(cores, limit !== null ? 2 : 0)} core${cores === 1 ? "" : "s"}`,
      label: `Container ${name} CPU (${limit !== null ? `quota ${formatNumber(limit, 2)}` : formatNumber(cores)} cores)`,
      metric: `container.${name}.cpu.percent`,
      threshold: thresholds.cpuPercent,
      values: combine(cpu.length, (index) => (cpu[index] as number) / cores),
      absolute: (percent) => `${formatNumber((percent * cores) / 100, 2)} cores`,
    });
  }
  const hostCpu = series("host.cpu.percent");
  if (hostCpu) {
    level({
      resource: "cpu",
      scope: "host",
      rule: "cpu-cores",
      noun: hostCores !== null ? `of its ${formatNumber(hostCores)} cores` : "of its cores",
      label: `Host CPU${hostCores !== null ? ` (${formatNumber(hostCores)} cores)` : ""}`,
      metric: "host.cpu.percent",
      threshold: thresholds.cpuPercent,
      values: hostCpu,
    });
  }

  for (const name of names(metrics, /^container\.([^.]+)\.mem\.usage$/)) {
    const usage = series(`container.${name}.mem.usage`) as Float64Array;
    const limits = series(`container.${name}.mem.limit`);
    const limit = lastFinite(limits);
    if (limits && limit !== null && limit > 0) {
      level({
        resource: "memory",
        scope: "container",
        rule: "memory-limit",
        noun: `of its ${formatBytes(limit)} limit`,
        label: `Container ${name} memory (limit ${formatBytes(limit)})`,
        metric: `container.${name}.mem.usage`,
        threshold: thresholds.memoryLimitPercent,
        values: combine(
          usage.length,
          (index) => ((usage[index] as number) / ((limits[index] as number) || limit)) * 100,
        ),
        absolute: (percent) => formatBytes((percent * limit) / 100),
      });
    }
    checks.push(
      memoryGrowth(context, `container.${name}.mem.usage`, "container", `Container ${name} memory growth`),
    );
  }
  const memoryPercent = series("host.mem.percent");
  const memoryUsed = series("host.mem.used");
  const memoryTotal = series("host.mem.total");
  const hostMemory =
    memoryPercent ??
    (memoryUsed && memoryTotal
      ? combine(
          memoryUsed.length,
          (index) => ((memoryUsed[index] as number) / (memoryTotal[index] as number)) * 100,
        )
      : undefined);
  if (hostMemory) {
    const total = lastFinite(memoryTotal);
    level({
      resource: "memory",
      scope: "host",
      rule: "memory-host",
      noun: total !== null ? `of ${formatBytes(total)}` : "of its memory",
      label: `Host memory${total !== null ? ` (${formatBytes(total)})` : ""}`,
      metric: memoryPercent ? "host.mem.percent" : "host.mem.used / host.mem.total",
      threshold: thresholds.hostMemoryPercent,
      values: hostMemory,
      ...(total !== null ? { absolute: (percent: number) => formatBytes((percent * total) / 100) } : {}),
    });
  }
  const swap = series("host.swap.used");
  if (swap) {
    const startValue = quantile(valuesBetween(seconds, swap, Number.NEGATIVE_INFINITY, 5), 0.5) ?? 0;
    level({
      resource: "memory",
      scope: "host",
      rule: "swap",
      noun: "more swap in use than at the start",
      label: "Host swap growth since the start",
      metric: "host.swap.used",
      unit: "bytes",
      threshold: thresholds.swapGrowthBytes,
      values: combine(swap.length, (index) => (swap[index] as number) - startValue),
    });
  }
  if (series("process.rss")) {
    checks.push(memoryGrowth(context, "process.rss", "service", "Service memory growth (process tree RSS)"));
  }

  for (const device of names(metrics, /^host\.disk\.([^.]+)\.util$/)) {
    level({
      resource: "disk",
      scope: "host",
      rule: "disk-util",
      noun: `busy (disk ${device})`,
      label: `Disk ${device} utilisation`,
      metric: `host.disk.${device}.util`,
      threshold: thresholds.diskUtilPercent,
      values: series(`host.disk.${device}.util`) as Float64Array,
    });
  }
  const iowait = series("host.cpu.iowait");
  if (iowait) {
    level({
      resource: "disk",
      scope: "host",
      rule: "iowait",
      noun: "of CPU time waiting for I/O",
      label: "Host iowait",
      metric: "host.cpu.iowait",
      threshold: thresholds.iowaitPercent,
      values: iowait,
    });
  }

  for (const iface of names(metrics, /^host\.net\.([^.]+)\.(?:rx|tx)_bytes$/)) {
    const speed =
      lastFinite(series(`host.net.${iface}.speed`)) ??
      (iface === "lo" ? null : (context.linkSpeedBitsPerSecond ?? null));
    if (speed === null || speed <= 0) continue;
    const received = series(`host.net.${iface}.rx_bytes`);
    const sent = series(`host.net.${iface}.tx_bytes`);
    const length = (received ?? sent)?.length ?? 0;
    level({
      resource: "network",
      scope: "host",
      rule: "network-link",
      noun: `of the ${iface} link, ${formatBitsPerSecond(speed)}`,
      label: `Network ${iface} (link ${formatBitsPerSecond(speed)})`,
      metric: `host.net.${iface}.rx_bytes / tx_bytes`,
      threshold: thresholds.networkPercent,
      values: combine(length, (index) => {
        const inbound = received?.[index] ?? Number.NaN;
        const outbound = sent?.[index] ?? Number.NaN;
        const busiest =
          Number.isFinite(inbound) && Number.isFinite(outbound)
            ? Math.max(inbound, outbound)
            : Number.isFinite(inbound)
              ? inbound
              : outbound;
        return ((busiest * 8) / speed) * 100;
      }),
      absolute: (percent) => formatBitsPerSecond((percent * speed) / 100),
    });
  }
  return checks.filter((check): check is ResourceCheck => check !== null);
}
