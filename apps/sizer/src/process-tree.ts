import type { ChildProcess } from "node:child_process";

/** How a child process ended. */
export interface ProcessExit {
  exitCode: number | null;
  signal: string | null;
}

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True while any process of the group led by `pid` is alive. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Ends a process tree started with `detached: true` (its own process group): SIGTERM to the
 * whole group, then SIGKILL to what is left after `graceMs`. Resolves when the group is gone.
 */
export async function endProcessGroup(
  pid: number,
  options: { graceMs?: number; pollMs?: number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<"none" | "terminated" | "killed"> {
  const graceMs = options.graceMs ?? 5000;
  const pollMs = options.pollMs ?? 50;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  if (!signalGroup(pid, "SIGTERM")) return "none";
  for (let waited = 0; waited < graceMs; waited += pollMs) {
    if (!groupAlive(pid)) return "terminated";
    await sleep(pollMs);
  }
  signalGroup(pid, "SIGKILL");
  for (let waited = 0; waited < 2000 && groupAlive(pid); waited += pollMs) await sleep(pollMs);
  return "killed";
}

/** A promise of the child's end, resolved once (also when it already ended). */
export function childExit(child: ChildProcess): Promise<ProcessExit> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ exitCode: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    child.once("exit", (exitCode, signal) => resolve({ exitCode, signal }));
  });
}

/** Describes an exit for a person: `exit code 1` or `signal SIGKILL`. */
export function describeExit(exit: ProcessExit): string {
  if (exit.signal) return `signal ${exit.signal}`;
  return exit.exitCode === null ? "status unknown: the process is gone" : `exit code ${exit.exitCode}`;
}
