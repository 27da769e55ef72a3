import { Agent, type Dispatcher, request } from "undici";

/** The outcome of one probe of a URL. */
export type ProbeResult = { ok: true; status: number } | { ok: false; status?: number; reason: string };

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
    const code = (error as { code?: string }).code;
    const message = (error as Error).message;
    return { ok: false, reason: code ? `${code}: ${message}` : message };
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

/** Why waiting stopped without the service becoming ready. */
export type ReadyOutcome =
  | { ready: true; status: number; waitedMs: number }
  | { ready: false; reason: "timeout" | "ended" | "aborted"; lastProbe?: ProbeResult; waitedMs: number };

/** Polls a URL until it answers, the service ends, the timeout passes or the signal aborts. */
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
      // Let an exit event be seen before deciding again.
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  } finally {
    await dispatcher?.close();
  }
}
