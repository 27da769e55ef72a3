import type { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { runLoad } from "../dist/index.js";
import { captureStream, scenarioFolder } from "./helpers/scenario-files.js";
import { startCapacityServer } from "./servers/capacity-server.js";
import { type ChildServer, startChildServer } from "./servers/child-server.js";

const SCENARIO = `
import { scenario } from "@sizer/loadcore";
scenario(async function call(session) {
  await session.get(process.env.SERVER_URL + "/work", { expect: 200 });
});
`;

const children: ChildServer[] = [];
afterAll(async () => {
  await Promise.all(children.map((child) => child.stop()));
});

function sizingRun(serverUrl: string, options: Partial<Parameters<typeof runLoad>[0]>) {
  const folder = scenarioFolder({ "loadtest.ts": SCENARIO });
  const sink = captureStream();
  return runLoad({
    scenarioFile: "loadtest.ts",
    cwd: folder,
    env: { SERVER_URL: serverUrl },
    sizing: true,
    sizingWindow: 3,
    sizingMinSamples: 50,
    duration: 90,
    stdout: sink as unknown as Writable,
    stderr: sink as unknown as Writable,
    tty: false,
    seed: 1,
    ...options,
  });
}

describe("sizing against loopback servers with a scripted capacity", () => {
  it("finds the capacity of a server that answers 503 above K concurrent requests (within 10%)", async () => {
    const capacity = 20;
    const server = await startCapacityServer({ capacity, holdMs: 50 });
    try {
      const results = await sizingRun(server.url, { workers: 40, rampUp: 20 });
      const sizing = results.sizing;
      expect(sizing?.reached).toBe(true);
      expect(sizing?.stopReason).toBe("error-ratio");
      expect(sizing?.healthyWorkers).not.toBeNull();
      expect(sizing?.healthyWorkers ?? 0).toBeGreaterThanOrEqual(capacity * 0.9);
      expect(sizing?.healthyWorkers ?? 0).toBeLessThanOrEqual(capacity * 1.1);
      expect(sizing?.workersAtStop ?? 0).toBeGreaterThan(capacity);
      expect(sizing?.errorRatio ?? 0).toBeGreaterThan(5);
      expect(results.errors.status).toBeGreaterThan(0);
      // the run stopped at the capacity: the last workers of the ramp never started
      expect(Math.max(...results.timeline.map((point) => point.workers))).toBeLessThan(40);
      expect(server.stats.maxInFlight).toBe(capacity);
    } finally {
      await server.close();
    }
  });

  it("never runs unbounded: stops with capacity-above-max-load when every worker ran a full healthy window", async () => {
    const server = await startCapacityServer({ capacity: 1000, holdMs: 5 });
    try {
      const results = await sizingRun(server.url, { workers: 4, rampUp: 1, duration: 600 });
      expect(results.sizing?.reached).toBe(false);
      expect(results.sizing?.stopReason).toBe("capacity-above-max-load");
      expect(results.sizing?.message).toMatch(/capacity above/);
      expect(results.durationSeconds).toBeLessThan(600);
      expect(results.failed).toBe(0);
    } finally {
      await server.close();
    }
  });

  it("reports the throughput plateau of a CPU-bound server (its own process) even when nothing fails", async () => {
    const server = await startChildServer("io-then-cpu-server.mjs", { IO_MS: "20", WORK_MS: "5" });
    children.push(server);
    const results = await sizingRun(server.url, { workers: 24, rampUp: 18, sizingWindow: 4 });
    const sizing = results.sizing;
    expect(results.failed).toBe(0);
    expect(sizing?.stopReason).toBe("capacity-above-max-load");
    expect(sizing?.plateau?.detected).toBe(true);
    expect(sizing?.plateau?.workers ?? 0).toBeLessThan(24);
    expect(sizing?.plateau?.latencyGrowth ?? 0).toBeGreaterThan(1);
  });

  it("stops on a broken latency objective (--sizing-latency) before any error", async () => {
    const server = await startChildServer("io-then-cpu-server.mjs", { IO_MS: "20", WORK_MS: "5" });
    children.push(server);
    const results = await sizingRun(server.url, {
      workers: 40,
      rampUp: 20,
      sizingWindow: 2,
      sizingMinSamples: 30,
      sizingLatency: "p95=120",
    });
    expect(results.failed).toBe(0);
    expect(results.sizing?.reached).toBe(true);
    expect(results.sizing?.stopReason).toBe("latency");
    expect(results.sizing?.latencyObjective).toEqual({ percentile: "p95", thresholdMs: 120 });
    expect(results.sizing?.workersAtStop ?? 40).toBeLessThan(40);
  });
});
