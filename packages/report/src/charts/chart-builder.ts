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
  rate: { target: "#475569", achieved: "#2563eb", dropped: "#dc2626" },
  latency: { p50: "#16a34a", p90: "#ca8a04", p95: "#ea580c", p99: "#dc2626", max: "#7f1d1d" },
};

/** Above this many cores, per-core traces are left out (the busiest core stays). */
export const MAX_CORE_TRACES = 8;

const GROUP_TITLE: Record<string, string> = {
  load: "Load",
  rate: "Arrival rate",
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

/**
 * The traces of one chart. Every trace has the same x (the timeline's seconds), and a chart longer
 * than `maxPoints` keeps the same seconds in every trace ({@link downsampleShared}): a hover label
 * then holds the values of one second.
 */
export class ChartBuilder {
  private readonly inputs: TraceInput[] = [];
  private built: ChartTrace[] | null = null;

  constructor(private readonly maxPoints: number) {}

  /** Adds a trace, unless it has no value at all. */
  add(input: TraceInput): void {
    let hasValue = false;
    for (let index = 0; index < input.y.length; index++) {
      if (Number.isFinite(input.y[index] as number)) {
        hasValue = true;
        break;
      }
    }
    if (!hasValue) return;
    const first = this.inputs[0];
    if (first && !sameSeconds(first.x, input.x))
      throw new Error(`trace ${input.name} is not on the seconds of trace ${first.name}`);
    this.inputs.push(input);
    this.built = null;
  }

  /** The plotly traces, reduced to the same seconds. */
  get traces(): ChartTrace[] {
    if (this.built) return this.built;
    const first = this.inputs[0];
    const kept = first
      ? downsampleShared(
          first.x.length,
          this.inputs.map((input) => input.y),
          this.maxPoints,
        )
      : [];
    const titled = new Set<string>();
    this.built = this.inputs.map((input) => {
      const trace: ChartTrace = {
        type: "scatter",
        mode: "lines",
        name: input.name,
        x: kept.map((index) => compact(input.x[index] as number) as number),
        y: kept.map((index) => compact(input.y[index] as number)),
        legendgroup: input.group,
        line: {
          color: input.color,
          width: input.dash ? 1.5 : 2,
          ...(input.dash ? { dash: input.dash } : {}),
          ...(input.step ? { shape: "hv" as const } : {}),
        },
        // A second without a sample (a collector slower than 1 s) is bridged, not a break in the line.
        connectgaps: true,
        hovertemplate: `%{y:,.4~g} ${input.unit}<extra>${input.name}</extra>`,
      };
      if (!titled.has(input.group)) {
        titled.add(input.group);
        trace.legendgrouptitle = { text: input.groupTitle ?? GROUP_TITLE[input.group] ?? input.group };
      }
      if (input.secondary) trace.yaxis = "y2";
      if (input.hidden) trace.visible = "legendonly";
      return trace;
    });
    return this.built;
  }
}

function sameSeconds(left: ArrayLike<number>, right: ArrayLike<number>): boolean {
  if (left.length !== right.length) return false;
  for (let index = 0; index < left.length; index++) if (left[index] !== right[index]) return false;
  return true;
}

/**
 * The indexes a chart keeps of `length` seconds: all of them up to `maxPoints`, else, in buckets of
 * seconds, the lowest and the highest second of every series (their peaks stay), as few buckets as
 * it takes to keep `maxPoints` or fewer. A bucket without any value keeps its first second (a gap).
 */
export function downsampleShared(
  length: number,
  series: readonly ArrayLike<number>[],
  maxPoints: number,
): number[] {
  const all = Array.from({ length }, (_, index) => index);
  if (length <= maxPoints) return all;
  for (let buckets = Math.max(1, Math.floor(maxPoints / 2)); ; buckets = Math.floor(buckets / 2)) {
    const size = Math.ceil(length / Math.max(1, buckets));
    const kept = new Set<number>();
    for (let start = 0; start < length; start += size) {
      const end = Math.min(length, start + size);
      let found = false;
      for (const values of series) {
        let low = -1;
        let high = -1;
        for (let index = start; index < end; index++) {
          const value = values[index] as number;
          if (!Number.isFinite(value)) continue;
          if (low < 0 || value < (values[low] as number)) low = index;
          if (high < 0 || value > (values[high] as number)) high = index;
        }
        if (low < 0) continue;
        found = true;
        kept.add(low);
        kept.add(high);
      }
      if (!found) kept.add(start);
    }
    if (kept.size <= maxPoints || buckets <= 1) return [...kept].sort((left, right) => left - right);
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
