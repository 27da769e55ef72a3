import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { temporaryFolder } from "@sizer/test-utils";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { type LoadResults, runLoad } from "../dist/index.js";
import { captureStream, scenarioFolder } from "./helpers/scenario-files.js";
import { type ChildServer, startChildServer } from "./servers/child-server.js";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

/**
 * How late a timeout may be recorded: the 50 ms, plus the worst event-loop delay the generator
 * measured during the run (on a loaded machine a timer cannot fire before the loop gets the CPU back).
 * The old engine fired 0.2 s and 0.5 s timeouts after 1.0 s, far outside this.
 */
function allowedLateness(results: LoadResults): number {
  return 50 + Math.max(0, ...results.timeline.map((point) => point.eventLoopDelayMs));
}

const SCENARIO = `
import { scenario } from "@sizer/loadcore";
scenario(async function stalled(session) { await session.get(process.env.SERVER_URL + "/stalled"); });
`;

let silent: ChildServer;

beforeAll(async () => {
  silent = await startChildServer("stalling-server.mjs", { STALL: "headers" });
});

afterAll(() => silent.stop());

function runCli(args: string[], cwd: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...process.env, SERVER_URL: silent.url, NO_COLOR: "1" },
      stdio: "ignore",
    });
    child.on("close", resolve);
  });
}

describe("--timeout", () => {
  it("fails a request that gets no answer after the timeout, to within 50 ms, for 0.2, 0.5 and 1.5 s", async () => {
    const folder = scenarioFolder({ "loadtest.ts": SCENARIO });
    const timeouts = [0.2, 0.5, 1.5];
    const codes = await Promise.all(
      timeouts.map((timeout) =>
        runCli(
          [
            "-w",
            "1",
            "-r",
            "2",
            "--timeout",
            String(timeout),
            "-q",
            "--output",
            `out-${timeout}.json`,
            "loadtest.ts",
          ],
          folder,
        ),
      ),
    );
    // no scenario run succeeded: exit 3
    expect(codes).toEqual([3, 3, 3]);
    for (const timeout of timeouts) {
      const results = JSON.parse(readFileSync(join(folder, `out-${timeout}.json`), "utf8")) as LoadResults;
      expect(results.failed).toBe(2);
      expect(results.errors.timeout).toBe(2);
      const latency = results.byRequest[0]?.latency;
      expect(latency?.count).toBe(2);
      expect(latency?.min).toBeGreaterThanOrEqual(timeout * 1000 - 1);
      expect(latency?.max).toBeLessThanOrEqual(timeout * 1000 + allowedLateness(results));
    }
  });

  it("times out each of 5,000 workers' requests on time, the ones still waiting for a connection included", async () => {
    const folder = scenarioFolder({ "loadtest.ts": SCENARIO });
    const previousUrl = process.env.SERVER_URL;
    process.env.SERVER_URL = silent.url;
    try {
      const results = await runLoad({
        scenarioFile: join(folder, "loadtest.ts"),
        workers: 5000,
        maxRuns: 1,
        timeout: 0.3,
        quiet: true,
        summary: false,
        stdout: captureStream() as unknown as Writable,
        stderr: captureStream() as unknown as Writable,
      });
      expect(results.failed).toBe(5000);
      expect(results.errors.timeout).toBe(5000);
      const latency = results.latency;
      expect(latency.min).toBeGreaterThanOrEqual(299);
      expect(latency.p50).toBeLessThanOrEqual(300 + allowedLateness(results));
      expect(latency.max).toBeLessThanOrEqual(300 + allowedLateness(results));
    } finally {
      if (previousUrl === undefined) delete process.env.SERVER_URL;
      else process.env.SERVER_URL = previousUrl;
    }
  });
});

describe("a session's timeout on the body", () => {
  let stalledBody: ChildServer;
  let drip: ChildServer;

  beforeAll(async () => {
    [stalledBody, drip] = await Promise.all([
      startChildServer("stalling-server.mjs", { STALL: "body" }),
      startChildServer("stalling-server.mjs", { STALL: "drip", DRIP_MS: "20" }),
    ]);
  });

  afterAll(() => Promise.all([stalledBody.stop(), drip.stop()]));

  it("counts a body that stalls as a timeout, and lets a body that keeps coming finish past the timeout", async () => {
    const { path: folder, remove } = temporaryFolder("loadcore-timeout-");
    onTestFinished(remove);
    writeFileSync(
      join(folder, "loadtest.ts"),
      `
import { scenario } from "@sizer/loadcore";
scenario(async function stalledBody(session) {
  await session.get("${stalledBody.url}/", { name: "stalled body", timeout: 0.3 });
});
scenario(async function drip(session) {
  const response = await session.get("${drip.url}/", { name: "drip", timeout: 0.3 });
  if (response.body.length !== 100) throw new Error("short body " + response.body.length);
});
`,
    );
    const results = await runLoad({
      scenarioFile: join(folder, "loadtest.ts"),
      workers: 2,
      singleRun: true,
      quiet: true,
      summary: false,
      stdout: captureStream() as unknown as Writable,
      stderr: captureStream() as unknown as Writable,
    });
    const byName = Object.fromEntries(results.byRequest.map((entry) => [entry.name, entry]));
    // the dripping body takes 100 x 20 ms = 2 s, far past its 0.3 s timeout, but never stalls for 0.3 s
    expect(byName.drip).toMatchObject({ ok: 2, failed: 0 });
    expect(byName.drip?.latency.min).toBeGreaterThan(1000);
    expect(byName["stalled body"]).toMatchObject({ ok: 0, failed: 2, errors: { timeout: 2 } });
    expect(byName["stalled body"]?.latency.min).toBeGreaterThanOrEqual(299);
    expect(byName["stalled body"]?.latency.max).toBeLessThanOrEqual(300 + allowedLateness(results));
  });
});
