import { mkdir, mkdtemp, rm, rmdir, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCgroupMounts } from "../src/cgroup-parsers.js";
import { ContainerSampler, parseContainerSpec } from "../src/container-sampler.js";
import { integrate, killAndWait, nodeChild, record, waitForLine } from "./helpers.js";

const MB = 1024 * 1024;
const ID = "abc123def4567890abc123def4567890abc123def4567890abc123def4567890";

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "containers-test-"));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe("container specs", () => {
  it("parses ids, cgroup paths, pid: and name=", () => {
    expect(parseContainerSpec("abc123")).toEqual({ id: "abc123" });
    expect(parseContainerSpec("/system.slice/docker-abc.scope")).toEqual({
      cgroup: "/system.slice/docker-abc.scope",
    });
    expect(parseContainerSpec("web=pid:42")).toEqual({ name: "web", pid: 42 });
    expect(() => parseContainerSpec("pid:x")).toThrow(/pid:<positive integer>/);
    expect(() => parseContainerSpec("not an id")).toThrow(/expected a container id/);
  });
});

describe("cgroup v2 container (recorded Docker systemd-driver layout)", () => {
  it("finds a container by id prefix and turns counters into percent and rates", async () => {
    const root = join(directory, "v2");
    const scope = join(root, "system.slice", `docker-${ID}.scope`);
    await mkdir(scope, { recursive: true });
    const files = async (usageUsec: number, readBytes: number): Promise<void> => {
      await writeFile(join(scope, "cpu.stat"), `usage_usec ${usageUsec}\nuser_usec 1\nsystem_usec 1\n`);
      await writeFile(join(scope, "cpu.max"), "150000 100000\n");
      await writeFile(join(scope, "memory.current"), "104857600\n");
      await writeFile(
        join(scope, "memory.stat"),
        "anon 50000000\nfile 54857600\ninactive_file 20971520\nactive_file 1\n",
      );
      await writeFile(join(scope, "memory.max"), "536870912\n");
      await writeFile(
        join(scope, "io.stat"),
        `254:0 rbytes=${readBytes} wbytes=4096 rios=1 wios=1 dbytes=0 dios=0\n`,
      );
      await writeFile(join(scope, "cgroup.procs"), "");
    };
    await files(1_000_000, 0);
    const sampler = new ContainerSampler(["abc123def456"], {
      mounts: { unified: root, v1: new Map() },
      procRoot: join(directory, "no-proc"),
    });
    await sampler.initialise();
    expect(sampler.targets[0]).toMatchObject({ name: "abc123def456", unified: scope });
    const first: Record<string, number> = {};
    await sampler.sample(0, first);
    expect(first).toEqual({
      "container.abc123def456.cpu.limit": 1.5,
      "container.abc123def456.mem.usage": 104857600 - 20971520,
      "container.abc123def456.mem.limit": 536870912,
    });
    await files(1_500_000, 2 * MB);
    const second: Record<string, number> = {};
    await sampler.sample(2000, second);
    // 0.5 s of CPU over 2 s = 25% of one core; 2 MB read over 2 s.
    expect(second["container.abc123def456.cpu.percent"]).toBe(25);
    expect(second["container.abc123def456.io.read_bytes"]).toBe(MB);
    expect(second["container.abc123def456.io.write_bytes"]).toBe(0);
    expect(second["container.abc123def456.net.rx_bytes"]).toBeUndefined();
  });

  it("reads the network of a container's own namespace through its pid", async () => {
    const root = join(directory, "v2-net");
    const scope = join(root, "system.slice", `docker-${ID}.scope`);
    await mkdir(scope, { recursive: true });
    await writeFile(join(scope, "cpu.stat"), "usage_usec 5\n");
    await writeFile(join(scope, "memory.current"), "4096\n");
    const proc = join(directory, "proc-netns");
    await mkdir(join(proc, "self", "ns"), { recursive: true });
    await mkdir(join(proc, "42", "ns"), { recursive: true });
    await mkdir(join(proc, "42", "net"), { recursive: true });
    await symlink("net:[4026531833]", join(proc, "self", "ns", "net"));
    await symlink("net:[4026532176]", join(proc, "42", "ns", "net"));
    await writeFile(join(proc, "42", "cgroup"), `0::/system.slice/docker-${ID}.scope\n`);
    const netDev = (rx: number, tx: number): string =>
      [
        "Inter-|   Receive                                                |  Transmit",
        " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed",
        "    lo:   99999      10    0    0    0     0          0         0    99999      10    0    0    0     0       0          0",
        `  eth0: ${rx}     100    0    0    0     0          0         0 ${tx}     50    0    0    0     0       0          0`,
        "",
      ].join("\n");
    await writeFile(join(proc, "42", "net", "dev"), netDev(1000, 500));
    const sampler = new ContainerSampler([{ name: "web", pid: 42 }], {
      mounts: { unified: root, v1: new Map() },
      procRoot: proc,
    });
    await sampler.initialise();
    expect(sampler.targets[0]).toMatchObject({ name: "web", pid: 42 });
    const first: Record<string, number> = {};
    expect(await sampler.sample(0, first)).toEqual([]);
    await writeFile(join(proc, "42", "net", "dev"), netDev(1000 + 4 * MB, 500 + 2 * MB));
    const second: Record<string, number> = {};
    await sampler.sample(2000, second);
    // eth0 only (lo is the container's own loopback): 4 MB and 2 MB over 2 s.
    expect(second["container.web.net.rx_bytes"]).toBe(2 * MB);
    expect(second["container.web.net.tx_bytes"]).toBe(MB);
  });

  it("says which container matched nothing", async () => {
    const sampler = new ContainerSampler(["ffff0000"], {
      mounts: { unified: join(directory, "v2"), v1: new Map() },
    });
    await expect(sampler.initialise()).rejects.toMatchObject({ code: "ERR_COLLECTOR_CONTAINER_NOT_FOUND" });
  });
});

describe("cgroup v1 container (recorded cgroupfs-driver layout)", () => {
  it("reads cpuacct, memory and blkio", async () => {
    const root = join(directory, "v1");
    const mounts = parseCgroupMounts(
      [
        `1 0 0:1 / ${root}/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct`,
        `2 0 0:2 / ${root}/memory rw - cgroup cgroup rw,memory`,
        `3 0 0:3 / ${root}/blkio rw - cgroup cgroup rw,blkio`,
      ].join("\n"),
    );
    const cpu = join(root, "cpu,cpuacct", "docker", ID);
    const memory = join(root, "memory", "docker", ID);
    const blkio = join(root, "blkio", "docker", ID);
    for (const path of [cpu, memory, blkio]) await mkdir(path, { recursive: true });
    await writeFile(join(cpu, "cpu.cfs_quota_us"), "-1\n");
    await writeFile(join(cpu, "cpu.cfs_period_us"), "100000\n");
    await writeFile(join(memory, "memory.usage_in_bytes"), "10485760\n");
    await writeFile(join(memory, "memory.stat"), "cache 1\ninactive_file 4\ntotal_inactive_file 1048576\n");
    await writeFile(join(memory, "memory.limit_in_bytes"), "9223372036854771712\n");
    await writeFile(join(blkio, "blkio.throttle.io_service_bytes"), "254:0 Read 0\n254:0 Write 0\nTotal 0\n");
    await writeFile(join(cpu, "cpuacct.usage"), "1000000000\n");
    const sampler = new ContainerSampler([`db=${ID.slice(0, 6)}`], {
      mounts,
      procRoot: join(directory, "no-proc"),
    });
    await sampler.initialise();
    const first: Record<string, number> = {};
    await sampler.sample(0, first);
    expect(first).toEqual({ "container.db.mem.usage": 10485760 - 1048576 });
    await writeFile(join(cpu, "cpuacct.usage"), "3000000000\n");
    await writeFile(
      join(blkio, "blkio.throttle.io_service_bytes"),
      "254:0 Read 0\n254:0 Write 1048576\nTotal 1048576\n",
    );
    const second: Record<string, number> = {};
    await sampler.sample(1000, second);
    // 2 s of CPU in 1 s: two cores.
    expect(second["container.db.cpu.percent"]).toBe(200);
    expect(second["container.db.io.write_bytes"]).toBe(MB);
  });
});

/** Creates a real cgroup in each v1 controller (or the v2 hierarchy) of this machine, if allowed. */
async function makeRealCgroup(name: string): Promise<string[] | undefined> {
  const mounts = parseCgroupMounts(
    await import("node:fs/promises").then((fs) => fs.readFile("/proc/self/mountinfo", "utf8")),
  );
  const roots = ["cpuacct", "memory"]
    .map((controller) => mounts.v1.get(controller))
    .filter((root) => root !== undefined);
  if (roots.length === 0 && mounts.unified) roots.push(mounts.unified);
  const created: string[] = [];
  try {
    for (const root of roots) {
      await mkdir(join(root as string, name));
      created.push(join(root as string, name));
    }
    return created;
  } catch {
    for (const path of created) await rmdir(path).catch(() => undefined);
    return undefined;
  }
}

describe("a real cgroup on this machine", () => {
  it("accounts for the CPU and memory of a process moved into it", async (context) => {
    const name = `sizer-test-${process.pid}`;
    const cgroups = await makeRealCgroup(name);
    if (!cgroups) {
      context.skip(
        "cannot create a cgroup here (not root or read-only cgroupfs); the recorded layouts above cover the parsing",
      );
      return;
    }
    const child = nodeChild(`
      let keep;
      console.log("ready");
      process.stdin.once("data", () => {
        keep = Buffer.alloc(64 * 1024 * 1024, 3);
        const start = process.cpuUsage();
        for (;;) { const used = process.cpuUsage(start); if (used.user + used.system >= 1000000) break; }
        console.log("done");
      });
      process.stdin.on("end", () => process.exit(0));
      setInterval(() => {}, 1000);
    `);
    try {
      await waitForLine(child, "ready");
      for (const path of cgroups) await writeFile(join(path, "cgroup.procs"), String(child.pid));
      const recording = await record({ containers: [`/${name}`], host: false, interval: 0.5 });
      await recording.nextSamples(1);
      const start = recording.samples().length;
      child.stdin?.write("go\n");
      await waitForLine(child, "done");
      await recording.nextSamples(2);
      await recording.stop();
      const window = recording.samples().slice(start);
      const key = `container.${name}`;
      const cpuSeconds = integrate(window, `${key}.cpu.percent`, 0.5) / 100;
      expect(cpuSeconds).toBeGreaterThanOrEqual(0.8);
      expect(cpuSeconds).toBeLessThanOrEqual(1.6);
      const last = window[window.length - 1]?.values ?? {};
      if (cgroups.some((path) => path.includes("memory"))) {
        expect(last[`${key}.mem.usage`]).toBeGreaterThanOrEqual(0.8 * 64 * MB);
      }
      const notes = recording.events
        .filter((event) => event.type === "note")
        .map((event) => event.type === "note" && event.message);
      expect(notes.join("\n")).toContain("shares the host's network namespace");
    } finally {
      child.stdin?.end();
      await killAndWait(child);
      for (const path of cgroups) await rmdir(path).catch(() => undefined);
    }
  });
});
