import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type LoadResultsInput, parseResults } from "@sizer/loadcore";
import type { Analysis, PlotlyBundle, RunMetadata } from "@sizer/report";
import { OutputFolderError, ReportBuildError } from "./errors.js";
import { type ReportFiles, writeReport } from "./report-writer.js";
import { parseRunRecord, type RunRecord } from "./run-record.js";

/** What {@link rebuildReport} gives back. */
export interface RebuiltReport {
  outDir: string;
  analysis: Analysis;
  files: ReportFiles;
  partial: boolean;
}

/**
 * Rebuilds report.html, summary.md and summary.json of a saved output folder from its
 * results.json, metrics.csv (when present) and command.json (when present).
 */
export async function rebuildReport(
  folder: string,
  options: {
    title?: string;
    plotly?: PlotlyBundle;
    /** The node the service ran on, when it is not the machine of the run (`sizer aws run`). */
    host?: RunMetadata["host"];
  } = {},
): Promise<RebuiltReport> {
  const outDir = resolve(folder);
  if (!existsSync(outDir) || !statSync(outDir).isDirectory()) {
    throw new OutputFolderError(
      outDir,
      `${folder} is not a folder; give the output folder of a 'sizer run' (it holds results.json)`,
    );
  }
  const resultsFile = join(outDir, "results.json");
  if (!existsSync(resultsFile)) {
    throw new OutputFolderError(
      resultsFile,
      `${folder} has no results.json: it is not the output folder of a 'sizer run' (or the run failed before the load started)`,
    );
  }
  // The readers of the formats' producers: loadcore's for results.json (as `sizer-report` reads it),
  // this package's for command.json.
  let results: LoadResultsInput;
  try {
    results = parseResults(JSON.parse(await readFile(resultsFile, "utf8")), resultsFile);
  } catch (error) {
    throw new OutputFolderError(resultsFile, `cannot read ${resultsFile}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let record: Partial<RunRecord> = {};
  const commandFile = join(outDir, "command.json");
  if (existsSync(commandFile)) {
    try {
      record = parseRunRecord(JSON.parse(await readFile(commandFile, "utf8")), commandFile);
    } catch (error) {
      throw new OutputFolderError(commandFile, `cannot read ${commandFile}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  const metricsFile = join(outDir, "metrics.csv");
  const partial =
    (record.status !== undefined && record.status !== "complete") || results.interrupted === true;
  const cpuPlan = record.cpuPlan as { shared?: boolean; serviceCpus?: number[] } | undefined;
  // --glances-url: the service's host is the remote one, as sizer run judged it (see run-sizer.ts).
  const remoteHost =
    options.host !== undefined ||
    (typeof record.collector === "string" && record.collector.startsWith("glances-rest"));
  try {
    const { analysis, files } = await writeReport({
      results,
      // an empty file: the recording never started (a metadata-only one reads as zero samples)
      metricsFile: existsSync(metricsFile) && statSync(metricsFile).size > 0 ? metricsFile : undefined,
      outDir,
      title: options.title,
      plotlyBundle: options.plotly,
      command: record.argv ?? results.command ?? [],
      serviceCores: cpuPlan?.serviceCpus?.length,
      metadata: {
        ...(record.service ? { serviceCommand: record.service.description, target: record.service.url } : {}),
        ...(record.versions ? { versions: record.versions } : {}),
        ...(options.host ? { host: options.host } : {}),
        ...(record.host && !remoteHost
          ? {
              host: {
                name: record.host.hostname,
                vcpus: record.host.cpus,
                memoryBytes: record.host.memoryBytes,
              },
            }
          : {}),
        ...(cpuPlan?.shared !== undefined && !remoteHost ? { sharedCores: cpuPlan.shared } : {}),
        ...(cpuPlan?.serviceCpus ? { serviceCpus: cpuPlan.serviceCpus } : {}),
        ...(record.serviceExit ? { serviceExit: record.serviceExit } : {}),
        partial,
        ...(partial
          ? {
              partialReason:
                record.error?.message ??
                (record.status === "interrupted"
                  ? "interrupted (Ctrl-C or SIGTERM)"
                  : "the run did not finish"),
            }
          : {}),
      },
    });
    return { outDir, analysis, files, partial };
  } catch (error) {
    if (error instanceof ReportBuildError)
      throw new OutputFolderError(outDir, error.message, { cause: error });
    throw error;
  }
}
