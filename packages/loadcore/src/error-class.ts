/**
 * The class of a failure, as counted in the results JSON (`errors`).
 *
 * - `refused`: the connection was refused (ECONNREFUSED).
 * - `reset`: the peer closed or reset the socket (ECONNRESET, EPIPE, UND_ERR_SOCKET, UND_ERR_CLOSED).
 * - `timeout`: a connect, headers or body timeout (UND_ERR_*_TIMEOUT, ETIMEDOUT, a TimeoutError).
 * - `dns`: the name did not resolve (ENOTFOUND, EAI_AGAIN).
 * - `tls`: a certificate or handshake problem.
 * - `status`: an unexpected HTTP status (`ResponseStatusError`, code `ERR_LOADCORE_STATUS`).
 * - `assertion`: a failed check in the scenario (node:assert, or any `AssertionError`).
 * - `aborted`: the request was aborted (an AbortSignal, UND_ERR_ABORTED).
 * - `other`: anything else.
 */
export type ErrorClass =
  | "refused"
  | "reset"
  | "timeout"
  | "dns"
  | "tls"
  | "status"
  | "assertion"
  | "aborted"
  | "other";

/** Every error class, in the order the summary prints them. */
export const ERROR_CLASSES: readonly ErrorClass[] = [
  "refused",
  "reset",
  "timeout",
  "dns",
  "tls",
  "status",
  "assertion",
  "aborted",
  "other",
];

/**
 * Maps an error thrown by undici, Node or a scenario to its {@link ErrorClass}.
 * Looks at `code`, `name` and, for wrapped errors (`fetch failed`), at `cause`.
 */
export function classifyError(error: unknown): ErrorClass {
  void error;
  throw new Error("todo");
}
