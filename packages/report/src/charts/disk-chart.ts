import { ChartBuilder, COLORS, names, READ_WRITE } from "./chart-builder.js";
import type { ChartContext } from "./chart-context.js";
import type { ChartSpec } from "./chart-types.js";

/** Bytes read and written per second (left), utilisation and iowait (right); none without data. */
export function diskChart({
  metrics,
  maxPoints,
  x,
  series,
  addDirections,
}: ChartContext): ChartSpec | undefined {
  if (!metrics) return undefined;
  const disk = new ChartBuilder(maxPoints);
  for (const [metric, label, color] of [
    ["process.read_bytes", "service read", COLORS.service[0]],
    ["process.write_bytes", "service write", COLORS.service[2]],
  ] as const) {
    const values = series(metric);
    if (values)
      disk.add({ name: label, group: "service", color: color as string, x, y: values, unit: "B/s" });
  }
  names(metrics, /^container\.([^.]+)\.io\.read_bytes$/).forEach((name, index) => {
    addDirections(disk, `container.${name}.io`, READ_WRITE, {
      subject: name,
      group: `container:${name}`,
      groupTitle: `Container ${name}`,
      color: COLORS.container[index % COLORS.container.length] as string,
      unit: "B/s",
    });
  });
  names(metrics, /^host\.disk\.([^.]+)\.(?:read_bytes|write_bytes|util)$/).forEach((device, index) => {
    const color = COLORS.host[index % COLORS.host.length] as string;
    const hidden = index > 1;
    addDirections(disk, `host.disk.${device}`, READ_WRITE, {
      subject: device,
      group: "host",
      color,
      unit: "B/s",
      hidden,
    });
    const util = series(`host.disk.${device}.util`);
    if (util)
      disk.add({
        name: `${device} utilisation`,
        group: "host",
        color,
        x,
        y: util,
        dash: "dashdot",
        secondary: true,
        unit: "%",
        hidden,
      });
  });
  const iowait = series("host.cpu.iowait");
  if (iowait)
    disk.add({
      name: "iowait",
      group: "host",
      color: COLORS.failed,
      x,
      y: iowait,
      secondary: true,
      unit: "%",
    });
  if (disk.traces.length === 0) return undefined;
  return {
    id: "chart-disk",
    title: "Disk I/O",
    description: "Bytes read and written per second (left); utilisation and iowait (right).",
    yTitle: "bytes/s",
    y2Title: "%",
    traces: disk.traces,
  };
}
