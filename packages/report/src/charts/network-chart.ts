import { ChartBuilder, COLORS, IN_OUT, names, scaled } from "./chart-builder.js";
import type { ChartContext } from "./chart-context.js";
import type { ChartSpec } from "./chart-types.js";

/** Bytes per second in and out, against the link speed where known; none without data. */
export function networkChart({
  metrics,
  maxPoints,
  x,
  series,
  addDirections,
}: ChartContext): ChartSpec | undefined {
  if (!metrics) return undefined;
  const network = new ChartBuilder(maxPoints);
  names(metrics, /^container\.([^.]+)\.net\.(?:rx|tx)_bytes$/).forEach((name, index) => {
    addDirections(network, `container.${name}.net`, IN_OUT, {
      subject: name,
      group: `container:${name}`,
      groupTitle: `Container ${name}`,
      color: COLORS.container[index % COLORS.container.length] as string,
      unit: "B/s",
    });
  });
  names(metrics, /^host\.net\.([^.]+)\.(?:rx|tx)_bytes$/).forEach((iface, index) => {
    const color = COLORS.host[index % COLORS.host.length] as string;
    const hidden = iface === "lo" || index > 3;
    addDirections(network, `host.net.${iface}`, IN_OUT, {
      subject: iface,
      group: "host",
      color,
      unit: "B/s",
      hidden,
    });
    const speed = series(`host.net.${iface}.speed`);
    if (speed)
      network.add({
        name: `${iface} link speed`,
        group: "host",
        color,
        x,
        y: scaled(speed, 1 / 8),
        dash: "dash",
        unit: "B/s",
        hidden,
      });
  });
  if (network.traces.length === 0) return undefined;
  return {
    id: "chart-network",
    title: "Network",
    description: "Bytes per second in and out, against the link speed (dashed) where known.",
    yTitle: "bytes/s",
    traces: network.traces,
  };
}
