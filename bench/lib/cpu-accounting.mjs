import { listProcessTree, readProcessStat, readSystemTicks } from "./proc.mjs";

/**
 * @typedef {object} CpuAccount
 * @property {number} elapsedSeconds wall time between start and stop
 * @property {number} generatorCpuSeconds CPU time of the load generator (user + system)
 * @property {number} generatorCores CPU used by the load generator over the run (1 = one core busy)
 * @property {number} serverCores CPU used by the target server over the run
 * @property {number} otherCores CPU used by everything else on the machine: the contention figure
 * @property {number} machineCores CPUs of the machine
 */

/**
 * Starts accounting the machine's CPU time around one benchmark run. The generator's time is read as
 * the time of this process's children it has reaped (so `stop()` must be called after the generator
 * exited and was waited for); the server's as the CPU time of its process tree; the rest of the
 * machine's busy time belongs to other people, which is how contention is measured.
 *
 * @param {{ serverPid: number | undefined, procRoot?: string }} options
 * @returns {{ stop(): CpuAccount }}
 */
export function startCpuAccounting({ serverPid, procRoot = "/proc" }) {
  const start = snapshot(serverPid, procRoot);
  const startedAt = performance.now();
  return {
    stop() {
      const end = snapshot(serverPid, procRoot);
      const elapsedSeconds = (performance.now() - startedAt) / 1000;
      const ticksPerCore = (end.total - start.total) / Math.max(end.cpus, 1);
      const cores = (/** @type {number} */ ticks) =>
        ticksPerCore > 0 ? Math.max(ticks, 0) / ticksPerCore : 0;
      const generator = end.reaped - start.reaped;
      const server = end.server - start.server;
      const own = end.self - start.self;
      const others = end.busy - start.busy - generator - server - own;
      return {
        elapsedSeconds: round(elapsedSeconds),
        generatorCpuSeconds: round(cores(generator) * elapsedSeconds),
        generatorCores: round(cores(generator)),
        serverCores: round(cores(server)),
        otherCores: round(cores(others)),
        machineCores: end.cpus,
      };
    },
  };
}

/** @param {number | undefined} serverPid @param {string} procRoot */
function snapshot(serverPid, procRoot) {
  const system = readSystemTicks(procRoot);
  const self = readProcessStat(process.pid, procRoot);
  let server = 0;
  if (serverPid !== undefined) {
    for (const pid of listProcessTree(serverPid, procRoot)) {
      const stat = readProcessStat(pid, procRoot);
      if (stat) server += stat.cpuTicks + stat.reapedChildrenTicks;
    }
  }
  return {
    busy: system.busy,
    total: system.total,
    cpus: system.cpus,
    self: self?.cpuTicks ?? 0,
    reaped: self?.reapedChildrenTicks ?? 0,
    server,
  };
}

/** @param {number} value */
function round(value) {
  return Math.round(value * 100) / 100;
}
