import type { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLoad } from "../dist/index.js";
import { captureStream, scenarioFolder } from "./helpers/scenario-files.js";
import { type LoopbackServer, readBody, startLoopbackServer } from "./servers/loopback.js";

let server: LoopbackServer;
const records = new Map<number, unknown>();

beforeAll(async () => {
  server = await startLoopbackServer(async (request, response) => {
    const body = await readBody(request);
    const url = request.url ?? "/";
    if (request.method === "POST" && url === "/records") {
      const id = records.size + 1;
      records.set(id, JSON.parse(body));
      response.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ id }));
      return;
    }
    const match = /^\/records\/(\d+)$/.exec(url);
    if (match !== null) {
      const record = records.get(Number(match[1]));
      response.writeHead(record === undefined ? 404 : 200, { "content-type": "application/json" });
      response.end(JSON.stringify(record ?? {}));
      return;
    }
    if (url.startsWith("/records")) {
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify([...records.values()].slice(0, 10)));
      return;
    }
    response.writeHead(200, { "content-type": "text/plain" }).end("home");
  });
});

afterAll(() => server.close());

function run(options: Parameters<typeof runLoad>[0]) {
  const stdout = captureStream();
  const stderr = captureStream();
  const results = runLoad({
    stdout: stdout as unknown as Writable,
    stderr: stderr as unknown as Writable,
    tty: false,
    ...options,
  });
  return { results, stdout, stderr };
}

const WEIGHTED = `
import { scenario } from "@sizer/loadcore";
scenario({ weight: 1 }, async function a(session) { await session.get(process.env.SERVER_URL + "/a"); });
scenario({ weight: 2 }, async function b(session) { await session.get(process.env.SERVER_URL + "/b"); });
scenario({ weight: 3 }, async function c(session) { await session.get(process.env.SERVER_URL + "/c"); });
`;

describe("runLoad features", () => {
  it("runs the package's example scenario (fixtures, events, weights, JSON) without a failure", async () => {
    const example = fileURLToPath(new URL("../examples/loadtest.ts", import.meta.url));
    const { results } = run({
      scenarioFile: example,
      workers: 2,
      maxRuns: 10,
      env: { SERVER_URL: server.url },
      seed: 3,
    });
    const done = await results;
    expect(done.failed).toBe(0);
    expect(done.ok).toBe(20);
    expect(done.scenarios.map((entry) => entry.name).sort()).toEqual(
      expect.arrayContaining(["addRecord", "home"]),
    );
    expect(done.byRequest.map((entry) => entry.name)).toEqual(expect.arrayContaining(["GET /"]));
  });

  it("gives the same scenario mix for the same seed, and a mix that follows the weights", async () => {
    const folder = scenarioFolder({ "loadtest.ts": WEIGHTED });
    const mix = async (seed: number) => {
      const done = await run({
        scenarioFile: "loadtest.ts",
        cwd: folder,
        workers: 3,
        maxRuns: 200,
        seed,
        env: { SERVER_URL: server.url },
      }).results;
      return Object.fromEntries(done.scenarios.map((entry) => [entry.name, entry.ok]));
    };
    const first = await mix(11);
    expect(await mix(11)).toEqual(first);
    expect(await mix(12)).not.toEqual(first);
    expect(first.c ?? 0).toBeGreaterThan(first.a ?? 0);
    expect((first.a ?? 0) + (first.b ?? 0) + (first.c ?? 0)).toBe(600);
  });

  it("loads --use-extension files before the scenario (shared fixtures and events)", async () => {
    const folder = scenarioFolder({
      "loadtest.ts": WEIGHTED,
      "extension.ts": `
import { events, setup } from "@sizer/loadcore";
(globalThis as any).__extensionEvents = 0;
setup(() => ({ headers: { "x-from-extension": "yes" } }));
events((event) => { if (event === "scenario_success") (globalThis as any).__extensionEvents += 1; });
`,
    });
    const done = await run({
      scenarioFile: "loadtest.ts",
      cwd: folder,
      useExtension: ["extension.ts"],
      workers: 1,
      maxRuns: 5,
      env: { SERVER_URL: server.url },
    }).results;
    expect(done.ok).toBe(5);
    expect((globalThis as unknown as { __extensionEvents: number }).__extensionEvents).toBe(5);
    await expect(
      run({ scenarioFile: "loadtest.ts", cwd: folder, useExtension: ["missing.ts"] }).results,
    ).rejects.toThrow(/extension not found: missing\.ts/);
  });

  it("rewrites one status line on a terminal and prints plain lines otherwise", async () => {
    const folder = scenarioFolder({ "loadtest.ts": WEIGHTED });
    const tty = run({
      scenarioFile: "loadtest.ts",
      cwd: folder,
      workers: 1,
      duration: 1.5,
      delay: 0.05,
      tty: true,
      env: { SERVER_URL: server.url },
    });
    await tty.results;
    expect(tty.stdout.text()).toContain("\r\x1b[2K");
    const plain = run({
      scenarioFile: "loadtest.ts",
      cwd: folder,
      workers: 1,
      duration: 1.5,
      delay: 0.05,
      env: { SERVER_URL: server.url },
    });
    await plain.results;
    expect(plain.stdout.text()).not.toContain("\x1b[");
    expect(plain.stdout.text()).toMatch(/workers 1/);
  });

  it("prints nothing on stdout with quiet, and every failure with verbose", async () => {
    const folder = scenarioFolder({
      "loadtest.ts": `
import { scenario } from "@sizer/loadcore";
scenario(async function failing(session) { await session.get(process.env.SERVER_URL + "/x", { expect: 418 }); });
`,
    });
    const quiet = run({
      scenarioFile: "loadtest.ts",
      cwd: folder,
      quiet: true,
      maxRuns: 3,
      env: { SERVER_URL: server.url },
    });
    await quiet.results;
    expect(quiet.stdout.text()).toBe("");
    const verbose = run({
      scenarioFile: "loadtest.ts",
      cwd: folder,
      verbose: 2,
      maxRuns: 3,
      env: { SERVER_URL: server.url },
    });
    await verbose.results;
    expect(verbose.stderr.text().match(/failing failed: .*answered 200, expected 418/g)).toHaveLength(3);
    expect(verbose.stdout.text()).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/x -> 200/);
  });

  it("refuses a second overlapping run in the same process (registrations are process-wide)", async () => {
    const folder = scenarioFolder({ "loadtest.ts": WEIGHTED });
    const first = run({
      scenarioFile: "loadtest.ts",
      cwd: folder,
      workers: 1,
      duration: 1,
      delay: 0.05,
      env: { SERVER_URL: server.url },
    });
    const second = run({
      scenarioFile: "loadtest.ts",
      cwd: folder,
      workers: 1,
      maxRuns: 1,
      env: { SERVER_URL: server.url },
    });
    await expect(second.results).rejects.toMatchObject({ code: "ERR_LOADCORE_BUSY" });
    expect((await first.results).ok).toBeGreaterThan(0);
    const third = await run({
      scenarioFile: "loadtest.ts",
      cwd: folder,
      workers: 1,
      maxRuns: 1,
      env: { SERVER_URL: server.url },
    }).results;
    expect(third.ok).toBe(1);
  });
});
