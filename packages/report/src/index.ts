export type {
  Analysis,
  AnalysisThresholds,
  ArrivalRateLevel,
  Bottleneck,
  BottleneckResource,
  BottleneckScope,
  Capacity,
  Confidence,
  Onsets,
  ResourceCheck,
  RunMetadata,
  Trust,
} from "./analysis-types.js";
export type { AnalyzeInput, AnalyzeOptions } from "./analyze.js";
export { analyze } from "./analyze.js";
export type { BuildReportOptions, BuildReportResult } from "./build-report.js";
export { buildReport } from "./build-report.js";
export type { ChartSpec, ChartTrace } from "./charts.js";
export { buildCharts } from "./charts.js";
export { downsampleMinMax } from "./downsample.js";
export type { ReportErrorCode } from "./errors.js";
export { ReportError } from "./errors.js";
export { escapeHtml } from "./html-escape.js";
export {
  parseRunMetadata,
  RUN_METADATA_FORMAT,
  RUN_METADATA_FORMAT_VERSION,
  readMetadataFile,
} from "./inputs/read-metadata.js";
export { parseMetrics, readMetricsFile } from "./inputs/read-metrics.js";
export { parseResults, readResultsFile } from "./inputs/read-results.js";
export { parseSummary } from "./inputs/read-summary.js";
export type * from "./inputs/types.js";
export type { PlotlyBundle, PlotlyScript } from "./plotly-bundle.js";
export { DEFAULT_PLOTLY_BUNDLE, loadPlotlyScript, PLOTLY_BUNDLES } from "./plotly-bundle.js";
export type { RenderHtmlInput } from "./render-html.js";
export { renderHtml } from "./render-html.js";
export type { ReportSummary } from "./render-summary.js";
export { buildSummaryJson, renderSummaryMarkdown, SUMMARY_FORMAT_VERSION } from "./render-summary.js";
export type { CliIo } from "./run-cli.js";
export { runCli } from "./run-cli.js";
export { DEFAULT_THRESHOLDS } from "./thresholds.js";
