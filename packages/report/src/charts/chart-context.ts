import type { Analysis } from "../analysis-types.js";
import { runStartMs } from "../analyze.js";
import type { LoadResultsInput, MetricsData, TimelineEntry } from "../inputs/types.js";
import { perRunSecond } from "../run-seconds.js";
import { lastFinite } from "../series-math.js";
import type { ChartBuilder, Directions, TraceInput } from "./chart-builder.js";

/** What every chart reads: the run, its two time axes and the series by name. */
export interface ChartContext {
  results: LoadResultsInput;
  metrics: MetricsData | undefined;
  analysis: Analysis;
  maxPoints: number;
  timeline: TimelineEntry[];
  /** The timeline's seconds. */
  t: number[];
  /**
   * The x of every trace: the timeline's seconds. The metrics are drawn on them too (`series`), so
   * that a hover label holds the values of one second.
   */
  x: number[];
  /** The host's cores: the metrics' count, else the service's cores from the analysis. */
  hostCores: number | null;
  /** One value per timeline second, NaN where `pick` has none. */
  fromTimeline: (pick: (index: number) => number | undefined) => Float64Array;
  /** A metric per timeline second: the mean of its samples in that second ({@link perRunSecond}). */
  series: (name: string) => Float64Array | undefined;
  /** Adds the two directions of `<prefix>.<field>` (read/write, in/out) that exist, the second dotted. */
  addDirections: (
    builder: ChartBuilder,
    prefix: string,
    directions: Directions,
    trace: Omit<TraceInput, "name" | "x" | "y" | "dash"> & { subject: string },
  ) => void;
}

/** The context of one `buildCharts` call. */
export function chartContext(
  results: LoadResultsInput,
  metrics: MetricsData | undefined,
  analysis: Analysis,
  maxPoints: number,
): ChartContext {
  const timeline = results.timeline;
  const start = runStartMs(results);
  const t = timeline.map((entry) => entry.t);
  const sampleSeconds = Float64Array.from(metrics?.times ?? [], (time) => (time - start) / 1000);
  const bySecond = new Map<string, Float64Array>();
  const series = (name: string) => {
    const samples = metrics?.series.get(name);
    if (!samples) return undefined;
    let values = bySecond.get(name);
    if (!values) {
      values = perRunSecond(sampleSeconds, samples, t);
      bySecond.set(name, values);
    }
    return values;
  };
  return {
    results,
    metrics,
    analysis,
    maxPoints,
    timeline,
    t,
    x: t,
    hostCores: lastFinite(metrics?.series.get("host.cpu.count")) ?? analysis.serviceCores?.count ?? null,
    fromTimeline: (pick) => Float64Array.from(timeline, (_, index) => pick(index) ?? Number.NaN),
    series,
    addDirections: (builder, prefix, directions, trace) => {
      const { subject, ...common } = trace;
      directions.forEach(([field, label], index) => {
        const values = series(`${prefix}.${field}`);
        if (values)
          builder.add({
            ...common,
            name: `${subject} ${label}`,
            x: t,
            y: values,
            ...(index === 1 ? { dash: "dot" as const } : {}),
          });
      });
    },
  };
}
