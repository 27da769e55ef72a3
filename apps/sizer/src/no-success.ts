import type { LoadResults } from "@sizer/loadcore";
import { NoSuccessError } from "./errors.js";

function count(value: number): string {
  return value.toLocaleString("en-US");
}

/** Non-zero counts, most frequent first. */
function ranked(counts: Readonly<Record<string, number | undefined>>): Array<[string, number]> {
  return Object.entries(counts)
    .filter((entry): entry is [string, number] => (entry[1] ?? 0) > 0)
    .sort((left, right) => right[1] - left[1]);
}

function statusHint(status: number, serverUrl: string): string {
  if (status === 401 || status === 403) return "check the scenario's credentials";
  if (status >= 500) return "the service failed every request: see service.log";
  return `check the scenario's URLs (SERVER_URL=${serverUrl})`;
}

function errorHint(errorClass: string | undefined, serverUrl: string): string {
  if (errorClass === "tls")
    return "-k/--insecure for a self-signed certificate, or NODE_EXTRA_CA_CERTS=ca.pem for a private CA";
  if (errorClass === "refused" || errorClass === "reset" || errorClass === "timeout" || errorClass === "dns")
    return `is the service still answering at SERVER_URL=${serverUrl}?`;
  return "the scenario's checks failed on every run: see loadcore.log";
}

/**
 * The error of a run where no scenario run succeeded (loadcore's own CLI exits 3 then), or
 * undefined when something was measured. The message says what the service answered and what to
 * check, built from the results' status codes and error classes, e.g. `no scenario run succeeded:
 * all 1,963 answers were 404; check the scenario's URLs (SERVER_URL=http://127.0.0.1:39543)`.
 */
export function noSuccessError(results: LoadResults, serverUrl: string): NoSuccessError | undefined {
  if (results.ok > 0 || results.failed === 0) return undefined;
  const answers = ranked(results.statusCodes);
  const errorClasses = ranked(results.errors);
  const answered = answers.reduce((sum, [, answerCount]) => sum + answerCount, 0);
  const onlyErrorAnswers = answers.length > 0 && answers.every(([status]) => Number(status) >= 400);
  let what: string;
  let hint: string;
  if (onlyErrorAnswers) {
    const [mostFrequent] = answers as [[string, number], ...Array<[string, number]>];
    what =
      answers.length === 1
        ? `all ${count(answered)} answers were ${mostFrequent[0]}`
        : `every answer was an error (${answers.map(([status, answerCount]) => `${status}: ${count(answerCount)}`).join(", ")})`;
    hint = statusHint(Number(mostFrequent[0]), serverUrl);
  } else {
    const classes =
      errorClasses.length > 0
        ? errorClasses.map(([name, classCount]) => `${name} ${count(classCount)}`).join(", ")
        : "no error class recorded";
    what = `all ${count(results.failed)} scenario runs failed (${classes})`;
    hint = errorHint(errorClasses[0]?.[0], serverUrl);
  }
  return new NoSuccessError(`no scenario run succeeded: ${what}; ${hint}`, {
    failed: results.failed,
    statusCodes: results.statusCodes,
    errors: results.errors,
  });
}
