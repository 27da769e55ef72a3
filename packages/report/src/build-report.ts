import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Analysis, RunMetadata } from "./analysis-types.js";
import { type AnalyzeOptions, analyze } from "./analyze.js";
import { ReportOptionError, ReportWriteError } from "./errors.js";
import type { LoadResultsInput, MetricsData } from "./inputs/types.js";
import type { PlotlyBundle } from "./plotly-bundle.js";
import { renderHtml } from "./render-html.js";
import { buildSummaryJson, renderSummaryMarkdown } from "./render-summary.js";

/** What `buildReport` needs. */
export interface BuildReportOptions {
  results: LoadResultsInput;
  metrics?: MetricsData | undefined;
  /** Directory for `report.html`, `summary.md` and `summary.json`; created when missing. */
  outDir?: string | undefined;
  /** Write only the HTML, to this path (instead of `outDir`). */
  htmlPath?: string | undefined;
  /** The generation time printed in the outputs (ISO 8601); defaults to the clock. */
  generatedAt?: string | Date | undefined;
  title?: string | undefined;
  /** The command that made the report, shown in the run metadata. */
  command?: readonly string[] | undefined;
  metadata?: RunMetadata | undefined;
  analysis?: AnalyzeOptions | undefined;
  /**
   * The plotly.js bundle to inline: `basic` (default, `plotly.js-basic-dist-min`: every trace the
   * report draws) or `full` (`plotly.js-dist-min`: about 4 times larger, seconds slower to open).
   */
  plotlyBundle?: PlotlyBundle | undefined;
  /** A plotly.min.js source to inline instead of either bundle. */
  plotlySource?: string | undefined;
  /** The clock, for the default `generatedAt`. */
  now?: () => Date;
}

/** The files `buildReport` wrote; `summaryMd` and `summaryJson` are null with `htmlPath`. */
export interface BuildReportResult {
  analysis: Analysis;
  files: { html: string; summaryMd: string | null; summaryJson: string | null };
}

/** Validates and normalises a generation time to ISO 8601. */
export function normaliseGeneratedAt(
  value: string | Date | undefined,
  now: () => Date = () => new Date(),
): string {
  if (value === undefined) return now().toISOString();
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime()) || (typeof value === "string" && !/^\d{4}-\d{2}-\d{2}/.test(value))) {
    throw new ReportOptionError(
      "generatedAt",
      `expected an ISO 8601 time such as 2026-11-26T07:00:00Z, got ${JSON.stringify(String(value))}`,
    );
  }
  return date.toISOString();
}

async function write(path: string, content: string): Promise<void> {
  try {
    await writeFile(path, content, "utf8");
  } catch (error) {
    throw new ReportWriteError(path, error);
  }
}

/**
 * Analyses a run and writes the report: `report.html` (self-contained), `summary.md` (for a CI job
 * summary) and `summary.json` (the analysis) into `outDir`; or only the HTML to `htmlPath`.
 *
 * @throws {ReportOptionError} for invalid options; {ReportWriteError} when a file cannot be written.
 */
export async function buildReport(options: BuildReportOptions): Promise<BuildReportResult> {
  if ((options.outDir === undefined) === (options.htmlPath === undefined)) {
    throw new ReportOptionError("outDir", "give exactly one of outDir and htmlPath");
  }
  if (options.title !== undefined && (options.title.trim() === "" || options.title.length > 200)) {
    throw new ReportOptionError("title", "expected 1 to 200 characters");
  }
  const generatedAt = normaliseGeneratedAt(options.generatedAt, options.now);
  // A metrics file without samples (the service died before the first) is no metrics at all.
  const metrics =
    options.metrics !== undefined && options.metrics.times.length > 0 ? options.metrics : undefined;
  const analysis = analyze({
    results: options.results,
    metrics,
    metadata: options.metadata,
    options: options.analysis,
  });
  const common = {
    results: options.results,
    analysis,
    metadata: options.metadata,
    title: options.title,
    generatedAt,
  };
  const html = renderHtml({
    ...common,
    metrics,
    command: options.command,
    plotlyBundle: options.plotlyBundle,
    plotlySource: options.plotlySource,
  });
  if (options.htmlPath !== undefined) {
    await write(options.htmlPath, html);
    return { analysis, files: { html: options.htmlPath, summaryMd: null, summaryJson: null } };
  }
  const outDir = options.outDir as string;
  try {
    await mkdir(outDir, { recursive: true });
  } catch (error) {
    throw new ReportWriteError(outDir, error);
  }
  const files = {
    html: join(outDir, "report.html"),
    summaryMd: join(outDir, "summary.md"),
    summaryJson: join(outDir, "summary.json"),
  };
  await write(files.html, html);
  await write(files.summaryMd, renderSummaryMarkdown(common));
  await write(files.summaryJson, `${JSON.stringify(buildSummaryJson(common), null, 2)}\n`);
  return { analysis, files };
}
