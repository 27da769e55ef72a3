/** How a child process ended. */
export interface ProcessExit {
  /** The exit code, or null when a signal ended the process (or it never started). */
  exitCode: number | null;
  /** The signal that ended the process, if any. */
  signal: NodeJS.Signals | null;
}

/** What {@link endProcessGroup} had to do: nothing (the group was gone), SIGTERM, or SIGKILL too. */
export type StopOutcome = "none" | "terminated" | "killed";

/** Time a process group gets to end after SIGTERM before SIGKILL, unless told otherwise. */
export const DEFAULT_KILL_GRACE_MS = 5_000;

function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True while any process of the process group led by `pid` is alive. */
export function groupAlive(pid: number): boolean {
  return signalGroup(pid, 0);
}

/**
 * Ends a process tree started in its own process group (`detached: true`): SIGTERM to the whole
 * group, then SIGKILL to what is left after `graceMs`. Resolves when the group is gone (or 2 s after
 * SIGKILL), with what it took.
 */
export async function endProcessGroup(
  pid: number,
  options: { graceMs?: number; pollMs?: number } = {},
): Promise<StopOutcome> {
  const graceMs = options.graceMs ?? DEFAULT_KILL_GRACE_MS;
  const pollMs = options.pollMs ?? 50;
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  if (!signalGroup(pid, "SIGTERM")) return "none";
  for (let waited = 0; waited < graceMs; waited += pollMs) {
    if (!groupAlive(pid)) return "terminated";
    await sleep(pollMs);
  }
  signalGroup(pid, "SIGKILL");
  for (let waited = 0; waited < 2_000 && groupAlive(pid); waited += pollMs) await sleep(pollMs);
  return "killed";
}

/** Describes an exit for a person: `exit code 1` or `signal SIGKILL`. */
export function describeExit(exit: { exitCode: number | null; signal: string | null }): string {
  if (exit.signal) return `signal ${exit.signal}`;
  return exit.exitCode === null ? "status unknown: the process is gone" : `exit code ${exit.exitCode}`;
}
