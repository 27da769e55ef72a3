import { readdirSync } from "node:fs";
import { PidNotFoundError } from "./errors.js";
import { type PidStat, parsePidIo, parsePidStat, parseStatusRss, splitFields } from "./proc-parsers.js";
import { isPermissionError, readKernelFile } from "./read-text.js";

/** Options of the process tree sampler. */
export interface ProcessTreeSamplerOptions {
  /** Root of the watched tree. */
  pid: number;
  procRoot?: string;
  /** USER_HZ: ticks per second of `/proc/<pid>/stat` times; 100 on every mainstream Linux port. */
  clockTicksPerSecond?: number;
}

interface MemberCounters {
  cpuTicks: number;
  readBytes: number | undefined;
  writeBytes: number | undefined;
}

const round = (value: number): number => Math.round(value * 100) / 100;

/**
 * Samples a process and all its descendants, re-scanning `/proc/<pid>/stat` parents every call so
 * that children that come and go are counted. When the root exits its series ends with a note.
 */
export class ProcessTreeSampler {
  readonly pid: number;
  readonly #procRoot: string;
  readonly #ticksPerSecond: number;
  #pageSize = 4096;
  #rootStartTime: number | undefined;
  #previous: { monotonicMs: number; members: Map<string, MemberCounters> } | undefined;
  #ended = false;
  /** Stats of processes outside the tree at the last scan; re-read only on full scans. */
  #outside = new Map<number, PidStat>();
  #scans = 0;
  #ioNoted = false;
  #fdNoted = false;

  constructor(options: ProcessTreeSamplerOptions) {
    this.pid = options.pid;
    this.#procRoot = options.procRoot ?? "/proc";
    this.#ticksPerSecond = options.clockTicksPerSecond ?? 100;
  }

  /** Whether the root process has exited (then `sample` adds nothing). */
  get ended(): boolean {
    return this.#ended;
  }

  /** Checks that the pid exists and learns the page size; throws `PidNotFoundError` otherwise. */
  async initialise(): Promise<void> {
    const stat = this.#readStat(this.pid);
    if (!stat || stat.state === "Z") throw new PidNotFoundError(this.pid);
    this.#rootStartTime = stat.startTime;
    this.#pageSize = await detectPageSize(this.#procRoot);
  }

  /** Adds the tree's metrics to `values`; returns notes (root exited, unreadable files). */
  async sample(monotonicMs: number, values: Record<string, number>): Promise<string[]> {
    const notes: string[] = [];
    if (this.#ended) return notes;
    if (this.#rootStartTime === undefined) await this.initialise();
    const stats = this.#scan();
    const root = stats.get(this.pid);
    if (!root || root.state === "Z" || root.startTime !== this.#rootStartTime) {
      this.#ended = true;
      notes.push(`pid ${this.pid} exited; process metrics end here`);
      return notes;
    }
    const members = collectTree(root, stats);
    const memberPids = new Set(members.map((member) => member.pid));
    this.#outside = new Map();
    for (const [pid, stat] of stats) if (!memberPids.has(pid)) this.#outside.set(pid, stat);
    const counters = new Map<string, MemberCounters>();
    let rss = 0;
    let threads = 0;
    let fds: number | undefined = 0;
    let ioReadable = true;
    for (const member of members) {
      rss += member.rssPages * this.#pageSize;
      threads += member.threads;
      const io = this.#readIo(member.pid, notes);
      if (io === undefined) ioReadable = false;
      const count = this.#countFds(member.pid, notes);
      if (count === undefined) fds = undefined;
      else if (fds !== undefined) fds += count;
      counters.set(`${member.pid}:${member.startTime}`, {
        cpuTicks: member.cpuTicks,
        readBytes: io?.readBytes,
        writeBytes: io?.writeBytes,
      });
    }
    values["process.count"] = members.length;
    values["process.rss"] = rss;
    values["process.threads"] = threads;
    if (fds !== undefined) values["process.fds"] = fds;

    const previous = this.#previous;
    this.#previous = { monotonicMs, members: counters };
    if (!previous) return notes;
    const seconds = (monotonicMs - previous.monotonicMs) / 1000;
    if (seconds <= 0) return notes;
    let ticks = 0;
    let readBytes = 0;
    let writeBytes = 0;
    for (const [key, now] of counters) {
      // A member not seen before was forked during the interval: all its counters are new.
      const before = previous.members.get(key);
      ticks += now.cpuTicks - (before?.cpuTicks ?? 0);
      readBytes += (now.readBytes ?? 0) - (before?.readBytes ?? 0);
      writeBytes += (now.writeBytes ?? 0) - (before?.writeBytes ?? 0);
    }
    values["process.cpu.percent"] = round(Math.max(0, (ticks / this.#ticksPerSecond / seconds) * 100));
    if (ioReadable) {
      values["process.read_bytes"] = round(Math.max(0, readBytes) / seconds);
      values["process.write_bytes"] = round(Math.max(0, writeBytes) / seconds);
    }
    return notes;
  }

  #readStat(pid: number): PidStat | undefined {
    try {
      const text = readKernelFile(`${this.#procRoot}/${pid}/stat`);
      return text === undefined ? undefined : parsePidStat(text);
    } catch {
      return undefined;
    }
  }

  /**
   * Every process's stat. A process joins the tree only by being forked from a member (re-parenting
   * moves orphans of members, already members), so a pid seen outside the tree at the previous scan
   * keeps its cached stat; every sixtieth scan re-reads all of them anyway, for a pid that exited
   * and was reused within one interval.
   */
  #scan(): Map<number, PidStat> {
    const full = this.#scans++ % 60 === 0;
    const stats = new Map<number, PidStat>();
    for (const name of readdirSync(this.#procRoot)) {
      const code = name.charCodeAt(0);
      if (code < 48 || code > 57) continue;
      const pid = Number(name);
      const stat = (full ? undefined : this.#outside.get(pid)) ?? this.#readStat(pid);
      if (stat) stats.set(stat.pid, stat);
    }
    return stats;
  }

  #readIo(pid: number, notes: string[]): { readBytes: number; writeBytes: number } | undefined {
    try {
      const text = readKernelFile(`${this.#procRoot}/${pid}/io`);
      return text === undefined ? { readBytes: 0, writeBytes: 0 } : parsePidIo(text);
    } catch (error) {
      if (!isPermissionError(error)) throw error;
      if (!this.#ioNoted) {
        this.#ioNoted = true;
        notes.push(
          `cannot read ${this.#procRoot}/${pid}/io (permission denied): process read/write bytes are absent`,
        );
      }
      return undefined;
    }
  }

  #countFds(pid: number, notes: string[]): number | undefined {
    try {
      return readdirSync(`${this.#procRoot}/${pid}/fd`).length;
    } catch (error) {
      if (!isPermissionError(error)) return 0;
      if (!this.#fdNoted) {
        this.#fdNoted = true;
        notes.push(`cannot list ${this.#procRoot}/${pid}/fd (permission denied): process.fds is absent`);
      }
      return undefined;
    }
  }
}

/** The root and every live descendant, from a scan of all processes' parents. */
export function collectTree(root: PidStat, stats: Map<number, PidStat>): PidStat[] {
  const children = new Map<number, PidStat[]>();
  for (const stat of stats.values()) {
    if (stat.state === "Z") continue;
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(stat);
    else children.set(stat.ppid, [stat]);
  }
  const members = [root];
  for (let index = 0; index < members.length; index++) {
    const member = members[index] as PidStat;
    for (const child of children.get(member.pid) ?? []) {
      if (child.pid !== root.pid) members.push(child);
    }
  }
  return members;
}

/** The page size, from our own resident pages (`statm`) against our resident bytes (`status`). */
async function detectPageSize(procRoot: string): Promise<number> {
  try {
    const [statm, status] = [
      readKernelFile(`${procRoot}/self/statm`),
      readKernelFile(`${procRoot}/self/status`),
    ];
    const pages = Number(splitFields(statm ?? "")[1]);
    const bytes = parseStatusRss(status ?? "");
    if (!(pages > 0) || bytes === undefined) return 4096;
    return 2 ** Math.round(Math.log2(bytes / pages));
  } catch {
    return 4096;
  }
}
