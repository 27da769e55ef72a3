import { existsSync } from "node:fs";
import { describeWith } from "@sizer/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  autocannon,
  loadcore,
  loadcoreCli,
  molotov,
  parseMolotovSummary,
  steadyCpuMicrosPerRun,
} from "../lib/load-tools.mjs";
import { startNodeServer } from "../lib/servers.mjs";

const noPinning = { taskset: undefined, generatorCpu: undefined };

/** @type {Awaited<ReturnType<typeof startNodeServer>>} */
let healthy;
/** @type {Awaited<ReturnType<typeof startNodeServer>>} */
let failing;

beforeAll(async () => {
  healthy = await startNodeServer({ taskset: undefined, cpu: undefined });
  failing = await startNodeServer({ status: 503, taskset: undefined, cpu: undefined });
});

afterAll(async () => {
  await healthy?.stop();
  await failing?.stop();
});

function request(url, scenario = "") {
  return { url, concurrency: 2, durationSeconds: 1, scenario, pinning: noPinning };
}

describe("autocannon adapter", () => {
  it("reports the rate of a clean run from autocannon's JSON", async () => {
    const result = await autocannon.run(request(healthy.url));
    expect(result.problem).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.requests).toBeGreaterThan(0);
    expect(result.failed).toBe(0);
    expect(result.requestsPerSecond).toBeCloseTo(
      /** @type {number} */ (result.requests) / /** @type {number} */ (result.durationSeconds),
    );
    expect(result.command).toContain("-c");
  });

  it("does not count a run whose responses are not 2xx", async () => {
    const result = await autocannon.run(request(failing.url));
    expect(result.ok).toBe(false);
    expect(result.failed).toBeGreaterThan(0);
    expect(result.problem).toMatch(/non-2xx/);
  });
});

describe.skipIf(!existsSync(loadcoreCli))("loadcore adapter", () => {
  it("reads the rate from loadcore's results JSON", async () => {
    const result = await loadcore.run(request(healthy.url, "bench/scenarios/hello.ts"));
    expect(result.problem).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.requests).toBeGreaterThan(0);
    expect(result.failed).toBe(0);
    expect(result.command).toEqual(
      expect.arrayContaining(["-w", "2", "-d", "1", "bench/scenarios/hello.ts"]),
    );
  });

  it("does not count a run where the scenario's status check failed", async () => {
    const result = await loadcore.run(request(failing.url, "bench/scenarios/hello.ts"));
    expect(result.ok).toBe(false);
    expect(result.failed).toBeGreaterThan(0);
    expect(result.problem).toMatch(/failures/);
  });
});

describeWith("molotov", "molotov adapter", () => {
  it("counts Molotov's successes over the duration, its exit code 1 after a normal run notwithstanding", async () => {
    const result = await molotov.run(request(healthy.url, "bench/scenarios/hello_molotov.py"));
    expect(result.problem).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.requests).toBeGreaterThan(0);
    expect(result.requestsPerSecond).toBe(/** @type {number} */ (result.requests) / 1);
  });

  it("does not count a run where the scenario's status check failed", async () => {
    const result = await molotov.run(request(failing.url, "bench/scenarios/hello_molotov.py"));
    expect(result.ok).toBe(false);
    expect(result.failed).toBeGreaterThan(0);
  });

  it("explains a scenario Molotov cannot load", async () => {
    const result = await molotov.run(request(healthy.url, "bench/scenarios/missing_scenario.py"));
    expect(result.ok).toBe(false);
    expect(result.problem).toContain("missing_scenario");
  });
});

describe("steadyCpuMicrosPerRun", () => {
  it("divides the CPU of the steady seconds by their runs, start-up and the closing second left out", () => {
    const second = (cpu, ok, failed = 0) => ({ generatorCpuPercent: cpu, ok, failed });
    const timeline = [
      second(90, 10),
      second(80, 100),
      second(50, 9_000, 1_000),
      second(30, 5_000),
      second(99, 1),
    ];
    // 0.8 CPU-seconds over 15,000 runs
    expect(steadyCpuMicrosPerRun(timeline)).toBeCloseTo(800_000 / 15_000, 6);
    expect(steadyCpuMicrosPerRun(timeline.slice(0, 3))).toBeUndefined();
    expect(steadyCpuMicrosPerRun(undefined)).toBeUndefined();
  });
});

describe("parseMolotovSummary", () => {
  it("prefers the results dict Molotov 2.1 prints on exit", () => {
    const stdout = "SUCCESSES: 10 | FAILURES: 0 | WORKERS: 5\rSUCCESSES: 25 | FAILURES: 1\n*** Bye ***\n";
    const stderr = "{'WORKER': 0, 'REACHED': 0, 'RATIO': 0.0, 'OK': 26, 'FAILED': 1, 'MINUTE_OK': 26}\n";
    expect(parseMolotovSummary(stdout, stderr)).toEqual({ successes: 26, failures: 1, source: "results" });
  });

  it("falls back to the last console counters, and to nothing", () => {
    const stdout = "SUCCESSES: 10 | FAILURES: 0 | WORKERS: 5\rSUCCESSES: 25 | FAILURES: 2\n";
    expect(parseMolotovSummary(stdout)).toEqual({ successes: 25, failures: 2, source: "console" });
    expect(parseMolotovSummary("Traceback (most recent call last):")).toBeUndefined();
  });
});
