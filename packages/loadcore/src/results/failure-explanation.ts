import type { ErrorClass } from "../http/error-class.js";
import type { LoadResults } from "./results.js";

const numberFormat = new Intl.NumberFormat("en-US");

function count(value: number): string {
  return numberFormat.format(value);
}

/** "refused 11,657, timeout 3": the error classes of the failed runs, most frequent first. */
export function describeErrors(results: Pick<LoadResults, "errors">): string {
  const classes = Object.entries(results.errors)
    .filter(([, value]) => value !== undefined && value > 0)
    .sort((left, right) => (right[1] ?? 0) - (left[1] ?? 0))
    .map(([name, value]) => `${name} ${count(value ?? 0)}`);
  return classes.length > 0 ? classes.join(", ") : "no error class recorded";
}

/** What a status code most likely says about the scenario or the target. */
function statusAdvice(status: number): string {
  if (status === 404 || status === 405) return "check the scenario's URLs";
  if (status === 401 || status === 403) return "check the credentials the scenario sends";
  if (status === 429) return "the target limits the request rate";
  if (status >= 500) return "the target itself fails: see its logs";
  if (status < 400) return "the scenario's checks failed (-v prints every failure)";
  return "-v prints every failure";
}

/** "all 1,963 answers were 404: check the scenario's URLs", or the top three codes with their counts. */
function describeAnswers(results: Pick<LoadResults, "statusCodes">): string {
  const statuses = Object.entries(results.statusCodes)
    .map(([status, value]) => ({ status: Number(status), count: value }))
    .filter((entry) => entry.count > 0)
    .sort((left, right) => right.count - left.count || left.status - right.status);
  const top = statuses[0];
  if (top === undefined) return "the scenario's checks failed (-v prints every failure)";
  const total = statuses.reduce((sum, entry) => sum + entry.count, 0);
  const advice = statusAdvice(top.status);
  if (statuses.length === 1) {
    return total === 1
      ? `the only answer was ${top.status}: ${advice}`
      : `all ${count(total)} answers were ${top.status}: ${advice}`;
  }
  const shown = statuses.slice(0, 3);
  const parts = shown.map(
    (entry, index) =>
      `${count(entry.count)}${index === 0 ? ` answer${entry.count === 1 ? "" : "s"}` : ""} ${entry.count === 1 ? "was" : "were"} ${entry.status}`,
  );
  const rest = total - shown.reduce((sum, entry) => sum + entry.count, 0);
  if (rest > 0) parts.push(`${count(rest)} other`);
  return `${parts.join(", ")}: ${advice}`;
}

type Cause = "unreachable" | "tls" | "answered" | "scenario";

const CAUSE_OF: Record<ErrorClass, Cause> = {
  refused: "unreachable",
  reset: "unreachable",
  timeout: "unreachable",
  dns: "unreachable",
  tls: "tls",
  status: "answered",
  assertion: "answered",
  aborted: "scenario",
  other: "scenario",
};

/**
 * Why no scenario run succeeded, from the error classes seen (most frequent cause first): the target
 * down or unreachable, its TLS certificate refused, or a target that answered (with its top status
 * codes) while every scenario failed.
 */
export function explainNoSuccess(results: Pick<LoadResults, "errors" | "statusCodes">): string {
  const byCause = new Map<Cause, number>();
  for (const [name, value] of Object.entries(results.errors)) {
    const cause = CAUSE_OF[name as ErrorClass];
    if (cause !== undefined && value !== undefined && value > 0) {
      byCause.set(cause, (byCause.get(cause) ?? 0) + value);
    }
  }
  const causes = [...byCause].sort((left, right) => right[1] - left[1]).map(([cause]) => cause);
  if (causes.length === 0) return "is the target up and reachable?";
  const hints: Record<Cause, () => string> = {
    unreachable: () => "is the target up and reachable?",
    tls: () =>
      "the target's TLS certificate was refused: use -k/--insecure for a self-signed certificate, or NODE_EXTRA_CA_CERTS=ca.pem for a private CA",
    answered: () => `the target answered but every scenario failed: ${describeAnswers(results)}`,
    scenario: () => "the scenario itself failed (-v prints every failure)",
  };
  return causes.map((cause) => hints[cause]()).join("; ");
}

/**
 * The one-line explanation of a run where no scenario run succeeded (and at least one ran), as the
 * `loadcore` command prints it: `no scenario run succeeded: all 40 failed (refused 40); is the target up
 * and reachable?`. Undefined when something succeeded or nothing ran.
 */
export function noSuccessMessage(
  results: Pick<LoadResults, "ok" | "failed" | "errors" | "statusCodes">,
): string | undefined {
  if (results.ok > 0 || results.failed === 0) return undefined;
  return `no scenario run succeeded: all ${count(results.failed)} failed (${describeErrors(results)}); ${explainNoSuccess(results)}`;
}
