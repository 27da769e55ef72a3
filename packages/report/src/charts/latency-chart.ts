import { ChartBuilder, COLORS, constant } from "./chart-builder.js";
import type { ChartContext } from "./chart-context.js";
import type { ChartSpec } from "./chart-types.js";

/** Latency percentiles per second, the generator's event-loop delay and the latency objective. */
export function latencyChart({ timeline, t, fromTimeline, maxPoints, analysis }: ChartContext): ChartSpec {
  const latency = new ChartBuilder(maxPoints);
  for (const key of ["p50", "p90", "p95", "p99", "max"] as const) {
    latency.add({
      name: key,
      group: "latency",
      color: COLORS.latency[key],
      x: t,
      y: fromTimeline((i) => timeline[i]?.latency?.[key]),
      unit: "ms",
      hidden: key === "max",
    });
  }
  // The generator's own delay, in the same unit: when it nears the request latency, part of that
  // latency is the generator's, not the service's.
  if (timeline.some((entry) => typeof entry.eventLoopDelayMs === "number")) {
    latency.add({
      name: "generator event-loop delay p99",
      group: "generator",
      color: COLORS.generator[0] as string,
      x: t,
      y: fromTimeline((i) => timeline[i]?.eventLoopDelayMs),
      dash: "dot",
      unit: "ms",
    });
  }
  const objective = analysis.capacity.latencyObjective;
  if (objective && t.length > 0) {
    latency.add({
      name: `${objective.percentile} objective`,
      group: "objective",
      color: COLORS.tolerance,
      x: t,
      y: constant(t.length, objective.thresholdMs),
      dash: "dash",
      unit: "ms",
    });
  }
  return {
    id: "chart-latency",
    title: "Latency",
    description:
      "HTTP request latency percentiles per second, and the load generator's own event-loop delay (p99): when it nears the request latency, the generator is adding to it.",
    yTitle: "milliseconds",
    traces: latency.traces,
  };
}
