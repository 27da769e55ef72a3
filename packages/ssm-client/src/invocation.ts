/** How an invocation ended, from SSM's `Status` and, where it says more, its `StatusDetails`. */
export type InvocationStatus =
  | "Success"
  | "Failed"
  | "Cancelled"
  | "TimedOut"
  | "Undeliverable"
  | "Terminated"
  | "DeliveryTimedOut"
  | "ExecutionTimedOut";

/** Every terminal status, best first (the order `worstStatus` ranks by). */
export const INVOCATION_STATUSES: readonly InvocationStatus[] = [
  "Success",
  "Failed",
  "ExecutionTimedOut",
  "TimedOut",
  "DeliveryTimedOut",
  "Undeliverable",
  "Terminated",
  "Cancelled",
];

/** SSM caps `StandardOutputContent` at this many characters. */
export const INLINE_STDOUT_LIMIT = 24_000;
/** SSM caps `StandardErrorContent` at this many characters. */
export const INLINE_STDERR_LIMIT = 8_000;

const IN_FLIGHT = new Set(["Pending", "InProgress", "Delayed", "Cancelling"]);
const DETAILED = new Set(["Undeliverable", "Terminated", "DeliveryTimedOut", "ExecutionTimedOut"]);

/** The terminal status of an invocation, or undefined while it is still pending or running. */
export function invocationStatus(status: string, statusDetails = ""): InvocationStatus | undefined {
  if (IN_FLIGHT.has(status)) return undefined;
  const details = statusDetails.replaceAll(" ", "");
  if (DETAILED.has(details)) return details as InvocationStatus;
  if (status === "Success" || status === "Failed" || status === "Cancelled" || status === "TimedOut")
    return status;
  return "Failed";
}

/** The worst of some statuses (`Success` for none). */
export function worstStatus(statuses: readonly InvocationStatus[]): InvocationStatus {
  return statuses.reduce<InvocationStatus>(
    (worst, status) =>
      INVOCATION_STATUSES.indexOf(status) > INVOCATION_STATUSES.indexOf(worst) ? status : worst,
    "Success",
  );
}

/** One instance's result. */
export interface CommandOutcome {
  commandId: string;
  instanceId: string;
  status: InvocationStatus;
  /** SSM's own words, such as `Execution Timed Out`. */
  statusDetails: string;
  /** The script's exit code; null when it did not run to an exit (SSM's -1). */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** True when stdout is SSM's truncated inline copy (no output bucket, or the full copy could not be read). */
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** Where the output came from: `inline` (GetCommandInvocation) or `s3` (the output bucket). */
  outputSource: "inline" | "s3";
}
