import type { LoadResultsInput } from "@sizer/loadcore";
import {
  type Analysis,
  buildReport,
  type PlotlyBundle,
  type LoadResults as ReportResults,
  type RunMetadata,
  readMetricsFile,
} from "@sizer/report";
import { ReportBuildError } from "./errors.js";

/** The files a report consists of. */
export interface ReportFiles {
  html: string;
  summaryMd: string;
  summaryJson: string;
}

/** Builds report.html, summary.md and summary.json in `outDir` from the results and the metrics file. */
export async function writeReport(input: {
  results: LoadResultsInput;
  metricsFile?: string | undefined;
  outDir: string;
  title?: string | undefined;
  /** The plotly.js bundle to inline (@sizer/report's default when undefined). */
  plotlyBundle?: PlotlyBundle | undefined;
  command: readonly string[];
  metadata: RunMetadata;
  /** Cores the service was pinned to, when it was: the analysis judges its CPU against them. */
  serviceCores?: number | undefined;
}): Promise<{ analysis: Analysis; files: ReportFiles }> {
  let built: Awaited<ReturnType<typeof buildReport>>;
  try {
    const metrics = input.metricsFile ? await readMetricsFile(input.metricsFile) : undefined;
    built = await buildReport({
      results: input.results as unknown as ReportResults,
      metrics,
      outDir: input.outDir,
      title: input.title,
      plotlyBundle: input.plotlyBundle,
      command: [...input.command],
      metadata: input.metadata,
      ...(input.serviceCores ? { analysis: { serviceCores: input.serviceCores } } : {}),
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("ERR_REPORT_")) {
      throw new ReportBuildError(`the report could not be built: ${(error as Error).message}`, {
        cause: error,
      });
    }
    throw error;
  }
  const { analysis, files } = built;
  return {
    analysis,
    files: {
      html: files.html,
      summaryMd: files.summaryMd ?? `${input.outDir}/summary.md`,
      summaryJson: files.summaryJson ?? `${input.outDir}/summary.json`,
    },
  };
}
