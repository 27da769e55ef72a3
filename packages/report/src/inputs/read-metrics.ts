import { ReportInputError } from "../errors.js";
import { parseGlancesCsv } from "./glances-csv.js";
import { METRIC_NAME, MetricsBuilder } from "./metrics-builder.js";
import { readInputText } from "./read-input-text.js";
import type { MetricDescriptorInput, MetricsData, MetricsFileMetaInput } from "./types.js";

/** The newest `sizer-metrics` major version this package understands. */
export const METRICS_FORMAT_VERSION = 1;

const KNOWN_META = new Set([
  "format",
  "formatVersion",
  "source",
  "sourceVersion",
  "host",
  "intervalSeconds",
  "pid",
]);

function invalid(file: string, message: string): never {
  throw new ReportInputError("ERR_REPORT_INPUT_INVALID", file, message);
}

function checkFormat(file: string, format: unknown, version: unknown): number {
  if (format !== undefined && format !== "sizer-metrics") {
    invalid(file, `not a sizer metrics file (format is ${JSON.stringify(format)}, expected "sizer-metrics")`);
  }
  if (version === undefined) return METRICS_FORMAT_VERSION;
  const number = typeof version === "string" ? Number(version) : version;
  if (typeof number !== "number" || !Number.isInteger(number) || number < 1) {
    invalid(file, `formatVersion: expected a positive integer, got ${JSON.stringify(version)}`);
  }
  if (number > METRICS_FORMAT_VERSION) {
    throw new ReportInputError(
      "ERR_REPORT_INPUT_VERSION",
      file,
      `sizer-metrics version ${number} is newer than this report understands (${METRICS_FORMAT_VERSION}); upgrade @sizer/report`,
    );
  }
  return number;
}

function optionalNumber(file: string, key: string, value: unknown): number | undefined {
  if (value === undefined || value === "") return undefined;
  const number = typeof value === "string" ? Number(value) : value;
  if (typeof number !== "number" || !Number.isFinite(number)) {
    invalid(file, `${key}: expected a number, got ${JSON.stringify(value)}`);
  }
  return number;
}

function buildMeta(file: string, raw: Record<string, unknown>): MetricsFileMetaInput {
  const extra: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!KNOWN_META.has(key) && key !== "type" && key !== "metrics") extra[key] = String(value);
  }
  const meta: MetricsFileMetaInput = {
    format: "sizer-metrics",
    formatVersion: checkFormat(file, raw.format, raw.formatVersion),
    extra,
  };
  if (raw.source !== undefined) meta.source = String(raw.source);
  if (raw.sourceVersion !== undefined) meta.sourceVersion = String(raw.sourceVersion);
  if (raw.host !== undefined) meta.host = String(raw.host);
  const interval = optionalNumber(file, "intervalSeconds", raw.intervalSeconds);
  if (interval !== undefined) meta.intervalSeconds = interval;
  const pid = optionalNumber(file, "pid", raw.pid);
  if (pid !== undefined) meta.pid = pid;
  return meta;
}

/**
 * Parses a metrics CSV (`sizer-metrics` v1): `# key: value` metadata lines, a `time,<metric>,…`
 * header (repeated when columns are added), one row per sample, `# note <ms>: text` lines.
 *
 * @throws {ReportInputError} naming the file and line at fault.
 */
export function parseMetricsCsv(text: string, file = "metrics"): MetricsData {
  const builder = new MetricsBuilder();
  const rawMeta: Record<string, unknown> = {};
  let header: string[] | undefined;
  const lines = text.split("\n");
  for (let lineIndex = 0; lineIndex < lines.length; lineIndex++) {
    const line = (lines[lineIndex] ?? "").replace(/\r$/, "");
    const where = `line ${lineIndex + 1}`;
    if (line.trim() === "") continue;
    if (line.startsWith("#")) {
      const note = /^#\s*note\s+(\d+)\s*:\s?(.*)$/.exec(line);
      if (note) {
        builder.notes.push({ time: Number(note[1]), message: note[2] ?? "" });
        continue;
      }
      const entry = /^#\s*([A-Za-z][A-Za-z0-9_]*)\s*:\s?(.*)$/.exec(line);
      if (entry && !header) rawMeta[entry[1] as string] = (entry[2] ?? "").trim();
      continue;
    }
    if (line.startsWith("time,") || line === "time") {
      header = line.split(",");
      for (const name of header.slice(1)) {
        if (!METRIC_NAME.test(name))
          invalid(file, `${where}: invalid metric name ${JSON.stringify(name)} in the header`);
      }
      continue;
    }
    if (!header) {
      invalid(file, `${where}: a data row before the header (expected a line starting with "time,")`);
    }
    const cells = line.split(",");
    if (cells.length > header.length) {
      invalid(file, `${where}: ${cells.length} cells but the header has ${header.length} columns`);
    }
    const time = Number(cells[0]);
    if (cells[0] === "" || !Number.isFinite(time)) {
      invalid(file, `${where}: time must be epoch milliseconds, got ${JSON.stringify(cells[0])}`);
    }
    const index = builder.addSample(time);
    for (let column = 1; column < cells.length; column++) {
      const cell = cells[column] as string;
      if (cell === "") continue;
      const value = Number(cell);
      if (!Number.isFinite(value)) {
        invalid(file, `${where}: ${header[column]} must be a number, got ${JSON.stringify(cell)}`);
      }
      builder.set(header[column] as string, index, value);
    }
  }
  // A collector that stopped before its first sample wrote its metadata only: zero samples, not an error.
  if (!header && rawMeta.format === undefined) invalid(file, 'no header row (a line starting with "time,")');
  return builder.build(buildMeta(file, rawMeta));
}

/**
 * Parses metrics NDJSON (`sizer-metrics` v1): a `meta` line, then `sample` and `note` lines.
 *
 * @throws {ReportInputError} naming the file and line at fault.
 */
export function parseMetricsNdjson(text: string, file = "metrics"): MetricsData {
  const builder = new MetricsBuilder();
  let meta: MetricsFileMetaInput | undefined;
  let descriptors: MetricDescriptorInput[] = [];
  const lines = text.split("\n");
  for (let lineIndex = 0; lineIndex < lines.length; lineIndex++) {
    const line = (lines[lineIndex] ?? "").trim();
    const where = `line ${lineIndex + 1}`;
    if (line === "") continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line);
    } catch (error) {
      invalid(file, `${where}: not valid JSON (${(error as Error).message})`);
    }
    if (typeof record !== "object" || record === null || Array.isArray(record)) {
      invalid(file, `${where}: expected a JSON object`);
    }
    if (record.type === "meta") {
      meta = buildMeta(file, record);
      if (record.metrics !== undefined) {
        if (!Array.isArray(record.metrics)) invalid(file, `${where}: metrics must be an array`);
        descriptors = record.metrics.map((descriptor: unknown, index: number) => {
          const name = (descriptor as MetricDescriptorInput | null)?.name;
          if (typeof name !== "string" || !METRIC_NAME.test(name)) {
            invalid(file, `${where}: metrics[${index}].name is not a valid metric name`);
          }
          return descriptor as MetricDescriptorInput;
        });
      }
      continue;
    }
    if (!meta) invalid(file, `${where}: the first line must be {"type":"meta", "format":"sizer-metrics", …}`);
    if (record.type === "note") {
      if (typeof record.time !== "number") invalid(file, `${where}: note.time must be epoch milliseconds`);
      builder.notes.push({ time: record.time, message: String(record.message ?? "") });
    } else if (record.type === "sample") {
      if (typeof record.time !== "number" || !Number.isFinite(record.time)) {
        invalid(file, `${where}: sample.time must be epoch milliseconds, got ${JSON.stringify(record.time)}`);
      }
      const values = record.values;
      if (typeof values !== "object" || values === null || Array.isArray(values)) {
        invalid(file, `${where}: sample.values must be an object`);
      }
      const index = builder.addSample(record.time);
      for (const [name, value] of Object.entries(values)) {
        if (value === null || value === undefined) continue;
        if (!METRIC_NAME.test(name)) invalid(file, `${where}: invalid metric name ${JSON.stringify(name)}`);
        if (typeof value !== "number" || !Number.isFinite(value)) {
          invalid(file, `${where}: ${name} must be a number, got ${JSON.stringify(value)}`);
        }
        builder.set(name, index, value);
      }
    } else {
      invalid(file, `${where}: unknown line type ${JSON.stringify(record.type)}`);
    }
  }
  if (!meta) invalid(file, "empty: no meta line");
  return builder.build(meta, descriptors);
}

/**
 * Parses metrics text of any supported kind, told apart by content: NDJSON (a line starting with
 * `{`), a sizer metrics CSV, or a raw Glances CSV export (first line `timestamp,…`).
 */
export function parseMetrics(text: string, file = "metrics"): MetricsData {
  const start = text.trimStart();
  if (start.startsWith("{")) return parseMetricsNdjson(text, file);
  if (start.startsWith("timestamp,")) return parseGlancesCsv(text, file);
  return parseMetricsCsv(text, file);
}

/**
 * Reads a metrics file written by `glances-collector --out` (CSV or NDJSON), or a raw Glances
 * CSV export (3.x or 4.x header), and returns it in columns.
 *
 * @throws {ReportInputError} `ERR_REPORT_INPUT_NOT_FOUND`, `ERR_REPORT_INPUT_INVALID` or
 *   `ERR_REPORT_INPUT_VERSION`, naming the file.
 */
export async function readMetricsFile(path: string): Promise<MetricsData> {
  const text = await readInputText(path, "metrics");
  return parseMetrics(text, path);
}
