import { spawn } from "node:child_process";
import { pinnedArgv } from "./cpu-list.js";
import {
  DEFAULT_KILL_GRACE_MS,
  endProcessGroup,
  type ProcessExit,
  type StopOutcome,
} from "./process-group.js";

/** How a process is started: argv without a shell, in its own process group. */
export interface ProcessOptions {
  /** Working directory. Default: the current one. */
  cwd?: string | undefined;
  /** The complete environment (not merged with `process.env`). Default: `process.env`. */
  env?: NodeJS.ProcessEnv | undefined;
  /** Cores to pin the process to, with `taskset -c` (Linux, util-linux). */
  cpus?: readonly number[] | undefined;
  /** The taskset program. Default: `taskset` on the PATH. */
  taskset?: string | undefined;
  /** Ends the process group (SIGTERM, then SIGKILL after the grace) when this signal aborts. */
  signal?: AbortSignal | undefined;
  /** Time the group gets after SIGTERM before SIGKILL. Default: {@link DEFAULT_KILL_GRACE_MS}. */
  killGraceMs?: number | undefined;
  /** Receives stdout and stderr as they arrive (UTF-8 text). */
  onOutput?: ((chunk: string, stream: "stdout" | "stderr") => void) | undefined;
  /** Called with the pid once the process has started. */
  onSpawn?: ((pid: number) => void) | undefined;
  /** Kill the group with SIGKILL if this Node.js process exits first (for long-lived services). */
  endWithParent?: boolean | undefined;
}

/** A process started by {@link startProcess}. */
export interface RunningProcess {
  /** The pid, which is also the id of its process group; undefined when it could not start. */
  readonly pid: number | undefined;
  /** What was spawned: the command, behind `taskset -c …` when pinned. */
  readonly argv: readonly string[];
  /** Resolves once the process runs; rejects with the spawn error (`ENOENT`, `EACCES`). */
  readonly spawned: Promise<void>;
  /** Resolves when the process itself ends (or could not start: both fields null). */
  readonly exited: Promise<ProcessExit>;
  /** Resolves when its output is read to the end (at most 2 s after `exited`: a grandchild may hold the pipes). */
  readonly closed: Promise<void>;
  /** How it ended, once it has. */
  exit(): ProcessExit | undefined;
  /** Ends the whole process group: SIGTERM, SIGKILL after the grace. Safe to call twice. */
  stop(): Promise<StopOutcome>;
}

const onWindows = process.platform === "win32";

/** How long the output may still be read after the process has gone (a grandchild may hold the pipes). */
const OUTPUT_DRAIN_MS = 2_000;

/**
 * Starts `argv[0]` with the arguments `argv.slice(1)`, never through a shell, in a process group of
 * its own (so that {@link RunningProcess.stop} also ends what it started), stdin closed, stdout and
 * stderr piped to `onOutput`. Never throws: a program that cannot start rejects `spawned`.
 */
export function startProcess(argv: readonly string[], options: ProcessOptions = {}): RunningProcess {
  const command = pinnedArgv(argv, options.cpus, options.taskset);
  const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  let exit: ProcessExit | undefined;
  let resolveExited: (value: ProcessExit) => void = () => {};
  const exited = new Promise<ProcessExit>((resolve) => {
    resolveExited = (value) => {
      exit ??= value;
      resolve(exit);
    };
  });
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(command[0] as string, command.slice(1), {
      cwd: options.cwd,
      env: options.env ?? process.env,
      shell: false,
      stdio: ["ignore", "pipe", "pipe"],
      detached: !onWindows,
      windowsHide: true,
    });
  } catch (error) {
    // spawn throws, rather than emitting, for some bad arguments (a NUL byte, a bad cwd type).
    resolveExited({ exitCode: null, signal: null });
    const spawned = Promise.reject(error as Error);
    spawned.catch(() => undefined);
    return {
      pid: undefined,
      argv: command,
      spawned,
      exited,
      closed: Promise.resolve(),
      exit: () => exit,
      stop: async () => "none",
    };
  }
  const pid = child.pid;
  const spawned = new Promise<void>((resolve, reject) => {
    child.once("spawn", () => {
      if (child.pid !== undefined) options.onSpawn?.(child.pid);
      resolve();
    });
    // `on`, not `once`: a later error (a failed kill) must not become an uncaught exception.
    child.on("error", (error) => {
      if (child.pid === undefined) {
        resolveExited({ exitCode: null, signal: null });
        reject(error);
      }
    });
  });
  spawned.catch(() => undefined);
  child.stdout?.setEncoding("utf8");
  child.stderr?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => options.onOutput?.(chunk, "stdout"));
  child.stderr?.on("data", (chunk: string) => options.onOutput?.(chunk, "stderr"));

  let stopping: Promise<StopOutcome> | undefined;
  const stop = (): Promise<StopOutcome> => {
    stopping ??= (async () => {
      if (pid === undefined) return "none";
      if (onWindows) {
        if (exit) return "none";
        child.kill("SIGTERM");
        return "terminated";
      }
      return endProcessGroup(pid, { graceMs });
    })();
    return stopping;
  };
  const killOnParentExit = () => {
    if (pid === undefined) return;
    try {
      process.kill(onWindows ? pid : -pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  };
  if (options.endWithParent) process.once("exit", killOnParentExit);
  const onAbort = () => void stop();
  if (options.signal?.aborted) void stop();
  else options.signal?.addEventListener("abort", onAbort, { once: true });

  const closed = new Promise<void>((resolve) => {
    let graceTimer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(graceTimer);
      options.signal?.removeEventListener("abort", onAbort);
      process.removeListener("exit", killOnParentExit);
      resolve();
    };
    child.once("close", done);
    child.once("error", () => {
      if (pid === undefined) done();
    });
    void exited.then(() => {
      // A grandchild may keep the pipes open after the process itself has gone: do not wait forever.
      graceTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        done();
      }, OUTPUT_DRAIN_MS);
    });
  });
  child.once("exit", (exitCode, signal) => resolveExited({ exitCode, signal }));

  return { pid, argv: command, spawned, exited, closed, exit: () => exit, stop };
}
