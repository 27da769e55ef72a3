import { isPartialSecond } from "../saturation.js";
import { ChartBuilder, COLORS } from "./chart-builder.js";
import type { ChartContext } from "./chart-context.js";
import type { ChartSpec } from "./chart-types.js";

/**
 * A run of the arrival-rate model: the target rate, the achieved rate (left) and the runs dropped
 * (right) per second, on the timeline's seconds. Undefined for a run of the workers model.
 */
export function rateChart({
  results,
  timeline,
  t,
  fromTimeline,
  maxPoints,
}: ChartContext): ChartSpec | undefined {
  if (results.arrivalRate === undefined) return undefined;
  const rates = new ChartBuilder(maxPoints);
  rates.add({
    name: "target rate",
    group: "rate",
    color: COLORS.rate.target,
    x: t,
    y: fromTimeline((i) => timeline[i]?.targetRate),
    unit: "runs/s",
    dash: "dash",
  });
  // A partial closing second's achieved rate is a few runs extrapolated to a second: not drawn.
  rates.add({
    name: "achieved rate",
    group: "rate",
    color: COLORS.rate.achieved,
    x: t,
    y: fromTimeline((i) => {
      const entry = timeline[i];
      return entry && !(i === timeline.length - 1 && isPartialSecond(entry)) ? entry.achievedRate : undefined;
    }),
    unit: "runs/s",
  });
  rates.add({
    name: "dropped runs",
    group: "rate",
    color: COLORS.rate.dropped,
    x: t,
    y: fromTimeline((i) => timeline[i]?.droppedRuns),
    unit: "runs",
    secondary: true,
  });
  return {
    id: "chart-rate",
    title: "Target vs achieved rate",
    description:
      "Scenario runs per second the schedule planned and that ended (left), and runs dropped for want of a free worker (right).",
    yTitle: "scenario runs/s",
    y2Title: "dropped runs",
    y2Counts: true,
    traces: rates.traces,
  };
}
