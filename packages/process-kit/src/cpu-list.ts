import { spawnSync } from "node:child_process";
import { CpuPinningError } from "./errors.js";

/** Formats core numbers as a taskset CPU list, e.g. `[0, 1, 2, 5]` as `0-2,5`. */
export function formatCpuList(cpus: readonly number[]): string {
  const parts: string[] = [];
  let index = 0;
  while (index < cpus.length) {
    const first = cpus[index] as number;
    let last = first;
    while (index + 1 < cpus.length && cpus[index + 1] === last + 1) {
      index += 1;
      last = cpus[index] as number;
    }
    parts.push(first === last ? `${first}` : `${first}-${last}`);
    index += 1;
  }
  return parts.join(",");
}

/**
 * The argv that runs `argv` pinned to `cpus` (`taskset -c <list> …`), or `argv` itself when no
 * cores are given. taskset replaces itself with the command, so the pid is the command's.
 */
export function pinnedArgv(
  argv: readonly string[],
  cpus: readonly number[] | undefined,
  taskset = "taskset",
): string[] {
  if (cpus === undefined || cpus.length === 0) return [...argv];
  return [taskset, "-c", formatCpuList(cpus), ...argv];
}

/** True when the taskset program (util-linux) can be run. */
export function hasTaskset(taskset = "taskset"): boolean {
  return spawnSync(taskset, ["--version"], { stdio: "ignore" }).status === 0;
}

/**
 * Pins every thread of a running process to `cpus` (`taskset -a -p -c <list> <pid>`), for a process
 * that cannot be started pinned (the caller itself).
 *
 * @throws {CpuPinningError} when taskset fails or cannot run, with what it said.
 */
export function pinRunningProcess(pid: number, cpus: readonly number[], taskset = "taskset"): void {
  const list = formatCpuList(cpus);
  const result = spawnSync(taskset, ["-a", "-p", "-c", list, String(pid)], { encoding: "utf8" });
  if (result.status !== 0) {
    throw new CpuPinningError(pid, list, (result.stderr || result.error?.message || "").trim(), result.error);
  }
}
