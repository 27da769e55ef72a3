import { spawn } from "node:child_process";

/** How one command is run: no shell ever, an argument array, a deadline and an abort signal. */
export interface CommandOptions {
  /** Working directory of the command. */
  cwd?: string;
  /** The complete environment of the command (not merged with `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Kill the command (and the processes it started) after this many milliseconds. */
  timeoutMs?: number;
  /** Kill the command (and the processes it started) when this signal aborts. */
  signal?: AbortSignal;
  /** Receives stdout and stderr as they arrive, for example to show an installer's progress. */
  onOutput?: (chunk: string) => void;
}

/** What a finished (or killed) command left behind. */
export interface CommandResult {
  /** The exit code, or null when the command was ended by a signal. */
  exitCode: number | null;
  /** The signal that ended the command, if any. */
  signal: NodeJS.Signals | null;
  /** The last 64 KiB of stdout. */
  stdout: string;
  /** The last 64 KiB of stderr. */
  stderr: string;
  /** True when the command was killed because `timeoutMs` passed. */
  timedOut: boolean;
  /** True when the command was killed because `signal` aborted. */
  aborted: boolean;
}

/**
 * Runs a program with an argument array and resolves with its result whatever its exit code;
 * rejects only when the program cannot be started (for example `ENOENT`).
 * The side-effect option of every moloslave function that runs git or an installer.
 */
export type CommandRunner = (
  command: string,
  args: readonly string[],
  options?: CommandOptions,
) => Promise<CommandResult>;

const KEPT_OUTPUT_CHARACTERS = 64 * 1024;
const KILL_GRACE_MS = 2_000;

function keepTail(text: string): string {
  return text.length > KEPT_OUTPUT_CHARACTERS ? text.slice(-KEPT_OUTPUT_CHARACTERS) : text;
}

/**
 * The real {@link CommandRunner}: `child_process.spawn` without a shell, in its own process group
 * so that a timeout or an abort also stops what the command started (npm's lifecycle scripts, git's helpers).
 */
export const runCommand: CommandRunner = (command, args, options = {}) =>
  new Promise<CommandResult>((resolve, reject) => {
    if (options.signal?.aborted) {
      resolve({ exitCode: null, signal: null, stdout: "", stderr: "", timedOut: false, aborted: true });
      return;
    }
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      shell: false,
      stdio: ["ignore", "pipe", "pipe"],
      detached: process.platform !== "win32",
      windowsHide: true,
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let aborted = false;
    let exited = false;
    let settled = false;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    const timers: NodeJS.Timeout[] = [];

    const killTree = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        if (process.platform === "win32") {
          if (!exited) child.kill(signal);
        } else {
          // the whole group: what the command started may outlive it
          process.kill(-child.pid, signal);
        }
      } catch {
        // the group is already gone
      }
    };
    const stop = () => {
      killTree("SIGTERM");
      timers.push(setTimeout(() => killTree("SIGKILL"), KILL_GRACE_MS));
    };
    const onAbort = () => {
      aborted = true;
      stop();
    };
    const finish = () => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      resolve({ exitCode, signal: exitSignal, stdout, stderr, timedOut, aborted });
    };

    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout = keepTail(stdout + chunk);
      options.onOutput?.(chunk);
    });
    child.stderr.on("data", (chunk: string) => {
      stderr = keepTail(stderr + chunk);
      options.onOutput?.(chunk);
    });

    if (options.timeoutMs !== undefined) {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          stop();
        }, options.timeoutMs),
      );
    }
    options.signal?.addEventListener("abort", onAbort, { once: true });

    child.once("error", (error) => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      reject(error);
    });
    child.once("exit", (code, signal) => {
      exited = true;
      exitCode = code;
      exitSignal = signal;
      // A grandchild may keep the pipes open after the command itself has gone: do not wait for it forever.
      timers.push(
        setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          finish();
        }, KILL_GRACE_MS),
      );
    });
    child.once("close", () => finish());
  });
