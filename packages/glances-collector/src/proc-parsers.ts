/**
 * Parsers of the Linux files the native collector reads. Each takes the whole file's text (one
 * `readFile`) and scans it with plain string operations: they run every interval.
 */

/** Splits a line on runs of spaces and tabs. */
export function splitFields(line: string): string[] {
  const fields: string[] = [];
  let start = -1;
  for (let index = 0; index < line.length; index++) {
    const code = line.charCodeAt(index);
    const blank = code === 32 || code === 9;
    if (blank) {
      if (start !== -1) {
        fields.push(line.slice(start, index));
        start = -1;
      }
    } else if (start === -1) {
      start = index;
    }
  }
  if (start !== -1) fields.push(line.slice(start));
  return fields;
}

function field(fields: string[], index: number): number {
  const value = fields[index];
  return value === undefined ? 0 : Number(value);
}

/** CPU time counters of one `cpu` line of `/proc/stat`, in USER_HZ ticks. */
export interface CpuTimes {
  /** `undefined` for the aggregate `cpu` line, else the core number. */
  core: number | undefined;
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

/** The `cpu` and `cpuN` lines of `/proc/stat`. */
export function parseProcStat(text: string): CpuTimes[] {
  const result: CpuTimes[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("cpu")) continue;
    const fields = splitFields(line);
    const label = fields[0] ?? "";
    result.push({
      core: label === "cpu" ? undefined : Number(label.slice(3)),
      user: field(fields, 1),
      nice: field(fields, 2),
      system: field(fields, 3),
      idle: field(fields, 4),
      iowait: field(fields, 5),
      irq: field(fields, 6),
      softirq: field(fields, 7),
      steal: field(fields, 8),
    });
  }
  return result;
}

/** Total ticks of a cpu line; guest time is already inside user and nice, so it is left out. */
export function cpuTotal(times: CpuTimes): number {
  return (
    times.user +
    times.nice +
    times.system +
    times.idle +
    times.iowait +
    times.irq +
    times.softirq +
    times.steal
  );
}

/** `/proc/meminfo` values converted from kB to bytes, by key (`MemTotal`, `MemAvailable`, ...). */
export function parseMeminfo(text: string): Map<string, number> {
  const result = new Map<string, number>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon === -1) continue;
    const fields = splitFields(line.slice(colon + 1));
    const value = Number(fields[0]);
    if (Number.isNaN(value)) continue;
    result.set(line.slice(0, colon), fields[1] === "kB" ? value * 1024 : value);
  }
  return result;
}

/** The three load averages of `/proc/loadavg`. */
export function parseLoadavg(text: string): [number, number, number] {
  const fields = splitFields(text.trim());
  return [field(fields, 0), field(fields, 1), field(fields, 2)];
}

/** Counters of one interface in `/proc/net/dev`. */
export interface InterfaceCounters {
  name: string;
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDrops: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDrops: number;
}

/** `/proc/net/dev` (or `/proc/<pid>/net/dev`). */
export function parseNetDev(text: string): InterfaceCounters[] {
  const result: InterfaceCounters[] = [];
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim();
    if (name.length === 0 || name.includes("|")) continue;
    const fields = splitFields(line.slice(colon + 1));
    if (fields.length < 16) continue;
    result.push({
      name,
      rxBytes: field(fields, 0),
      rxPackets: field(fields, 1),
      rxErrors: field(fields, 2),
      rxDrops: field(fields, 3),
      txBytes: field(fields, 8),
      txPackets: field(fields, 9),
      txErrors: field(fields, 10),
      txDrops: field(fields, 11),
    });
  }
  return result;
}

/** Counters of one block device in `/proc/diskstats`. */
export interface DiskCounters {
  name: string;
  readOps: number;
  readBytes: number;
  writeOps: number;
  writeBytes: number;
  /** Milliseconds spent doing I/O. */
  busyMs: number;
}

/** `/proc/diskstats`; sectors are 512 bytes whatever the device's block size. */
export function parseDiskstats(text: string): DiskCounters[] {
  const result: DiskCounters[] = [];
  for (const line of text.split("\n")) {
    const fields = splitFields(line);
    if (fields.length < 14) continue;
    result.push({
      name: fields[2] ?? "",
      readOps: field(fields, 3),
      readBytes: field(fields, 5) * 512,
      writeOps: field(fields, 7),
      writeBytes: field(fields, 9) * 512,
      busyMs: field(fields, 12),
    });
  }
  return result;
}

/** The fields of `/proc/<pid>/stat` the collector uses. */
export interface PidStat {
  pid: number;
  ppid: number;
  state: string;
  /** utime + stime, in USER_HZ ticks. */
  cpuTicks: number;
  threads: number;
  /** Start time after boot, in ticks: tells a reused pid from the old one. */
  startTime: number;
  rssPages: number;
}

/**
 * `/proc/<pid>/stat`. The command name sits between the first `(` and the LAST `)` and may
 * itself hold spaces and parentheses.
 */
export function parsePidStat(text: string): PidStat | undefined {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open === -1 || close === -1) return undefined;
  const rest = splitFields(text.slice(close + 2));
  // rest[0] is field 3 (state) of proc(5).
  return {
    pid: Number(text.slice(0, open).trim()),
    state: rest[0] ?? "?",
    ppid: field(rest, 1),
    cpuTicks: field(rest, 11) + field(rest, 12),
    threads: field(rest, 17),
    startTime: field(rest, 19),
    rssPages: field(rest, 21),
  };
}

/** `read_bytes` and `write_bytes` of `/proc/<pid>/io`: bytes that went to or came from storage. */
export function parsePidIo(text: string): { readBytes: number; writeBytes: number } {
  let readBytes = 0;
  let writeBytes = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("read_bytes:")) readBytes = Number(line.slice(11).trim());
    else if (line.startsWith("write_bytes:")) writeBytes = Number(line.slice(12).trim());
  }
  return { readBytes, writeBytes };
}

/** `VmRSS` of `/proc/<pid>/status`, in bytes. */
export function parseStatusRss(text: string): number | undefined {
  const start = text.indexOf("VmRSS:");
  if (start === -1) return undefined;
  const end = text.indexOf("\n", start);
  const fields = splitFields(text.slice(start + 6, end === -1 ? undefined : end));
  return Number(fields[0]) * 1024;
}
