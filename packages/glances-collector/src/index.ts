export type { Clock } from "./clock.js";
export { systemClock } from "./clock.js";
export type { Collector, CollectorOptions, CollectorSourceName } from "./collector.js";
export { createCollector } from "./collector.js";
export type { ContainerSpec } from "./container-sampler.js";
export type { ConvertOptions, ConvertResult } from "./convert.js";
export { convertGlancesCsv } from "./convert.js";
export type { CollectorErrorCode } from "./errors.js";
export { CollectorError, FormatError, UnsupportedVersionError } from "./errors.js";
export type { GlancesCsvOptions, GlancesCsvResult, GlancesCsvScheme } from "./glances-csv.js";
export { GlancesCsvConverter, parseGlancesCsv, readGlancesCsv } from "./glances-csv.js";
export type { MetricDescriptor, MetricKind, MetricPattern, MetricUnit } from "./metric-catalogue.js";
export { describeMetric, metricCatalogue } from "./metric-catalogue.js";
export type {
  CollectorEvent,
  CollectorNote,
  MetricSample,
  MetricsFileMeta,
  MetricsFileMetaInput,
  MetricsSource,
} from "./metric-sample.js";
export { METRICS_FORMAT_VERSION } from "./metric-sample.js";
export type { MetricsFile } from "./metrics-reader.js";
export { parseMetrics, readMetricsFile } from "./metrics-reader.js";
export type { MetricsSink, MetricsWriter, MetricsWriterMeta } from "./metrics-writer.js";
export { createMetricsWriter, MetricsCsvWriter, MetricsNdjsonWriter } from "./metrics-writer.js";
