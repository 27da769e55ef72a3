import { ChartBuilder, COLORS, constant } from "./chart-builder.js";
import type { ChartContext } from "./chart-context.js";
import type { ChartSpec } from "./chart-types.js";

/** Failed runs per second (left) and the error ratio against the tolerance (right). */
export function errorsChart({ timeline, t, fromTimeline, maxPoints, analysis }: ChartContext): ChartSpec {
  const errors = new ChartBuilder(maxPoints);
  errors.add({
    name: "failed runs/s",
    group: "errors",
    color: COLORS.failed,
    x: t,
    y: fromTimeline((i) => timeline[i]?.failed),
    unit: "runs/s",
  });
  errors.add({
    name: "error ratio",
    group: "errors",
    color: COLORS.ratio,
    x: t,
    y: fromTimeline((i) => {
      const entry = timeline[i];
      if (!entry) return undefined;
      const runs = entry.ok + entry.failed;
      return runs === 0 ? 0 : (entry.failed / runs) * 100;
    }),
    unit: "%",
    secondary: true,
  });
  if (t.length > 0) {
    errors.add({
      name: `tolerance ${analysis.capacity.tolerancePercent}%`,
      group: "errors",
      color: COLORS.tolerance,
      x: t,
      y: constant(t.length, analysis.capacity.tolerancePercent),
      dash: "dash",
      unit: "%",
      secondary: true,
    });
  }
  return {
    id: "chart-errors",
    title: "Errors",
    description: "Failed scenario runs per second (left) and the error ratio against the tolerance (right).",
    yTitle: "failed runs/s",
    y2Title: "error ratio %",
    traces: errors.traces,
  };
}
