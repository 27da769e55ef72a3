import { setTimeout as sleep } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { judgeSelfCheck, SelfMonitor } from "../src/engine/self-check.js";
import type { TimelinePoint } from "../src/stats/stats.js";

function busyFor(ms: number): void {
  const end = Date.now() + ms;
  let spin = 0;
  while (Date.now() < end) spin++;
  expect(spin).toBeGreaterThan(0);
}

/** A worker thread that spins until terminated. */
function startBusyWorker(): Promise<Worker> {
  const worker = new Worker(
    `const { parentPort } = require("node:worker_threads");
     parentPort.postMessage("spinning");
     for (;;) {}`,
    { eval: true },
  );
  return new Promise((resolve, reject) => {
    worker.once("message", () => resolve(worker));
    worker.once("error", reject);
  });
}

const workers: Worker[] = [];
afterEach(async () => {
  for (const worker of workers.splice(0)) await worker.terminate();
});

describe("SelfMonitor", () => {
  it("reads clearly more CPU and event-loop delay during a busy loop than during an idle sleep", async () => {
    const monitor = new SelfMonitor({ scope: "thread" });
    monitor.start();
    await sleep(400);
    const idle = monitor.sample();
    busyFor(400);
    const busy = monitor.sample();
    monitor.stop();
    // Margins stay small: on a shared 2-core machine a spinning thread may get a quarter of a core.
    expect(busy.cpuPercent).toBeGreaterThan(idle.cpuPercent + 10);
    expect(busy.eventLoopDelayMs).toBeGreaterThan(idle.eventLoopDelayMs + 100);
  });

  it("counts a busy worker thread in the process scope but not in this thread's scope", async () => {
    const processMonitor = new SelfMonitor({ scope: "process" });
    const threadMonitor = new SelfMonitor({ scope: "thread" });
    processMonitor.start();
    threadMonitor.start();
    await sleep(400);
    const processIdle = processMonitor.sample();
    threadMonitor.sample();
    workers.push(await startBusyWorker());
    await sleep(1000);
    const processBusy = processMonitor.sample();
    const threadBusy = threadMonitor.sample();
    processMonitor.stop();
    threadMonitor.stop();
    expect(processBusy.cpuPercent).toBeGreaterThan(processIdle.cpuPercent + 10);
    expect(processBusy.cpuPercent).toBeGreaterThan(threadBusy.cpuPercent + 10);
  });

  it("uses the injected clock for the elapsed time", () => {
    let now = 0;
    const monitor = new SelfMonitor({ clock: () => now, scope: "process" });
    monitor.start();
    now = 1e12; // a huge elapsed time: whatever CPU was used is a tiny share of it
    expect(monitor.sample().cpuPercent).toBeLessThan(0.001);
    monitor.stop();
  });
});

function timeline(cpu: readonly number[], delay: readonly number[] = []): TimelinePoint[] {
  return cpu.map((cpuPercent, t) => ({
    t,
    time: t * 1000,
    workers: 10,
    ok: 10,
    failed: 0,
    requests: 10,
    throughput: 10,
    errorRatio: 0,
    latency: { p50: 1, p90: 1, p95: 1, p99: 1, max: 1 },
    generatorCpuPercent: cpuPercent,
    eventLoopDelayMs: delay[t] ?? 1,
  }));
}

describe("judgeSelfCheck", () => {
  it("says the generator kept up when it stayed below 90% of its cores", () => {
    // the first second (start-up: module loading, JIT) is left out, even at 190%
    const check = judgeSelfCheck(timeline([190, 20, 40, 60, 170, 60, 40]), 2);
    expect(check).toEqual({
      cpuPercentMax: 170,
      cpuPercentMean: 65,
      cores: 2,
      eventLoopDelayP99MaxMs: 1,
      saturated: false,
      message: "the load generator kept up: at most 85% of its 2 cores, event-loop delay p99 at most 1 ms",
    });
  });

  it("flags a sustained CPU saturation, not a short spike", () => {
    const spike = judgeSelfCheck(timeline([50, 99, 99, 99, 99, 50, 50, 50]), 1);
    expect(spike.saturated).toBe(false);
    const sustained = judgeSelfCheck(timeline([50, 95, 96, 97, 98, 99, 60]), 1);
    expect(sustained.saturated).toBe(true);
    expect(sustained.message).toBe(
      "the load generator used 99% of its 1 core for 5 seconds in a row; the result may measure the generator, not the target",
    );
  });

  it("flags a sustained event-loop lag even when the CPU looks fine", () => {
    const check = judgeSelfCheck(timeline([30, 30, 30, 30, 30, 30], [5, 80, 90, 120, 70, 60]), 4);
    expect(check.saturated).toBe(true);
    expect(check.eventLoopDelayP99MaxMs).toBe(120);
    expect(check.message).toBe(
      "the load generator's event loop lagged up to 120 ms (p99) for 5 seconds in a row while using at most 8% of its 4 cores (the machine was busy with other work); latencies include that lag and the result may measure the generator, not the target",
    );
    const busy = judgeSelfCheck(timeline([80, 85, 80, 85, 80, 85], [5, 80, 90, 120, 70, 60]), 1);
    expect(busy.message).toMatch(
      /^the load generator's event loop lagged up to 120 ms \(p99\) for 5 seconds in a row; latencies/,
    );
  });

  it("flags an arrival-rate generator that fell behind its schedule with its pool below the maximum", () => {
    // 10,000 runs/s due; from second 2 it starts 6,000 a second at 60% of its core, its pool at 240
    const arrivals = (workers: number) =>
      timeline([100, 60, 60, 60, 60, 60, 60, 60]).map((second) => ({
        ...second,
        workers,
        targetRate: 10_000,
        startedRuns: second.t < 2 ? 10_000 : 6000,
      }));
    const behind = judgeSelfCheck(arrivals(240), 1, { maxWorkers: 1000 });
    expect(behind.saturated).toBe(true);
    expect(behind.message).toBe(
      "the load generator fell behind its schedule: it started 60% of the runs due over 6 seconds in a row, its pool at 240 of up to 1000 workers (a busy generator does not grow it) and its CPU at most 60% of its 1 core; the achieved rate and the latencies may measure the generator, not the target",
    );
    // at the maximum, the pool is the limit (a slow target holds every worker), not the generator
    expect(judgeSelfCheck(arrivals(1000), 1, { maxWorkers: 1000 }).saturated).toBe(false);
    // the workers model has no schedule to fall behind
    expect(judgeSelfCheck(arrivals(240), 1).saturated).toBe(false);
  });

  it("judges a run shorter than the sustained span on all its seconds after the first", () => {
    expect(judgeSelfCheck(timeline([50, 97, 98]), 1).saturated).toBe(true);
    expect(judgeSelfCheck(timeline([50, 97, 20]), 1).saturated).toBe(false);
    expect(judgeSelfCheck([], 1)).toMatchObject({ saturated: false, cpuPercentMean: 0, cores: 1 });
  });

  it("does not count the run's first second, the generator's start-up, toward saturation", () => {
    // a 0.1 to 3 s run: loading the scenario and JIT compiling fill the first second
    const oneSecond = judgeSelfCheck(timeline([118], [80]), 1);
    expect(oneSecond).toMatchObject({ saturated: false, cpuPercentMax: 0, eventLoopDelayP99MaxMs: 0 });
    expect(oneSecond.message).toBe(
      "not judged: the run's only second is its start-up (module loading, JIT compilation)",
    );
    const threeSeconds = judgeSelfCheck(timeline([118, 40, 35]), 1);
    expect(threeSeconds.saturated).toBe(false);
    expect(threeSeconds.message).toBe(
      "the load generator kept up: at most 40% of its 1 core, event-loop delay p99 at most 1 ms",
    );
    // the rule can be turned off
    expect(judgeSelfCheck(timeline([118, 40, 35]), 1, { startUpSeconds: 0 }).cpuPercentMax).toBe(118);
  });
});
