import { type ProcessOptions, startProcess } from "./start-process.js";

/** Options of one command run by a {@link CommandRunner}. */
export interface CommandOptions extends ProcessOptions {
  /** Stop the command (and what it started) after this many milliseconds. */
  timeoutMs?: number | undefined;
  /** How much of the end of stdout and of stderr is kept. Default: 64 Ki characters each. */
  maxOutputCharacters?: number | undefined;
}

/** What a finished (or stopped) command left behind. */
export interface CommandResult {
  /** The exit code, or null when a signal ended the command. */
  exitCode: number | null;
  /** The signal that ended the command, if any. */
  signal: NodeJS.Signals | null;
  /** The end of stdout (`maxOutputCharacters`). */
  stdout: string;
  /** The end of stderr (`maxOutputCharacters`). */
  stderr: string;
  /** True when the command was stopped because `timeoutMs` passed. */
  timedOut: boolean;
  /** True when the command was stopped because `signal` aborted (or had before it started). */
  aborted: boolean;
}

/**
 * Runs a program with an argument array and resolves with its result whatever its exit code;
 * rejects only when the program cannot be started (`ENOENT`, `EACCES`). The seam of every sizer
 * package that runs a program: {@link runCommand} runs it here, a remote runner (SSM) elsewhere.
 */
export type CommandRunner = (
  command: string,
  args: readonly string[],
  options?: CommandOptions,
) => Promise<CommandResult>;

/** Default of {@link CommandOptions.maxOutputCharacters}. */
export const DEFAULT_MAX_OUTPUT_CHARACTERS = 64 * 1024;

/**
 * The local {@link CommandRunner}: {@link startProcess} (no shell, its own process group, pinned
 * with taskset when `cpus` is given), its output kept, ended (SIGTERM, then SIGKILL after the grace)
 * with everything it started when `timeoutMs` passes or `signal` aborts.
 */
export const runCommand: CommandRunner = async (command, args, options = {}) => {
  if (options.signal?.aborted) {
    return { exitCode: null, signal: null, stdout: "", stderr: "", timedOut: false, aborted: true };
  }
  const limit = options.maxOutputCharacters ?? DEFAULT_MAX_OUTPUT_CHARACTERS;
  const keepTail = (text: string) => (text.length > limit ? text.slice(-limit) : text);
  let stdout = "";
  let stderr = "";
  let timedOut = false;
  let aborted = false;
  const running = startProcess([command, ...args], {
    ...options,
    signal: undefined,
    onOutput: (chunk, stream) => {
      if (stream === "stdout") stdout = keepTail(stdout + chunk);
      else stderr = keepTail(stderr + chunk);
      options.onOutput?.(chunk, stream);
    },
  });
  const onAbort = () => {
    aborted = true;
    void running.stop();
  };
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          void running.stop();
        }, options.timeoutMs);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await running.spawned;
    const exit = await running.exited;
    await running.closed;
    return { exitCode: exit.exitCode, signal: exit.signal, stdout, stderr, timedOut, aborted };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
};
