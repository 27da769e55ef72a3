import { readFile } from "node:fs/promises";
import { splitCsvLine } from "./csv-line.js";
import { FormatError, fileError, UnsupportedVersionError } from "./errors.js";
import { describeMetric, type MetricDescriptor } from "./metric-catalogue.js";
import {
  type CollectorNote,
  METRICS_FORMAT_VERSION,
  type MetricSample,
  type MetricsFileMeta,
} from "./metric-sample.js";

/** A whole `sizer-metrics` file, CSV or NDJSON. */
export interface MetricsFile {
  meta: MetricsFileMeta;
  /** Every metric that appears in the file, in order of first appearance. */
  metrics: MetricDescriptor[];
  samples: MetricSample[];
  notes: CollectorNote[];
}

/** Reads a `sizer-metrics` file, CSV or NDJSON (told apart by the first character). */
export async function readMetricsFile(path: string): Promise<MetricsFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw fileError(path, error);
  }
  return parseMetrics(text, path);
}

/** Parses the text of a `sizer-metrics` file; `sourceName` names it in errors. */
export function parseMetrics(text: string, sourceName = "metrics"): MetricsFile {
  const start = text.trimStart();
  if (start.startsWith("{")) return parseNdjson(text, sourceName);
  if (start.startsWith("#")) return parseCsv(text, sourceName);
  throw new FormatError(
    sourceName,
    "not a sizer-metrics file: expected '# format: sizer-metrics' or an NDJSON meta line",
  );
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

function checkVersion(sourceName: string, format: unknown, version: unknown): number {
  if (format !== "sizer-metrics") {
    throw new FormatError(sourceName, `format is "${String(format)}", expected "sizer-metrics"`);
  }
  const number = Number(version);
  if (!Number.isInteger(number) || number < 1) {
    throw new FormatError(sourceName, `formatVersion "${String(version)}" is not a positive integer`);
  }
  if (number > METRICS_FORMAT_VERSION)
    throw new UnsupportedVersionError(sourceName, number, METRICS_FORMAT_VERSION);
  return number;
}

const KNOWN_META = new Set([
  "format",
  "formatVersion",
  "source",
  "sourceVersion",
  "host",
  "intervalSeconds",
  "pid",
]);

function parseCsv(text: string, sourceName: string): MetricsFile {
  const fields = new Map<string, string>();
  const samples: MetricSample[] = [];
  const notes: CollectorNote[] = [];
  const seen = new Set<string>();
  let columns: string[] | undefined;
  let lineNumber = 0;
  for (const rawLine of text.split("\n")) {
    lineNumber++;
    const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
    if (line.length === 0) continue;
    if (line.startsWith("# note ")) {
      const colon = line.indexOf(": ", 7);
      if (colon === -1)
        throw new FormatError(sourceName, `line ${lineNumber}: a note needs '# note <time>: text'`);
      notes.push({ time: Number(line.slice(7, colon)), message: line.slice(colon + 2) });
      continue;
    }
    if (line.startsWith("#")) {
      const colon = line.indexOf(":");
      if (colon !== -1 && columns === undefined)
        fields.set(line.slice(1, colon).trim(), line.slice(colon + 1).trim());
      continue;
    }
    if (columns === undefined) checkVersion(sourceName, fields.get("format"), fields.get("formatVersion"));
    if (line.startsWith("time,") || line === "time") {
      columns = splitCsvLine(line).slice(1);
      for (const name of columns) seen.add(name);
      continue;
    }
    if (columns === undefined)
      throw new FormatError(sourceName, `line ${lineNumber}: a data row before the 'time,...' header`);
    const cells = splitCsvLine(line);
    const time = Number(cells[0]);
    if (!Number.isFinite(time))
      throw new FormatError(sourceName, `line ${lineNumber}: time "${cells[0]}" is not a number`);
    const values: Record<string, number> = {};
    for (let index = 0; index < columns.length; index++) {
      const cell = cells[index + 1];
      if (cell === undefined || cell === "") continue;
      const value = Number(cell);
      if (!Number.isFinite(value)) {
        throw new FormatError(sourceName, `line ${lineNumber}: ${columns[index]} "${cell}" is not a number`);
      }
      values[columns[index] as string] = value;
    }
    samples.push({ time, values });
  }
  checkVersion(sourceName, fields.get("format"), fields.get("formatVersion"));
  const extra: Record<string, string> = {};
  for (const [key, value] of fields) if (!KNOWN_META.has(key)) extra[key] = value;
  const pid = fields.get("pid");
  const meta: MetricsFileMeta = {
    format: "sizer-metrics",
    formatVersion: Number(fields.get("formatVersion")),
    source: fields.get("source") ?? "unknown",
    sourceVersion: fields.get("sourceVersion") ?? "unknown",
    host: fields.get("host") ?? "unknown",
    intervalSeconds: Number(fields.get("intervalSeconds") ?? Number.NaN),
    ...(pid !== undefined && pid !== "" ? { pid: Number(pid) } : {}),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
  return { meta, metrics: describe(seen), samples, notes };
}

function parseNdjson(text: string, sourceName: string): MetricsFile {
  let meta: MetricsFileMeta | undefined;
  const declared = new Map<string, MetricDescriptor>();
  const seen = new Set<string>();
  const samples: MetricSample[] = [];
  const notes: CollectorNote[] = [];
  let lineNumber = 0;
  for (const line of text.split("\n")) {
    lineNumber++;
    if (line.trim().length === 0) continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new FormatError(sourceName, `line ${lineNumber}: not JSON`, { cause: error });
    }
    if (meta === undefined) {
      if (record.type !== "meta") throw new FormatError(sourceName, "the first line must be the meta line");
      const version = checkVersion(sourceName, record.format, record.formatVersion);
      for (const metric of (record.metrics as MetricDescriptor[] | undefined) ?? []) {
        const descriptor = describeMetric(metric.name);
        declared.set(metric.name, {
          name: metric.name,
          unit: metric.unit,
          kind: metric.kind,
          description: descriptor?.description ?? "",
        });
        seen.add(metric.name);
      }
      meta = {
        format: "sizer-metrics",
        formatVersion: version,
        source: String(record.source ?? "unknown"),
        sourceVersion: String(record.sourceVersion ?? "unknown"),
        host: String(record.host ?? "unknown"),
        intervalSeconds: Number(record.intervalSeconds),
        ...(typeof record.pid === "number" ? { pid: record.pid } : {}),
        ...(record.extra && typeof record.extra === "object"
          ? { extra: record.extra as Record<string, string> }
          : {}),
      };
      continue;
    }
    if (record.type === "sample") {
      const values = (record.values ?? {}) as Record<string, number>;
      for (const name of Object.keys(values)) seen.add(name);
      samples.push({ time: Number(record.time), values });
    } else if (record.type === "note") {
      notes.push({ time: Number(record.time), message: String(record.message) });
    }
  }
  if (!meta) throw new FormatError(sourceName, "empty file: no meta line");
  return { meta, metrics: describe(seen, declared), samples, notes };
}
