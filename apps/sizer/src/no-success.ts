import { type LoadResults, noSuccessMessage } from "@sizer/loadcore";
import { NoSuccessError } from "./errors.js";

/**
 * The error of a run where no scenario run succeeded (loadcore's own CLI exits 3 then), or
 * undefined when something was measured: loadcore's explanation (error classes, the answers and what
 * to check) with the URL the scenario was given, e.g. `no scenario run succeeded: all 1,963 failed
 * (status 1,963); the target answered but every scenario failed: all 1,963 answers were 404: check
 * the scenario's URLs (SERVER_URL=http://127.0.0.1:39543)`.
 */
export function noSuccessError(results: LoadResults, serverUrl: string): NoSuccessError | undefined {
  const message = noSuccessMessage(results);
  if (message === undefined) return undefined;
  return new NoSuccessError(`${message} (SERVER_URL=${serverUrl})`, {
    failed: results.failed,
    statusCodes: results.statusCodes,
    errors: results.errors,
  });
}
