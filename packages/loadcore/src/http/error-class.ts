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

const CODE_CLASSES: Readonly<Record<string, ErrorClass>> = {
  ECONNREFUSED: "refused",
  ECONNRESET: "reset",
  ECONNABORTED: "reset",
  EPIPE: "reset",
  UND_ERR_SOCKET: "reset",
  UND_ERR_CLOSED: "reset",
  ERR_STREAM_PREMATURE_CLOSE: "reset",
  ETIMEDOUT: "timeout",
  ESOCKETTIMEDOUT: "timeout",
  UND_ERR_CONNECT_TIMEOUT: "timeout",
  UND_ERR_HEADERS_TIMEOUT: "timeout",
  UND_ERR_BODY_TIMEOUT: "timeout",
  ENOTFOUND: "dns",
  EAI_AGAIN: "dns",
  EAI_NONAME: "dns",
  EAI_FAIL: "dns",
  EAI_NODATA: "dns",
  EPROTO: "tls",
  CERT_HAS_EXPIRED: "tls",
  DEPTH_ZERO_SELF_SIGNED_CERT: "tls",
  SELF_SIGNED_CERT_IN_CHAIN: "tls",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "tls",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "tls",
  ERR_TLS_CERT_ALTNAME_INVALID: "tls",
  ERR_LOADCORE_STATUS: "status",
  ERR_ASSERTION: "assertion",
  UND_ERR_ABORTED: "aborted",
  ABORT_ERR: "aborted",
};

const NAME_CLASSES: Readonly<Record<string, ErrorClass>> = {
  AssertionError: "assertion",
  TimeoutError: "timeout",
  AbortError: "aborted",
  ResponseStatusError: "status",
};

function classifyOne(error: unknown): ErrorClass | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, name } = error as { code?: unknown; name?: unknown };
  if (typeof code === "string") {
    const byCode = CODE_CLASSES[code];
    if (byCode !== undefined) return byCode;
    if (code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_")) return "tls";
    if (code.endsWith("_TIMEOUT")) return "timeout";
  }
  if (typeof name === "string") return NAME_CLASSES[name];
  return undefined;
}

/**
 * Maps an error thrown by undici, Node or a scenario to its {@link ErrorClass}.
 * Looks at `code` and `name`, then at `cause` (fetch wraps the network error) and at the
 * `errors` of an AggregateError (a connection attempt to every address of a host).
 */
export function classifyError(error: unknown): ErrorClass {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    const found = classifyOne(current);
    if (found !== undefined) return found;
    const { cause, errors } = current as { cause?: unknown; errors?: unknown };
    if (cause === undefined && Array.isArray(errors) && errors.length > 0) {
      current = errors[0];
    } else {
      current = cause;
    }
  }
  return "other";
}
