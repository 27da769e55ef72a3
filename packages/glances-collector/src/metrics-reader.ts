import { readFile } from "node:fs/promises";
import { splitCsvLine } from "./csv-line.js";
import { FormatError, fileError, UnsupportedVersionError } from "./errors.js";
import { describeMetric, type MetricDescriptor } from "./metric-catalogue.js";
import {
  type CollectorNote,
  METRICS_FORMAT_VERSION,
  type MetricSample,
  type MetricsFileMetaInput,
} from "./metric-sample.js";

/** A whole `sizer-metrics` file, CSV or NDJSON. */
export interface MetricsFile {
  meta: MetricsFileMetaInput;
  /** Every metric that appears in the file, in order of first appearance. */
  metrics: MetricDescriptor[];
  samples: MetricSample[];
  notes: CollectorNote[];
}

/** Metric names are dotted paths of `[A-Za-z0-9_-]` parts (docs/formats.md section 2). */
export const METRIC_NAME: RegExp = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/**
 * Reads a `sizer-metrics` file, CSV or NDJSON (told apart by the first character).
 *
 * @throws {FileNotFoundError} `ERR_COLLECTOR_FILE_NOT_FOUND` when the file does not exist.
 * @throws {FormatError} `ERR_COLLECTOR_FORMAT` naming the file and the line at fault.
 * @throws {UnsupportedVersionError} `ERR_COLLECTOR_UNSUPPORTED_VERSION` for a newer major version.
 */
export async function readMetricsFile(path: string): Promise<MetricsFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw fileError(path, error);
  }
  return parseMetrics(text, path);
}

/**
 * Parses the text of a `sizer-metrics` file; `sourceName` names it in errors. The one reader of the
 * format (docs/formats.md): lenient where a file written by hand or by a newer producer differs
 * (metadata left out, unknown metadata keys and NDJSON line types kept or skipped), strict on what
 * would make a wrong number (a cell that is not a number, a bad metric name, a newer major version).
 */
export function parseMetrics(text: string, sourceName = "metrics"): MetricsFile {
  const start = text.trimStart();
  if (start.startsWith("{")) return parseNdjson(text, sourceName);
  return parseCsv(text, sourceName);
}

function describe(
  names: Iterable<string>,
  declared = new Map<string, MetricDescriptor>(),
): MetricDescriptor[] {
  const result: MetricDescriptor[] = [];
  for (const name of names) {
    result.push(
      declared.get(name) ??
        describeMetric(name) ?? { name, unit: "count", kind: "gauge", description: "not in the catalogue" },
    );
  }
  return result;
}

/** A missing format or version is the current one (a file written by hand); another format or a newer version is refused. */
function checkVersion(sourceName: string, format: unknown, version: unknown): number {
  if (format !== undefined && format !== "sizer-metrics") {
    throw new FormatError(
      sourceName,
      `not a sizer-metrics file: format is ${JSON.stringify(format)}, expected "sizer-metrics"`,
    );
  }
  if (version === undefined || version === "") return METRICS_FORMAT_VERSION;
  const number = Number(version);
  if (!Number.isInteger(number) || number < 1) {
    throw new FormatError(sourceName, `formatVersion ${JSON.stringify(version)} is not a positive integer`);
  }
  if (number > METRICS_FORMAT_VERSION)
    throw new UnsupportedVersionError(sourceName, number, METRICS_FORMAT_VERSION);
  return number;
}

function checkName(sourceName: string, where: string, name: string): string {
  if (!METRIC_NAME.test(name)) {
    throw new FormatError(
      sourceName,
      `${where}: invalid metric name ${JSON.stringify(name)} (dotted parts of A-Z a-z 0-9 _ -)`,
    );
  }
  return name;
}

function optionalNumber(sourceName: string, key: string, value: unknown): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const number = typeof value === "string" ? Number(value) : value;
  if (typeof number !== "number" || !Number.isFinite(number)) {
    throw new FormatError(sourceName, `${key}: expected a number, got ${JSON.stringify(value)}`);
  }
  return number;
}

const KNOWN_META = new Set([
  "type",
  "format",
  "formatVersion",
  "source",
  "sourceVersion",
  "host",
  "intervalSeconds",
  "pid",
  "metrics",
  "extra",
]);

/** Text of a metadata value: strings as they are, anything else as JSON. */
function asText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The metadata from raw key/values (CSV `# key: value` lines, or an NDJSON meta line). */
function buildMeta(sourceName: string, raw: Record<string, unknown>): MetricsFileMetaInput {
  const extra: Record<string, string> = {};
  const nested = raw.extra;
  if (nested !== undefined && typeof nested === "object" && nested !== null && !Array.isArray(nested)) {
    for (const [key, value] of Object.entries(nested)) extra[key] = asText(value);
  } else if (nested !== undefined) {
    extra.extra = asText(nested);
  }
  for (const [key, value] of Object.entries(raw)) if (!KNOWN_META.has(key)) extra[key] = asText(value);
  const meta: MetricsFileMetaInput = {
    format: "sizer-metrics",
    formatVersion: checkVersion(sourceName, raw.format, raw.formatVersion),
    extra,
  };
  if (raw.source !== undefined) meta.source = asText(raw.source);
  if (raw.sourceVersion !== undefined) meta.sourceVersion = asText(raw.sourceVersion);
  if (raw.host !== undefined) meta.host = asText(raw.host);
  const interval = optionalNumber(sourceName, "intervalSeconds", raw.intervalSeconds);
  if (interval !== undefined) meta.intervalSeconds = interval;
  const pid = optionalNumber(sourceName, "pid", raw.pid);
  if (pid !== undefined) meta.pid = pid;
  return meta;
}

function parseCsv(text: string, sourceName: string): MetricsFile {
  const fields: Record<string, string> = {};
  const samples: MetricSample[] = [];
  const notes: CollectorNote[] = [];
  const seen = new Set<string>();
  let columns: string[] | undefined;
  let lineNumber = 0;
  for (const rawLine of text.split("\n")) {
    lineNumber++;
    const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
    const where = `line ${lineNumber}`;
    if (line.trim().length === 0) continue;
    if (line.startsWith("# note ")) {
      const colon = line.indexOf(":", 7);
      const time = colon === -1 ? Number.NaN : Number(line.slice(7, colon).trim());
      if (!Number.isFinite(time))
        throw new FormatError(sourceName, `${where}: a note needs '# note <epoch ms>: text'`);
      notes.push({ time, message: line.slice(colon + 1).replace(/^ /, "") });
      continue;
    }
    if (line.startsWith("#")) {
      const colon = line.indexOf(":");
      if (colon !== -1 && columns === undefined) {
        const key = line.slice(1, colon).trim();
        if (key !== "") fields[key] = line.slice(colon + 1).trim();
      }
      continue;
    }
    if (line.startsWith("time,") || line === "time") {
      if (columns === undefined) checkVersion(sourceName, fields.format, fields.formatVersion);
      columns = splitCsvLine(line).slice(1);
      for (const name of columns) seen.add(checkName(sourceName, `${where} (header)`, name));
      continue;
    }
    if (columns === undefined) {
      throw new FormatError(
        sourceName,
        fields.format === undefined
          ? `${where}: not a sizer-metrics file: expected '# format: sizer-metrics' or a 'time,...' header first`
          : `${where}: a data row before the 'time,...' header`,
      );
    }
    const cells = splitCsvLine(line);
    if (cells.length > columns.length + 1) {
      throw new FormatError(
        sourceName,
        `${where}: ${cells.length} cells but the header has ${columns.length + 1} columns`,
      );
    }
    const time = Number(cells[0]);
    if (cells[0]?.trim() === "" || !Number.isFinite(time))
      throw new FormatError(
        sourceName,
        `${where}: time must be epoch milliseconds, got ${JSON.stringify(cells[0])}`,
      );
    const values: Record<string, number> = {};
    for (let index = 0; index < columns.length; index++) {
      const cell = cells[index + 1];
      if (cell === undefined || cell === "") continue;
      const value = Number(cell);
      if (!Number.isFinite(value)) {
        throw new FormatError(
          sourceName,
          `${where}: ${columns[index]} must be a number, got ${JSON.stringify(cell)}`,
        );
      }
      values[columns[index] as string] = value;
    }
    samples.push({ time, values });
  }
  // A collector stopped before its first sample wrote its metadata only: zero samples, not an error.
  if (columns === undefined && fields.format === undefined) {
    throw new FormatError(
      sourceName,
      "not a sizer-metrics file: no '# format: sizer-metrics' line and no 'time,...' header",
    );
  }
  return { meta: buildMeta(sourceName, fields), metrics: describe(seen), samples, notes };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseNdjson(text: string, sourceName: string): MetricsFile {
  let meta: MetricsFileMetaInput | undefined;
  const declared = new Map<string, MetricDescriptor>();
  const seen = new Set<string>();
  const samples: MetricSample[] = [];
  const notes: CollectorNote[] = [];
  let lineNumber = 0;
  for (const line of text.split("\n")) {
    lineNumber++;
    const where = `line ${lineNumber}`;
    if (line.trim().length === 0) continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      throw new FormatError(sourceName, `${where}: not valid JSON (${(error as Error).message})`, {
        cause: error,
      });
    }
    if (!isObject(record)) throw new FormatError(sourceName, `${where}: expected a JSON object`);
    if (meta === undefined) {
      if (record.type !== "meta")
        throw new FormatError(
          sourceName,
          `${where}: the first line must be the meta line {"type":"meta","format":"sizer-metrics",...}`,
        );
      meta = buildMeta(sourceName, record);
      const metrics = record.metrics ?? [];
      if (!Array.isArray(metrics)) throw new FormatError(sourceName, `${where}: metrics must be an array`);
      metrics.forEach((metric: unknown, index) => {
        const name = isObject(metric) ? metric.name : undefined;
        if (typeof name !== "string")
          throw new FormatError(sourceName, `${where}: metrics[${index}].name is missing`);
        checkName(sourceName, `${where}: metrics[${index}]`, name);
        const known = describeMetric(name);
        const entry = metric as Partial<MetricDescriptor>;
        declared.set(name, {
          name,
          unit: entry.unit ?? known?.unit ?? "count",
          kind: entry.kind ?? known?.kind ?? "gauge",
          description: known?.description ?? "",
        });
        seen.add(name);
      });
      continue;
    }
    if (record.type === "sample") {
      const time = record.time;
      if (typeof time !== "number" || !Number.isFinite(time))
        throw new FormatError(
          sourceName,
          `${where}: sample time ${JSON.stringify(time)} is not epoch milliseconds`,
        );
      if (!isObject(record.values))
        throw new FormatError(sourceName, `${where}: sample values must be an object`);
      const values: Record<string, number> = {};
      for (const [name, value] of Object.entries(record.values)) {
        if (value === null || value === undefined) continue;
        checkName(sourceName, where, name);
        if (typeof value !== "number" || !Number.isFinite(value))
          throw new FormatError(
            sourceName,
            `${where}: ${name} must be a number, got ${JSON.stringify(value)}`,
          );
        values[name] = value;
        seen.add(name);
      }
      samples.push({ time, values });
    } else if (record.type === "note") {
      if (typeof record.time !== "number" || !Number.isFinite(record.time))
        throw new FormatError(
          sourceName,
          `${where}: note time ${JSON.stringify(record.time)} is not epoch milliseconds`,
        );
      notes.push({ time: record.time, message: String(record.message ?? "") });
    }
    // Other line types may come with a newer minor version: skipped, as unknown keys are kept.
  }
  if (!meta) throw new FormatError(sourceName, "empty file: no meta line");
  return { meta, metrics: describe(seen, declared), samples, notes };
}
