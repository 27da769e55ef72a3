import { EXIT_CODES, type ExitCodeName } from "@sizer/process-kit";
import type { SsmClientErrorCode } from "./errors.js";
import type { InvocationStatus } from "./invocation.js";

/**
 * The name, on the exit-code table every sizer command shares (`EXIT_CODES`, docs/exit-codes.md),
 * of each error code: every code listed (the README's table).
 */
export const SSM_ERROR_EXIT_CODE: Readonly<Record<SsmClientErrorCode, ExitCodeName>> = {
  ERR_SSM_USAGE: "usage",
  ERR_SSM_UNKNOWN_INSTANCE_TYPE: "usage",
  ERR_SSM_NO_CREDENTIALS: "cloudAccess",
  ERR_SSM_BAD_CREDENTIALS: "cloudAccess",
  ERR_SSM_BAD_REGION: "cloudAccess",
  ERR_SSM_ACCESS_DENIED: "cloudAccess",
  ERR_SSM_COMMAND_TIMEOUT: "deadline",
  ERR_SSM_NOT_MANAGED: "nodeUnavailable",
  ERR_SSM_AGENT_NOT_ONLINE: "nodeUnavailable",
  ERR_SSM_NO_INSTANCE_PROFILE: "nodeUnavailable",
  ERR_SSM_INSTANCE_NOT_FOUND: "nodeUnavailable",
  ERR_SSM_NO_TARGETS: "nodeUnavailable",
  ERR_SSM_CAPACITY: "cloudCapacity",
  ERR_SSM_QUOTA: "cloudCapacity",
  ERR_SSM_THROTTLED: "cloudError",
  ERR_SSM_INVOCATION_NOT_FOUND: "cloudError",
  ERR_SSM_AWS: "cloudError",
  ERR_SSM_FILE_TRANSFER: "files",
  ERR_SSM_ABORTED: "interrupted",
};

/** The name on the shared exit-code table of each way a command can end on an instance (`sizer-ssm run`). */
export const INVOCATION_EXIT_CODE: Readonly<Record<InvocationStatus, ExitCodeName>> = {
  Success: "done",
  Failed: "remoteFailed",
  ExecutionTimedOut: "deadline",
  TimedOut: "deadline",
  DeliveryTimedOut: "deadline",
  Undeliverable: "nodeUnavailable",
  Terminated: "nodeUnavailable",
  Cancelled: "remoteCancelled",
};

/** The exit code of an {@link SsmClientError}'s code, from the shared table. */
export function ssmExitCode(code: SsmClientErrorCode): number {
  return EXIT_CODES[SSM_ERROR_EXIT_CODE[code]];
}

/** The exit code of `sizer-ssm run` whose worst instance outcome is `status`, from the shared table. */
export function invocationExitCode(status: InvocationStatus): number {
  return EXIT_CODES[INVOCATION_EXIT_CODE[status]];
}
