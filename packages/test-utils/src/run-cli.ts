import { type ChildProcess, spawn } from "node:child_process";

/** What a run of a command gave. */
export interface CliRun {
  code: number | null;
  /** The signal that ended it, when one did (the deadline's SIGKILL, for one). */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link startCli} and {@link runCli}. */
export interface CliRunOptions {
  cwd?: string;
  /** Variables over this process's environment; `undefined` removes one. */
  env?: Record<string, string | undefined>;
  /** Killed with SIGKILL past this many milliseconds (default 150 000). */
  timeoutMs?: number;
}

/**
 * Starts a built bin (`dist/cli.js`) with this Node, collecting its output; `done` resolves when it
 * has exited. For a test that must act while it runs (send SIGINT, wait for a line).
 */
export function startCli(
  script: string,
  args: readonly string[],
  options: CliRunOptions = {},
): { child: ChildProcess; done: Promise<CliRun> } {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  const child = spawn(process.execPath, [script, ...args], {
    cwd: options.cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 150_000);
  const done = new Promise<CliRun>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

/** Runs a built bin with this Node to its end and gives its exit code and output. */
export function runCli(
  script: string,
  args: readonly string[],
  options: CliRunOptions = {},
): Promise<CliRun> {
  return startCli(script, args, options).done;
}
