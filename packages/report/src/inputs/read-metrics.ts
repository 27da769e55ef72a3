import {
  FormatError,
  type GlancesCsvResult,
  type MetricsFile,
  parseGlancesCsv,
  parseMetrics as parseMetricsText,
  UnsupportedVersionError,
} from "@sizer/glances-collector";
import { ReportInputError } from "../errors.js";
import { MetricsBuilder } from "./metrics-builder.js";
import { readInputText } from "./read-input-text.js";
import type { MetricsData } from "./types.js";

export { METRICS_FORMAT_VERSION } from "@sizer/glances-collector";

/** The collector's format errors as this package's input errors (exit 4 of `sizer-report`), cause kept. */
function asInputError(error: unknown, file: string): unknown {
  if (error instanceof FormatError)
    return new ReportInputError("ERR_REPORT_INPUT_INVALID", file, error.detail, { cause: error });
  if (error instanceof UnsupportedVersionError)
    return new ReportInputError("ERR_REPORT_INPUT_VERSION", file, error.detail, { cause: error });
  return error;
}

/** A metrics file held in columns, one `Float64Array` per metric, NaN where a sample lacks it. */
function toColumns(file: Pick<MetricsFile, "meta" | "metrics" | "samples" | "notes">): MetricsData {
  const builder = new MetricsBuilder();
  for (const sample of file.samples) {
    const index = builder.addSample(sample.time);
    for (const [name, value] of Object.entries(sample.values)) builder.set(name, index, value);
  }
  builder.notes.push(...file.notes);
  return builder.build(
    file.meta,
    file.metrics.map(({ name, unit, kind }) => ({ name, unit, kind })),
  );
}

function glancesToFile(
  glances: GlancesCsvResult,
): Pick<MetricsFile, "meta" | "metrics" | "samples" | "notes"> {
  return {
    meta: {
      format: "sizer-metrics",
      formatVersion: 1,
      source: "glances-csv",
      sourceVersion: glances.scheme,
      ...(glances.hostname === undefined ? {} : { host: glances.hostname }),
      ...(glances.intervalSeconds === undefined ? {} : { intervalSeconds: glances.intervalSeconds }),
      extra: { converted: "raw Glances CSV read by @sizer/glances-collector's parser" },
    },
    metrics: [],
    samples: glances.samples,
    notes: glances.notes,
  };
}

/**
 * Parses metrics text of any supported kind, told apart by content: a `sizer-metrics` CSV or
 * NDJSON, read by `@sizer/glances-collector`'s `parseMetrics`, or a raw Glances CSV export (first
 * line `timestamp,…`), read by its `parseGlancesCsv`: the producer's readers, so a file reads the
 * same in the report as in the collector.
 *
 * @throws {ReportInputError} `ERR_REPORT_INPUT_INVALID` or `ERR_REPORT_INPUT_VERSION`, naming the
 *   file and the line at fault.
 */
export function parseMetrics(text: string, file = "metrics"): MetricsData {
  try {
    if (text.trimStart().startsWith("timestamp,"))
      return toColumns(glancesToFile(parseGlancesCsv(text, { sourceName: file })));
    return toColumns(parseMetricsText(text, file));
  } catch (error) {
    throw asInputError(error, file);
  }
}

/**
 * Reads a metrics file written by `glances-collector --out` (CSV or NDJSON), or a raw Glances
 * CSV export (any of its column schemes), and returns it in columns.
 *
 * @throws {ReportInputError} `ERR_REPORT_INPUT_NOT_FOUND`, `ERR_REPORT_INPUT_INVALID` or
 *   `ERR_REPORT_INPUT_VERSION`, naming the file.
 */
export async function readMetricsFile(path: string): Promise<MetricsData> {
  const text = await readInputText(path, "metrics");
  return parseMetrics(text, path);
}
