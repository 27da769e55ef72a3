import { ChartBuilder, COLORS, names } from "./chart-builder.js";
import type { ChartContext } from "./chart-context.js";
import type { ChartSpec } from "./chart-types.js";

/** The service's, its containers' and the generator's memory against the limits. */
function addProcessMemory(
  memory: ChartBuilder,
  { metrics, timeline, t, x, series, fromTimeline }: ChartContext,
) {
  const rss = series("process.rss");
  if (rss)
    memory.add({
      name: "service RSS",
      group: "service",
      color: COLORS.service[0] as string,
      x,
      y: rss,
      unit: "bytes",
    });
  (metrics ? names(metrics, /^container\.([^.]+)\.mem\.usage$/) : []).forEach((name, index) => {
    const group = `container:${name}`;
    const color = COLORS.container[index % COLORS.container.length] as string;
    memory.add({
      name: `${name} memory`,
      group,
      groupTitle: `Container ${name}`,
      color,
      x,
      y: series(`container.${name}.mem.usage`) as Float64Array,
      unit: "bytes",
    });
    const limit = series(`container.${name}.mem.limit`);
    if (limit)
      memory.add({ name: `${name} memory limit`, group, color, x, y: limit, dash: "dash", unit: "bytes" });
  });
  if (timeline.some((entry) => typeof entry.generatorRssBytes === "number")) {
    memory.add({
      name: "generator RSS",
      group: "generator",
      color: COLORS.generator[0] as string,
      x: t,
      y: fromTimeline((i) => timeline[i]?.generatorRssBytes),
      unit: "bytes",
    });
  }
}

/**
 * Bytes in use. The generator's memory comes from the results, so this chart is drawn even without
 * metrics; none without any data.
 */
export function memoryChart(context: ChartContext): ChartSpec | undefined {
  const { x, series } = context;
  const memory = new ChartBuilder(context.maxPoints);
  addProcessMemory(memory, context);
  // The host's gigabytes on their own (right) axis: against them the service's growth draws a flat line.
  const ownScale = memory.traces.length > 0;
  for (const [metric, label, index, dash] of [
    ["host.mem.used", "host used", 0, undefined],
    ["host.mem.total", "host total", 2, "dash"],
    ["host.swap.used", "swap used", 3, undefined],
  ] as const) {
    const values = series(metric);
    if (values)
      memory.add({
        name: label,
        group: "host",
        color: COLORS.host[index] as string,
        x,
        y: values,
        unit: "bytes",
        secondary: ownScale,
        ...(dash ? { dash } : {}),
      });
  }
  if (memory.traces.length === 0) return undefined;
  const hostApart = memory.traces.some((trace) => trace.yaxis === "y2");
  return {
    id: "chart-memory",
    title: "Memory",
    description: hostApart
      ? "Bytes in use by the service, its containers and the generator (left), the host's (right), against the limits (dashed)."
      : "Bytes in use, against the limits (dashed).",
    yTitle: "bytes",
    ...(hostApart ? { y2Title: "bytes (host)" } : {}),
    traces: memory.traces,
  };
}
