import type { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { type LoopbackServer, runCli, startLoopbackServer } from "@sizer/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type LoadResults,
  parseRunCommandLine,
  readResults,
  runLoad,
  testToRunOptions,
} from "../dist/index.js";
import { arrivalOffset } from "../src/engine/arrival-rate.js";
import { parseMolotovConfig } from "../src/options/molotov-config.js";
import { captureStream, scenarioFolder } from "./helpers/scenario-files.js";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

const SCENARIO = `
import { scenario } from "@sizer/loadcore";
scenario(async function hit(session) { await session.get(process.env.SERVER_URL + "/", { expect: 200 }); });
`;

let fast: LoopbackServer;
let oneMillisecond: LoopbackServer;
let slow: LoopbackServer;
let stalling: LoopbackServer & { stalled: () => boolean };

/** Answers every request after `delayMs`. */
function delayedServer(delayMs: number): Promise<LoopbackServer> {
  return startLoopbackServer((request, response) => {
    request.resume();
    setTimeout(() => response.writeHead(200).end("ok"), delayMs);
  });
}

/** Answers at once, except that its 60th request starts a 1 s stall: every answer waits for its end. */
async function stallingServer(): Promise<LoopbackServer & { stalled: () => boolean }> {
  let requests = 0;
  let stallUntil = 0;
  const server = await startLoopbackServer((request, response) => {
    request.resume();
    requests += 1;
    if (requests === 60) stallUntil = Date.now() + 1000;
    setTimeout(() => response.writeHead(200).end("ok"), Math.max(0, stallUntil - Date.now()));
  });
  return Object.assign(server, { stalled: () => stallUntil > 0 });
}

beforeAll(async () => {
  fast = await delayedServer(0);
  oneMillisecond = await delayedServer(1);
  slow = await delayedServer(100);
  stalling = await stallingServer();
});

afterAll(async () => {
  await fast.close();
  await oneMillisecond.close();
  await slow.close();
  await stalling.close();
});

/**
 * Nothing late in a run that kept up: none at all while the generator kept time (every second's p99
 * event-loop delay under 10 ms, as on a quiet machine); on a machine busy with other work its lag
 * keeps the pool from growing (POOL_GROWTH_LAG_LIMIT_MS) and a few runs wait, but never many.
 */
function expectNoneLate(results: LoadResults): void {
  const started = results.arrivalRate?.started ?? 0;
  expect(results.arrivalRate?.late).toBeLessThanOrEqual(keptTime(results) ? 0 : Math.ceil(started * 0.05));
}

/** Every second's p99 event-loop delay stayed under 10 ms: the generator was not kept waiting. */
function keptTime(results: LoadResults): boolean {
  return results.timeline.every((point) => (point.eventLoopDelayMs ?? 0) < 10);
}

async function run(url: string, options: Record<string, unknown>): Promise<LoadResults> {
  const folder = scenarioFolder({ "loadtest.mjs": SCENARIO });
  return runLoad({
    scenarioFile: "loadtest.mjs",
    cwd: folder,
    env: { SERVER_URL: url },
    stdout: captureStream() as unknown as Writable,
    stderr: captureStream() as unknown as Writable,
    quiet: true,
    ...options,
  });
}

describe("the arrival-rate schedule", () => {
  it("spaces runs 1/rate apart at a constant rate", () => {
    const rate = { from: 50, to: 50 };
    expect([0, 1, 50, 100].map((index) => arrivalOffset(index, rate, 0))).toEqual([0, 0.02, 1, 2]);
  });

  it("starts (from + to) / 2 * rampUp runs during a linear ramp, more of them in its second half", () => {
    const ramp = { from: 10, to: 100 };
    // 110 runs over the 2 s ramp: the 110th is due at its end
    expect(arrivalOffset(110, ramp, 2)).toBeCloseTo(2, 9);
    // by 1 s: 10 + 45 / 2 = 32.5 runs
    expect(arrivalOffset(32.5, ramp, 2)).toBeCloseTo(1, 9);
    // then `to` is held
    expect(arrivalOffset(210, ramp, 2)).toBeCloseTo(3, 9);
    // a falling ramp is the mirror: its first second starts more runs
    const falling = { from: 100, to: 10 };
    expect(arrivalOffset(110, falling, 2)).toBeCloseTo(2, 9);
    expect(arrivalOffset(77.5, falling, 2)).toBeCloseTo(1, 9);
    const offsets = Array.from({ length: 111 }, (_, index) => arrivalOffset(index, ramp, 2));
    for (let index = 1; index < offsets.length; index += 1)
      expect(offsets[index] as number).toBeGreaterThan(offsets[index - 1] as number);
  });
});

describe("arrival-rate runs against loopback servers", () => {
  it("starts about rate x duration scenario runs against a fast server, none late or dropped", async () => {
    const results = await run(fast.url, { rate: 50, duration: 2 });
    const arrival = results.arrivalRate;
    expect(arrival).toMatchObject({ from: 50, to: 50, rampUp: 0, maxWorkers: 1000 });
    // 101 runs are due in [0 s, 2 s]; a late timer or the first connection may cost a few
    expect(arrival?.started).toBeGreaterThanOrEqual(70);
    expect(arrival?.started).toBeLessThanOrEqual(101);
    expectNoneLate(results);
    expect(arrival?.dropped).toBe(0);
    expect(results.ok + results.failed).toBe(arrival?.started);
    expect(results.failed).toBe(0);
    expect(results.serviceTime?.count).toBe(results.requests);
    expect(results.options).toMatchObject({
      arrivalRate: { from: 50, to: 50 },
      maxWorkers: 1000,
      preAllocatedWorkers: 10,
    });
    // the new fields survive the one reader of the format
    const read = readResults(JSON.stringify(results));
    expect(read.arrivalRate).toEqual(arrival);
    expect(read.serviceTime).toEqual(results.serviceTime);
    expect(read.byRequest[0]?.serviceTime?.count).toBe(results.requests);
  });

  it("shares one schedule between processes", async () => {
    const results = await run(fast.url, { rate: 50, duration: 2, processes: 2 });
    expect(results.arrivalRate?.started).toBeGreaterThanOrEqual(70);
    expect(results.arrivalRate?.started).toBeLessThanOrEqual(101);
    expect(results.ok).toBe(results.arrivalRate?.started);
  });

  it("shows a server's stall in the latency from the planned start, not in the service time", async () => {
    const results = await run(stalling.url, { rate: 100, duration: 3, maxWorkers: 2 });
    expect(stalling.stalled()).toBe(true);
    // 2 requests waited out the stall; ~100 runs due during it waited for a worker, then started late
    expect(results.arrivalRate?.late).toBeGreaterThan(20);
    expect(results.latency.p90).toBeGreaterThan(300);
    expect(results.serviceTime?.p90).toBeLessThan(300);
    expect(results.serviceTime?.max).toBeGreaterThan(500);
    const stalledSecond = results.timeline.find((point) => (point.latency.p99 ?? 0) > 500);
    expect(stalledSecond?.serviceTime).toBeDefined();
  });

  it("counts the runs a too-small pool could not start, and never grows past it", async () => {
    const stdout = captureStream();
    const results = await run(slow.url, {
      rate: 100,
      duration: 2,
      maxWorkers: 2,
      quiet: false,
      stdout: stdout as unknown as Writable,
    });
    const arrival = results.arrivalRate;
    // 2 workers x 100 ms requests: about 20 runs/s of the 100 asked
    expect(results.workersStarted).toBe(2);
    expect(arrival?.started).toBeLessThan(60);
    expect(arrival?.late).toBeGreaterThan(0);
    expect(arrival?.dropped).toBeGreaterThan(100);
    // every run due was started or counted dropped
    expect((arrival?.started ?? 0) + (arrival?.dropped ?? 0)).toBeGreaterThanOrEqual(150);
    expect((arrival?.started ?? 0) + (arrival?.dropped ?? 0)).toBeLessThanOrEqual(201);
    expect(stdout.text()).toMatch(/Arrivals +\d+ started {2}\d+ late {2}\d+ dropped/);
  });

  it("keeps the pool far below --max-workers against a fast server, none late: no start-up pile-up", async () => {
    // 500 runs/s of 1 ms: a few workers are busy at once; the first runs used to pile up while the
    // first workers connected and the code warmed up, and each pile-up grew the pool (to 1000 at 2500/s)
    const results = await run(oneMillisecond.url, { rate: 500, duration: 2 });
    expect(results.options).toMatchObject({ maxWorkers: 1000, preAllocatedWorkers: 10 });
    // a few dozen at most (10 on a quiet machine); the defect took the pool to 1000
    const bound = keptTime(results) ? 40 : 100;
    expect(results.workersStarted).toBeGreaterThanOrEqual(10);
    expect(results.workersStarted).toBeLessThanOrEqual(bound);
    expectNoneLate(results);
    expect(results.arrivalRate?.dropped).toBe(0);
    expect(results.arrivalRate?.started).toBeGreaterThanOrEqual(900);
    expect(results.failed).toBe(0);
  });

  it("readies the pre-allocated workers before the clock starts, and grows the pool from them", async () => {
    const folder = scenarioFolder({
      "loadtest.mjs": `
import { scenario, setup } from "@sizer/loadcore";
const readyAt = [];
let first = true;
setup(() => { readyAt.push(Date.now()); });
scenario(async function hit(session) {
  if (first) session.print("setups before the first run: " + readyAt.length + ", the last at " + readyAt.at(-1));
  first = false;
  await session.get(process.env.SERVER_URL + "/", { expect: 200 });
});
`,
    });
    const stdout = captureStream();
    const results = await runLoad({
      scenarioFile: "loadtest.mjs",
      cwd: folder,
      env: { SERVER_URL: slow.url },
      stdout: stdout as unknown as Writable,
      stderr: captureStream() as unknown as Writable,
      rate: 50,
      duration: 1,
      preAllocatedWorkers: 3,
      summary: false,
    });
    // the 3 setups ran before the first run; 100 ms runs at 50/s need about 5 workers: the pool grew
    const [, count, lastSetupAt] =
      /setups before the first run: (\d+), the last at (\d+)/.exec(stdout.text()) ?? [];
    expect(count).toBe("3");
    expect(Number(lastSetupAt)).toBeLessThanOrEqual(Date.parse(results.startedAt));
    expect(stdout.text()).toContain("50 scenario run(s)/s, 3 to 1000 worker(s)");
    expect(results.workersStarted).toBeGreaterThan(3);
    expect(results.workersStarted).toBeLessThan(30);
    expect(results.options).toMatchObject({ preAllocatedWorkers: 3 });
  });

  it("goes on without a worker whose setup failed: no run is given to it", async () => {
    const folder = scenarioFolder({
      "loadtest.mjs": `
import { scenario, setup } from "@sizer/loadcore";
setup((workerId) => { if (workerId === 0) throw new Error("no token for worker 0"); });
scenario(async function hit(session) { await session.get(process.env.SERVER_URL + "/", { expect: 200 }); });
`,
    });
    for (const preAllocatedWorkers of [0, 2]) {
      const results = await runLoad({
        scenarioFile: "loadtest.mjs",
        cwd: folder,
        env: { SERVER_URL: fast.url },
        stdout: captureStream() as unknown as Writable,
        stderr: captureStream() as unknown as Writable,
        quiet: true,
        rate: 20,
        duration: 1,
        preAllocatedWorkers,
      });
      expect(results.arrivalRate?.dropped).toBe(0);
      expect(results.ok + results.failed).toBe(results.arrivalRate?.started);
      expect(results.ok).toBeGreaterThan(10);
    }
  });

  it("starts runs at an increasing rate along a ramp", async () => {
    const results = await run(fast.url, { rampRate: "10:100", rampUp: 2, duration: 2 });
    const [first, second] = results.timeline;
    expect(results.arrivalRate).toMatchObject({ from: 10, to: 100, rampUp: 2 });
    // planned: 32.5 runs in the first second, 77.5 in the second
    expect(first?.ok).toBeLessThan(50);
    expect(second?.ok).toBeGreaterThan(55);
    expect(results.arrivalRate?.started).toBeLessThanOrEqual(111);
  });
});

describe("arrival-rate options", () => {
  it("come from the one option table: the command line and a molotov.json", () => {
    expect(
      parseRunCommandLine(
        ["--ramp-rate", "5:50", "--ramp-up", "10", "--max-workers", "20", "--pre-allocated-workers", "4"],
        { flags: {} },
      ).options,
    ).toEqual({
      rampRate: "5:50",
      rampUp: 10,
      maxWorkers: 20,
      preAllocatedWorkers: 4,
    });
    const config = parseMolotovConfig(
      {
        molotov: {
          tests: {
            open: { rate: 200, max_workers: 50, pre_allocated_workers: 8 },
            bad: { ramp_rate: "5", ramp_up: 3 },
            over: { rate: 200, max_workers: 50, pre_allocated_workers: 80 },
          },
        },
      },
      "molotov.json",
    );
    expect(testToRunOptions(config, "open", "/repo")).toMatchObject({
      rate: 200,
      maxWorkers: 50,
      preAllocatedWorkers: 8,
    });
    expect(() => testToRunOptions(config, "over", "/repo")).toThrow(
      "molotov.tests.over.pre_allocated_workers must be an integer from 0 to the pool's maximum (50), got 80",
    );
    expect(() => testToRunOptions(config, "bad", "/repo")).toThrow(
      "molotov.tests.bad.ramp_rate must be FROM:TO",
    );
    const sizing = parseMolotovConfig(
      {
        molotov: {
          tests: {
            ramp: { sizing: true, ramp_rate: "50:400", ramp_up: 40 },
            flat: { sizing: true, rate: 200 },
          },
        },
      },
      "molotov.json",
    );
    expect(testToRunOptions(sizing, "ramp", "/repo")).toMatchObject({ sizing: true, rampRate: "50:400" });
    expect(() => testToRunOptions(sizing, "flat", "/repo")).toThrow(
      "molotov.tests.flat.rate and molotov.tests.flat.sizing cannot be used together",
    );
  });

  const cases: [string[], string][] = [
    [["--rate", "0"], "--rate must be a number of scenario runs per second > 0, got 0"],
    [["--rate", "50", "--workers", "4"], "--rate and --workers cannot be used together"],
    [
      ["--rate", "50", "--ramp-rate", "1:2", "--ramp-up", "5"],
      "--rate and --ramp-rate cannot be used together",
    ],
    [["--rate", "50", "--ramp-up", "5"], "--rate and --ramp-up cannot be used together"],
    [["--ramp-rate", "0:100", "--ramp-up", "5"], "--ramp-rate must be FROM:TO"],
    [["--ramp-rate", "100", "--ramp-up", "5"], "--ramp-rate must be FROM:TO"],
    [["--ramp-rate", "10:100"], "--ramp-rate needs --ramp-up"],
    [["--max-workers", "10"], "--max-workers needs --rate or --ramp-rate"],
    [["--rate", "5", "--max-workers", "0"], "--max-workers must be an integer >= 1, got 0"],
    [["--pre-allocated-workers", "10"], "--pre-allocated-workers needs --rate or --ramp-rate"],
    [
      ["--rate", "5", "--pre-allocated-workers", "1001"],
      "--pre-allocated-workers must be an integer from 0 to the pool's maximum (1000), got 1001",
    ],
    [
      ["--rate", "5", "--max-workers", "10", "--pre-allocated-workers", "1.5"],
      "--pre-allocated-workers must be an integer",
    ],
    [["--rate", "5", "--sizing"], "--rate and --sizing cannot be used together"],
  ];
  it.each(cases)("refuses %j with exit 2, naming the flag", async (args, message) => {
    const folder = scenarioFolder({ "loadtest.mjs": SCENARIO });
    const result = await runCli(CLI, ["loadtest.mjs", ...args], {
      cwd: folder,
      env: { SERVER_URL: fast.url },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
