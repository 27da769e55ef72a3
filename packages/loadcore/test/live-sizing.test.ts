// The live record and the global sizing decision: two real loadcore processes (the built CLI) load one
// loopback server with a scripted capacity, each writing its live record without a stop of its own;
// the test is the coordinator: it reads both records as they grow, merges them with LiveSizing, and
// stops both by their stop files when loadcore's rule trips on the merged seconds.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  LiveSizing,
  type LoadResults,
  liveStopFile,
  readLiveRecord,
  readResults,
  sizingOptionsOf,
} from "../dist/index.js";
import { scenarioFolder } from "./helpers/scenario-files.js";
import { startCapacityServer } from "./servers/capacity-server.js";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

const SCENARIO = `
import { scenario } from "@sizer/loadcore";
scenario(async function call(session) {
  await session.get(process.env.SERVER_URL + "/work", { expect: 200 });
});
`;

function loadcore(args: readonly string[], env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: "ignore",
    });
    child.on("exit", resolve);
  });
}

function readText(path: string): string {
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}

describe("the live record and a global sizing decision", () => {
  it("refuses --sizing-decision external without --sizing or --live, naming the flag", async () => {
    const folder = scenarioFolder({ "loadtest.ts": SCENARIO });
    expect(() => sizingOptionsOf({ sizingDecision: "external" })).toThrow("sizingDecision needs sizing");
    expect(() => sizingOptionsOf({ sizingDecision: "external", sizing: true })).toThrow(
      "sizingDecision needs live",
    );
    expect(() => sizingOptionsOf({ sizingDecision: "both" as "own" })).toThrow(
      'sizingDecision must be own or external, got "both"',
    );
    const code = await loadcore(
      ["--sizing-decision", "external", "--sizing", "-q", join(folder, "loadtest.ts")],
      { SERVER_URL: "http://127.0.0.1:9" },
    );
    expect(code).toBe(2);
  });

  it("stops two loaders together when the merged error ratio passes the tolerance", async () => {
    const capacity = 16;
    const server = await startCapacityServer({ capacity, holdMs: 40 });
    const folder = scenarioFolder({ "loadtest.ts": SCENARIO });
    const load = { sizingTolerance: 5, sizingWindow: 3, sizingMinSamples: 50 };
    try {
      const loaders = ["a", "b"].map((name) => ({
        name,
        live: join(folder, `${name}.live.ndjson`),
        results: join(folder, `${name}.json`),
        lines: 0,
      }));
      const runs = loaders.map((loader) =>
        loadcore(
          [
            ...["--sizing", "--sizing-decision", "external", "--live", loader.live],
            ...["--workers", "20", "--ramp-up", "20", "--duration", "90"],
            ...["--sizing-tolerance", "5", "--sizing-window", "3", "--sizing-min-samples", "50"],
            ...["-q", "-o", loader.results, join(folder, "loadtest.ts")],
          ],
          { SERVER_URL: server.url },
        ),
      );
      const sizing = new LiveSizing(
        loaders.map((loader) => loader.name),
        sizingOptionsOf(load),
      );
      let ended = false;
      void Promise.all(runs).then(() => {
        ended = true;
      });
      let stop: ReturnType<LiveSizing["decide"]>["stop"];
      const merged: number[] = [];
      while (stop === undefined && !ended) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        for (const loader of loaders) {
          // read as a coordinator does: from the first line it has not read yet
          const rest = readText(loader.live).split("\n").slice(loader.lines).join("\n");
          const record = readLiveRecord(rest, loader.live);
          loader.lines += record.lines;
          sizing.add(loader.name, record);
        }
        const decision = sizing.decide();
        merged.push(...decision.seconds.map((point) => point.workers));
        stop = decision.stop;
      }
      expect(stop?.reason).toBe("error-ratio");
      for (const loader of loaders) writeFileSync(liveStopFile(loader.live), "");
      expect(await Promise.all(runs)).toEqual([0, 0]);

      const results: LoadResults[] = loaders.map((loader) =>
        readResults(readFileSync(loader.results, "utf8"), loader.results),
      );
      for (const result of results) {
        // stopped by the coordinator, as a sizing stop (not interrupted), with no verdict of its own
        expect(result.options.endReason).toBe("sizing");
        expect(result.interrupted).toBe(false);
        expect(result.sizing).toBeUndefined();
        expect(result.options.sizingDecision).toBe("external");
      }
      // the merged seconds count both loaders' workers: more than either ramp alone reached
      expect(Math.max(...merged)).toBeGreaterThan(
        Math.max(...results.map((result) => Math.max(...result.timeline.map((point) => point.workers)))),
      );
      // the global stop came at the merged capacity: below the 40 workers both ramps would reach
      expect(stop?.workers ?? 0).toBeGreaterThan(capacity);
      expect(stop?.workers ?? 0).toBeLessThan(40);
      const verdict = sizing.verdict();
      expect(verdict.reached).toBe(true);
      expect(verdict.stopReason).toBe("error-ratio");
      expect(verdict.healthyWorkers ?? 0).toBeGreaterThanOrEqual(capacity * 0.8);
      expect(verdict.healthyWorkers ?? 0).toBeLessThanOrEqual(capacity * 1.2);
    } finally {
      await server.close();
    }
  }, 120_000);

  it("reads a record in pieces: a line still being written is left for the next read", () => {
    const header = JSON.stringify({
      format: "loadcore-live",
      formatVersion: 1,
      startedAt: new Date(0).toISOString(),
      load: "workers",
      totalWorkers: 2,
    });
    const point = { t: 0, time: 0, workers: 2, ok: 3, failed: 1, requests: 4 };
    const second = JSON.stringify({ point, fullLoad: true, final: false });
    const record = readLiveRecord(`${header}\n${second}\n${second.slice(0, 20)}`, "a.ndjson");
    expect(record.lines).toBe(2);
    expect(record.header?.totalWorkers).toBe(2);
    expect(record.seconds.map((entry) => entry.point.ok)).toEqual([3]);
    expect(() => readLiveRecord('{"format":"loadcore-live","formatVersion":2}\n', "b.ndjson")).toThrow(
      /version 2 is newer/,
    );
    expect(() => readLiveRecord("{not json}\n", "c.ndjson")).toThrow("c.ndjson: line 1 is not JSON");
  });

  it("goes on without a lost loader: its seconds are no longer waited for", () => {
    const sizing = new LiveSizing(["a", "b"], { tolerance: 5, windowSeconds: 2, minSamples: 1 });
    const start = Date.parse("2026-01-01T00:00:00Z");
    const line = (t: number, failed: number) =>
      JSON.stringify({
        point: { t, time: start + t * 1000, workers: 1, ok: 10 - failed, failed, requests: 10 },
        fullLoad: false,
        final: false,
      });
    const header = JSON.stringify({
      format: "loadcore-live",
      formatVersion: 1,
      startedAt: new Date(start).toISOString(),
      load: "workers",
      totalWorkers: 1,
    });
    sizing.add("a", readLiveRecord(`${header}\n${line(0, 0)}\n${line(1, 0)}\n${line(2, 5)}\n`, "a"));
    sizing.add("b", readLiveRecord(`${header}\n${line(0, 0)}\n`, "b"));
    // b closed only its second 0: the merged second 1 waits for it
    expect(sizing.decide().seconds.map((point) => point.workers)).toEqual([2]);
    sizing.lose("b", "its loadcore died");
    const decision = sizing.decide();
    expect(decision.seconds.map((point) => [point.workers, point.failed])).toEqual([
      [1, 0],
      [1, 5],
    ]);
    expect(decision.stop?.reason).toBe("error-ratio");
    expect(sizing.lost).toEqual([{ source: "b", reason: "its loadcore died" }]);
    // a loader gone silent: named once the others are far enough ahead
    const silent = new LiveSizing(["a", "b"], { tolerance: 5, windowSeconds: 2, minSamples: 1000 });
    silent.add("a", readLiveRecord(`${header}\n${line(0, 0)}\n${line(1, 0)}\n${line(2, 0)}\n`, "a"));
    silent.add("b", readLiveRecord(`${header}\n${line(0, 0)}\n`, "b"));
    silent.decide();
    expect(silent.behind(3)).toEqual([]);
    expect(silent.behind(2)).toEqual(["b"]);
  });
});
