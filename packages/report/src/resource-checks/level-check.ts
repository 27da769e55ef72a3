import type { AnalysisThresholds, BottleneckScope, Onsets, ResourceCheck } from "../analysis-types.js";
import { formatBytes, formatPercent, formatSeconds } from "../format.js";
import type { LoadResultsInput, MetricsData } from "../inputs/types.js";
import { peakDuringRun, quantile, saturationStart, valuesBetween } from "../series-math.js";

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

export interface Level {
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
export function evaluate(context: CheckContext, level: Level): ResourceCheck | null {
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

/** The distinct first captures of `pattern` over the metric names, sorted. */
export function names(metrics: MetricsData, pattern: RegExp): string[] {
  const found = new Set<string>();
  for (const name of metrics.series.keys()) {
    const match = pattern.exec(name);
    if (match?.[1]) found.add(match[1]);
  }
  return [...found].sort();
}

/** The checks of one run, in the order they are added, with the metric series they read. */
export class CheckList {
  readonly checks: Array<ResourceCheck | null> = [];

  constructor(
    readonly context: CheckContext,
    readonly metrics: MetricsData,
  ) {}

  series(name: string): Float64Array | undefined {
    return this.metrics.series.get(name);
  }

  /** Evaluates a level over the metrics' samples and adds it. */
  level(spec: Omit<Level, "times">): void {
    this.checks.push(evaluate(this.context, { ...spec, times: this.context.seconds }));
  }

  add(check: ResourceCheck | null): void {
    this.checks.push(check);
  }
}
