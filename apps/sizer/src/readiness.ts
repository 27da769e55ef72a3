import { Agent, type Dispatcher, request } from "undici";

/** The outcome of one probe of a URL; `code` is the error's code when it failed without an answer. */
export type ProbeResult =
  | { ok: true; status: number }
  | { ok: false; status?: number; reason: string; code?: string };

/**
 * Codes of a TLS certificate that cannot be verified: waiting will not change them, only `-k` or a
 * trusted CA will.
 */
const CERTIFICATE_ERRORS = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "CERT_REVOKED",
  "CERT_SIGNATURE_FAILURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** How to get past a certificate that cannot be verified. */
export const CERTIFICATE_FIX =
  "use -k/--insecure for a self-signed certificate, or NODE_EXTRA_CA_CERTS=ca.pem for a private CA";

/** Says that `url` presents a certificate that cannot be verified, why, and what to do. */
export function certificateMessage(url: string, probe: ProbeResult | undefined): string {
  const reason = probe && !probe.ok ? ` (${probe.reason})` : "";
  return `${url} presents a TLS certificate that cannot be verified${reason}; ${CERTIFICATE_FIX}`;
}

/** The error's code, or its cause's (undici may wrap the TLS error). */
function errorCode(error: unknown): string | undefined {
  const { code, cause } = error as { code?: unknown; cause?: { code?: unknown } };
  if (typeof code === "string") return code;
  return typeof cause?.code === "string" ? cause.code : undefined;
}

/** One GET of `url` with a timeout; the body is read and dropped. */
export async function probeUrl(
  url: string,
  options: {
    timeoutMs?: number;
    requireSuccess?: boolean;
    signal?: AbortSignal;
    /** The undici dispatcher to probe with; undici's global one by default. */
    dispatcher?: Dispatcher | undefined;
  } = {},
): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const signals = [AbortSignal.timeout(timeoutMs)];
  if (options.signal) signals.push(options.signal);
  try {
    const response = await request(url, {
      method: "GET",
      signal: AbortSignal.any(signals),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
    await response.body.dump();
    const status = response.statusCode;
    const ok = options.requireSuccess ? status >= 200 && status < 300 : status < 500;
    return ok ? { ok: true, status } : { ok: false, status, reason: `answered ${status}` };
  } catch (error) {
    const code = errorCode(error);
    const message = (error as Error).message;
    return code ? { ok: false, reason: `${code}: ${message}`, code } : { ok: false, reason: message };
  }
}

/** What {@link waitForReady} needs. */
export interface WaitForReadyOptions {
  /** The URL polled until it answers. */
  url: string;
  /** Require a 2xx answer (an explicit `--health-url`); otherwise any answer below 500 will do. */
  requireSuccess: boolean;
  /** How long to wait in total. */
  timeoutMs: number;
  /** Time between probes. */
  intervalMs?: number;
  /** Accept any TLS certificate (`--insecure`). */
  insecure?: boolean | undefined;
  /** Resolves when the service has ended: waiting stops at once. */
  ended?: Promise<unknown>;
  signal?: AbortSignal;
  clock?: () => number;
}

/**
 * Why waiting stopped without the service becoming ready; `certificate`: its TLS certificate
 * cannot be verified (self-signed, unknown CA, expired, another name), which waiting cannot change.
 */
export type ReadyOutcome =
  | { ready: true; status: number; waitedMs: number }
  | {
      ready: false;
      reason: "timeout" | "ended" | "aborted" | "certificate";
      lastProbe?: ProbeResult;
      waitedMs: number;
    };

/**
 * Polls a URL until it answers, the service ends, the timeout passes or the signal aborts; stops at
 * once on a certificate that cannot be verified.
 */
export async function waitForReady(options: WaitForReadyOptions): Promise<ReadyOutcome> {
  const clock = options.clock ?? Date.now;
  const started = clock();
  let ended = false;
  options.ended?.then(
    () => {
      ended = true;
    },
    () => {
      ended = true;
    },
  );
  // --insecure: an https service with a self-signed certificate is ready too (one agent for all probes)
  const dispatcher = options.insecure ? new Agent({ connect: { rejectUnauthorized: false } }) : undefined;
  const intervalMs = options.intervalMs ?? 200;
  let lastProbe: ProbeResult | undefined;
  try {
    for (;;) {
      if (options.signal?.aborted)
        return { ready: false, reason: "aborted", lastProbe, waitedMs: clock() - started };
      if (ended) return { ready: false, reason: "ended", lastProbe, waitedMs: clock() - started };
      const remaining = options.timeoutMs - (clock() - started);
      if (remaining <= 0) return { ready: false, reason: "timeout", lastProbe, waitedMs: clock() - started };
      lastProbe = await probeUrl(options.url, {
        timeoutMs: Math.max(100, Math.min(2000, remaining)),
        requireSuccess: options.requireSuccess,
        signal: options.signal,
        dispatcher,
      });
      if (lastProbe.ok) return { ready: true, status: lastProbe.status, waitedMs: clock() - started };
      if (lastProbe.code !== undefined && CERTIFICATE_ERRORS.has(lastProbe.code))
        return { ready: false, reason: "certificate", lastProbe, waitedMs: clock() - started };
      // Let an exit event be seen before deciding again.
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  } finally {
    await dispatcher?.close();
  }
}
