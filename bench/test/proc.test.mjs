import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startCpuAccounting } from "../lib/cpu-accounting.mjs";
import {
  listProcessTree,
  readProcessStat,
  readRssBytes,
  readSchedstat,
  readSystemTicks,
  readTreeRss,
  watchCoreWait,
} from "../lib/proc.mjs";
import { runProcess } from "../lib/processes.mjs";
import { waitForQuiet } from "../lib/quiet-wait.mjs";
import { startRssSampler } from "../lib/rss-sampler.mjs";

/** A Node process that starts one child Node process, and both wait until killed. */
async function startTwoProcessTree() {
  const parent = spawn(
    process.execPath,
    [
      "-e",
      `const child = require("node:child_process").spawn(process.execPath, ["-e", "setInterval(() => {}, 1000); console.log('x')"], { stdio: ["ignore", "inherit", "ignore"] });
       process.on("SIGTERM", () => { child.kill(); process.exit(0); });
       setInterval(() => {}, 1000);`,
    ],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  await once(parent.stdout, "data");
  return parent;
}

describe("/proc readers", () => {
  it("list a process tree and sum its RSS over every process", async () => {
    const parent = await startTwoProcessTree();
    try {
      const pid = /** @type {number} */ (parent.pid);
      const tree = listProcessTree(pid);
      expect(tree[0]).toBe(pid);
      expect(tree).toHaveLength(2);
      const rootOnly = readTreeRss(pid, false);
      const whole = readTreeRss(pid, true);
      expect(rootOnly.processes).toBe(1);
      expect(whole.processes).toBe(2);
      // Both processes are alive Node processes (tens of MB each); RSS moves a little between reads.
      const childBytes = readRssBytes(/** @type {number} */ (tree[1])) ?? 0;
      expect(childBytes).toBeGreaterThan(5_000_000);
      expect(whole.bytes).toBeGreaterThan(rootOnly.bytes + childBytes / 2);
    } finally {
      parent.kill("SIGTERM");
      await once(parent, "exit");
    }
  });

  it("report nothing for a process that has gone", () => {
    expect(readProcessStat(2 ** 22 + 17)).toBeUndefined();
    expect(listProcessTree(2 ** 22 + 17)).toEqual([]);
    expect(readTreeRss(2 ** 22 + 17, true)).toEqual({ bytes: 0, processes: 0 });
  });

  it("read this process's parent and the machine's CPU count", () => {
    expect(readProcessStat(process.pid)?.parentPid).toBe(process.ppid);
    const ticks = readSystemTicks();
    expect(ticks.cpus).toBeGreaterThan(0);
    expect(ticks.total).toBeGreaterThanOrEqual(ticks.busy);
  });
});

describe("readSchedstat and watchCoreWait", () => {
  it("read a main thread's run time and run-queue wait, nothing once the process has gone", () => {
    const procRoot = mkdtempSync(join(tmpdir(), "sizer-bench-proc-"));
    try {
      mkdirSync(join(procRoot, "42"));
      writeFileSync(join(procRoot, "42", "schedstat"), "7000000 3000000 12\n");
      expect(readSchedstat(42, procRoot)).toEqual({ runNs: 7_000_000, waitNs: 3_000_000 });
      expect(readSchedstat(43, procRoot)).toBeUndefined();
      const coreWait = watchCoreWait({ procRoot });
      coreWait.onStart(43);
      expect(coreWait.stop()).toBeUndefined();
    } finally {
      rmSync(procRoot, { recursive: true, force: true });
    }
  });

  it("give a live process's wait as a share of the time watched", async () => {
    const coreWait = watchCoreWait({ everyMs: 5 });
    coreWait.onStart(process.pid);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const share = coreWait.stop();
    expect(share).toBeGreaterThanOrEqual(0);
    expect(share).toBeLessThanOrEqual(1);
  });
});

describe("startCpuAccounting", () => {
  it("counts a reaped child's CPU time as the generator's", async () => {
    const accounting = startCpuAccounting({ serverPid: undefined });
    // A fixed amount of work, not a duration: about 0.3 s of CPU on an idle core.
    const outcome = await runProcess(
      {
        command: process.execPath,
        args: ["-e", "let x = 0; for (let i = 0; i < 3e8; i++) x ^= i; console.log(x)"],
      },
      { timeoutMs: 120_000 },
    );
    const account = accounting.stop();
    expect(outcome.exitCode).toBe(0);
    expect(account.generatorCores).toBeGreaterThan(0);
    expect(account.machineCores).toBe(readSystemTicks().cpus);
  });
});

describe("startRssSampler", () => {
  it("samples the process it is attached to until stopped", async () => {
    const sampler = startRssSampler({ intervalMs: 50, includeChildren: true });
    const parent = await startTwoProcessTree();
    sampler.attach(/** @type {number} */ (parent.pid));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const samples = sampler.stop();
    parent.kill("SIGTERM");
    await once(parent, "exit");
    expect(samples.length).toBeGreaterThan(0);
    expect(samples[0]?.processes).toBe(2);
    expect(samples[0]?.bytes).toBeGreaterThan(1_000_000);
  });
});

describe("waitForQuiet", () => {
  it("returns at the first window under the limit", async () => {
    const outcome = await waitForQuiet({
      serverPid: undefined,
      limitCores: Number.POSITIVE_INFINITY,
      maxSeconds: 60,
      windowMs: 20,
    });
    expect(outcome.quiet).toBe(true);
    expect(outcome.waitedSeconds).toBeLessThan(60);
  });

  it("gives up after maxSeconds when the machine never gets quiet enough", async () => {
    const outcome = await waitForQuiet({
      serverPid: undefined,
      limitCores: -1,
      maxSeconds: 0.1,
      windowMs: 20,
    });
    expect(outcome.quiet).toBe(false);
    expect(outcome.waitedSeconds).toBeGreaterThanOrEqual(0.1);
  });
});
