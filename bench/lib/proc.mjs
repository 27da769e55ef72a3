import { readdirSync, readFileSync } from "node:fs";

/**
 * Readers of Linux /proc used to measure the load generators from outside: CPU time, process trees
 * and resident memory. Each returns undefined when the process has gone (a race we expect, since the
 * processes we watch exit on their own).
 */

/**
 * @typedef {object} ProcessStat
 * @property {number} pid
 * @property {number} parentPid
 * @property {number} cpuTicks user + system time of the process itself, in clock ticks
 * @property {number} reapedChildrenTicks user + system time of its children it has waited for
 */

/**
 * @param {number} pid
 * @param {string} [procRoot] mount point of procfs, "/proc" by default
 * @returns {ProcessStat | undefined}
 */
export function readProcessStat(pid, procRoot = "/proc") {
  let text;
  try {
    text = readFileSync(`${procRoot}/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: the fixed fields start after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const number = (/** @type {number} */ index) => Number(fields[index] ?? Number.NaN);
  return {
    pid,
    parentPid: number(1),
    cpuTicks: number(11) + number(12),
    reapedChildrenTicks: number(13) + number(14),
  };
}

/**
 * The pids of a process and all its descendants, the root first.
 *
 * @param {number} rootPid
 * @param {string} [procRoot]
 * @returns {number[]} empty when the root has gone
 */
export function listProcessTree(rootPid, procRoot = "/proc") {
  const childrenOf = new Map();
  for (const entry of readdirSync(procRoot)) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcessStat(Number(entry), procRoot);
    if (stat === undefined) continue;
    const siblings = childrenOf.get(stat.parentPid) ?? [];
    siblings.push(stat.pid);
    childrenOf.set(stat.parentPid, siblings);
  }
  if (readProcessStat(rootPid, procRoot) === undefined) return [];
  const tree = [rootPid];
  for (let index = 0; index < tree.length; index += 1) {
    tree.push(...(childrenOf.get(tree[index]) ?? []));
  }
  return tree;
}

/**
 * Resident set size of one process (VmRSS), in bytes.
 *
 * @param {number} pid
 * @param {string} [procRoot]
 * @returns {number | undefined}
 */
export function readRssBytes(pid, procRoot = "/proc") {
  let text;
  try {
    text = readFileSync(`${procRoot}/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(text);
  return match ? Number(match[1]) * 1024 : undefined;
}

/**
 * Total RSS of a process tree, in bytes, and how many processes it counted.
 *
 * @param {number} rootPid
 * @param {boolean} includeChildren false: the root only
 * @param {string} [procRoot]
 */
export function readTreeRss(rootPid, includeChildren, procRoot = "/proc") {
  const pids = includeChildren ? listProcessTree(rootPid, procRoot) : [rootPid];
  let bytes = 0;
  let processes = 0;
  for (const pid of pids) {
    const rss = readRssBytes(pid, procRoot);
    if (rss === undefined) continue;
    bytes += rss;
    processes += 1;
  }
  return { bytes, processes };
}

/**
 * Busy and total clock ticks summed over all CPUs, from the first line of /proc/stat.
 * Busy excludes idle and iowait; guest time is already inside user time. `cpus` counts the CPU lines.
 *
 * @param {string} [procRoot]
 */
export function readSystemTicks(procRoot = "/proc") {
  const lines = readFileSync(`${procRoot}/stat`, "utf8").split("\n");
  const [, ...values] = (lines[0] ?? "").trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values.slice(0, 8).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  const cpus = lines.filter((line) => /^cpu\d+ /.test(line)).length;
  return { busy, total: busy + idle + iowait, cpus };
}

/** The load average line of /proc/loadavg: the 1, 5 and 15 minute averages. */
export function readLoadAverage(procRoot = "/proc") {
  const [one, five, fifteen] = readFileSync(`${procRoot}/loadavg`, "utf8").split(" ").map(Number);
  return { one, five, fifteen };
}

/**
 * The time the main thread of `pid` ran and waited on a run queue (runnable, for want of a core), ns,
 * from /proc/<pid>/schedstat; undefined when the process has gone.
 *
 * @param {number} pid
 * @param {string} [procRoot]
 * @returns {{ runNs: number, waitNs: number } | undefined}
 */
export function readSchedstat(pid, procRoot = "/proc") {
  try {
    const [runNs, waitNs] = readFileSync(`${procRoot}/${pid}/schedstat`, "utf8").split(" ").map(Number);
    return { runNs: runNs ?? 0, waitNs: waitNs ?? 0 };
  } catch {
    return undefined;
  }
}

/**
 * Watches how long a generator waited for a core: give `onStart` its pid, call `stop()` once it exited.
 * The share is its main thread's run-queue wait over the wall time watched (sampled every `everyMs`,
 * since /proc forgets an exited process): 0.5 means that for half of the run it was ready to run and
 * another process held the core. That is the machine's contention as the generator felt it, which the
 * machine-wide CPU of other processes only suggests.
 *
 * @param {{ everyMs?: number, procRoot?: string }} [options]
 */
export function watchCoreWait({ everyMs = 250, procRoot = "/proc" } = {}) {
  /** @type {{ waitNs: number, at: number } | undefined} */
  let first;
  /** @type {{ waitNs: number, at: number } | undefined} */
  let last;
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  return {
    /** @param {number} pid */
    onStart(pid) {
      const sample = () => {
        const reading = readSchedstat(pid, procRoot);
        if (reading === undefined) return;
        last = { waitNs: reading.waitNs, at: performance.now() };
        first ??= last;
      };
      sample();
      timer = setInterval(sample, everyMs);
      timer.unref();
    },
    /** @returns {number | undefined} the share of the watched time spent waiting for a core */
    stop() {
      clearInterval(timer);
      if (first === undefined || last === undefined || last.at <= first.at) return undefined;
      return (last.waitNs - first.waitNs) / 1e6 / (last.at - first.at);
    },
  };
}
