import { readFile } from "node:fs/promises";
import type { RunMetadata } from "../analysis-types.js";
import { ReportInputError } from "../errors.js";

/**
 * Validates run metadata (see `RunMetadata`): every field optional, each of the documented type.
 *
 * @throws {ReportInputError} `ERR_REPORT_INPUT_INVALID` naming the field at fault.
 */
export function parseRunMetadata(value: unknown, file = "metadata"): RunMetadata {
  const fail = (field: string, expected: string): never => {
    throw new ReportInputError("ERR_REPORT_INPUT_INVALID", file, `${field}: expected ${expected}`);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value))
    fail("the metadata", "a JSON object");
  const record = value as Record<string, unknown>;
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
