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
