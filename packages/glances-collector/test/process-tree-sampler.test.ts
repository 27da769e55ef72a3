import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProcessTreeSampler } from "../src/process-tree-sampler.js";

let proc: string;
beforeAll(async () => {
  proc = await mkdtemp(join(tmpdir(), "process-tree-test-"));
});
afterAll(async () => {
  await rm(proc, { recursive: true, force: true });
});

/** Writes /proc/<pid>/stat (fields as in proc(5)) and /proc/<pid>/io into the recorded tree. */
async function processFiles(
  pid: number,
  name: string,
  ppid: number,
  ticks: { utime: number; stime: number },
  io: { read: number; write: number },
): Promise<void> {
  await mkdir(join(proc, String(pid), "fd"), { recursive: true });
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  // cutime cstime priority nice threads itreal starttime vsize rss
  const stat = `${pid} (${name}) S ${ppid} ${pid} ${pid} 0 -1 0 0 0 0 0 ${ticks.utime} ${ticks.stime} 0 0 20 0 3 0 ${pid * 10} 1000000 256\n`;
  await writeFile(join(proc, String(pid), "stat"), stat);
  await writeFile(
    join(proc, String(pid), "io"),
    `rchar: 0\nwchar: 0\nread_bytes: ${io.read}\nwrite_bytes: ${io.write}\n`,
  );
}

describe("process tree sampler (recorded /proc)", () => {
  it("counts children that appear, sums CPU and I/O of the tree, and ends when the root exits", async () => {
    await processFiles(100, "svc (main)", 1, { utime: 100, stime: 50 }, { read: 0, write: 0 });
    await processFiles(200, "other", 1, { utime: 9999, stime: 9999 }, { read: 0, write: 0 });
    const sampler = new ProcessTreeSampler({ pid: 100, procRoot: proc });
    await sampler.initialise();
    const first: Record<string, number> = {};
    expect(await sampler.sample(0, first)).toEqual([]);
    expect(first).toEqual({
      "process.count": 1,
      "process.rss": 256 * 4096,
      "process.threads": 3,
      "process.fds": 0,
    });

    // One second later: the root used 50 more ticks and forked a child that used 50 ticks and wrote 1 MiB.
    await processFiles(100, "svc (main)", 1, { utime: 130, stime: 70 }, { read: 4096, write: 0 });
    await processFiles(101, "worker", 100, { utime: 30, stime: 20 }, { read: 0, write: 1048576 });
    await processFiles(200, "other", 1, { utime: 19999, stime: 9999 }, { read: 0, write: 0 });
    const second: Record<string, number> = {};
    await sampler.sample(1000, second);
    expect(second).toEqual({
      "process.count": 2,
      "process.rss": 2 * 256 * 4096,
      "process.threads": 6,
      "process.fds": 0,
      "process.cpu.percent": 100,
      "process.read_bytes": 4096,
      "process.write_bytes": 1048576,
    });

    await rm(join(proc, "100"), { recursive: true });
    const third: Record<string, number> = {};
    expect(await sampler.sample(2000, third)).toEqual(["pid 100 exited; process metrics end here"]);
    expect(third).toEqual({});
    expect(sampler.ended).toBe(true);
  });
});
