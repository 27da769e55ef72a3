import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

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
 * itself with the command, so the pid seen by the caller is the command's pid.
 *
 * @param {{ command: string, args: string[] }} invocation
 * @param {{ taskset: string | undefined, cpu: number | undefined }} pinning
 */
export function pinned(invocation, { taskset, cpu }) {
  if (taskset === undefined || cpu === undefined) return invocation;
  return { command: taskset, args: ["-c", String(cpu), invocation.command, ...invocation.args] };
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
 * Runs a command (no shell: arguments are passed as they are) and collects its output, killing it
 * with SIGTERM, then SIGKILL 5 s later, if it runs past `timeoutMs`.
 *
 * @param {{ command: string, args: string[] }} invocation
 * @param {{ env?: NodeJS.ProcessEnv, cwd?: string, timeoutMs: number, maxOutputBytes?: number,
 *   onStart?: (pid: number) => void }} options
 * @returns {Promise<ProcessOutcome>}
 */
export function runProcess({ command, args }, { env, cwd, timeoutMs, maxOutputBytes = 4_000_000, onStart }) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    const stdout = tailCollector(maxOutputBytes);
    const stderr = tailCollector(maxOutputBytes);
    child.stdout.on("data", stdout.add);
    child.stderr.on("data", stderr.add);
    let timedOut = false;
    let killTimer;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGTERM");
      killTimer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    }, timeoutMs);
    let spawnError;
    child.on("error", (error) => {
      spawnError = error.message;
    });
    child.on("spawn", () => {
      if (onStart && child.pid !== undefined) onStart(child.pid);
    });
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      resolve({
        exitCode,
        signal,
        timedOut,
        stdout: stdout.text(),
        stderr: stderr.text(),
        wallSeconds: (performance.now() - started) / 1000,
        spawnError,
      });
    });
  });
}

/** Keeps the last `limit` bytes of a stream. @param {number} limit */
function tailCollector(limit) {
  /** @type {Buffer[]} */
  let chunks = [];
  let size = 0;
  return {
    /** @param {Buffer} chunk */
    add(chunk) {
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit * 2) {
        const joined = Buffer.concat(chunks).subarray(-limit);
        chunks = [joined];
        size = joined.length;
      }
    },
    text() {
      return Buffer.concat(chunks).subarray(-limit).toString("utf8");
    },
  };
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
