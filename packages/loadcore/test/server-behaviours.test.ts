import type { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runLoad } from "../dist/index.js";
import { captureStream, scenarioFolder } from "./helpers/scenario-files.js";
import { startClosingServer } from "./servers/closing-server.js";
import { startRateLimitedServer } from "./servers/rate-limited-server.js";
import { unreachableUrl } from "./servers/unreachable.js";

const SCENARIO = `
import { scenario } from "@sizer/loadcore";
scenario(async function call(session) {
  await session.get(process.env.SERVER_URL + "/", { expect: 200 });
});
`;

function run(serverUrl: string, options: Partial<Parameters<typeof runLoad>[0]>) {
  const sink = captureStream();
  return runLoad({
    scenarioFile: "loadtest.ts",
    cwd: scenarioFolder({ "loadtest.ts": SCENARIO }),
    env: { SERVER_URL: serverUrl },
    stdout: sink as unknown as Writable,
    stderr: sink as unknown as Writable,
    tty: false,
    ...options,
  });
}

describe("servers that misbehave", () => {
  it("keeps working when the server answers connection: close every time (new socket per request)", async () => {
    const server = await startClosingServer({ mode: "header" });
    try {
      const results = await run(server.url, { workers: 4, maxRuns: 25 });
      expect(results.ok).toBe(100);
      expect(results.failed).toBe(0);
      expect(server.stats.connections).toBeGreaterThanOrEqual(100);
    } finally {
      await server.close();
    }
  });

  it("counts requests of a server that drops keep-alive sockets without warning, and classifies any loss as reset", async () => {
    const server = await startClosingServer({ mode: "abrupt", every: 3 });
    try {
      const results = await run(server.url, { workers: 4, maxRuns: 30 });
      expect(results.ok + results.failed).toBe(120);
      expect(server.stats.connections).toBeGreaterThan(4);
      const classes = Object.entries(results.errors)
        .filter(([, count]) => count > 0)
        .map(([name]) => name);
      expect(classes.every((name) => name === "reset")).toBe(true);
    } finally {
      await server.close();
    }
  });

  it("records 429 answers of a rate-limited server as status failures, by status code", async () => {
    const server = await startRateLimitedServer({ perWindow: 10, windowMs: 60_000 });
    try {
      const results = await run(server.url, { workers: 2, maxRuns: 15 });
      expect(results.ok).toBe(10);
      expect(results.failed).toBe(20);
      expect(results.statusCodes).toEqual({ "200": 10, "429": 20 });
      expect(results.errors.status).toBe(20);
      expect(server.stats.limited).toBe(20);
    } finally {
      await server.close();
    }
  });

  it("counts refused connections to an unreachable port, without hanging", async () => {
    const results = await run(await unreachableUrl(), { workers: 2, maxRuns: 5 });
    expect(results.ok).toBe(0);
    expect(results.failed).toBe(10);
    expect(results.errors.refused).toBe(10);
    expect(results.requests).toBe(10);
  });
});
