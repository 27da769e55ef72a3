import { ReportInputError } from "../errors.js";
import type { ReportSummary } from "../render-summary.js";
import { SUMMARY_FORMAT_VERSION } from "../render-summary.js";

/**
 * Validates a parsed `summary.json` (`sizer-report-summary`, docs/formats.md section 5), the verdict a
 * program or a CI step reads after a run. Lenient as every format of docs/formats.md: keys it does not
 * know are kept; another format, a newer version or a missing `analysis` is refused.
 *
 * @throws {ReportInputError} `ERR_REPORT_INPUT_INVALID` naming the field at fault, or
 *   `ERR_REPORT_INPUT_VERSION` for a newer version.
 */
export function parseSummary(value: unknown, file = "summary.json"): ReportSummary {
  const fail = (field: string, expected: string): never => {
    throw new ReportInputError("ERR_REPORT_INPUT_INVALID", file, `${field}: expected ${expected}`);
  };
  const isObject = (item: unknown): item is Record<string, unknown> =>
    typeof item === "object" && item !== null && !Array.isArray(item);
  if (!isObject(value)) return fail("the summary", "a JSON object");
  if (value.format !== "sizer-report-summary") fail("format", '"sizer-report-summary"');
  const version = value.formatVersion;
  if (!(typeof version === "number" && Number.isInteger(version) && version >= 1))
    fail("formatVersion", "a whole number >= 1");
  if ((version as number) > SUMMARY_FORMAT_VERSION) {
    throw new ReportInputError(
      "ERR_REPORT_INPUT_VERSION",
      file,
      `sizer-report-summary formatVersion ${version} is newer than this report reads (up to ${SUMMARY_FORMAT_VERSION}); upgrade @sizer/report`,
    );
  }
  if (!isObject(value.run)) fail("run", "an object");
  if (!isObject(value.analysis)) fail("analysis", "an object");
  const analysis = value.analysis as Record<string, unknown>;
  if (typeof analysis.headline !== "string") fail("analysis.headline", "a string");
  return value as unknown as ReportSummary;
}
