import type { Analysis } from "./analysis-types.js";
import { runStartMs } from "./analyze.js";
import { downsampleMinMax } from "./downsample.js";
import type { LoadResultsInput, MetricsData } from "./inputs/types.js";
import { isPartialSecond } from "./saturation.js";
import { lastFinite } from "./series-math.js";

/** One plotly trace, as serialised into the report. */
export interface ChartTrace {
  type: "scatter";
  mode: "lines";
  name: string;
  x: number[];
  y: Array<number | null>;
  legendgroup: string;
  legendgrouptitle?: { text: string };
  yaxis?: "y2";
  line: { color: string; width?: number; dash?: "dash" | "dot" | "dashdot"; shape?: "hv" };
  visible?: "legendonly";
  hovertemplate?: string;
}

/** One chart of the report: a title, its traces, the axis titles. */
export interface ChartSpec {
  id: string;
  title: string;
  /** What the chart is for, in one line under its title. */
  description: string;
  yTitle: string;
  y2Title?: string;
  traces: ChartTrace[];
}

const COLORS = {
  workers: "#475569",
  throughput: "#2563eb",
  failed: "#dc2626",
  ratio: "#ea580c",
  tolerance: "#b91c1c",
  service: ["#2563eb", "#1d4ed8", "#60a5fa", "#1e40af"],
  container: ["#7c3aed", "#a78bfa", "#6d28d9", "#c4b5fd"],
  host: ["#0f766e", "#14b8a6", "#115e59", "#5eead4", "#0d9488", "#99f6e4"],
  generator: ["#ea580c", "#fb923c"],
  latency: { p50: "#16a34a", p90: "#ca8a04", p95: "#ea580c", p99: "#dc2626", max: "#7f1d1d" },
};

/** Above this many cores, per-core traces are left out (the busiest core stays). */
const MAX_CORE_TRACES = 8;

const GROUP_TITLE: Record<string, string> = {
  load: "Load",
  service: "Service (process tree)",
  host: "Host",
  generator: "Load generator",
  latency: "Latency",
  errors: "Errors",
  objective: "Objective",
};

/** Rounds for a compact, deterministic JSON: integers above 1000, three decimals below. */
function compact(value: number | null): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  return Math.abs(value) >= 1000 ? Math.round(value) : Math.round(value * 1000) / 1000;
}

interface TraceInput {
  name: string;
  group: string;
  groupTitle?: string;
  color: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  dash?: "dash" | "dot" | "dashdot";
  secondary?: boolean;
  hidden?: boolean;
  unit: string;
  step?: boolean;
}

class ChartBuilder {
  readonly traces: ChartTrace[] = [];
  private readonly titled = new Set<string>();

  constructor(private readonly maxPoints: number) {}

  add(input: TraceInput): void {
    let hasValue = false;
    for (let index = 0; index < input.y.length; index++) {
      if (Number.isFinite(input.y[index] as number)) {
        hasValue = true;
        break;
      }
    }
    if (!hasValue) return;
    const sampled = downsampleMinMax(input.x, input.y, this.maxPoints);
    const trace: ChartTrace = {
      type: "scatter",
      mode: "lines",
      name: input.name,
      x: sampled.x.map((value) => compact(value) as number),
      y: sampled.y.map(compact),
      legendgroup: input.group,
      line: {
        color: input.color,
        width: input.dash ? 1.5 : 2,
        ...(input.dash ? { dash: input.dash } : {}),
        ...(input.step ? { shape: "hv" as const } : {}),
      },
      hovertemplate: `%{y:,.4~g} ${input.unit}<extra>${input.name}</extra>`,
    };
    if (!this.titled.has(input.group)) {
      this.titled.add(input.group);
      trace.legendgrouptitle = { text: input.groupTitle ?? GROUP_TITLE[input.group] ?? input.group };
    }
    if (input.secondary) trace.yaxis = "y2";
    if (input.hidden) trace.visible = "legendonly";
    this.traces.push(trace);
  }
}

/** The two directions of a disk or network metric: the metric's last part and its label. */
type Directions = readonly [readonly [field: string, label: string], readonly [field: string, label: string]];
const READ_WRITE: Directions = [
  ["read_bytes", "read"],
  ["write_bytes", "write"],
];
const IN_OUT: Directions = [
  ["rx_bytes", "in"],
  ["tx_bytes", "out"],
];

function constant(length: number, value: number): Float64Array {
  return new Float64Array(length).fill(value);
}

function names(metrics: MetricsData, pattern: RegExp): string[] {
  const found = new Set<string>();
  for (const name of metrics.series.keys()) {
    const match = pattern.exec(name);
    if (match?.[1]) found.add(match[1]);
  }
  return [...found].sort((left, right) => left.localeCompare(right, "en", { numeric: true }));
}

function scaled(values: Float64Array, factor: number): Float64Array {
  return values.map((value) => value * factor);
}

/**
 * The charts of the report, all on one time axis (seconds since the start of the run): load,
 * errors, latency, then CPU, memory, disk and network of the service, its containers, the host and
 * the load generator. Charts without data are left out. Series longer than `maxPoints` are reduced
 * with min/max buckets, which keeps the peaks.
 */
export function buildCharts(
  results: LoadResultsInput,
  metrics: MetricsData | undefined,
  analysis: Analysis,
  maxPoints = 800,
): ChartSpec[] {
  const charts: ChartSpec[] = [];
  const timeline = results.timeline;
  const t = timeline.map((entry) => entry.t);
  const fromTimeline = (pick: (index: number) => number | undefined) =>
    Float64Array.from(timeline, (_, index) => pick(index) ?? Number.NaN);

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
  charts.push({
    id: "chart-load",
    title: "Workers and throughput",
    description: "Concurrent workers (left) and HTTP requests per second (right).",
    yTitle: "workers",
    y2Title: "requests/s",
    traces: load.traces,
  });

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
      x: [t[0] as number, t[t.length - 1] as number],
      y: [analysis.capacity.tolerancePercent, analysis.capacity.tolerancePercent],
      dash: "dash",
      unit: "%",
      secondary: true,
    });
  }
  charts.push({
    id: "chart-errors",
    title: "Errors",
    description: "Failed scenario runs per second (left) and the error ratio against the tolerance (right).",
    yTitle: "failed runs/s",
    y2Title: "error ratio %",
    traces: errors.traces,
  });

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
      x: [t[0] as number, t[t.length - 1] as number],
      y: [objective.thresholdMs, objective.thresholdMs],
      dash: "dash",
      unit: "ms",
    });
  }
  charts.push({
    id: "chart-latency",
    title: "Latency",
    description:
      "HTTP request latency percentiles per second, and the load generator's own event-loop delay (p99): when it nears the request latency, the generator is adding to it.",
    yTitle: "milliseconds",
    traces: latency.traces,
  });

  const cpu = new ChartBuilder(maxPoints);
  const generatorCores = results.selfCheck?.cores ?? results.host?.cpus;
  const start = runStartMs(results);
  const x = metrics ? Float64Array.from(metrics.times, (time) => (time - start) / 1000) : new Float64Array(0);
  const series = (name: string) => metrics?.series.get(name);
  /** Adds the two directions of `<prefix>.<field>` (read/write, in/out) that exist, the second dotted. */
  const addDirections = (
    builder: ChartBuilder,
    prefix: string,
    directions: Directions,
    trace: Omit<TraceInput, "name" | "x" | "y" | "dash"> & { subject: string },
  ) => {
    const { subject, ...common } = trace;
    directions.forEach(([field, label], index) => {
      const values = series(`${prefix}.${field}`);
      if (values)
        builder.add({
          ...common,
          name: `${subject} ${label}`,
          x,
          y: values,
          ...(index === 1 ? { dash: "dot" as const } : {}),
        });
    });
  };
  const hostCores = lastFinite(series("host.cpu.count")) ?? analysis.serviceCores?.count ?? null;
  if (metrics) {
    const processCpu = series("process.cpu.percent");
    if (processCpu)
      cpu.add({
        name: "service CPU",
        group: "service",
        color: COLORS.service[0] as string,
        x,
        y: scaled(processCpu, 0.01),
        unit: "cores",
      });
    names(metrics, /^container\.([^.]+)\.cpu\.percent$/).forEach((name, index) => {
      const group = `container:${name}`;
      const color = COLORS.container[index % COLORS.container.length] as string;
      cpu.add({
        name: `${name} CPU`,
        group,
        groupTitle: `Container ${name}`,
        color,
        x,
        y: scaled(series(`container.${name}.cpu.percent`) as Float64Array, 0.01),
        unit: "cores",
      });
      const limit = series(`container.${name}.cpu.limit`);
      if (limit)
        cpu.add({ name: `${name} CPU quota`, group, color, x, y: limit, dash: "dash", unit: "cores" });
    });
    const hostCpu = series("host.cpu.percent");
    if (hostCpu && hostCores !== null) {
      cpu.add({
        name: "host CPU",
        group: "host",
        color: COLORS.host[0] as string,
        x,
        y: scaled(hostCpu, hostCores / 100),
        unit: "cores",
      });
      cpu.add({
        name: `host cores (${hostCores})`,
        group: "host",
        color: COLORS.host[2] as string,
        x,
        y: constant(x.length, hostCores),
        dash: "dash",
        unit: "cores",
      });
    }
    const steal = series("host.cpu.steal");
    if (steal && hostCores !== null) {
      cpu.add({
        name: "host steal",
        group: "host",
        color: COLORS.host[3] as string,
        x,
        y: scaled(steal, hostCores / 100),
        unit: "cores",
        hidden: true,
      });
    }
    const coreNames = names(metrics, /^host\.cpu\.core\.(\d+)\.percent$/);
    if (coreNames.length > 0) {
      // The busiest core shows a single-threaded limit that the host average hides.
      const coreSeries = coreNames.map((core) => series(`host.cpu.core.${core}.percent`) as Float64Array);
      const busiest = Float64Array.from(x, (_, index) => {
        let highest = Number.NaN;
        for (const values of coreSeries) {
          const value = values[index] as number;
          if (Number.isFinite(value) && !(value <= highest)) highest = value;
        }
        return highest / 100;
      });
      cpu.add({
        name: "busiest core",
        group: "cores",
        groupTitle: "Host cores",
        color: COLORS.host[1] as string,
        x,
        y: busiest,
        dash: "dot",
        unit: "cores",
      });
      // One trace per core only where they stay readable; 64 legend entries help nobody.
      if (coreNames.length <= MAX_CORE_TRACES) {
        coreNames.forEach((core, index) => {
          cpu.add({
            name: `core ${core}`,
            group: "cores",
            color: COLORS.host[4] as string,
            x,
            y: scaled(coreSeries[index] as Float64Array, 0.01),
            unit: "cores",
            hidden: true,
          });
        });
      }
    }
  }
  if (timeline.some((entry) => typeof entry.generatorCpuPercent === "number")) {
    cpu.add({
      name: "generator CPU",
      group: "generator",
      color: COLORS.generator[0] as string,
      x: t,
      y: fromTimeline((i) => {
        const value = timeline[i]?.generatorCpuPercent;
        return value === undefined ? undefined : value / 100;
      }),
      unit: "cores",
    });
    if (generatorCores) {
      cpu.add({
        name: `generator cores (${generatorCores})`,
        group: "generator",
        color: COLORS.generator[1] as string,
        x: [t[0] as number, t[t.length - 1] as number],
        y: [generatorCores, generatorCores],
        dash: "dot",
        unit: "cores",
      });
    }
  }
  if (cpu.traces.length > 0) {
    charts.push({
      id: "chart-cpu",
      title: "CPU",
      description: "Cores in use (1 = one core fully busy), against the cores available (dashed).",
      yTitle: "cores",
      traces: cpu.traces,
    });
  }
  // The generator's memory comes from the results, so this chart is drawn even without metrics.
  const memory = new ChartBuilder(maxPoints);
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
  if (memory.traces.length > 0) {
    const hostApart = memory.traces.some((trace) => trace.yaxis === "y2");
    charts.push({
      id: "chart-memory",
      title: "Memory",
      description: hostApart
        ? "Bytes in use by the service, its containers and the generator (left), the host's (right), against the limits (dashed)."
        : "Bytes in use, against the limits (dashed).",
      yTitle: "bytes",
      ...(hostApart ? { y2Title: "bytes (host)" } : {}),
      traces: memory.traces,
    });
  }
  if (!metrics) return charts;

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
  if (disk.traces.length > 0) {
    charts.push({
      id: "chart-disk",
      title: "Disk I/O",
      description: "Bytes read and written per second (left); utilisation and iowait (right).",
      yTitle: "bytes/s",
      y2Title: "%",
      traces: disk.traces,
    });
  }

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
  if (network.traces.length > 0) {
    charts.push({
      id: "chart-network",
      title: "Network",
      description: "Bytes per second in and out, against the link speed (dashed) where known.",
      yTitle: "bytes/s",
      traces: network.traces,
    });
  }
  return charts;
}
