import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertGlancesCsv } from "../src/convert.js";
import { readMetricsFile } from "../src/metrics-reader.js";
import { createMetricsWriter, MetricsCsvWriter, MetricsNdjsonWriter } from "../src/metrics-writer.js";

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "metrics-file-test-"));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const META = { source: "native", sourceVersion: "0.1.0", host: "node-1", intervalSeconds: 1, pid: 1234 };

describe("metrics CSV", () => {
  it("writes metadata, a header, rows, a new header when metrics appear, and notes", async () => {
    const path = join(directory, "a.csv");
    const writer = new MetricsCsvWriter(path, META);
    await writer.writeSample({
      time: 1000,
      values: { "host.cpu.percent": 53.25, "host.mem.used": 1203847168 },
    });
    await writer.writeNote({ time: 1500, message: "pid 1234 exited; process metrics end here" });
    await writer.writeSample({
      time: 2000,
      values: { "host.mem.used": 1203847169, "process.cpu.percent": 97.5 },
    });
    await writer.close();
    const text = await readFile(path, "utf8");
    expect(text).toBe(
      [
        "# format: sizer-metrics",
        "# formatVersion: 1",
        "# source: native",
        "# sourceVersion: 0.1.0",
        "# host: node-1",
        "# intervalSeconds: 1",
        "# pid: 1234",
        "time,host.cpu.percent,host.mem.used",
        "1000,53.25,1203847168",
        "# note 1500: pid 1234 exited; process metrics end here",
        "time,host.cpu.percent,host.mem.used,process.cpu.percent",
        "2000,,1203847169,97.5",
        "",
      ].join("\n"),
    );
    const file = await readMetricsFile(path);
    expect(file.meta).toMatchObject({
      format: "sizer-metrics",
      formatVersion: 1,
      source: "native",
      host: "node-1",
      pid: 1234,
    });
    expect(file.samples).toEqual([
      { time: 1000, values: { "host.cpu.percent": 53.25, "host.mem.used": 1203847168 } },
      { time: 2000, values: { "host.mem.used": 1203847169, "process.cpu.percent": 97.5 } },
    ]);
    expect(file.notes).toEqual([{ time: 1500, message: "pid 1234 exited; process metrics end here" }]);
    expect(file.metrics.map((metric) => [metric.name, metric.unit, metric.kind])).toEqual([
      ["host.cpu.percent", "percent", "gauge"],
      ["host.mem.used", "bytes", "gauge"],
      ["process.cpu.percent", "percent", "gauge"],
    ]);
  });

  it("keeps every sample written before a stop without close", async () => {
    const path = join(directory, "b.csv");
    const writer = createMetricsWriter(path, META);
    for (let index = 0; index < 5; index++)
      await writer.writeSample({ time: index, values: { "host.load.1": index } });
    await writer.flush();
    const file = await readMetricsFile(path);
    expect(file.samples.map((sample) => sample.values["host.load.1"])).toEqual([0, 1, 2, 3, 4]);
    await writer.close();
  });
});

describe("metrics NDJSON", () => {
  it("round-trips meta, samples and notes", async () => {
    const path = join(directory, "a.ndjson");
    const writer = createMetricsWriter(path, META);
    expect(writer).toBeInstanceOf(MetricsNdjsonWriter);
    await writer.writeSample({ time: 1000, values: { "host.net.lo.rx_bytes": 10.5 } });
    await writer.writeNote({ time: 1100, message: "hello" });
    await writer.writeSample({
      time: 2000,
      values: { "host.net.lo.rx_bytes": 11, "container.web.mem.usage": 5 },
    });
    await writer.close();
    const lines = (await readFile(path, "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines[0]).toMatchObject({
      type: "meta",
      format: "sizer-metrics",
      formatVersion: 1,
      metrics: [{ name: "host.net.lo.rx_bytes", unit: "bytes/s", kind: "rate" }],
    });
    const file = await readMetricsFile(path);
    expect(file.samples).toHaveLength(2);
    expect(file.notes).toEqual([{ time: 1100, message: "hello" }]);
    expect(file.metrics.map((metric) => metric.name)).toEqual([
      "host.net.lo.rx_bytes",
      "container.web.mem.usage",
    ]);
  });
});

describe("metrics reader errors", () => {
  it("refuses a newer major version, naming the file and the version", async () => {
    const path = join(directory, "future.csv");
    await writeFile(path, "# format: sizer-metrics\n# formatVersion: 2\ntime,host.load.1\n1,1\n");
    await expect(readMetricsFile(path)).rejects.toMatchObject({
      code: "ERR_COLLECTOR_UNSUPPORTED_VERSION",
      message: expect.stringContaining(`${path}: sizer-metrics formatVersion 2`),
    });
    const ndjson = join(directory, "future.ndjson");
    await writeFile(ndjson, '{"type":"meta","format":"sizer-metrics","formatVersion":3}\n');
    await expect(readMetricsFile(ndjson)).rejects.toMatchObject({
      code: "ERR_COLLECTOR_UNSUPPORTED_VERSION",
    });
  });

  it("refuses other formats and bad cells with the line number", async () => {
    const other = join(directory, "other.csv");
    await writeFile(other, "a,b\n1,2\n");
    await expect(readMetricsFile(other)).rejects.toMatchObject({ code: "ERR_COLLECTOR_FORMAT" });
    const bad = join(directory, "bad.csv");
    await writeFile(bad, "# format: sizer-metrics\n# formatVersion: 1\ntime,host.load.1\n1,abc\n");
    await expect(readMetricsFile(bad)).rejects.toThrow(/line 4: host.load.1 must be a number, got "abc"/);
    await expect(readMetricsFile(join(directory, "missing.csv"))).rejects.toMatchObject({
      code: "ERR_COLLECTOR_FILE_NOT_FOUND",
    });
  });
});

describe("convertGlancesCsv", () => {
  it("converts the 4.5 fixture into a metrics file with the same values", async () => {
    const output = join(directory, "converted.csv");
    const result = await convertGlancesCsv(
      join(dirname(fileURLToPath(import.meta.url)), "fixtures", "glances-4.5.6-host.csv"),
      output,
    );
    expect(result).toMatchObject({ scheme: "4.3.2+", samples: 24 });
    const file = await readMetricsFile(output);
    expect(file.meta).toMatchObject({
      source: "glances-csv",
      sourceVersion: "4.3.2+",
      host: "vm",
      intervalSeconds: 1,
    });
    expect(file.samples).toHaveLength(24);
    expect(file.samples[9]?.values["host.disk.vda.write_bytes"]).toBe(8557665);
    expect(file.samples[0]?.values["host.disk.vda.write_bytes"]).toBeUndefined();
  });
});
