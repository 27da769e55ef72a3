import { describe, expect, it } from "vitest";
import {
  cpuTotal,
  parseDiskstats,
  parseLoadavg,
  parseMeminfo,
  parseNetDev,
  parsePidIo,
  parsePidStat,
  parseProcStat,
  parseStatusRss,
  splitFields,
} from "../src/proc-parsers.js";

// Recorded on the development VM (Linux 6.18, 2 cores), trimmed.
const PROC_STAT = `cpu  26074 10 9847 1040552 1203 0 845 120 0 0
cpu0 13000 5 4900 520000 600 0 400 60 0 0
cpu1 13074 5 4947 520552 603 0 445 60 0 0
intr 864426 0 0
ctxt 1906429
btime 1795675000
`;

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0
  eth0: 392037255   13789    1    2    0     0          0         0   835056    9576    3    4    0     0       0          0
`;

const DISKSTATS = `   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
 254       0 vda 38776 9335 2554394 12673 8057 18632 2426648 7111 1 7296 21448 5835 40 111512 888 1154 775
 254       1 vda1 100 0 800 10 50 0 400 5 0 20 15 0 0 0 0 0 0
`;

describe("proc parsers", () => {
  it("splits on runs of blanks", () => {
    expect(splitFields("  a \t b   c ")).toEqual(["a", "b", "c"]);
    expect(splitFields("")).toEqual([]);
  });

  it("reads the aggregate and per-core cpu lines of /proc/stat", () => {
    const cpus = parseProcStat(PROC_STAT);
    expect(cpus).toHaveLength(3);
    expect(cpus[0]).toMatchObject({
      core: undefined,
      user: 26074,
      nice: 10,
      system: 9847,
      idle: 1040552,
      iowait: 1203,
      steal: 120,
    });
    expect(cpus[2]?.core).toBe(1);
    expect(cpuTotal(cpus[0] as NonNullable<(typeof cpus)[0]>)).toBe(
      26074 + 10 + 9847 + 1040552 + 1203 + 0 + 845 + 120,
    );
  });

  it("converts /proc/meminfo kB to bytes", () => {
    const meminfo = parseMeminfo(
      "MemTotal:       24683620 kB\nMemAvailable:   24242580 kB\nHugePages_Total:       0\n",
    );
    expect(meminfo.get("MemTotal")).toBe(24683620 * 1024);
    expect(meminfo.get("MemAvailable")).toBe(24242580 * 1024);
    expect(meminfo.get("HugePages_Total")).toBe(0);
  });

  it("reads the load averages", () => {
    expect(parseLoadavg("0.07 0.09 0.17 1/120 4242\n")).toEqual([0.07, 0.09, 0.17]);
  });

  it("reads /proc/net/dev receive and transmit columns", () => {
    const interfaces = parseNetDev(NET_DEV);
    expect(interfaces.map((item) => item.name)).toEqual(["lo", "eth0"]);
    expect(interfaces[1]).toEqual({
      name: "eth0",
      rxBytes: 392037255,
      rxPackets: 13789,
      rxErrors: 1,
      rxDrops: 2,
      txBytes: 835056,
      txPackets: 9576,
      txErrors: 3,
      txDrops: 4,
    });
  });

  it("reads /proc/diskstats with 512-byte sectors", () => {
    const disks = parseDiskstats(DISKSTATS);
    const vda = disks.find((disk) => disk.name === "vda");
    expect(vda).toEqual({
      name: "vda",
      readOps: 38776,
      readBytes: 2554394 * 512,
      writeOps: 8057,
      writeBytes: 2426648 * 512,
      busyMs: 7296,
    });
  });

  it("reads /proc/<pid>/stat even when the command name holds spaces and parentheses", () => {
    const stat = parsePidStat(
      "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 29245 1120401 0 650 273 612 4227 2831 20 0 7 0 12345 46522368 3666 18446744073709551615\n",
    );
    expect(stat).toEqual({
      pid: 4242,
      ppid: 1,
      state: "S",
      cpuTicks: 273 + 612,
      threads: 7,
      startTime: 12345,
      rssPages: 3666,
    });
    expect(parsePidStat("garbage")).toBeUndefined();
  });

  it("reads storage bytes of /proc/<pid>/io and VmRSS of status", () => {
    expect(
      parsePidIo("rchar: 6976\nwchar: 10\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 0\n"),
    ).toEqual({
      readBytes: 4096,
      writeBytes: 8192,
    });
    expect(parseStatusRss("Name:\tnode\nVmRSS:\t   51200 kB\nThreads: 7\n")).toBe(51200 * 1024);
  });
});
