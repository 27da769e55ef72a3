import type { LoadResults } from "@sizer/loadcore";

const numberFormat = new Intl.NumberFormat("en-US");

/** Every scenario run failed, and at least one ran: the run measured nothing. */
export function nothingSucceeded(results: Pick<LoadResults, "ok" | "failed">): boolean {
  return results.ok === 0 && results.failed > 0;
}

const UNREACHABLE = new Set(["refused", "reset", "timeout", "dns"]);

/** Why the target answered nothing useful, from the statuses it gave: "all 12 answers were 404: …". */
function describeAnswers(statusCodes: LoadResults["statusCodes"]): string {
  const statuses = Object.entries(statusCodes)
    .filter(([, count]) => count > 0)
    .sort((left, right) => right[1] - left[1]);
  const top = statuses[0];
  if (top === undefined) return "the scenario's checks failed";
  const status = Number(top[0]);
  const advice =
    status === 404 || status === 405
      ? "check the scenario's URLs"
      : status === 401 || status === 403
        ? "check the credentials the scenario sends"
        : status >= 500
          ? "the target itself fails: see its logs"
          : "the scenario's checks failed";
  const shown = statuses
    .slice(0, 3)
    .map(([code, count]) => `${numberFormat.format(count)} × ${code}`)
    .join(", ");
  return `the target answered ${shown}: ${advice}`;
}

/**
 * One line for a run where no scenario run succeeded, as loadcore's CLI says it:
 * `no scenario run succeeded: all 40 failed (refused 40); is the target up and reachable?`.
 */
export function explainNoSuccess(results: Pick<LoadResults, "failed" | "errors" | "statusCodes">): string {
  const classes = Object.entries(results.errors)
    .filter((entry): entry is [string, number] => typeof entry[1] === "number" && entry[1] > 0)
    .sort((left, right) => right[1] - left[1]);
  const described =
    classes.length === 0
      ? "no error class recorded"
      : classes.map(([name, count]) => `${name} ${numberFormat.format(count)}`).join(", ");
  const top = classes[0]?.[0];
  const hint =
    top === undefined || UNREACHABLE.has(top)
      ? "is the target up and reachable (SERVER_URL, --env)?"
      : top === "tls"
        ? "the target's TLS certificate was refused"
        : top === "status" || top === "assertion"
          ? describeAnswers(results.statusCodes)
          : "the scenario itself failed";
  return `no scenario run succeeded: all ${numberFormat.format(results.failed)} failed (${described}); ${hint}`;
}
