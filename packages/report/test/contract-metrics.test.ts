import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMetricsWriter } from "@sizer/glances-collector";
import { afterAll, describe, expect, it } from "vitest";
import { readMetricsFile } from "../src/inputs/read-metrics.js";

const directory = mkdtempSync(join(tmpdir(), "report-contract-metrics-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

// The contract between the packages: what the collector's writers write, the report reads whole.
describe.each(["metrics.csv", "metrics.ndjson"])("collector writes %s, the report reads it", (name) => {
  it("keeps every sample, absent value, note and metadata key", async () => {
    const path = join(directory, name);
    const writer = createMetricsWriter(path, {
      source: "native",
      sourceVersion: "0.1.0",
      host: "node-1",
      intervalSeconds: 1,
      pid: 4321,
      extra: { convertedFrom: "glances.csv" },
    });
    await writer.writeSample({ time: 1000, values: { "host.cpu.percent": 12.5, "process.rss": 2048 } });
    await writer.writeNote({ time: 1500, message: "pid 4321 exited; process metrics end here" });
    await writer.writeSample({ time: 2000, values: { "host.cpu.percent": 80, "container.db.mem.usage": 7 } });
    await writer.close();

    const metrics = await readMetricsFile(path);
    expect(metrics.meta).toEqual({
      format: "sizer-metrics",
      formatVersion: 1,
      source: "native",
      sourceVersion: "0.1.0",
      host: "node-1",
      intervalSeconds: 1,
      pid: 4321,
      extra: { convertedFrom: "glances.csv" },
    });
    expect(metrics.times).toEqual([1000, 2000]);
    expect(Array.from(metrics.series.get("host.cpu.percent") ?? [])).toEqual([12.5, 80]);
    expect(Array.from(metrics.series.get("process.rss") ?? [])).toEqual([2048, Number.NaN]);
    expect(Array.from(metrics.series.get("container.db.mem.usage") ?? [])).toEqual([Number.NaN, 7]);
    expect(metrics.notes).toEqual([{ time: 1500, message: "pid 4321 exited; process metrics end here" }]);
  });
});
