import { parseResults as parseResultsValue, ResultsFormatError } from "@sizer/loadcore";
import { ReportInputError } from "../errors.js";
import { readInputText } from "./read-input-text.js";
import type { LoadResultsInput } from "./types.js";

export { RESULTS_FORMAT_VERSION } from "@sizer/loadcore";

function asInputError(error: unknown, file: string): unknown {
  if (!(error instanceof ResultsFormatError)) return error;
  return new ReportInputError(
    error.newerVersion === undefined ? "ERR_REPORT_INPUT_INVALID" : "ERR_REPORT_INPUT_VERSION",
    file,
    error.detail,
    { cause: error },
  );
}

/**
 * Validates a parsed results JSON (`loadcore-results`, docs/formats.md) with `@sizer/loadcore`'s
 * `parseResults`, the producer's reader, and returns it typed. `file` names the input in errors.
 *
 * @throws {ReportInputError} `ERR_REPORT_INPUT_INVALID` naming the field at fault, or
 *   `ERR_REPORT_INPUT_VERSION` for a newer major version.
 */
export function parseResults(value: unknown, file = "results"): LoadResultsInput {
  try {
    return parseResultsValue(value, file);
  } catch (error) {
    throw asInputError(error, file);
  }
}

/**
 * Reads and validates a results JSON file written by `loadcore --output`.
 *
 * @throws {ReportInputError} `ERR_REPORT_INPUT_NOT_FOUND` when the file cannot be read,
 *   `ERR_REPORT_INPUT_INVALID` when it is not valid JSON or not a results file,
 *   `ERR_REPORT_INPUT_VERSION` when its major version is newer than `@sizer/loadcore` reads.
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
