import type { BottleneckScope, ResourceCheck } from "../analysis-types.js";
import { formatBytes, formatNumber, formatPercent } from "../format.js";
import type { LoadResultsInput, TimelineEntry } from "../inputs/types.js";
import { secondOfSample } from "../run-seconds.js";
import { combine, correlation, lastFinite, peakDuringRun, quantile, valuesBetween } from "../series-math.js";
import { type CheckContext, type CheckList, names } from "./level-check.js";

/** The workers at each metrics sample, from the timeline (NaN outside the run). */
function workersAt(results: LoadResultsInput, seconds: Float64Array): Float64Array {
  const bySecond = new Map<number, number>();
  for (const entry of results.timeline) bySecond.set(Math.round(entry.t), entry.workers);
  return combine(
    seconds.length,
    (index) => bySecond.get(secondOfSample(seconds[index] as number)) ?? Number.NaN,
  );
}

/** Memory that grew with the load since it began (a leak or a per-worker cost). */
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

/** Each container's memory against its limit, and its growth. */
function containerMemoryChecks(list: CheckList): void {
  const { context, metrics } = list;
  const { thresholds } = context;
  const series = (name: string) => list.series(name);
  for (const name of names(metrics, /^container\.([^.]+)\.mem\.usage$/)) {
    const usage = series(`container.${name}.mem.usage`) as Float64Array;
    const limits = series(`container.${name}.mem.limit`);
    const limit = lastFinite(limits);
    if (limits && limit !== null && limit > 0) {
      list.level({
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
    list.add(
      memoryGrowth(context, `container.${name}.mem.usage`, "container", `Container ${name} memory growth`),
    );
  }
}

/** The host's memory and swap, and the service's growth. */
function hostMemoryChecks(list: CheckList): void {
  const { context } = list;
  const { thresholds, seconds } = context;
  const series = (name: string) => list.series(name);
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
    list.level({
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
    list.level({
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
    list.add(memoryGrowth(context, "process.rss", "service", "Service memory growth (process tree RSS)"));
  }
}

/** The memory checks: near a limit, swapping or growing with the load. */
export function memoryChecks(list: CheckList): void {
  containerMemoryChecks(list);
  hostMemoryChecks(list);
}
