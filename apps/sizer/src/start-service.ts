import { startCommandService } from "./command-service.js";
import { startDockerService } from "./docker-service.js";
import type { ServiceHandle } from "./service.js";
import type { ServiceLog } from "./service-log.js";
import type { ServiceSource } from "./sizer-options.js";
import { connectToUrl } from "./url-service.js";

/** What every kind of service start needs besides its source; each kind reads the fields it uses. */
export interface ServiceStartOptions {
  /** Where the service's output and sizer's notes about it go. */
  log: ServiceLog;
  /** How long to wait for readiness. */
  readyTimeoutMs: number;
  /** Aborting stops waiting for readiness (the start fails with an InterruptedError). */
  signal?: AbortSignal | undefined;
  /** Accept any TLS certificate of an https service while waiting for it (`--insecure`). */
  insecure?: boolean | undefined;
  /** `--service-env K=V`: the service's (or container's) extra environment. */
  env?: Record<string, string> | undefined;
  /** `--health-url`: polled until it answers 2xx; default the service's URL (any answer below 500). */
  healthUrl?: string | undefined;
  /** Cores to pin the service to (a command or a container; a URL service is never pinned). */
  cpus?: readonly number[] | undefined;
  /** Grace given to a command's process tree after SIGTERM before SIGKILL, ms. */
  stopGraceMs?: number | undefined;
  /** The taskset program. */
  taskset?: string | undefined;
  /** The docker CLI. */
  docker?: string | undefined;
}

/**
 * Starts (or reaches) the service of `source` and waits until it is ready: a command sizer runs, a
 * Docker container, or a URL already running. Every kind gives the same {@link ServiceHandle}, so the
 * pipeline does not care where the service runs.
 */
export async function startService(
  source: ServiceSource,
  options: ServiceStartOptions,
): Promise<ServiceHandle> {
  const common = {
    log: options.log,
    readyTimeoutMs: options.readyTimeoutMs,
    signal: options.signal,
    insecure: options.insecure,
  };
  if (source.kind === "command") {
    return startCommandService({
      ...common,
      command: source.command,
      cwd: source.cwd,
      env: options.env,
      port: source.port,
      url: source.url,
      healthUrl: options.healthUrl,
      cpus: options.cpus,
      stopGraceMs: options.stopGraceMs,
      taskset: options.taskset,
    });
  }
  if (source.kind === "docker") {
    return startDockerService({
      ...common,
      image: source.image,
      port: source.port,
      network: source.network,
      memory: source.memory,
      env: options.env,
      healthUrl: options.healthUrl,
      cpus: options.cpus,
      docker: options.docker,
    });
  }
  return connectToUrl({
    ...common,
    url: source.url,
    pid: source.pid,
    ended: source.ended,
    healthUrl: resolveHealthUrl(options.healthUrl, source.url),
  });
}

function resolveHealthUrl(healthUrl: string | undefined, base: string | undefined): string | undefined {
  if (healthUrl === undefined) return undefined;
  if (base === undefined) return healthUrl;
  return new URL(healthUrl, base).toString();
}

/** A one-line description of where the service comes from, shown while it starts. */
export function describeServiceSource(source: ServiceSource, glancesUrl?: string | undefined): string {
  if (source.kind === "command") return `${source.command}${source.cwd ? ` (in ${source.cwd})` : ""}`;
  if (source.kind === "docker") return `docker image ${source.image}, port ${source.port}`;
  const watched = glancesUrl
    ? `, its host recorded through Glances at ${glancesUrl}`
    : source.pid
      ? `, pid ${source.pid}`
      : ", only this host is monitored";
  return `${source.url} (already running${watched})`;
}
