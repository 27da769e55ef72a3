import { describe, expect, it } from "vitest";
import {
  parseBlkioServiceBytes,
  parseCfsQuota,
  parseCgroupMounts,
  parseCpuMax,
  parseIoStat,
  parseKeyValues,
  parseMemoryLimit,
  parsePidCgroup,
} from "../src/cgroup-parsers.js";

// Hybrid layout as recorded on the development VM: v1 controllers plus cgroup2 at .../unified.
const HYBRID_MOUNTINFO = `30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
37 30 0:34 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

// Typical systemd v1 layout: cpu and cpuacct co-mounted.
const V1_MOUNTINFO = `25 24 0:22 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct
26 24 0:23 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,memory
`;

// Unified-only layout (Debian 12, Ubuntu 22.04+, Amazon Linux 2023).
const V2_MOUNTINFO = `35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;

describe("cgroup parsers", () => {
  it("finds the cgroup mounts of a hybrid, a v1 and a v2 host", () => {
    const hybrid = parseCgroupMounts(HYBRID_MOUNTINFO);
    expect(hybrid.unified).toBe("/sys/fs/cgroup/unified");
    expect(hybrid.v1.get("memory")).toBe("/sys/fs/cgroup/memory");
    expect(hybrid.v1.get("cpuacct")).toBe("/sys/fs/cgroup/cpuacct");
    expect(hybrid.v1.has("name=systemd")).toBe(false);

    const v1 = parseCgroupMounts(V1_MOUNTINFO);
    expect(v1.unified).toBeUndefined();
    expect(v1.v1.get("cpu")).toBe("/sys/fs/cgroup/cpu,cpuacct");
    expect(v1.v1.get("cpuacct")).toBe("/sys/fs/cgroup/cpu,cpuacct");

    const v2 = parseCgroupMounts(V2_MOUNTINFO);
    expect(v2.unified).toBe("/sys/fs/cgroup");
    expect(v2.v1.size).toBe(0);
  });

  it("reads /proc/<pid>/cgroup lines of both versions", () => {
    expect(
      parsePidCgroup("4:memory:/process_api/ec6b\n2:cpu,cpuacct:/\n0::/system.slice/docker-ab.scope\n"),
    ).toEqual([
      { hierarchy: 4, controllers: ["memory"], path: "/process_api/ec6b" },
      { hierarchy: 2, controllers: ["cpu", "cpuacct"], path: "/" },
      { hierarchy: 0, controllers: [], path: "/system.slice/docker-ab.scope" },
    ]);
  });

  it("reads v2 cpu.stat, cpu.max, memory.max and io.stat", () => {
    expect(parseKeyValues("usage_usec 260744000\nuser_usec 162272000\n").get("usage_usec")).toBe(260744000);
    expect(parseCpuMax("max 100000\n")).toBeUndefined();
    expect(parseCpuMax("150000 100000\n")).toBe(1.5);
    expect(parseMemoryLimit("max\n")).toBeUndefined();
    expect(parseMemoryLimit("536870912\n")).toBe(536870912);
    expect(
      parseIoStat(
        "254:0 rbytes=1000 wbytes=2000 rios=1 wios=2 dbytes=0 dios=0\n8:0 rbytes=24 wbytes=48 rios=1 wios=1\n",
      ),
    ).toEqual({ readBytes: 1024, writeBytes: 2048 });
  });

  it("reads v1 cfs quota, unlimited memory and blkio bytes", () => {
    expect(parseCfsQuota("-1\n", "100000\n")).toBeUndefined();
    expect(parseCfsQuota("50000\n", "100000\n")).toBe(0.5);
    expect(parseMemoryLimit("9223372036854771712\n")).toBeUndefined();
    expect(
      parseBlkioServiceBytes(
        "254:0 Read 4096\n254:0 Write 8192\n254:0 Sync 0\n254:0 Total 12288\n8:0 Read 4\nTotal 12292\n",
      ),
    ).toEqual({ readBytes: 4100, writeBytes: 8192 });
  });
});
