import { EXIT_CODES, type ExitCodeName } from "@sizer/loadcore";
// The subpath, not the package: mapping a code must not load the AWS SDK (a second of start-up).
import { SSM_ERROR_EXIT_CODE } from "@sizer/ssm-client/exit-codes";

/**
 * The exit codes of the `sizer` command: the table every sizer command shares (loadcore's
 * `EXIT_CODES`, documented in docs/exit-codes.md). A sizing that found the capacity, or found it
 * above the load it could apply, exits 0.
 */
export const exitCodes = EXIT_CODES;

/**
 * Each error code by its name in the shared table: sizer's own, and (`sizer aws run`) ssm-client's,
 * mapped as `sizer-ssm` maps them.
 */
const byCode: Readonly<Record<string, ExitCodeName>> = {
  ...SSM_ERROR_EXIT_CODE,
  ERR_SIZER_USAGE: "usage",
  ERR_SIZER_SERVICE_START: "target",
  ERR_SIZER_SERVICE_NOT_READY: "target",
  ERR_SIZER_URL_UNREACHABLE: "target",
  ERR_SIZER_DOCKER_UNAVAILABLE: "target",
  ERR_SIZER_IMAGE_NOT_FOUND: "target",
  ERR_SIZER_DOCKER_RUN: "target",
  ERR_SIZER_PINNING: "target",
  ERR_SIZER_NO_SUCCESS: "target",
  ERR_SIZER_LOADER_UNUSABLE: "nodeUnavailable",
  ERR_SIZER_SERVICE_EXITED: "serviceDied",
  ERR_SIZER_SCENARIO: "scenario",
  ERR_SIZER_OUTPUT_FOLDER: "files",
  ERR_SIZER_COLLECTOR: "resources",
  ERR_SIZER_INTERRUPTED: "interrupted",
};

/** The exit code for an error `code` (`ERR_SIZER_*`, `ERR_SSM_*`); unknown codes (and `ERR_SIZER_REPORT`) are internal errors. */
export function exitCodeFor(code: string | undefined): number {
  const name = code === undefined ? undefined : byCode[code];
  return EXIT_CODES[name ?? "internal"];
}
