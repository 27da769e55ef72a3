import { InterruptedError, ServiceStartError, UrlUnreachableError } from "./errors.js";
import type { ProcessExit } from "./process-tree.js";
import { certificateMessage, waitForReady } from "./readiness.js";
import { never, type ServiceHandle, serverUrlOf } from "./service.js";
import type { ServiceLog } from "./service-log.js";

/** Options of {@link connectToUrl}. */
export interface UrlServiceOptions {
  /** The already running service (`--url`). */
  url: string;
  /** Its process to watch (`--pid`); only the host is watched without it. */
  pid?: number | undefined;
  /** Resolves when the service ends, where the caller watches it (see `ServiceSource`); else `pid` is watched. */
  ended?: Promise<ProcessExit> | undefined;
  /** Readiness URL (`--health-url`, must answer 2xx); default the URL itself (any answer below 500). */
  healthUrl?: string | undefined;
  readyTimeoutMs: number;
  /** Accept any TLS certificate of an https service while waiting for it (`--insecure`). */
  insecure?: boolean | undefined;
  log: ServiceLog;
  signal?: AbortSignal;
}

/** Checks that an already running service answers; sizer neither starts nor stops it. */
export async function connectToUrl(options: UrlServiceOptions): Promise<ServiceHandle> {
  const healthUrl = options.healthUrl ?? options.url;
  const ready = await waitForReady({
    url: healthUrl,
    requireSuccess: options.healthUrl !== undefined,
    timeoutMs: options.readyTimeoutMs,
    insecure: options.insecure,
    signal: options.signal,
    ended: options.ended,
  });
  if (!ready.ready && ready.reason === "aborted")
    throw new InterruptedError("interrupted while waiting for --url to answer");
  if (!ready.ready && ready.reason === "certificate")
    throw new UrlUnreachableError(
      healthUrl,
      healthUrl === options.url
        ? `--url ${certificateMessage(healthUrl, ready.lastProbe)}`
        : `--url ${options.url}: ${certificateMessage(healthUrl, ready.lastProbe)}`,
    );
  if (!ready.ready && ready.reason === "ended")
    throw new ServiceStartError(
      "ERR_SIZER_SERVICE_START",
      `the service at ${options.url} ended before it was ready`,
    );
  if (!ready.ready) {
    const last = ready.lastProbe && !ready.lastProbe.ok ? `: ${ready.lastProbe.reason}` : "";
    throw new UrlUnreachableError(
      healthUrl,
      `--url ${options.url} is unreachable: ${healthUrl} did not answer within ${Math.round(options.readyTimeoutMs / 1000)} s${last}`,
    );
  }
  options.log.note(
    `--url ${options.url}: ${healthUrl} answered ${ready.status}; sizer does not own this service, its output is not captured`,
  );
  let exit: ProcessExit | undefined;
  let watcher: NodeJS.Timeout | undefined;
  const ended: Promise<ProcessExit> = options.ended
    ? options.ended.then((end) => {
        exit = end;
        return end;
      })
    : options.pid === undefined
      ? never()
      : new Promise((resolve) => {
          const pid = options.pid as number;
          watcher = setInterval(() => {
            try {
              process.kill(pid, 0);
            } catch (error) {
              if ((error as { code?: string }).code !== "ESRCH") return;
              clearInterval(watcher);
              exit = { exitCode: null, signal: null };
              options.log.note(`--pid ${pid} is gone`);
              resolve(exit);
            }
          }, 500);
          watcher.unref();
        });
  return {
    kind: "url",
    url: serverUrlOf(options.url),
    pid: options.pid,
    containers: [],
    description: options.pid ? `${options.url} (pid ${options.pid})` : options.url,
    ended,
    exit: () => exit,
    outputTail: () => "",
    stop: async () => {
      if (watcher) clearInterval(watcher);
    },
  };
}
