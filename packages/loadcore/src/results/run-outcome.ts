import { EXIT_CODES, type ExitCodeName } from "@sizer/process-kit";
import type { LoadResults } from "./results.js";

/**
 * How a finished run ended, for a command's exit code, in order of precedence:
 * `scenario-picker` (the scenario file's picker failed: a usage mistake), `fail-threshold` (`--fail N`
 * crossed), `exception` (`-x` stopped the run at a failure), `interrupted`, `no-success` (no scenario
 * run succeeded), `done`.
 */
export type RunOutcome =
  | "scenario-picker"
  | "fail-threshold"
  | "exception"
  | "interrupted"
  | "no-success"
  | "done";

/** The outcome of a finished run; `fail` is the `--fail` threshold, if any. */
export function runOutcome(
  results: Pick<LoadResults, "ok" | "failed" | "interrupted" | "options">,
  fail: number | undefined,
): RunOutcome {
  const endReason = results.options.endReason;
  if (endReason === "scenario-picker") return "scenario-picker";
  if (fail !== undefined && results.failed >= fail) return "fail-threshold";
  if (endReason === "exception" && results.failed > 0) return "exception";
  if (results.interrupted) return "interrupted";
  if (results.ok === 0 && results.failed > 0) return "no-success";
  return "done";
}

// The exit-code table lives in @sizer/process-kit, shared with every sizer command; loadcore
// re-exports it, part of its public API since before the move.
export { EXIT_CODES, type ExitCodeName };

/** The exit code of each way a run can end (see {@link runOutcome}). */
export const OUTCOME_EXIT_CODE: Readonly<Record<RunOutcome, ExitCodeName>> = {
  "scenario-picker": "scenario",
  "fail-threshold": "failThreshold",
  exception: "failThreshold",
  interrupted: "interrupted",
  "no-success": "target",
  done: "done",
};

const LOADCORE_ERROR_EXIT_CODE: Readonly<Record<string, ExitCodeName>> = {
  ERR_LOADCORE_USAGE: "usage",
  ERR_LOADCORE_OUTPUT: "usage",
  ERR_LOADCORE_CONFIG: "scenario",
  ERR_LOADCORE_SCENARIO_NOT_FOUND: "scenario",
  ERR_LOADCORE_SCENARIO_LOAD: "scenario",
  ERR_LOADCORE_REGISTRATION: "scenario",
  ERR_LOADCORE_NO_SCENARIO: "scenario",
  ERR_LOADCORE_UNKNOWN_SCENARIO: "scenario",
  ERR_LOADCORE_FIXTURE: "scenario",
  ERR_LOADCORE_RESULTS_FORMAT: "files",
};

/**
 * The {@link EXIT_CODES} name of one of loadcore's error codes (`ERR_LOADCORE_*`), or undefined
 * for a code that is not loadcore's or not a user's mistake (an internal error).
 */
export function loadcoreExitCode(code: string | undefined): ExitCodeName | undefined {
  return code === undefined ? undefined : LOADCORE_ERROR_EXIT_CODE[code];
}
