// The two input contracts of docs/formats.md come from their producers' types. The readers of this
// package also accept files written by hand, by another tool or by an older producer, which may leave
// out fields the producers always write: the `…Input` types below are the producers' types with those
// fields optional, so a value of the producer's type is always a valid input.
import type { CollectorNote, MetricDescriptor, MetricsFileMetaInput } from "@sizer/glances-collector";
import type {
  LatencySummary,
  LoadResults,
  RequestTotals,
  ScenarioTotals,
  SelfCheck,
  SizingVerdict,
  TimelineLatency,
  TimelinePoint,
} from "@sizer/loadcore";

export type {
  CollectorNote,
  MetricDescriptor,
  MetricsFileMeta,
  MetricsFileMetaInput,
  MetricsSource,
} from "@sizer/glances-collector";
export type {
  LatencySummary,
  LoadResults,
  RequestTotals,
  ScenarioTotals,
  SelfCheck,
  SizingStopReason,
  SizingVerdict,
  TimelineLatency,
  TimelinePoint,
} from "@sizer/loadcore";

/** `T` with the keys `K` optional. */
type Optional<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

/** Counts by key (error class or status code); the readers accept any key. */
type Counts = Record<string, number>;

/** One second of the run: loadcore's `TimelinePoint`, where the ratio, the latency and the generator figures may be absent. */
export type TimelineEntry = Optional<
  Omit<TimelinePoint, "latency">,
  "errorRatio" | "generatorCpuPercent" | "eventLoopDelayMs"
> & {
  latency?: Partial<TimelineLatency>;
  /** Resident memory of the load generator process (all its threads), bytes; absent in older files. */
  generatorRssBytes?: number;
};

/** One scenario's totals: loadcore's `ScenarioTotals`, errors and latency optional. */
export type ScenarioSummary = Omit<ScenarioTotals, "errors" | "latency"> & {
  errors?: Counts;
  latency?: Partial<LatencySummary>;
};

/** One request's totals (`byRequest[]`): loadcore's `RequestTotals`, only name, count and failed required. */
export type RequestSummary = Optional<Omit<RequestTotals, "errors" | "latency">, "ok" | "statusCodes"> & {
  errors?: Counts;
  latency?: Partial<LatencySummary>;
};

/** The `sizing` block: loadcore's `SizingVerdict`, only tolerance, reached, stopReason and healthyWorkers required. */
export type SizingResult = Optional<
  Omit<SizingVerdict, "latencyAtHealthy">,
  | "window"
  | "minSamples"
  | "latencyObjective"
  | "stoppedAtSeconds"
  | "workersAtStop"
  | "errorRatio"
  | "throughputAtHealthy"
  | "plateau"
  | "message"
> & { latencyAtHealthy?: Partial<TimelineLatency> | null };

/** The load generator watching itself: loadcore's `SelfCheck`, only `saturated` required. */
export type SelfCheckInput = Optional<
  SelfCheck,
  "cpuPercentMax" | "cpuPercentMean" | "cores" | "eventLoopDelayP99MaxMs" | "message"
>;

/** The results JSON as this package reads it: loadcore's `LoadResults`, the fields `parseResults` does not require optional. */
export type LoadResultsInput = Optional<
  Omit<
    LoadResults,
    "tool" | "host" | "latency" | "errors" | "timeline" | "scenarios" | "byRequest" | "sizing" | "selfCheck"
  >,
  "command" | "endedAt" | "interrupted" | "options" | "scenariosPerSecond" | "statusCodes"
> & {
  tool?: Partial<LoadResults["tool"]>;
  host?: Partial<LoadResults["host"]>;
  latency?: Partial<LatencySummary>;
  errors?: Counts;
  timeline: TimelineEntry[];
  scenarios?: ScenarioSummary[];
  byRequest?: RequestSummary[];
  sizing?: SizingResult;
  selfCheck?: SelfCheckInput;
};

/** A metric of the NDJSON `meta` line (`{name, unit, kind}`): the collector's `MetricDescriptor`, only the name required. */
export type MetricDescriptorInput = Pick<MetricDescriptor, "name"> & Partial<Omit<MetricDescriptor, "name">>;

/**
 * A metrics file held in columns: `times[i]` is the epoch-ms time of sample `i`, and every series in
 * `series` has one value per sample, `NaN` where the metric was absent.
 */
export interface MetricsData {
  meta: MetricsFileMetaInput;
  descriptors: MetricDescriptorInput[];
  times: number[];
  series: Map<string, Float64Array>;
  /** `# note` lines: something that happened to the collection (a pid exited, a plugin was lost). */
  notes: CollectorNote[];
}
