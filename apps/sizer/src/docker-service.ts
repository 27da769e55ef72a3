import { randomBytes } from "node:crypto";
import { describeExit, type ProcessExit, runCommand, startProcess } from "@sizer/process-kit";
import { formatCpuList } from "./cpu-plan.js";
import { DockerError, InterruptedError, ServiceStartError } from "./errors.js";
import { portIsFree } from "./free-port.js";
import { certificateMessage, type ReadyOutcome, waitForReady } from "./readiness.js";
import { type ServiceHandle, serverUrlOf } from "./service.js";
import type { ServiceLog } from "./service-log.js";

/** Options of {@link startDockerService}. */
export interface DockerServiceOptions {
  /** The image to run (`--image`). */
  image: string;
  /**
   * The port the container listens on (`--port`), also given to it as `PORT`. With host networking
   * it is this machine's port; with a bridge it is published on 127.0.0.1 at a free port.
   */
  port: number;
  /**
   * `host` (`docker run --network host`: the container shares this machine's network, so it listens
   * on 127.0.0.1 like a process) or `bridge` (its port published on 127.0.0.1). Default: `bridge`
   * where the engine has a bridge network, `host` where it has none (`dockerd --bridge=none`).
   */
  network?: DockerNetwork | undefined;
  /** A memory limit for the container (`docker run --memory`, e.g. `512m`). */
  memory?: string | undefined;
  /** Environment variables given to the container (`--service-env`). */
  env?: Record<string, string> | undefined;
  /** Path polled for readiness, relative to the container's URL, or a full URL. */
  healthUrl?: string | undefined;
  readyTimeoutMs: number;
  /** Accept any TLS certificate of an https `healthUrl` while waiting for it (`--insecure`). */
  insecure?: boolean | undefined;
  /** Cores the container may use (`docker run --cpuset-cpus`). */
  cpus?: readonly number[] | undefined;
  log: ServiceLog;
  /** The docker CLI (default `docker`, or the SIZER_DOCKER environment variable in the CLI). */
  docker?: string;
  signal?: AbortSignal;
}

/** How long a pull of a missing image may take before sizer gives up. */
const PULL_TIMEOUT_MS = 120_000;

/** How the container is networked: see {@link DockerServiceOptions.network}. */
export type DockerNetwork = "host" | "bridge";

/** The label on every container sizer starts, with the pid of the sizer that started it. */
export const CONTAINER_LABEL = "io.sizer.pid";

interface CommandOutcome {
  status: number | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

/** Runs one docker command to its end through process-kit's runner; a docker that cannot start is `error`. */
async function runDocker(docker: string, args: string[], timeoutMs: number): Promise<CommandOutcome> {
  try {
    const result = await runCommand(docker, args, { timeoutMs });
    return { status: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  } catch (error) {
    return { status: null, stdout: "", stderr: "", error: error as Error };
  }
}

function firstLine(text: string): string {
  return (
    text
      .trim()
      .split("\n")
      .filter((line) => line.trim() !== "")
      .slice(-1)[0] ?? ""
  );
}

/** Checks that a Docker engine answers; throws ERR_SIZER_DOCKER_UNAVAILABLE with the reason when not. */
export async function checkDocker(docker = "docker"): Promise<void> {
  const info = await runDocker(docker, ["info", "--format", "{{.ServerVersion}}"], 15_000);
  if (info.error) {
    const missing = (info.error as { code?: string }).code === "ENOENT";
    throw new DockerError(
      "ERR_SIZER_DOCKER_UNAVAILABLE",
      missing
        ? `--image needs Docker, but the '${docker}' command was not found; install Docker or start the service with --service-cmd`
        : `--image needs Docker, but '${docker} info' failed: ${info.error.message}`,
      { cause: info.error },
    );
  }
  if (info.status !== 0 || info.stdout.trim() === "") {
    throw new DockerError(
      "ERR_SIZER_DOCKER_UNAVAILABLE",
      `--image needs a Docker engine, but none answers ('${docker} info' said: ${firstLine(info.stderr) || `exit code ${info.status}`}); start Docker or use --service-cmd`,
    );
  }
}

/** True when the engine has a `bridge` network (it has none under `dockerd --bridge=none`). */
async function hasBridgeNetwork(docker: string): Promise<boolean> {
  const inspect = await runDocker(
    docker,
    ["network", "inspect", "--format", "{{.Driver}}", "bridge"],
    15_000,
  );
  return inspect.status === 0 && inspect.stdout.trim() === "bridge";
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

/**
 * Removes the containers that an earlier sizer on this machine started and left behind (it crashed
 * or was killed): those with sizer's label whose sizer process is gone. Never touches another
 * container, nor one of a sizer that is still running.
 */
export async function removeLeftoverContainers(docker: string, log?: ServiceLog): Promise<string[]> {
  const listed = await runDocker(
    docker,
    [
      "ps",
      "--all",
      "--filter",
      `label=${CONTAINER_LABEL}`,
      "--format",
      `{{.Names}} {{.Label "${CONTAINER_LABEL}"}}`,
    ],
    30_000,
  );
  if (listed.status !== 0) return [];
  const removed: string[] = [];
  for (const line of listed.stdout.split("\n")) {
    const [name, pidText] = line.trim().split(" ");
    const pid = Number(pidText);
    if (!name || !Number.isInteger(pid) || pid <= 0 || pidAlive(pid)) continue;
    const removal = await runDocker(docker, ["rm", "--force", name], 30_000);
    if (removal.status === 0) {
      removed.push(name);
      log?.note(`removed the container ${name} that an earlier sizer run (pid ${pid}) left behind`);
    }
  }
  return removed;
}

/** Pulls the image unless the engine has it already; an image that cannot be pulled is named. */
async function ensureImage(docker: string, image: string, log: ServiceLog): Promise<void> {
  const inspect = await runDocker(docker, ["image", "inspect", "--format", "{{.Id}}", image], 30_000);
  if (inspect.status === 0) return;
  log.note(`image ${image} not present locally, pulling`);
  const pull = await runDocker(docker, ["pull", image], PULL_TIMEOUT_MS);
  if (pull.status !== 0) {
    const why =
      pull.status === null
        ? `no answer from its registry within ${PULL_TIMEOUT_MS / 1000} s`
        : firstLine(pull.stderr) || `exit code ${pull.status}`;
    throw new DockerError(
      "ERR_SIZER_IMAGE_NOT_FOUND",
      `--image ${image}: the image is not present and cannot be pulled (${why})`,
    );
  }
}

/** The `docker run` arguments of the service's container, labelled with this sizer's pid. */
function containerRunArgs(options: DockerServiceOptions, name: string, network: DockerNetwork): string[] {
  const args = ["run", "--detach", "--rm", "--name", name, "--label", `${CONTAINER_LABEL}=${process.pid}`];
  if (network === "host") args.push("--network", "host");
  else args.push("--publish", `127.0.0.1::${options.port}`);
  if (options.cpus && options.cpus.length > 0) args.push("--cpuset-cpus", formatCpuList(options.cpus));
  if (options.memory !== undefined) args.push("--memory", options.memory);
  args.push("--env", `PORT=${options.port}`);
  for (const [key, value] of Object.entries(options.env ?? {})) args.push("--env", `${key}=${value}`);
  args.push("--", options.image);
  return args;
}

/** Why the container never became ready: interrupted, exited, a refused certificate, or no answer in time. */
function containerNotReadyError(
  ready: Extract<ReadyOutcome, { ready: false }>,
  healthUrl: string,
  options: DockerServiceOptions,
): InterruptedError | ServiceStartError {
  if (ready.reason === "aborted")
    return new InterruptedError("interrupted while waiting for the container to be ready");
  const reason =
    ready.reason === "ended"
      ? "the container exited before it was ready"
      : ready.reason === "certificate"
        ? certificateMessage(healthUrl, ready.lastProbe)
        : `the container did not answer at ${healthUrl} within ${Math.round(options.readyTimeoutMs / 1000)} s`;
  return new ServiceStartError(
    ready.reason === "ended" ? "ERR_SIZER_SERVICE_START" : "ERR_SIZER_SERVICE_NOT_READY",
    `--image ${options.image}: ${reason}`,
    options.log.tail(),
  );
}

/**
 * Runs an image as a container (removed at the end), on this machine's network or published on
 * 127.0.0.1, its logs captured, and waits until it answers. Fails clearly when no engine answers,
 * the image does not exist, or the port is taken.
 */
export async function startDockerService(options: DockerServiceOptions): Promise<ServiceHandle> {
  const docker = options.docker ?? "docker";
  await checkDocker(docker);
  await ensureImage(docker, options.image, options.log);
  await removeLeftoverContainers(docker, options.log);
  const network = options.network ?? ((await hasBridgeNetwork(docker)) ? "bridge" : "host");
  if (network === "host" && !(await portIsFree(options.port))) {
    throw new DockerError(
      "ERR_SIZER_DOCKER_RUN",
      `--image ${options.image}: port ${options.port} is already in use on this machine; with host networking the container listens on this machine's port ${options.port}: stop what uses it, or give another --port (the container gets it as PORT)`,
    );
  }
  const name = `sizer_${process.pid}_${randomBytes(3).toString("hex")}`;
  const args = containerRunArgs(options, name, network);
  options.log.note(`starting: ${docker} ${args.join(" ")}`);
  const run = await runDocker(docker, args, 120_000);
  if (run.status !== 0) {
    throw new DockerError(
      "ERR_SIZER_DOCKER_RUN",
      `cannot run --image ${options.image}: ${firstLine(run.stderr) || `exit code ${run.status}`}`,
    );
  }
  const id = run.stdout.trim().split("\n").pop() ?? "";
  const logs = startProcess([docker, "logs", "--follow", name], {
    endWithParent: true,
    onOutput: (chunk) => options.log.write(chunk),
  });
  let waited = "";
  const waiter = startProcess([docker, "wait", name], {
    endWithParent: true,
    onOutput: (chunk, stream) => {
      if (stream === "stdout") waited += chunk;
    },
  });
  let exit: ProcessExit | undefined;
  const ended = waiter.closed.then(() => {
    const code = Number.parseInt(waited.trim(), 10);
    exit = { exitCode: Number.isNaN(code) ? null : code, signal: null };
    options.log.note(`the container ${name} ended with ${describeExit(exit)}`);
    return exit;
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await runDocker(docker, ["stop", "--time", "5", name], 30_000);
      await runDocker(docker, ["rm", "--force", name], 30_000);
      await Promise.all([logs.stop(), waiter.stop()]);
    })();
    return stopping;
  };

  let url = `http://127.0.0.1:${options.port}/`;
  if (network === "bridge") {
    const port = await runDocker(docker, ["port", name, String(options.port)], 30_000);
    const published = /:(\d+)\s*$/m.exec(port.stdout.trim().split("\n")[0] ?? "");
    if (port.status !== 0 || !published) {
      await stop();
      throw new DockerError(
        "ERR_SIZER_DOCKER_RUN",
        `--image ${options.image}: port ${options.port} was not published (${firstLine(port.stderr) || port.stdout.trim()})`,
      );
    }
    url = `http://127.0.0.1:${published[1]}/`;
  }
  const healthUrl = options.healthUrl ? new URL(options.healthUrl, url).toString() : url;
  const ready = await waitForReady({
    url: healthUrl,
    requireSuccess: options.healthUrl !== undefined,
    timeoutMs: options.readyTimeoutMs,
    insecure: options.insecure,
    ended,
    signal: options.signal,
  });
  if (!ready.ready) {
    await stop();
    throw containerNotReadyError(ready, healthUrl, options);
  }
  return {
    kind: "docker",
    url: serverUrlOf(url),
    pid: undefined,
    containers: [{ name, id }],
    description: `docker image ${options.image} (container ${name}, ${network} network)`,
    ended,
    exit: () => exit,
    outputTail: (lines) => options.log.tail(lines),
    stop,
  };
}
