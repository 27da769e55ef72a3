import { readFile } from "node:fs/promises";
import type { RunMetadata } from "../analysis-types.js";
import { ReportInputError } from "../errors.js";

/** The `format` a run metadata file may declare (it may also declare none: a file written by hand). */
export const RUN_METADATA_FORMAT = "sizer-run-metadata";
/** The newest run metadata version this package reads. */
export const RUN_METADATA_FORMAT_VERSION = 1;

/**
 * Validates run metadata (see `RunMetadata`, docs/formats.md section 3): every field optional, each of
 * the documented type. As every format of docs/formats.md, keys it does not know are read (kept), not
 * refused; another format is refused, the `command.json` of a sizer run folder with a word on what to
 * run instead, and so is a newer version.
 *
 * @throws {ReportInputError} `ERR_REPORT_INPUT_INVALID` naming the field at fault or the other format,
 *   `ERR_REPORT_INPUT_VERSION` for a newer version.
 */
export function parseRunMetadata(value: unknown, file = "metadata"): RunMetadata {
  const fail = (field: string, expected: string): never => {
    throw new ReportInputError("ERR_REPORT_INPUT_INVALID", file, `${field}: expected ${expected}`);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value))
    fail("the metadata", "a JSON object");
  const record = value as Record<string, unknown>;
  // The command.json of a sizer run folder is the likeliest wrong file: say what to run instead.
  if (
    record.format === "sizer-run" ||
    (record.format === undefined && "argv" in record && "status" in record)
  ) {
    throw new ReportInputError(
      "ERR_REPORT_INPUT_INVALID",
      file,
      "this is the command.json of a sizer run, not run metadata: use `sizer report DIR` to rebuild a sizer run's report",
    );
  }
  if (record.format !== undefined && record.format !== RUN_METADATA_FORMAT)
    fail("format", `"${RUN_METADATA_FORMAT}" or nothing`);
  const version = record.formatVersion;
  if (version !== undefined && !(typeof version === "number" && Number.isInteger(version) && version >= 1))
    fail("formatVersion", "a whole number >= 1");
  if (typeof version === "number" && version > RUN_METADATA_FORMAT_VERSION) {
    throw new ReportInputError(
      "ERR_REPORT_INPUT_VERSION",
      file,
      `run metadata formatVersion ${version} is newer than this report reads (up to ${RUN_METADATA_FORMAT_VERSION}); upgrade @sizer/report`,
    );
  }
  for (const key of ["serviceCommand", "target", "partialReason"]) {
    if (record[key] !== undefined && typeof record[key] !== "string") fail(key, "a string");
  }
  for (const key of ["sharedCores", "partial"]) {
    if (record[key] !== undefined && typeof record[key] !== "boolean") fail(key, "true or false");
  }
  if (record.versions !== undefined) {
    const versions = record.versions;
    if (typeof versions !== "object" || versions === null || Array.isArray(versions))
      fail("versions", "an object of strings");
    for (const [name, version] of Object.entries(versions as object)) {
      if (typeof version !== "string") fail(`versions.${name}`, "a string");
    }
  }
  if (record.host !== undefined) {
    const host = record.host as Record<string, unknown>;
    if (typeof host !== "object" || host === null || Array.isArray(host)) fail("host", "an object");
    for (const key of ["name", "instanceType"]) {
      if (host[key] !== undefined && typeof host[key] !== "string") fail(`host.${key}`, "a string");
    }
    for (const key of ["vcpus", "memoryBytes"]) {
      const number = host[key];
      if (number !== undefined && !(typeof number === "number" && Number.isFinite(number) && number > 0)) {
        fail(`host.${key}`, "a positive number");
      }
    }
  }
  if (record.serviceExit !== undefined) {
    const exit = record.serviceExit as Record<string, unknown>;
    if (typeof exit !== "object" || exit === null || Array.isArray(exit))
      fail("serviceExit", "an object { code, signal, atSeconds }");
    if (!(exit.code === null || Number.isInteger(exit.code)))
      fail("serviceExit.code", "an integer exit code, or null when a signal ended the service");
    if (!(exit.signal === null || (typeof exit.signal === "string" && exit.signal !== "")))
      fail("serviceExit.signal", 'a signal name such as "SIGKILL", or null when it exited by itself');
    const at = exit.atSeconds;
    if (!(at === null || (typeof at === "number" && Number.isFinite(at) && at >= 0)))
      fail("serviceExit.atSeconds", "seconds since the run's start (0 or more), or null when unknown");
  }
  return record as RunMetadata;
}

/** Reads and validates a run metadata JSON file. */
export async function readMetadataFile(path: string): Promise<RunMetadata> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ReportInputError(
      "ERR_REPORT_INPUT_NOT_FOUND",
      path,
      `cannot read the metadata file: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  try {
    return parseRunMetadata(JSON.parse(text), path);
  } catch (error) {
    if (error instanceof ReportInputError) throw error;
    throw new ReportInputError(
      "ERR_REPORT_INPUT_INVALID",
      path,
      `not valid JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
