import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type LoopbackServer, runCli, startLoopbackServer } from "@sizer/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readResults } from "../dist/index.js";
import { decodeHistogram } from "../src/results/histogram-encoding.js";
import { LatencyHistogram } from "../src/stats/histogram.js";
import { scenarioFolder } from "./helpers/scenario-files.js";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

let server: LoopbackServer;

beforeAll(async () => {
  server = await startLoopbackServer((request, response) => {
    request.resume();
    // a spread of latencies, and some 503s, so that the merge has something to be exact about
    const delay = Math.floor(Math.random() * 8);
    setTimeout(() => response.writeHead(Math.random() < 0.1 ? 503 : 200).end("ok"), delay);
  });
});

afterAll(() => server.close());

const SCENARIO = `
import { scenario } from "@sizer/loadcore";
scenario(async function home(session) { await session.get(process.env.SERVER_URL + "/", { expect: 200 }); });
`;

describe("loadcore merge", () => {
  it("merges two real runs' files into one whose figures are those of both runs' histograms", async () => {
    const folder = scenarioFolder({ "loadtest.ts": SCENARIO });
    const env = { SERVER_URL: server.url };
    const [first, second] = await Promise.all([
      runCli(CLI, ["-q", "-w", "3", "-r", "20", "-o", "a.json", "loadtest.ts"], { cwd: folder, env }),
      runCli(CLI, ["-q", "-w", "2", "-r", "30", "-o", "b.json", "loadtest.ts"], { cwd: folder, env }),
    ]);
    expect([first.code, second.code]).toEqual([0, 0]);
    const a = readResults(readFileSync(join(folder, "a.json"), "utf8"), "a.json");
    const b = readResults(readFileSync(join(folder, "b.json"), "utf8"), "b.json");
    expect(a.histograms?.encoding).toBe("loadcore-buckets-1");
    expect(a.histograms?.timeline.length).toBe(a.timeline.length);

    const merge = await runCli(CLI, ["merge", "a.json", "b.json", "--output", "merged.json"], {
      cwd: folder,
    });
    expect(merge.code).toBe(0);
    expect(merge.stderr).toContain("merged 2 loader(s): 120 requests");
    const merged = readResults(readFileSync(join(folder, "merged.json"), "utf8"), "merged.json");
    expect(merged.requests).toBe(120);
    expect(merged.ok + merged.failed).toBe(a.ok + a.failed + b.ok + b.failed);
    expect(merged.statusCodes["503"] ?? 0).toBe((a.statusCodes["503"] ?? 0) + (b.statusCodes["503"] ?? 0));
    expect(merged.errors.status).toBe((a.errors.status ?? 0) + (b.errors.status ?? 0));
    const truth = new LatencyHistogram();
    for (const results of [a, b]) {
      const decoded = decodeHistogram(results.histograms?.latency as never);
      if (typeof decoded === "string") throw new Error(decoded);
      truth.merge(decoded);
    }
    expect(merged.latency.p99).toBe(truth.summary().p99);
    expect(merged.latency.max).toBe(Math.max(a.latency.max, b.latency.max));
    expect(merged.loaders?.map((loader) => loader.source)).toEqual(["a.json", "b.json"]);
    expect(merged.command).toEqual(["loadcore", "merge", "a.json", "b.json", "--output", "merged.json"]);

    // without --output, the JSON goes to stdout
    const piped = await runCli(CLI, ["merge", "a.json", "b.json"], { cwd: folder });
    expect(JSON.parse(piped.stdout).requests).toBe(120);
  });

  it("exits 2 for bad usage and 6 for a file that cannot be merged, naming it", async () => {
    const folder = scenarioFolder({ "old.json": "{}" });
    const none = await runCli(CLI, ["merge"], { cwd: folder });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("expected at least one results FILE");
    const missing = await runCli(CLI, ["merge", "missing.json"], { cwd: folder });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read the results file");
    const flag = await runCli(CLI, ["merge", "--bogus", "a.json"], { cwd: folder });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown flag --bogus");
    writeFileSync(
      join(folder, "old.json"),
      JSON.stringify({
        format: "loadcore-results",
        formatVersion: 1,
        startedAt: "2026-12-07T10:00:00.000Z",
        durationSeconds: 1,
        ok: 1,
        failed: 0,
        requests: 1,
        timeline: [],
      }),
    );
    const old = await runCli(CLI, ["merge", "old.json"], { cwd: folder });
    expect(old.code).toBe(6);
    expect(old.stderr).toContain('loadcore: old.json: no "histograms"');
    const help = await runCli(CLI, ["merge", "--help"], { cwd: folder });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: loadcore merge FILE...");
  });
});
