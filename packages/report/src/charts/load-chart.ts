import { isPartialSecond } from "../saturation.js";
import { ChartBuilder, COLORS } from "./chart-builder.js";
import type { ChartContext } from "./chart-context.js";
import type { ChartSpec } from "./chart-types.js";

/** Workers (left) and throughput (right) per second. */
export function loadChart({ timeline, t, fromTimeline, maxPoints }: ChartContext): ChartSpec {
  const load = new ChartBuilder(maxPoints);
  load.add({
    name: "workers",
    group: "load",
    color: COLORS.workers,
    x: t,
    y: fromTimeline((i) => timeline[i]?.workers),
    unit: "workers",
    step: true,
  });
  // A partial closing second's throughput is extrapolated from a fraction of a second: not drawn.
  load.add({
    name: "throughput",
    group: "load",
    color: COLORS.throughput,
    x: t,
    y: fromTimeline((i) => {
      const entry = timeline[i];
      return entry && !(i === timeline.length - 1 && isPartialSecond(entry)) ? entry.throughput : undefined;
    }),
    unit: "req/s",
    secondary: true,
  });
  return {
    id: "chart-load",
    title: "Workers and throughput",
    description: "Concurrent workers (left) and HTTP requests per second (right).",
    yTitle: "workers",
    yCounts: true,
    y2Title: "requests/s",
    traces: load.traces,
  };
}
