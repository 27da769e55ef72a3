// The two input contracts of docs/formats.md, declared here until the producers' types can be shared.

/** Latency percentiles in milliseconds. Every field may be absent in older or partial files. */
export interface LatencySummary {
  count?: number;
  min?: number;
  mean?: number;
  p50?: number;
  p90?: number;
  p95?: number;
  p99?: number;
  p999?: number;
  max?: number;
}

/** Error classes counted by loadcore (`refused`, `reset`, `timeout`, `assertion`, `other`, ...). */
export type ErrorCounts = Record<string, number>;

/** One second of the run (`timeline[]` of the results JSON). */
export interface TimelineEntry {
  /** Seconds since the start of the run. */
  t: number;
  /** Epoch milliseconds. */
  time: number;
  workers: number;
  ok: number;
  failed: number;
  requests: number;
  throughput: number;
  errorRatio?: number;
  latency?: LatencySummary;
  /** Load generator CPU, 100 = one core, all processes summed. */
  generatorCpuPercent?: number;
  eventLoopDelayMs?: number;
}

/** One scenario's totals. */
export interface ScenarioSummary {
  name: string;
  ok: number;
  failed: number;
  errors?: ErrorCounts;
  latency?: LatencySummary;
}

/** One request's totals (`byRequest[]`). */
export interface RequestSummary {
  name: string;
  count: number;
  ok?: number;
  failed: number;
  statusCodes?: Record<string, number>;
  errors?: ErrorCounts;
  latency?: LatencySummary;
}

/** Why a sizing run stopped. */
export type StopReason =
  | "error-ratio"
  | "latency"
  | "capacity-above-max-load"
  | "duration"
  | "interrupted"
  | "max-runs";

/** The `sizing` block, present only for runs made with `--sizing`. */
export interface SizingResult {
  tolerance: number;
  window?: number;
  minSamples?: number;
  latencyObjective?: { percentile: string; thresholdMs: number } | null;
  reached: boolean;
  stopReason: StopReason | string;
  stoppedAtSeconds?: number;
  workersAtStop?: number;
  healthyWorkers: number | null;
  errorRatio?: number;
  throughputAtHealthy?: number | null;
  latencyAtHealthy?: LatencySummary | null;
  plateau?: {
    detected: boolean;
    atSeconds: number;
    workers: number;
    throughput: number;
    latencyGrowth?: number;
  } | null;
  message?: string;
}

/** The load generator watching itself. */
export interface SelfCheck {
  cpuPercentMax?: number;
  cpuPercentMean?: number;
  cores?: number;
  eventLoopDelayP99MaxMs?: number;
  saturated: boolean;
  message?: string;
}

/** The results JSON of loadcore (`loadcore-results`, version 1). */
export interface LoadResults {
  format: "loadcore-results";
  formatVersion: number;
  tool?: { name?: string; version?: string; node?: string };
  command?: string[];
  host?: { hostname?: string; cpus?: number; memoryBytes?: number; platform?: string };
  startedAt: string;
  endedAt?: string;
  durationSeconds: number;
  interrupted?: boolean;
  options?: Record<string, unknown>;
  ok: number;
  failed: number;
  requests: number;
  throughput: number;
  scenariosPerSecond?: number;
  latency?: LatencySummary;
  statusCodes?: Record<string, number>;
  errors?: ErrorCounts;
  scenarios?: ScenarioSummary[];
  byRequest?: RequestSummary[];
  timeline: TimelineEntry[];
  sizing?: SizingResult;
  selfCheck?: SelfCheck;
}

/** Where the metrics came from (`# source:`). */
export type MetricsSource = "native" | "glances-csv" | "glances-rest" | string;

/** The metadata of a metrics file (`# key: value` lines, or the NDJSON `meta` object). */
export interface MetricsFileMeta {
  format: "sizer-metrics";
  formatVersion: number;
  source?: MetricsSource;
  sourceVersion?: string;
  host?: string;
  intervalSeconds?: number;
  pid?: number;
  /** Any other metadata key, kept as text. */
  extra: Record<string, string>;
}

/** How a metric is described in the NDJSON `meta` line. */
export interface MetricDescriptor {
  name: string;
  unit?: string;
  kind?: "gauge" | "rate" | string;
}

/** A `# note` line: something that happened to the collection (a pid exited, a plugin was lost). */
export interface MetricsNote {
  /** Epoch milliseconds. */
  time: number;
  message: string;
}

/**
 * A metrics file held in columns: `times[i]` is the epoch-ms time of sample `i`, and every series in
 * `series` has one value per sample, `NaN` where the metric was absent.
 */
export interface MetricsData {
  meta: MetricsFileMeta;
  descriptors: MetricDescriptor[];
  times: number[];
  series: Map<string, Float64Array>;
  notes: MetricsNote[];
}
