import { describeExit, type ProcessExit, pinnedArgv, startProcess } from "@sizer/process-kit";
import { InterruptedError, ServiceStartError } from "./errors.js";
import { freePort } from "./free-port.js";
import { groupListensOn } from "./port-owner.js";
import { certificateMessage, type ReadyOutcome, waitForReady } from "./readiness.js";
import { type ServiceHandle, serverUrlOf } from "./service.js";
import { parseServiceCommand } from "./service-command.js";
import type { ServiceLog } from "./service-log.js";

/** Options of {@link startCommandService}. */
export interface CommandServiceOptions {
  /** The `--service-cmd` string (see {@link parseServiceCommand} for how it is run). */
  command: string;
  /** Working directory of the service. */
  cwd?: string | undefined;
  /** Extra environment variables (`--service-env K=V`), on top of sizer's own environment. */
  env?: Record<string, string> | undefined;
  /** The port the service listens on; a free one is chosen and given as `PORT` when absent. */
  port?: number | undefined;
  /** The URL the service answers at; default `http://127.0.0.1:<port>/` (SERVER_URL `http://127.0.0.1:<port>`). */
  url?: string | undefined;
  /** The URL polled for readiness (`--health-url`, must answer 2xx); default `url` (any answer below 500). */
  healthUrl?: string | undefined;
  /** How long to wait for readiness. */
  readyTimeoutMs: number;
  /** Accept any TLS certificate of an https service while waiting for it (`--insecure`). */
  insecure?: boolean | undefined;
  /** Cores to pin the service to, with taskset. */
  cpus?: readonly number[] | undefined;
  /** Where the output goes. */
  log: ServiceLog;
  /** Time given to the tree to end after SIGTERM before SIGKILL. */
  stopGraceMs?: number;
  signal?: AbortSignal;
  /** The taskset program. */
  taskset?: string;
}

/** Time the service gets after the first answer to show it is still running (an exit on a taken port comes fast). */
const SETTLE_MS = 500;
/** Longest wait for the service's own process group to hold the answering port. */
const OWNER_WAIT_MS = 10_000;

/**
 * After the first answer at `url`: `exited` when the service's process ended meanwhile; `owner` when
 * its process group holds the listening socket of the URL's port (or this cannot be told: not Linux,
 * a remote host); `other` when another process held it all along (a proxy, a container runtime), noted
 * in the log.
 */
async function confirmOwner(
  groupId: number,
  url: string,
  exited: Promise<unknown>,
  readyTimeoutMs: number,
  log: ServiceLog,
): Promise<"exited" | "owner" | "other"> {
  let ended = false;
  void exited.then(() => {
    ended = true;
  });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  await Promise.race([exited, sleep(SETTLE_MS)]);
  if (ended) return "exited";
  const parsed = new URL(url);
  const local = ["127.0.0.1", "localhost", "[::1]", "0.0.0.0"].includes(parsed.hostname);
  const port = Number(parsed.port || (parsed.protocol === "https:" ? 443 : 80));
  if (!local) return "owner";
  const deadline = Date.now() + Math.min(OWNER_WAIT_MS, readyTimeoutMs);
  for (;;) {
    const owns = groupListensOn(groupId, port);
    if (owns !== false) return "owner";
    if (Date.now() >= deadline) break;
    await Promise.race([exited, sleep(200)]);
    if (ended) return "exited";
  }
  log.note(
    `port ${port} answers, but no process of the service's group listens on it (a proxy or a container runtime?)`,
  );
  return "other";
}

/** Where the command's service will answer, and the argv and environment it starts with. */
async function launchPlan(
  options: CommandServiceOptions,
): Promise<{ argv: string[]; env: Record<string, string | undefined>; url: string }> {
  const parsed = parseServiceCommand(options.command);
  const explicitPort = options.port ?? (options.url ? undefined : await freePort());
  // Probed as given; the scenario gets it without the trailing slash (see serverUrlOf).
  const url = options.url ?? `http://127.0.0.1:${explicitPort}/`;
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  if (explicitPort !== undefined && options.env?.PORT === undefined) env.PORT = String(explicitPort);
  return { argv: pinnedArgv(parsed.argv, options.cpus, options.taskset), env, url };
}

/** The service's process group as it runs: how it ended once it has, and the stop that ends it all. */
interface ServiceProcess {
  pid: number | undefined;
  /** Resolves once the process runs, with the spawn error when it cannot (a program that does not exist). */
  spawnError: Promise<Error | undefined>;
  exited: Promise<ProcessExit>;
  exit(): ProcessExit | undefined;
  /** Ends the whole group, SIGKILL after the grace; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Spawns the service in a process group of its own (process-kit's {@link startProcess}), its output
 * written to the log; the group is killed if sizer itself exits first.
 */
function spawnService(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  options: CommandServiceOptions,
): ServiceProcess {
  const running = startProcess(argv, {
    cwd: options.cwd,
    env,
    killGraceMs: options.stopGraceMs ?? 5000,
    endWithParent: true,
    onOutput: (chunk) => options.log.write(chunk),
  });
  const spawnError = running.spawned.then(
    () => undefined,
    (error: Error) => error,
  );
  const exited = running.exited.then((result) => {
    options.log.note(`the service ended with ${describeExit(result)}`);
    return result;
  });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const how = await running.stop();
      if (how !== "none")
        options.log.note(
          `service process group ${running.pid} ${how === "killed" ? "killed (SIGKILL)" : "terminated (SIGTERM)"}`,
        );
      if (!running.exit()) await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 1000))]);
    })();
    return stopping;
  };
  return { pid: running.pid, spawnError, exited, exit: () => running.exit(), stop };
}

/**
 * Starts the service's command in its own process group (so the whole tree can be ended), its
 * output captured to the log, and waits until it answers. On failure the tree is ended and a
 * {@link ServiceStartError} carries the last lines it printed.
 */
export async function startCommandService(options: CommandServiceOptions): Promise<ServiceHandle> {
  const { argv, env, url } = await launchPlan(options);
  options.log.note(
    `starting: ${JSON.stringify(argv)} in ${options.cwd ?? process.cwd()}${env.PORT ? ` with PORT=${env.PORT}` : ""}`,
  );
  const { pid, spawnError, exited, exit, stop } = spawnService(argv, env, options);

  const failedToSpawn = await spawnError;
  if (failedToSpawn || pid === undefined) {
    await stop();
    const reason = failedToSpawn ? failedToSpawn.message : "no process id";
    throw new ServiceStartError(
      "ERR_SIZER_SERVICE_START",
      `cannot start --service-cmd '${options.command}': ${reason}${(failedToSpawn as { code?: string } | undefined)?.code === "ENOENT" ? ` (is '${argv[0]}' installed and on the PATH?)` : ""}`,
      options.log.tail(),
    );
  }

  const healthUrl = options.healthUrl ? new URL(options.healthUrl, url).toString() : url;
  const ready = await waitForReady({
    url: healthUrl,
    requireSuccess: options.healthUrl !== undefined,
    timeoutMs: options.readyTimeoutMs,
    insecure: options.insecure,
    ended: exited,
    signal: options.signal,
  });
  if (!ready.ready) {
    await stop();
    throw notReadyError(ready, healthUrl, exit(), options);
  }
  // Something answering is not yet the service: another program may hold the port while the service
  // fails to bind it and exits. Its exit during start-up, not the other program's answer, is the outcome.
  const owner = await confirmOwner(pid, healthUrl, exited, options.readyTimeoutMs, options.log);
  const exitedWith = exit();
  if (owner === "exited" && exitedWith) {
    await stop();
    throw new ServiceStartError(
      "ERR_SIZER_SERVICE_START",
      `the service exited during start-up (${describeExit(exitedWith)}) although ${healthUrl} answered ${ready.status}: another program answers there (is its port taken?): --service-cmd '${options.command}'`,
      options.log.tail(),
    );
  }
  options.log.note(`ready: ${healthUrl} answered ${ready.status} after ${ready.waitedMs} ms`);
  return {
    kind: "command",
    url: serverUrlOf(url),
    pid,
    containers: [],
    description: options.command,
    ended: exited,
    exit,
    outputTail: (lines) => options.log.tail(lines),
    stop,
  };
}

/** Why a started command never became ready, with the last lines it printed. */
function notReadyError(
  ready: Extract<ReadyOutcome, { ready: false }>,
  healthUrl: string,
  exit: ProcessExit | undefined,
  options: CommandServiceOptions,
): Error {
  const output = options.log.tail();
  if (ready.reason === "ended" && exit) {
    return new ServiceStartError(
      "ERR_SIZER_SERVICE_START",
      `the service exited before it was ready (${describeExit(exit)}): --service-cmd '${options.command}'`,
      output,
    );
  }
  if (ready.reason === "aborted")
    return new InterruptedError("interrupted while waiting for the service to be ready");
  if (ready.reason === "certificate")
    return new ServiceStartError(
      "ERR_SIZER_SERVICE_NOT_READY",
      `the service is not trusted: ${certificateMessage(healthUrl, ready.lastProbe)}`,
      output,
    );
  const last = ready.lastProbe && !ready.lastProbe.ok ? ` (last try: ${ready.lastProbe.reason})` : "";
  return new ServiceStartError(
    "ERR_SIZER_SERVICE_NOT_READY",
    `the service did not answer at ${healthUrl} within ${Math.round(options.readyTimeoutMs / 1000)} s${last}; check --port/--url/--health-url or raise --ready-timeout`,
    output,
  );
}
