import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { pinnedArgv, runCommand } from "@sizer/process-kit";

/**
 * Finds an executable on the PATH without a shell.
 *
 * @param {string} name
 * @param {string} [searchPath] defaults to process.env.PATH
 * @returns {string | undefined} its absolute path
 */
export function findExecutable(name, searchPath = process.env.PATH ?? "") {
  for (const directory of searchPath.split(delimiter)) {
    if (directory === "") continue;
    const candidate = join(directory, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * Wraps a command so that it runs on one CPU (`taskset -c <cpu> command ...`). taskset replaces
 * itself with the command, so the pid seen by the caller is the command's.
 *
 * @param {{ command: string, args: string[] }} invocation
 * @param {{ taskset: string | undefined, cpu: number | undefined }} pinning
 */
export function pinned(invocation, { taskset, cpu }) {
  if (taskset === undefined || cpu === undefined) return invocation;
  const [command, ...args] = pinnedArgv([invocation.command, ...invocation.args], [cpu], taskset);
  return { command: /** @type {string} */ (command), args };
}

/**
 * @typedef {object} ProcessOutcome
 * @property {number | null} exitCode
 * @property {NodeJS.Signals | null} signal
 * @property {boolean} timedOut true when the process was killed for running past its time limit
 * @property {string} stdout the last `maxOutputBytes` of standard output
 * @property {string} stderr the last `maxOutputBytes` of standard error
 * @property {number} wallSeconds
 * @property {string | undefined} spawnError why the process could not start, if it could not
 */

/**
 * Runs a command through @sizer/process-kit's runner (no shell: arguments are passed as they are;
 * its own process group, killed with the bench if it exits first) and collects its output, ending
 * the group with SIGTERM, then SIGKILL 5 s later, if it runs past `timeoutMs`.
 *
 * @param {{ command: string, args: string[] }} invocation
 * @param {{ env?: NodeJS.ProcessEnv, cwd?: string, timeoutMs: number, maxOutputBytes?: number,
 *   onStart?: (pid: number) => void }} options
 * @returns {Promise<ProcessOutcome>}
 */
export async function runProcess(
  { command, args },
  { env, cwd, timeoutMs, maxOutputBytes = 4_000_000, onStart },
) {
  const started = performance.now();
  const wallSeconds = () => (performance.now() - started) / 1000;
  try {
    const result = await runCommand(command, args, {
      env,
      cwd,
      timeoutMs,
      maxOutputCharacters: maxOutputBytes,
      killGraceMs: 5_000,
      onSpawn: onStart,
      endWithParent: true,
    });
    return {
      exitCode: result.exitCode,
      signal: result.signal,
      timedOut: result.timedOut,
      stdout: result.stdout,
      stderr: result.stderr,
      wallSeconds: wallSeconds(),
      spawnError: undefined,
    };
  } catch (error) {
    return {
      exitCode: null,
      signal: null,
      timedOut: false,
      stdout: "",
      stderr: "",
      wallSeconds: wallSeconds(),
      spawnError: /** @type {Error} */ (error).message,
    };
  }
}

/**
 * Runs a short command and returns its combined output, or undefined if it cannot run.
 * For version probes.
 *
 * @param {string} command
 * @param {string[]} args
 */
export async function probe(command, args) {
  const outcome = await runProcess({ command, args }, { timeoutMs: 15_000 });
  if (outcome.spawnError || outcome.exitCode !== 0) return undefined;
  return `${outcome.stdout}${outcome.stderr}`.trim();
}
