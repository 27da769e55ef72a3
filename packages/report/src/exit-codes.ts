import type { ExitCodeName } from "@sizer/process-kit";
import type { ReportErrorCode } from "./errors.js";

/**
 * The name, on the exit-code table every sizer command shares (`EXIT_CODES`, docs/exit-codes.md), of
 * each error code of `sizer-report`: the one mapping of this command (its README's table).
 */
export const REPORT_ERROR_EXIT_CODE: Readonly<Record<ReportErrorCode, ExitCodeName>> = {
  ERR_REPORT_OPTION_INVALID: "usage",
  ERR_REPORT_INPUT_NOT_FOUND: "files",
  ERR_REPORT_INPUT_INVALID: "files",
  ERR_REPORT_INPUT_VERSION: "files",
  ERR_REPORT_WRITE_FAILED: "files",
};
