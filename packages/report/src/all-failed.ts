import type { Bottleneck } from "./analysis-types.js";
import { formatNumber } from "./format.js";
import type { LoadResultsInput } from "./inputs/types.js";

/** True when no scenario run succeeded and some failed: the run measured nothing usable. */
export function allFailed(results: LoadResultsInput): boolean {
  return results.ok === 0 && results.failed > 0;
}

/** What each error class means for a run where every scenario run failed, and what to check. */
const CLASS_MEANING: Record<string, string> = {
  refused: "connection refused: nothing listened at the target's host and port",
  reset: "connection reset: the service closed the connections",
  timeout: "timed out: the service did not answer in time",
  dns: "the target's host name did not resolve",
  tls: "the TLS handshake failed: the target's certificate was refused",
  status: "the service answered with a status the scenario did not expect",
  assertion: "a check in the scenario failed",
  aborted: "the requests were aborted",
  other: "another error (loadcore -v prints every failure)",
};

/** The classes where no usable answer came back: the cause is the connection, not the answers. */
const CONNECTION_CLASSES = new Set(["refused", "reset", "timeout", "dns", "tls"]);

const CLASS_ADVICE: Record<string, string> = {
  refused: "Check that the service is up and listens at the scenario's host and port.",
  reset: "Check the service's output (service.log in a sizer run folder): is it crashing or restarting?",
  timeout: "Check that the service answers the scenario's URLs at all, and the --timeout.",
  dns: "Check the host name in the scenario's URLs.",
  tls: "For a self-signed certificate pass -k/--insecure; for a private CA trust it with NODE_EXTRA_CA_CERTS=ca.pem.",
};

/** Non-zero counts, most frequent first (then by name, for the same bytes every time). */
function ranked(counts: Record<string, number> | undefined): Array<[string, number]> {
  return Object.entries(counts ?? {})
    .filter(([, count]) => Number.isFinite(count) && count > 0)
    .sort(([leftName, left], [rightName, right]) => right - left || (leftName < rightName ? -1 : 1));
}

/** "all 1,963 answers were 404", or "the answers were 404 (1,500), 500 (463)"; null without answers. */
function describeAnswers(answers: Array<[string, number]>): string | null {
  const [first] = answers;
  if (first === undefined) return null;
  if (answers.length === 1) return `all ${formatNumber(first[1])} answers were ${first[0]}`;
  return `the answers were ${answers.map(([status, count]) => `${status} (${formatNumber(count)})`).join(", ")}`;
}

function answersAdvice(topStatus: string | undefined): string {
  const status = Number(topStatus);
  if (status === 401 || status === 403) return "Check the scenario's credentials.";
  if (status >= 500)
    return "The service failed every request: its output (service.log in a sizer run folder) says why.";
  return "Check the scenario's URLs (host, port, paths) and that the service answers them.";
}

/**
 * The verdict of a run where every scenario run failed: no resource ran out, the requests did; the
 * evidence says why from the results' status codes and error classes, and what to check.
 */
export function allFailedBottleneck(results: LoadResultsInput): Bottleneck {
  const answers = ranked(results.statusCodes);
  const classes = ranked(results.errors);
  const topClass = classes[0]?.[0];
  const answered = describeAnswers(answers);
  const connectionFirst = topClass !== undefined && CONNECTION_CLASSES.has(topClass);
  let cause: string;
  let advice: string;
  if (connectionFirst || answered === null) {
    const [name, count] = classes[0] ?? ["", 0];
    cause =
      topClass === undefined
        ? "no error class was recorded"
        : `${CLASS_MEANING[name] ?? name}, ${formatNumber(count)} times`;
    advice = CLASS_ADVICE[name] ?? "Check the scenario's URLs and that the service answers them.";
  } else {
    cause = answered;
    advice = answersAdvice(answers[0]?.[0]);
  }
  const evidence = [
    `None of the ${formatNumber(results.failed)} scenario runs succeeded.`,
    answered === null ? "No HTTP answer came back." : `${answered[0]?.toUpperCase()}${answered.slice(1)}.`,
    ...classes.map(
      ([name, count]) =>
        `Error class ${name}: ${formatNumber(count)} (${CLASS_MEANING[name] ?? "unclassified"}).`,
    ),
    ...(classes.some(([name]) => name === "tls") && advice !== CLASS_ADVICE.tls
      ? [CLASS_ADVICE.tls as string]
      : []),
    advice,
  ];
  return {
    resource: "application",
    confidence: "high",
    scope: "service",
    rule: "all-failed",
    summary: `No resource ran out: every scenario run failed (${cause}). ${advice}`,
    evidence,
  };
}
