import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readResults, runLoad } from "../dist/index.js";
import { captureStream, scenarioFolder } from "./helpers/scenario-files.js";
import { type LoopbackServer, startLoopbackServer } from "./servers/loopback.js";
import { startSlowServer } from "./servers/slow-server.js";
import { unreachableUrl } from "./servers/unreachable.js";

let server: LoopbackServer;
let slow: LoopbackServer;

beforeAll(async () => {
  server = await startLoopbackServer((request, response) => {
    request.resume();
    if (request.url === "/fail") response.writeHead(500).end("no");
    else response.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  });
  slow = await startSlowServer({ delayMs: 10_000 });
});

afterAll(async () => {
  await server.close();
  await slow.close();
});

type Calls = {
  setup: number[];
  teardown: number[];
  sessions: number[];
  events: Record<string, number>;
  global: string[];
};

function calls(): Calls {
  return (globalThis as unknown as { __loadcoreTestCalls: Calls }).__loadcoreTestCalls;
}

const FIXTURES_SCENARIO = `
import assert from "node:assert";
import { events, getContext, globalSetup, globalTeardown, scenario, setup, setupSession, teardown, teardownSession, getVar, setVar } from "@sizer/loadcore";
const calls = { setup: [], teardown: [], sessions: [], events: {}, global: [] };
globalThis.__loadcoreTestCalls = calls;
const URL = process.env.TARGET_URL;
globalSetup(() => { calls.global.push("setup"); setVar("greeting", "hi"); });
globalTeardown(() => { calls.global.push("teardown"); });
setup((workerId) => { calls.setup.push(workerId); return { headers: { "x-worker": String(workerId) } }; });
teardown((workerId) => { calls.teardown.push(workerId); });
setupSession((workerId, session) => { calls.sessions.push(workerId); });
teardownSession(() => {});
events((event) => { calls.events[event] = (calls.events[event] ?? 0) + 1; });
scenario({ weight: 1 }, async function ping(session) {
  assert.equal(getVar("greeting"), "hi");
  assert.ok(getContext(session).step >= 1);
  const response = await session.get(URL + "/ping");
  assert.equal(response.status, 200);
});
scenario({ weight: 1 }, async function pong(session) {
  await session.get(URL + "/pong", { expect: 200 });
});
`;

function quietRun(options: Parameters<typeof runLoad>[0]) {
  const stdout = captureStream();
  const stderr = captureStream();
  return {
    stdout,
    stderr,
    run: runLoad({
      stdout: stdout as unknown as Writable,
      stderr: stderr as unknown as Writable,
      tty: false,
      ...options,
    }),
  };
}

describe("runLoad", () => {
  it("runs workers x max-runs scenario runs with every fixture and event, from a folder without node_modules", async () => {
    const folder = scenarioFolder({ "loadtest.ts": FIXTURES_SCENARIO });
    const { run } = quietRun({
      scenarioFile: "loadtest.ts",
      cwd: folder,
      workers: 3,
      maxRuns: 4,
      env: { TARGET_URL: server.url },
      seed: 1,
    });
    const results = await run;
    expect(results.ok).toBe(12);
    expect(results.failed).toBe(0);
    expect(results.requests).toBe(12);
    expect(results.scenarios.map((entry) => entry.name).sort()).toEqual(["ping", "pong"]);
    expect(results.scenarios.reduce((sum, entry) => sum + entry.ok, 0)).toBe(12);
    expect(results.byRequest.map((entry) => entry.name).sort()).toEqual(["GET /ping", "GET /pong"]);
    const recorded = calls();
    expect(recorded.setup.sort()).toEqual([0, 1, 2]);
    expect(recorded.teardown.sort()).toEqual([0, 1, 2]);
    expect(recorded.sessions.sort()).toEqual([0, 1, 2]);
    expect(recorded.global).toEqual(["setup", "teardown"]);
    expect(recorded.events.scenario_start).toBe(12);
    expect(recorded.events.scenario_success).toBe(12);
    expect(recorded.events.sending_request).toBe(12);
    expect(recorded.events.response_received).toBe(12);
    expect(results.interrupted).toBe(false);
    expect(process.env.TARGET_URL).toBeUndefined();
  });

  it("runs every scenario once per worker with singleRun, only one with singleMode", async () => {
    const folder = scenarioFolder({ "loadtest.ts": FIXTURES_SCENARIO });
    const single = await quietRun({
      scenarioFile: "loadtest.ts",
      cwd: folder,
      workers: 2,
      singleRun: true,
      env: { TARGET_URL: server.url },
    }).run;
    expect(single.ok).toBe(4);
    expect(single.scenarios.map((entry) => [entry.name, entry.ok]).sort()).toEqual([
      ["ping", 2],
      ["pong", 2],
    ]);
    const mode = await quietRun({
      scenarioFile: "loadtest.ts",
      cwd: folder,
      workers: 2,
      maxRuns: 3,
      singleMode: "pong",
      env: { TARGET_URL: server.url },
    }).run;
    expect(mode.scenarios.map((entry) => [entry.name, entry.ok])).toEqual([["pong", 6]]);
  });

  it("merges the statistics of several worker threads", async () => {
    const folder = scenarioFolder({ "loadtest.ts": FIXTURES_SCENARIO });
    const results = await quietRun({
      scenarioFile: "loadtest.ts",
      cwd: folder,
      workers: 2,
      processes: 3,
      maxRuns: 5,
      env: { TARGET_URL: server.url },
    }).run;
    expect(results.ok).toBe(30);
    expect(results.requests).toBe(30);
    expect(results.options).toMatchObject({ workers: 2, processes: 3, totalWorkers: 6 });
    expect(results.workersStarted).toBe(6);
  });

  it("records the closing second with the workers that ran during it, not 0 (in one process and in threads)", async () => {
    const folder = scenarioFolder({ "loadtest.ts": FIXTURES_SCENARIO });
    for (const processes of [1, 2]) {
      const { run, stdout } = quietRun({
        scenarioFile: "loadtest.ts",
        cwd: folder,
        workers: 3,
        processes,
        maxRuns: 4,
        quiet: false,
        summary: false,
        consoleUpdate: 1,
        env: { TARGET_URL: server.url },
      });
      const results = await run;
      expect(results.ok).toBe(12 * processes);
      const closing = results.timeline.at(-1);
      expect(closing?.ok).toBeGreaterThan(0);
      expect(closing?.workers).toBeGreaterThan(0);
      expect(closing?.workers).toBeLessThanOrEqual(3 * processes);
      // the status line of that second says so too
      expect(stdout.text()).not.toMatch(/workers 0 \|/);
    }
  });

  it("counts failures by class: status, refused, timeout, assertion", async () => {
    const folder = scenarioFolder({
      "loadtest.ts": `
import assert from "node:assert";
import { scenario } from "@sizer/loadcore";
scenario({ name: "status" }, async (session) => { await session.get(process.env.TARGET_URL + "/fail", { expect: 200 }); });
scenario({ name: "refused" }, async (session) => { await session.get(process.env.DEAD_URL + "/"); });
scenario({ name: "timeout" }, async (session) => { await session.get(process.env.SLOW_URL + "/", { timeout: 0.2 }); });
scenario({ name: "assertion" }, async (session) => { const r = await session.get(process.env.TARGET_URL + "/fail"); assert.equal(r.status, 200); });
`,
    });
    const { run, stderr } = quietRun({
      scenarioFile: "loadtest.ts",
      cwd: folder,
      workers: 1,
      singleRun: true,
      env: { TARGET_URL: server.url, DEAD_URL: await unreachableUrl(), SLOW_URL: slow.url },
    });
    const results = await run;
    expect(results.ok).toBe(0);
    expect(results.failed).toBe(4);
    expect(results.errors).toMatchObject({ status: 1, refused: 1, timeout: 1, assertion: 1 });
    expect(results.statusCodes).toEqual({ "500": 2 });
    expect(stderr.text()).toContain("refused failed");
  });

  it("stops the whole run at the first failure with exception", async () => {
    const folder = scenarioFolder({
      "loadtest.ts": `
import { scenario } from "@sizer/loadcore";
let runs = 0;
scenario(async function flaky(session) { runs += 1; if (runs === 5) throw new Error("fifth run breaks"); await session.get(process.env.TARGET_URL + "/"); });
`,
    });
    const results = await quietRun({
      scenarioFile: "loadtest.ts",
      cwd: folder,
      workers: 1,
      maxRuns: 100,
      exception: true,
      env: { TARGET_URL: server.url },
    }).run;
    expect(results.failed).toBe(1);
    expect(results.ok).toBe(4);
  });

  it("stops at the duration counted from the start, even while workers are still ramping up", async () => {
    const folder = scenarioFolder({ "loadtest.ts": FIXTURES_SCENARIO });
    const { run, stdout } = quietRun({
      scenarioFile: "loadtest.ts",
      cwd: folder,
      workers: 20,
      rampUp: 60,
      duration: 2,
      delay: 0.05,
      env: { TARGET_URL: server.url },
    });
    const results = await run;
    expect(results.ok).toBeGreaterThan(0);
    const maxWorkers = Math.max(...results.timeline.map((point) => point.workers));
    expect(maxWorkers).toBeLessThan(20);
    // the summary and the results name the workers reached, not the 20 planned
    expect(results.workersStarted).toBe(maxWorkers);
    expect(stdout.text()).toContain(`, ${maxWorkers} of 20 workers x 1 process`);
    expect(calls().setup.length).toBeLessThan(20);
    // every second carries the generator's own memory (a Node process is never under 10 MB RSS)
    for (const point of results.timeline) expect(point.generatorRssBytes).toBeGreaterThan(10_000_000);
  });

  it("stops cleanly on abort: teardowns run, results marked interrupted and written", async () => {
    const folder = scenarioFolder({ "loadtest.ts": FIXTURES_SCENARIO });
    const controller = new AbortController();
    const output = join(folder, "results.json");
    const { run } = quietRun({
      scenarioFile: "loadtest.ts",
      cwd: folder,
      workers: 4,
      delay: 0.05,
      output: "results.json",
      signal: controller.signal,
      env: { TARGET_URL: server.url },
      onProgress: (point) => {
        if (point.ok > 0) controller.abort();
      },
    });
    const results = await run;
    expect(results.interrupted).toBe(true);
    expect(calls().teardown.sort()).toEqual([0, 1, 2, 3]);
    expect(calls().global).toEqual(["setup", "teardown"]);
    const written = readResults(readFileSync(output, "utf8"), output);
    expect(written.interrupted).toBe(true);
    expect(written.ok).toBe(results.ok);
  });

  it("with forceShutdown, cancels in-flight requests at the duration and does not count them", async () => {
    const folder = scenarioFolder({
      "loadtest.ts": `
import { scenario } from "@sizer/loadcore";
scenario(async function wait(session) { await session.get(process.env.SLOW_URL + "/"); });
`,
    });
    const results = await quietRun({
      scenarioFile: "loadtest.ts",
      cwd: folder,
      workers: 3,
      duration: 1,
      forceShutdown: true,
      env: { SLOW_URL: slow.url },
    }).run;
    expect(results.ok).toBe(0);
    expect(results.failed).toBe(0);
    expect(results.requests).toBe(0);
  });

  it("closes every connection it opened by the time it resolves, whether the run ends or is cut short", async () => {
    // answers /slow after 300 ms, so that a forced stop finds requests in flight
    const target = createServer((request, response) => {
      request.resume();
      const delayMs = request.url === "/slow" ? 300 : 0;
      setTimeout(() => response.end("ok"), delayMs);
    });
    let open = 0;
    let opened = 0;
    target.on("connection", (socket) => {
      open += 1;
      opened += 1;
      socket.on("close", () => {
        open -= 1;
      });
    });
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    const waitUntilClosed = async () => {
      // the server sees the FIN a moment after the client closed; well before undici (4 s) or the server (5 s)
      // would close an idle keep-alive socket on its own
      for (let waited = 0; open > 0 && waited < 2500; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return open;
    };
    const folder = scenarioFolder({
      "loadtest.ts": `
import { scenario } from "@sizer/loadcore";
scenario(async function get(session) { await session.get(process.env.TARGET_URL); });
`,
    });
    try {
      const finished = await quietRun({
        scenarioFile: "loadtest.ts",
        cwd: folder,
        workers: 20,
        maxRuns: 3,
        env: { TARGET_URL: `${url}/` },
      }).run;
      expect(finished.ok).toBe(60);
      expect(opened).toBeGreaterThanOrEqual(20);
      expect(await waitUntilClosed()).toBe(0);

      opened = 0;
      const forced = await quietRun({
        scenarioFile: "loadtest.ts",
        cwd: folder,
        workers: 20,
        duration: 1,
        forceShutdown: true,
        env: { TARGET_URL: `${url}/slow` },
      }).run;
      expect(forced.interrupted).toBe(false);
      expect(opened).toBeGreaterThanOrEqual(20);
      expect(await waitUntilClosed()).toBe(0);
    } finally {
      target.closeAllConnections();
      await new Promise((resolve) => target.close(resolve));
    }
  });

  it("fails with a FixtureError when every worker's setup fails, instead of a silent empty run", async () => {
    const folder = scenarioFolder({
      "loadtest.ts": `
import { scenario, setup } from "@sizer/loadcore";
setup(() => { throw new Error("no token for this worker"); });
scenario(async function never() {});
`,
    });
    for (const processes of [1, 2]) {
      const { run, stderr } = quietRun({
        scenarioFile: "loadtest.ts",
        cwd: folder,
        workers: 2,
        processes,
        maxRuns: 1,
      });
      await expect(run).rejects.toMatchObject({ code: "ERR_LOADCORE_FIXTURE" });
      await expect(run).rejects.toThrow(
        `no scenario ran: ${2 * processes} worker(s) stopped; setup failed: no token for this worker`,
      );
      expect(stderr.text()).toContain("setup failed: no token for this worker");
    }
  });
});
