import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildReport } from "../src/build-report.js";
import { parseMetrics, readMetricsFile } from "../src/inputs/read-metrics.js";
import { syntheticRun, toMetricsCsv, toMetricsNdjson } from "./helpers/synthetic-run.js";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));

describe("metrics CSV", () => {
  it("reads metadata, samples, absent cells and notes", () => {
    const metrics = parseMetrics(
      [
        "# format: sizer-metrics",
        "# formatVersion: 1",
        "# source: native",
        "# sourceVersion: 0.1.0",
        "# host: node-1",
        "# intervalSeconds: 1",
        "# pid: 1234",
        "time,host.cpu.percent,process.cpu.percent",
        "1795676400000,53.2,97.5",
        "1795676401000,,99",
        "# note 1795676401500: pid 1234 exited",
        "",
      ].join("\n"),
    );
    expect(metrics.meta).toMatchObject({ source: "native", host: "node-1", intervalSeconds: 1, pid: 1234 });
    expect(metrics.times).toEqual([1795676400000, 1795676401000]);
    expect(Array.from(metrics.series.get("host.cpu.percent") ?? [])).toEqual([53.2, Number.NaN]);
    expect(metrics.notes).toEqual([{ time: 1795676401500, message: "pid 1234 exited" }]);
  });

  it("accepts a new header that adds columns, padding earlier samples as absent", () => {
    const metrics = parseMetrics(
      [
        "# format: sizer-metrics",
        "# formatVersion: 1",
        "time,host.cpu.percent",
        "1000,10",
        "time,host.cpu.percent,container.db.cpu.percent",
        "2000,20,150",
      ].join("\n"),
    );
    expect(Array.from(metrics.series.get("container.db.cpu.percent") ?? [])).toEqual([Number.NaN, 150]);
  });

  it("rejects bad input with the file and line", () => {
    expect(() => parseMetrics("# format: sizer-metrics\ntime,host.cpu.percent\n1000,ten\n", "m.csv")).toThrow(
      'm.csv: line 3: host.cpu.percent must be a number, got "ten"',
    );
    expect(() => parseMetrics("# format: sizer-metrics\ntime,a\n1000,1,2\n", "m.csv")).toThrow(
      "line 3: 3 cells but the header has 2 columns",
    );
    expect(() => parseMetrics("# format: sizer-metrics\n1000,1\n", "m.csv")).toThrow(
      "line 2: a data row before the 'time,...' header",
    );
    expect(() => parseMetrics("# format: sizer-metrics\n# formatVersion: 2\ntime,a\n", "m.csv")).toThrow(
      /formatVersion 2 is newer/,
    );
    expect(() => parseMetrics("# format: other\ntime,a\n", "m.csv")).toThrow("not a sizer-metrics file");
    expect(() => parseMetrics("time,host.cpu.<script>\n", "m.csv")).toThrow("invalid metric name");
  });

  it("round-trips a synthetic run in CSV and NDJSON alike", () => {
    const { metrics } = syntheticRun({ kind: "memory", seconds: 20 });
    const fromCsv = parseMetrics(toMetricsCsv(metrics));
    const fromNdjson = parseMetrics(toMetricsNdjson(metrics));
    expect([...fromCsv.series.keys()]).toEqual([...metrics.series.keys()]);
    expect([...fromNdjson.series.keys()]).toEqual([...metrics.series.keys()]);
    const usage = Array.from(metrics.series.get("container.svc.mem.usage") ?? []);
    expect(Array.from(fromNdjson.series.get("container.svc.mem.usage") ?? [])).toEqual(usage);
    expect(fromNdjson.notes).toEqual(metrics.notes);
    expect(fromNdjson.descriptors.length).toBe(metrics.series.size);
  });
});

describe("metrics NDJSON", () => {
  it("requires the meta line first and numbers as values", () => {
    expect(() => parseMetrics('{"type":"sample","time":1,"values":{}}\n', "m.ndjson")).toThrow(
      "line 1: the first line must be",
    );
    const meta = '{"type":"meta","format":"sizer-metrics","formatVersion":1}';
    expect(() =>
      parseMetrics(`${meta}\n{"type":"sample","time":1,"values":{"host.cpu.percent":"high"}}\n`, "m.ndjson"),
    ).toThrow('line 2: host.cpu.percent must be a number, got "high"');
    expect(() => parseMetrics(`${meta}\n{oops\n`, "m.ndjson")).toThrow("line 2: not valid JSON");
  });
});

describe("raw Glances CSV", () => {
  it.each([
    ["glances-3.3.1-host.csv", "2.x-3.x"],
    ["glances-4.5.6-host.csv", "4.3.2+"],
  ])("converts %s into sizer metrics", async (file, version) => {
    const metrics = await readMetricsFile(join(fixtures, file));
    expect(metrics.meta).toMatchObject({
      source: "glances-csv",
      sourceVersion: version,
      host: "vm",
      intervalSeconds: 1,
    });
    expect(metrics.times).toHaveLength(24);
    expect(metrics.series.get("host.cpu.count")?.[0]).toBe(2);
    const cpu = Array.from(metrics.series.get("host.cpu.percent") ?? []);
    // The recorded run put the host under load for about ten seconds: the conversion must show it.
    expect(Math.max(...cpu.slice(4, 16))).toBeGreaterThan(90);
    expect(Math.min(...cpu.slice(20))).toBeLessThan(10);
    // Loopback traffic is a rate in bytes per second, not a cumulative counter.
    // (Glances 4 writes 0 for the first update's rates: absent, as the collector reads them.)
    const loopback = Array.from(metrics.series.get("host.net.lo.rx_bytes") ?? []).filter(Number.isFinite);
    expect(Math.max(...loopback)).toBeGreaterThan(10_000_000);
    expect(Math.max(...loopback)).toBeLessThan(100_000_000);
    expect(metrics.series.get("host.mem.total")?.[0]).toBe(25276063744);
  });

  it("refuses a CSV that is neither a sizer nor a Glances one", async () => {
    await expect(readMetricsFile(join(fixtures, "..", "read-metrics.test.ts"))).rejects.toThrow(
      /read-metrics\.test\.ts: line 1/,
    );
  });
});

describe("a metrics file without samples", () => {
  it("reads the metadata of a recording stopped before its first sample as zero samples", () => {
    const metadataOnly = "# format: sizer-metrics\n# formatVersion: 1\n# source: native\n";
    const data = parseMetrics(metadataOnly, "metrics.csv");
    expect(data.times).toEqual([]);
    expect(data.meta.source).toBe("native");
    // Without even the metadata it is not a metrics file.
    expect(() => parseMetrics("hello\n", "notes.csv")).toThrow("notes.csv: line 1: not a sizer-metrics file");
    expect(() => parseMetrics("# just a comment\n", "notes.csv")).toThrow(
      "notes.csv: not a sizer-metrics file",
    );
  });

  it("gives the report no metrics rather than empty ones", async () => {
    const run = syntheticRun({ kind: "cpu", seconds: 30 });
    const { analysis } = await buildReport({
      results: run.results,
      metrics: parseMetrics("# format: sizer-metrics\n# formatVersion: 1\n", "metrics.csv"),
      outDir: mkdtempSync(join(tmpdir(), "sizer-report-empty-metrics-")),
      generatedAt: "2026-11-26T07:00:00Z",
    });
    expect(analysis.trust.warnings.join(" ")).toContain("No resource metrics were given");
    expect(analysis.trust.warnings.join(" ")).not.toContain("do not overlap");
  });
});

describe("one reader per format: the report reads through the collector", () => {
  it("reads a Glances 3.x host CPU as the collector does (fresh per-state fields, not the 3 s cached total)", async () => {
    const { parseGlancesCsv } = await import("@sizer/glances-collector");
    const { readFileSync } = await import("node:fs");
    const path = join(fixtures, "glances-3.3.1-host.csv");
    const collector = parseGlancesCsv(readFileSync(path, "utf8"), { sourceName: path });
    const report = await readMetricsFile(path);
    const fromCollector = collector.samples.map((sample) => sample.values["host.cpu.percent"] ?? Number.NaN);
    expect(report.times).toEqual(collector.samples.map((sample) => sample.time));
    expect(Array.from(report.series.get("host.cpu.percent") ?? [])).toEqual(fromCollector);
  });

  it("keeps the NDJSON metadata's extra object as its keys, not as [object Object]", () => {
    const meta = JSON.stringify({
      type: "meta",
      format: "sizer-metrics",
      formatVersion: 1,
      source: "glances-csv",
      extra: { convertedFrom: "glances.csv", run: "nightly" },
    });
    const metrics = parseMetrics(
      `${meta}\n{"type":"sample","time":1000,"values":{"host.load.1":1}}\n`,
      "m.ndjson",
    );
    expect(metrics.meta.extra).toEqual({ convertedFrom: "glances.csv", run: "nightly" });
  });
});
