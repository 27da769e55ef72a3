import type { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { type LoadResults, runLoad, type TimelinePoint } from "../dist/index.js";
import { formatSummary } from "../src/results/summary.js";
import { SizingController } from "../src/sizing/sizing.js";
import { captureStream, scenarioFolder } from "./helpers/scenario-files.js";
import { type ChildServer, startChildServer } from "./servers/child-server.js";

const SCENARIO = `
import { scenario } from "@sizer/loadcore";
scenario(async function hit(session) { await session.get(process.env.SERVER_URL + "/", { expect: 200 }); });
`;

const servers: ChildServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

/** test/servers/known-limit-server.mjs in its own process: its event loop is not the generator's. */
async function serve(env: Record<string, string>): Promise<ChildServer> {
  const server = await startChildServer("./known-limit-server.mjs", env);
  servers.push(server);
  return server;
}

async function run(url: string, options: Record<string, unknown>): Promise<LoadResults> {
  return runLoad({
    scenarioFile: "loadtest.mjs",
    cwd: scenarioFolder({ "loadtest.mjs": SCENARIO }),
    env: { SERVER_URL: url },
    stdout: captureStream() as unknown as Writable,
    stderr: captureStream() as unknown as Writable,
    quiet: true,
    ...options,
  });
}

describe("sizing an arrival-rate ramp against services of known capacity", () => {
  it("sizes a 200 req/s rate limit (429 over) at 200 req/s +-10%, stopping on the error ratio", async () => {
    const server = await serve({ LIMIT: "rate", RATE: "200", BURST: "20" });
    const results = await run(server.url, {
      sizing: true,
      rampRate: "100:300",
      rampUp: 40,
      sizingWindow: 5,
      duration: 60,
    });
    const sizing = results.sizing;
    expect(sizing?.stopReason, sizing?.message).toBe("error-ratio");
    expect(sizing?.reached).toBe(true);
    expect(sizing?.rate?.capacity, sizing?.message).toBeGreaterThanOrEqual(180);
    expect(sizing?.rate?.capacity, sizing?.message).toBeLessThanOrEqual(220);
    expect(sizing?.rate?.capacityWorkers).toBeGreaterThanOrEqual(1);
    expect(sizing?.message).toMatch(/last healthy level \d+(\.\d+)? scenario runs\/s achieved/);
    expect(formatSummary(results)).toMatch(/capacity: \d+ scenario runs\/s with \d+ workers/);
    // the run went past the limit before it stopped, not a lucky early stop
    expect(sizing?.rate?.targetAtStop).toBeGreaterThan(200);
    // what a chart of target vs achieved rate needs, each second
    for (const point of results.timeline.slice(0, -1)) {
      expect(point.targetRate).toBeGreaterThan(0);
      expect(point.achievedRate).toBeGreaterThanOrEqual(0);
      expect(point.startedRuns).toBeGreaterThanOrEqual(0);
      expect(point.droppedRuns).toBe(0);
    }
  }, 120_000);

  it("sizes a 20-at-once limit with 50 ms requests at 400 req/s +-10%, stopping on the plateau", async () => {
    const server = await serve({ LIMIT: "concurrency", CONCURRENCY: "20", SERVICE_MS: "50" });
    const results = await run(server.url, {
      sizing: true,
      rampRate: "200:700",
      rampUp: 50,
      sizingWindow: 12,
      duration: 80,
    });
    const sizing = results.sizing;
    expect(sizing?.stopReason, sizing?.message).toBe("plateau");
    expect(sizing?.reached).toBe(true);
    expect(sizing?.rate?.capacity, sizing?.message).toBeGreaterThanOrEqual(360);
    expect(sizing?.rate?.capacity, sizing?.message).toBeLessThanOrEqual(440);
    expect(sizing?.plateau?.targetRate).toBeGreaterThan(300);
    expect(sizing?.message).toMatch(/achieved rate levelled at \d+(\.\d+)? scenario runs\/s/);
    expect(formatSummary(results)).toMatch(/achieved-rate plateau: from \d+/);
    // nothing failed: the service only queued, which only the latency from the planned start shows
    expect(results.failed).toBe(0);
    expect(results.latency.p99).toBeGreaterThan(results.serviceTime?.p50 ?? 0);
  }, 150_000);
});

describe("latency free of coordinated omission", () => {
  it("shows a 1 s stall every 5 s in the p99 at a constant rate, which a closed-model worker hides", async () => {
    const openServer = await serve({ LIMIT: "stall" });
    const open = await run(openServer.url, { rate: 50, duration: 6 });
    // a fifth of the runs fall in a stall and wait up to its end
    expect(open.latency.p99).toBeGreaterThanOrEqual(600);
    expect(open.failed).toBe(0);
    const closedServer = await serve({ LIMIT: "stall" });
    const closed = await run(closedServer.url, { workers: 1, duration: 6 });
    // one worker waits out the stall with one request (one stall in 6 s): its hundreds of others hide it
    expect(closed.requests).toBeGreaterThan(300);
    expect(closed.latency.p99).toBeLessThan(open.latency.p99 / 2);
  }, 60_000);
});

function second(t: number, targetRate: number, achievedRate: number, p95: number): TimelinePoint {
  return {
    t,
    time: t * 1000,
    workers: Math.ceil(achievedRate / 20),
    ok: Math.round(achievedRate),
    failed: 0,
    requests: Math.round(achievedRate),
    throughput: achievedRate,
    errorRatio: 0,
    latency: { p50: p95 / 2, p90: p95, p95, p99: p95, max: p95 },
    targetRate,
    achievedRate,
    generatorCpuPercent: 0,
    eventLoopDelayMs: 0,
  };
}

describe("the sizing controller on a rate", () => {
  const options = { windowSeconds: 6, minSamples: 10, load: "rate" as const };

  it("stops on a plateau once the achieved rate no longer follows the target, stating that rate", () => {
    const controller = new SizingController(options);
    let stop: ReturnType<SizingController["observe"]>;
    let t = 0;
    for (; t < 60 && stop === undefined; t += 1) {
      const target = 100 + 10 * t;
      const achieved = Math.min(target, 300);
      stop = controller.observe(second(t, target, achieved, target <= 300 ? 10 : 10 * (target - 290)), false);
    }
    expect(stop?.reason).toBe("plateau");
    const verdict = controller.verdict();
    expect(verdict.reached).toBe(true);
    // the mean from the plateau's start, whose first band may hold the knee's last second (290)
    expect(verdict.rate?.capacity).toBeGreaterThanOrEqual(294);
    expect(verdict.rate?.capacity).toBeLessThanOrEqual(300);
    expect(verdict.plateau?.targetRate).toBeGreaterThanOrEqual(280);
    expect(verdict.plateau?.targetRate).toBeLessThanOrEqual(320);
    expect(verdict.rate?.targetAtStop).toBeGreaterThan(300);
  });

  it("does not stop while the achieved rate follows the target, however far it goes", () => {
    const controller = new SizingController(options);
    for (let t = 0; t < 40; t += 1) {
      const target = 100 + 20 * t;
      expect(controller.observe(second(t, target, target * 0.99, 10), false)).toBeUndefined();
    }
    expect(controller.verdict().rate?.capacity).toBeGreaterThan(800);
  });

  it("stops above the maximum load once the ramp's end held a window, naming the rate", () => {
    const controller = new SizingController(options);
    let stop: ReturnType<SizingController["observe"]>;
    for (let t = 0; t < 20 && stop === undefined; t += 1)
      stop = controller.observe(second(t, 50, 50, 5), true);
    expect(stop?.reason).toBe("capacity-above-max-load");
    expect(stop?.message).toContain("target rate of 50 scenario runs/s");
  });
});
