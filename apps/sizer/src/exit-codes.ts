import { EXIT_CODES, type ExitCodeName } from "@sizer/loadcore";

/**
 * The exit codes of the `sizer` command: the table every sizer command shares (loadcore's
 * `EXIT_CODES`, documented in docs/exit-codes.md). A sizing that found the capacity, or found it
 * above the load it could apply, exits 0.
 */
export const exitCodes = EXIT_CODES;

/** Each of sizer's error codes by its name in the shared table. */
const byCode: Readonly<Record<string, ExitCodeName>> = {
  ERR_SIZER_USAGE: "usage",
  ERR_SIZER_SERVICE_START: "target",
  ERR_SIZER_SERVICE_NOT_READY: "target",
  ERR_SIZER_URL_UNREACHABLE: "target",
  ERR_SIZER_DOCKER_UNAVAILABLE: "target",
  ERR_SIZER_IMAGE_NOT_FOUND: "target",
  ERR_SIZER_DOCKER_RUN: "target",
  ERR_SIZER_PINNING: "target",
  ERR_SIZER_NO_SUCCESS: "target",
  ERR_SIZER_SERVICE_EXITED: "serviceDied",
  ERR_SIZER_SCENARIO: "scenario",
  ERR_SIZER_OUTPUT_FOLDER: "files",
  ERR_SIZER_COLLECTOR: "resources",
  ERR_SIZER_INTERRUPTED: "interrupted",
  // `sizer aws run`: ssm-client's errors. A bad type is usage; AWS refusing or a node that cannot
  // run the service means the target could not be reached.
  ERR_SSM_USAGE: "usage",
  ERR_SSM_UNKNOWN_INSTANCE_TYPE: "usage",
  ERR_SSM_NO_CREDENTIALS: "target",
  ERR_SSM_BAD_CREDENTIALS: "target",
  ERR_SSM_BAD_REGION: "target",
  ERR_SSM_ACCESS_DENIED: "target",
  ERR_SSM_COMMAND_TIMEOUT: "target",
  ERR_SSM_NOT_MANAGED: "target",
  ERR_SSM_AGENT_NOT_ONLINE: "target",
  ERR_SSM_NO_INSTANCE_PROFILE: "target",
  ERR_SSM_INSTANCE_NOT_FOUND: "target",
  ERR_SSM_NO_TARGETS: "target",
  ERR_SSM_CAPACITY: "target",
  ERR_SSM_QUOTA: "target",
  ERR_SSM_THROTTLED: "target",
  ERR_SSM_INVOCATION_NOT_FOUND: "target",
  ERR_SSM_AWS: "target",
  ERR_SSM_FILE_TRANSFER: "files",
  ERR_SSM_ABORTED: "interrupted",
};

/** The exit code for an error `code` (`ERR_SIZER_*`); unknown codes (and `ERR_SIZER_REPORT`) are internal errors. */
export function exitCodeFor(code: string | undefined): number {
  const name = code === undefined ? undefined : byCode[code];
  return EXIT_CODES[name ?? "internal"];
}
