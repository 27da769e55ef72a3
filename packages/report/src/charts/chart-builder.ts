import { downsampleMinMax } from "../downsample.js";
import type { MetricsData } from "../inputs/types.js";
import type { ChartTrace } from "./chart-types.js";

export const COLORS = {
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
export const MAX_CORE_TRACES = 8;

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

export interface TraceInput {
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

export class ChartBuilder {
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
export type Directions = readonly [
  readonly [field: string, label: string],
  readonly [field: string, label: string],
];
export const READ_WRITE: Directions = [
  ["read_bytes", "read"],
  ["write_bytes", "write"],
];
export const IN_OUT: Directions = [
  ["rx_bytes", "in"],
  ["tx_bytes", "out"],
];

export function constant(length: number, value: number): Float64Array {
  return new Float64Array(length).fill(value);
}

export function names(metrics: MetricsData, pattern: RegExp): string[] {
  const found = new Set<string>();
  for (const name of metrics.series.keys()) {
    const match = pattern.exec(name);
    if (match?.[1]) found.add(match[1]);
  }
  return [...found].sort((left, right) => left.localeCompare(right, "en", { numeric: true }));
}

export function scaled(values: Float64Array, factor: number): Float64Array {
  return values.map((value) => value * factor);
}
