/** Parsers of cgroup v1 and v2 files and of the files that locate cgroups. */
import { splitFields } from "./proc-parsers.js";

/** One line of `/proc/<pid>/cgroup`: `hierarchy:controllers:path`. */
export interface PidCgroupEntry {
  hierarchy: number;
  /** Empty for the v2 unified hierarchy. */
  controllers: string[];
  path: string;
}

/** `/proc/<pid>/cgroup`. */
export function parsePidCgroup(text: string): PidCgroupEntry[] {
  const result: PidCgroupEntry[] = [];
  for (const line of text.split("\n")) {
    const first = line.indexOf(":");
    const second = line.indexOf(":", first + 1);
    if (first === -1 || second === -1) continue;
    const controllers = line.slice(first + 1, second);
    result.push({
      hierarchy: Number(line.slice(0, first)),
      controllers: controllers.length === 0 ? [] : controllers.split(","),
      path: line.slice(second + 1),
    });
  }
  return result;
}

/** Where the cgroup hierarchies are mounted. */
export interface CgroupMounts {
  /** Mount point of the v2 unified hierarchy, when mounted. */
  unified: string | undefined;
  /** v1 controller (`memory`, `cpuacct`, `cpu`, `blkio`, ...) to its mount point. */
  v1: Map<string, string>;
}

/** The cgroup and cgroup2 mounts of `/proc/self/mountinfo`. */
export function parseCgroupMounts(mountinfo: string): CgroupMounts {
  const mounts: CgroupMounts = { unified: undefined, v1: new Map() };
  for (const line of mountinfo.split("\n")) {
    const separator = line.indexOf(" - ");
    if (separator === -1) continue;
    const before = splitFields(line.slice(0, separator));
    const after = splitFields(line.slice(separator + 3));
    const mountPoint = unescapeMountPath(before[4] ?? "");
    const fsType = after[0];
    if (fsType === "cgroup2") {
      mounts.unified = mountPoint;
    } else if (fsType === "cgroup") {
      for (const option of (after[2] ?? "").split(",")) {
        if (["rw", "ro", "relatime", "nosuid", "nodev", "noexec"].includes(option)) continue;
        if (option.startsWith("name=")) continue;
        if (!mounts.v1.has(option)) mounts.v1.set(option, mountPoint);
      }
    }
  }
  return mounts;
}

function unescapeMountPath(path: string): string {
  return path.includes("\\") ? path.replaceAll("\\040", " ").replaceAll("\\011", "\t") : path;
}

/** `key value` lines (`cpu.stat`, `memory.stat`, `cpuacct.stat`). */
export function parseKeyValues(text: string): Map<string, number> {
  const result = new Map<string, number>();
  for (const line of text.split("\n")) {
    const space = line.indexOf(" ");
    if (space === -1) continue;
    result.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return result;
}

/** cgroup v2 `cpu.max` (`max 100000` or `50000 100000`): the limit in cores, `undefined` when unlimited. */
export function parseCpuMax(text: string): number | undefined {
  const fields = splitFields(text.trim());
  if (fields[0] === undefined || fields[0] === "max") return undefined;
  const quota = Number(fields[0]);
  const period = Number(fields[1] ?? 100000);
  return quota > 0 && period > 0 ? quota / period : undefined;
}

/** cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us`: the limit in cores, `undefined` when unlimited (-1). */
export function parseCfsQuota(quotaText: string, periodText: string): number | undefined {
  const quota = Number(quotaText.trim());
  const period = Number(periodText.trim());
  return quota > 0 && period > 0 ? quota / period : undefined;
}

/** A memory limit file (`memory.max` v2, `memory.limit_in_bytes` v1); `undefined` when unlimited. */
export function parseMemoryLimit(text: string): number | undefined {
  const value = text.trim();
  if (value === "max" || value.length === 0) return undefined;
  const bytes = Number(value);
  // v1 writes "unlimited" as PAGE_COUNTER_MAX pages: 9223372036854771712 on 4 KiB pages.
  if (!Number.isFinite(bytes) || bytes >= 2 ** 62) return undefined;
  return bytes;
}

/** cgroup v2 `io.stat` summed over devices: `8:0 rbytes=1 wbytes=2 rios=3 wios=4 ...`. */
export function parseIoStat(text: string): { readBytes: number; writeBytes: number } {
  let readBytes = 0;
  let writeBytes = 0;
  for (const line of text.split("\n")) {
    for (const pair of splitFields(line)) {
      if (pair.startsWith("rbytes=")) readBytes += Number(pair.slice(7));
      else if (pair.startsWith("wbytes=")) writeBytes += Number(pair.slice(7));
    }
  }
  return { readBytes, writeBytes };
}

/** cgroup v1 `blkio.throttle.io_service_bytes` summed over devices: `8:0 Read 4096` lines. */
export function parseBlkioServiceBytes(text: string): { readBytes: number; writeBytes: number } {
  let readBytes = 0;
  let writeBytes = 0;
  for (const line of text.split("\n")) {
    const fields = splitFields(line);
    if (fields.length !== 3) continue;
    if (fields[1] === "Read") readBytes += Number(fields[2]);
    else if (fields[1] === "Write") writeBytes += Number(fields[2]);
  }
  return { readBytes, writeBytes };
}
