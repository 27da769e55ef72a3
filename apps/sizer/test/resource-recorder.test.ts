// The recorder pairs a live figure with the second it describes, not with whatever sample came last.
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ResourceRecorder } from "../src/resource-recorder.js";
import { temporaryFolder } from "./helpers.js";

const folder = temporaryFolder();
afterAll(() => folder.remove());

describe("ResourceRecorder.valueAt", () => {
  it("gives the metric of the sample nearest to a time, within a second, and nothing farther", async () => {
    const recorder = await ResourceRecorder.start({
      source: "native",
      pid: process.pid,
      intervalSeconds: 0.2,
      file: join(folder.path, "metrics.csv"),
    });
    try {
      while (recorder.samples < 6) await new Promise((resolve) => setTimeout(resolve, 100));
      const latest = recorder.latest;
      if (!latest) throw new Error("no sample");
      const earlier = latest.time - 800;
      const atEarlier = recorder.valueAt("host.cpu.count", earlier);
      expect(atEarlier).toBe(latest.values["host.cpu.count"]);
      // The process's memory at the latest sample's own time is that sample's.
      expect(recorder.valueAt("process.rss", latest.time)).toBe(latest.values["process.rss"]);
      expect(recorder.valueAt("process.rss", latest.time + 5000)).toBeUndefined();
    } finally {
      await recorder.stop();
    }
  });
});
