import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { formatCpuList } from "./cpu-plan.js";
import { DockerError, InterruptedError, ServiceStartError } from "./errors.js";
import { childExit, describeExit, type ProcessExit } from "./process-tree.js";
import { certificateMessage, waitForReady } from "./readiness.js";
import { type ServiceHandle, serverUrlOf } from "./service.js";
import type { ServiceLog } from "./service-log.js";

/** Options of {@link startDockerService}. */
export interface DockerServiceOptions {
  /** The image to run (`--image`). */
  image: string;
  /** The port the container listens on (`--port`); published on 127.0.0.1 at a free port. */
  port: number;
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

interface CommandOutcome {
  status: number | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

function runDocker(docker: string, args: string[], timeoutMs: number): Promise<CommandOutcome> {
  return new Promise((resolve) => {
    const child = spawn(docker, args, { stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", (error) => resolve({ status: null, stdout, stderr, error }));
    child.once("close", (status) => resolve({ status, stdout, stderr }));
  });
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

/**
 * Runs an image as a container (removed at the end), published on 127.0.0.1, its logs captured,
 * and waits until it answers. Fails clearly when no engine answers or the image does not exist.
 */
export async function startDockerService(options: DockerServiceOptions): Promise<ServiceHandle> {
  const docker = options.docker ?? "docker";
  await checkDocker(docker);
  const inspect = await runDocker(docker, ["image", "inspect", "--format", "{{.Id}}", options.image], 30_000);
  if (inspect.status !== 0) {
    options.log.note(`image ${options.image} not present locally, pulling`);
    const pull = await runDocker(docker, ["pull", options.image], 600_000);
    if (pull.status !== 0) {
      throw new DockerError(
        "ERR_SIZER_IMAGE_NOT_FOUND",
        `--image ${options.image}: the image is not present and cannot be pulled (${firstLine(pull.stderr) || `exit code ${pull.status}`})`,
      );
    }
  }
  const name = `sizer-${randomBytes(4).toString("hex")}`;
  const args = ["run", "--detach", "--rm", "--name", name, "--publish", `127.0.0.1::${options.port}`];
  if (options.cpus && options.cpus.length > 0) args.push("--cpuset-cpus", formatCpuList(options.cpus));
  for (const [key, value] of Object.entries(options.env ?? {})) args.push("--env", `${key}=${value}`);
  args.push("--", options.image);
  options.log.note(`starting: ${docker} ${args.join(" ")}`);
  const run = await runDocker(docker, args, 120_000);
  if (run.status !== 0) {
    throw new DockerError(
      "ERR_SIZER_DOCKER_RUN",
      `cannot run --image ${options.image}: ${firstLine(run.stderr) || `exit code ${run.status}`}`,
    );
  }
  const logs = spawn(docker, ["logs", "--follow", name], { stdio: ["ignore", "pipe", "pipe"] });
  logs.stdout.on("data", (chunk: Buffer) => options.log.write(chunk));
  logs.stderr.on("data", (chunk: Buffer) => options.log.write(chunk));
  logs.on("error", () => {});
  const waiter = spawn(docker, ["wait", name], { stdio: ["ignore", "pipe", "ignore"] });
  let waited = "";
  waiter.stdout.on("data", (chunk: Buffer) => {
    waited += chunk.toString();
  });
  waiter.on("error", () => {});
  let exit: ProcessExit | undefined;
  const ended = childExit(waiter).then(() => {
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
      logs.kill();
      waiter.kill();
    })();
    return stopping;
  };

  const port = await runDocker(docker, ["port", name, String(options.port)], 30_000);
  const published = /:(\d+)\s*$/m.exec(port.stdout.trim().split("\n")[0] ?? "");
  if (port.status !== 0 || !published) {
    await stop();
    throw new DockerError(
      "ERR_SIZER_DOCKER_RUN",
      `--image ${options.image}: port ${options.port} was not published (${firstLine(port.stderr) || port.stdout.trim()})`,
    );
  }
  const url = `http://127.0.0.1:${published[1]}/`;
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
    if (ready.reason === "aborted")
      throw new InterruptedError("interrupted while waiting for the container to be ready");
    const reason =
      ready.reason === "ended"
        ? "the container exited before it was ready"
        : ready.reason === "certificate"
          ? certificateMessage(healthUrl, ready.lastProbe)
          : `the container did not answer at ${healthUrl} within ${Math.round(options.readyTimeoutMs / 1000)} s`;
    throw new ServiceStartError(
      ready.reason === "ended" ? "ERR_SIZER_SERVICE_START" : "ERR_SIZER_SERVICE_NOT_READY",
      `--image ${options.image}: ${reason}`,
      options.log.tail(),
    );
  }
  return {
    kind: "docker",
    url: serverUrlOf(url),
    pid: undefined,
    containers: [name],
    description: `docker image ${options.image} (container ${name})`,
    ended,
    exit: () => exit,
    outputTail: (lines) => options.log.tail(lines),
    stop,
  };
}
