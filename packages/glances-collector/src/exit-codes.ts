import type { ExitCodeName } from "@sizer/process-kit";
import type { CollectorErrorCode } from "./errors.js";

/**
 * The name, on the exit-code table every sizer command shares (`EXIT_CODES`, docs/exit-codes.md), of
 * each error code: the one mapping of this command (its README's table).
 */
export const COLLECTOR_ERROR_EXIT_CODE: Readonly<Record<CollectorErrorCode, ExitCodeName>> = {
  ERR_COLLECTOR_INVALID_OPTION: "usage",
  ERR_COLLECTOR_PID_NOT_FOUND: "resources",
  ERR_COLLECTOR_CONTAINER_NOT_FOUND: "resources",
  ERR_COLLECTOR_GLANCES_NOT_FOUND: "resources",
  ERR_COLLECTOR_GLANCES_FAILED: "resources",
  ERR_COLLECTOR_HTTP: "resources",
  ERR_COLLECTOR_FILE_NOT_FOUND: "files",
  ERR_COLLECTOR_PERMISSION: "files",
  ERR_COLLECTOR_FORMAT: "files",
  ERR_COLLECTOR_UNSUPPORTED_VERSION: "files",
  ERR_COLLECTOR_STATE: "internal",
};
