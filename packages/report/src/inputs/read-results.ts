import { ReportInputError } from "../errors.js";
import { readInputText } from "./read-input-text.js";
import type { LoadResultsInput } from "./types.js";

/** The newest `loadcore-results` major version this package understands. */
export const RESULTS_FORMAT_VERSION = 1;

type Json = unknown;

function describe(value: Json): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  return typeof value === "object" ? "an object" : String(value);
}

function isRecord(value: Json): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

class Checker {
  constructor(private readonly file: string) {}

  fail(path: string, expected: string, value: Json): never {
    throw new ReportInputError(
      "ERR_REPORT_INPUT_INVALID",
      this.file,
      `${path}: expected ${expected}, got ${describe(value)}`,
    );
  }

  number(record: Record<string, Json>, key: string, path: string, optional = false): void {
    const value = record[key];
    if (value === undefined && optional) return;
    if (typeof value !== "number" || !Number.isFinite(value)) this.fail(`${path}${key}`, "a number", value);
  }

  string(record: Record<string, Json>, key: string, path: string, optional = false): void {
    const value = record[key];
    if (value === undefined && optional) return;
    if (typeof value !== "string") this.fail(`${path}${key}`, "a string", value);
  }

  record(value: Json, path: string): Record<string, Json> {
    if (!isRecord(value)) this.fail(path, "an object", value);
    return value;
  }

  counts(value: Json, path: string): void {
    if (value === undefined) return;
    const record = this.record(value, path);
    for (const [key, count] of Object.entries(record)) {
      if (typeof count !== "number" || !Number.isFinite(count))
        this.fail(`${path}.${key}`, "a number", count);
    }
  }

  latency(value: Json, path: string): void {
    if (value === undefined || value === null) return;
    const record = this.record(value, path);
    for (const [key, number] of Object.entries(record)) {
      // Null appears where a percentile has no sample (an empty second).
      if (number !== null && (typeof number !== "number" || !Number.isFinite(number))) {
        this.fail(`${path}.${key}`, "a number of milliseconds", number);
      }
    }
  }
}

/**
 * Validates a parsed results JSON (`loadcore-results` v1, docs/formats.md) and returns it typed.
 * `file` names the input in error messages.
 *
 * @throws {ReportInputError} `ERR_REPORT_INPUT_INVALID` naming the field at fault, or
 *   `ERR_REPORT_INPUT_VERSION` for a newer major version.
 */
export function parseResults(value: unknown, file = "results"): LoadResultsInput {
  const check = new Checker(file);
  const root = check.record(value, "the results");
  if (root.format !== "loadcore-results") {
    throw new ReportInputError(
      "ERR_REPORT_INPUT_INVALID",
      file,
      `not a loadcore results file (format is ${describe(root.format)}, expected "loadcore-results")`,
    );
  }
  const version = root.formatVersion;
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1) {
    check.fail("formatVersion", "a positive integer", version);
  }
  if ((version as number) > RESULTS_FORMAT_VERSION) {
    throw new ReportInputError(
      "ERR_REPORT_INPUT_VERSION",
      file,
      `loadcore-results version ${version} is newer than this report understands (${RESULTS_FORMAT_VERSION}); upgrade @sizer/report`,
    );
  }
  check.string(root, "startedAt", "");
  if (Number.isNaN(Date.parse(root.startedAt as string)))
    check.fail("startedAt", "an ISO 8601 time", root.startedAt);
  for (const key of ["durationSeconds", "ok", "failed", "requests", "throughput"])
    check.number(root, key, "");
  check.latency(root.latency, "latency");
  check.counts(root.statusCodes, "statusCodes");
  check.counts(root.errors, "errors");
  if (root.command !== undefined) {
    if (!Array.isArray(root.command) || root.command.some((part) => typeof part !== "string")) {
      check.fail("command", "an array of strings", root.command);
    }
  }
  if (root.host !== undefined) {
    const host = check.record(root.host, "host");
    check.string(host, "hostname", "host.", true);
    check.number(host, "cpus", "host.", true);
    check.number(host, "memoryBytes", "host.", true);
  }
  if (!Array.isArray(root.timeline)) check.fail("timeline", "an array", root.timeline);
  (root.timeline as Json[]).forEach((entry, index) => {
    const path = `timeline[${index}].`;
    const record = check.record(entry, `timeline[${index}]`);
    for (const key of ["t", "time", "workers", "ok", "failed", "requests", "throughput"]) {
      check.number(record, key, path);
    }
    for (const key of ["errorRatio", "generatorCpuPercent", "eventLoopDelayMs"]) {
      if (record[key] !== null) check.number(record, key, path, true);
    }
    if (record.generatorRssBytes !== undefined) {
      const rss = record.generatorRssBytes;
      if (typeof rss !== "number" || !Number.isFinite(rss) || rss < 0)
        check.fail(`${path}generatorRssBytes`, "a number of bytes >= 0", rss);
    }
    check.latency(record.latency, `${path}latency`);
  });
  for (const list of ["scenarios", "byRequest"] as const) {
    if (root[list] === undefined) continue;
    if (!Array.isArray(root[list])) check.fail(list, "an array", root[list]);
    (root[list] as Json[]).forEach((item, index) => {
      const path = `${list}[${index}].`;
      const record = check.record(item, `${list}[${index}]`);
      check.string(record, "name", path);
      check.number(record, "failed", path);
      check.number(record, list === "scenarios" ? "ok" : "count", path);
      check.counts(record.errors, `${path}errors`);
      check.counts(record.statusCodes, `${path}statusCodes`);
      check.latency(record.latency, `${path}latency`);
    });
  }
  if (root.sizing !== undefined && root.sizing !== null) {
    const sizing = check.record(root.sizing, "sizing");
    check.number(sizing, "tolerance", "sizing.");
    check.string(sizing, "stopReason", "sizing.");
    if (sizing.healthyWorkers !== null) check.number(sizing, "healthyWorkers", "sizing.", true);
    if (sizing.plateau !== undefined && sizing.plateau !== null) {
      const plateau = check.record(sizing.plateau, "sizing.plateau");
      for (const key of ["atSeconds", "workers", "throughput"]) check.number(plateau, key, "sizing.plateau.");
      check.number(plateau, "levelThroughput", "sizing.plateau.", true);
    }
  }
  if (root.selfCheck !== undefined && root.selfCheck !== null) {
    const selfCheck = check.record(root.selfCheck, "selfCheck");
    if (typeof selfCheck.saturated !== "boolean")
      check.fail("selfCheck.saturated", "a boolean", selfCheck.saturated);
  }
  return root as unknown as LoadResultsInput;
}

/**
 * Reads and validates a results JSON file written by `loadcore --output`.
 *
 * @throws {ReportInputError} `ERR_REPORT_INPUT_NOT_FOUND` when the file cannot be read,
 *   `ERR_REPORT_INPUT_INVALID` when it is not valid JSON or not a results file,
 *   `ERR_REPORT_INPUT_VERSION` when its major version is newer than this package.
 */
export async function readResultsFile(path: string): Promise<LoadResultsInput> {
  const text = await readInputText(path, "results");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ReportInputError(
      "ERR_REPORT_INPUT_INVALID",
      path,
      `not valid JSON: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return parseResults(parsed, path);
}
