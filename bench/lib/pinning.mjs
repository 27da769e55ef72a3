import { availableParallelism } from "node:os";
import { BenchUsageError } from "./errors.mjs";
import { findExecutable } from "./processes.mjs";

/**
 * @typedef {object} Pinning
 * @property {string | undefined} taskset path of taskset, undefined when runs are not pinned
 * @property {number | undefined} generatorCpu
 * @property {number | undefined} serverCpu
 * @property {string | undefined} note why runs are not pinned, when they are not
 */

/**
 * Decides how to pin the load generator and the server: each to its own CPU with taskset, or not at
 * all (with a note saying why) when pinning is off, taskset is missing or there are too few CPUs.
 * Pinning both to one CPU is a usage error (`BenchUsageError`): they would measure each other.
 *
 * @param {{ pin: boolean, generatorCpu: number, serverCpu: number, cpus?: number,
 *   findTaskset?: () => string | undefined }} options the CPU count and the taskset lookup default to this machine's
 * @returns {Pinning}
 */
export function resolvePinning({
  pin,
  generatorCpu,
  serverCpu,
  cpus = availableParallelism(),
  findTaskset = () => findExecutable("taskset"),
}) {
  const unpinned = (/** @type {string} */ note) => ({
    taskset: undefined,
    generatorCpu: undefined,
    serverCpu: undefined,
    note,
  });
  if (!pin) return unpinned("pinning disabled by --no-pin: generator and server share the CPUs");
  if (generatorCpu === serverCpu) {
    throw new BenchUsageError(`--generator-cpu and --server-cpu must differ (both are ${serverCpu})`);
  }
  const taskset = findTaskset();
  if (taskset === undefined)
    return unpinned("taskset not found on the PATH (package util-linux): runs are not pinned");
  if (Math.max(generatorCpu, serverCpu) >= cpus) {
    return unpinned(`only ${cpus} CPU(s) available to this process: runs are not pinned`);
  }
  return { taskset, generatorCpu, serverCpu, note: undefined };
}

/**
 * The pinning that the flags of `PINNING_FLAGS` ask for (`--generator-cpu`, `--server-cpu`, `--no-pin`),
 * with its note printed when runs are not pinned.
 *
 * @param {Record<string, unknown>} flags parsed flags
 * @returns {Pinning}
 */
export function pinningFromFlags(flags) {
  const pinning = resolvePinning({
    pin: !flags["no-pin"],
    generatorCpu: /** @type {number} */ (flags["generator-cpu"]),
    serverCpu: /** @type {number} */ (flags["server-cpu"]),
  });
  if (pinning.note) console.log(`note: ${pinning.note}`);
  return pinning;
}
