// The input contracts of docs/formats.md come from their producers, with their readers: the `…Input`
// types are the producers' types with what a file written by hand, by another tool or by an older
// producer may leave out made optional (loadcore's `LoadResultsInput`, the collector's
// `MetricsFileMetaInput`), so a value of the producer's type is always a valid input.
import type { CollectorNote, MetricDescriptor, MetricsFileMetaInput } from "@sizer/glances-collector";

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
  LoadResultsInput,
  RequestSummary,
  RequestTotals,
  ScenarioSummary,
  ScenarioTotals,
  SelfCheck,
  SelfCheckInput,
  SizingResult,
  SizingStopReason,
  SizingVerdict,
  TimelineEntry,
  TimelineLatency,
  TimelinePoint,
} from "@sizer/loadcore";

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
