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

/**
 * The exit codes of the sizer commands (`loadcore`, `moloslave`, `sizer`), one table for all,
 * documented once in docs/exit-codes.md. A command maps its error codes and run outcomes to these
 * names; a number means the same thing whichever command exits with it.
 */
export const EXIT_CODES = {
  /** The command did what it was asked (a sizing that found the capacity, or found it above the load applied). */
  done: 0,
  /** Failures crossed the run's threshold: `--fail N` reached, or `-x/--exception` stopped the run at a failure. */
  failThreshold: 1,
  /** Bad usage: an unknown flag, a missing or bad value; the message names the flag. */
  usage: 2,
  /** Nothing measured: no scenario run succeeded; or (sizer) the service could not be started or reached. */
  target: 3,
  /** (sizer) The service died during the run; a partial report was written. */
  serviceDied: 4,
  /** The scenario, its molotov.json or its repository cannot be used (missing, syntax error, no scenario, bad config, git or install failed). */
  scenario: 5,
  /** A file or folder cannot be read or written (a saved run, an input file, the OS refusing). */
  files: 6,
  /** The resources cannot be recorded (Glances missing or failing, the watched process gone, no permission). */
  resources: 7,
  /** An internal error: a bug, please report it with the output. */
  internal: 70,
  /** Interrupted by Ctrl-C or SIGTERM (results, and sizer's partial report, still written). */
  interrupted: 130,
} as const;

/** A name of {@link EXIT_CODES}. */
export type ExitCodeName = keyof typeof EXIT_CODES;

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
};

/**
 * The {@link EXIT_CODES} name of one of loadcore's error codes (`ERR_LOADCORE_*`), or undefined
 * for a code that is not loadcore's or not a user's mistake (an internal error).
 */
export function loadcoreExitCode(code: string | undefined): ExitCodeName | undefined {
  return code === undefined ? undefined : LOADCORE_ERROR_EXIT_CODE[code];
}
