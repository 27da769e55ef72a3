import { readFileSync } from "node:fs";
import { join } from "node:path";
import { publicExports } from "@sizer/test-utils";
import { describe, expect, it } from "vitest";
import * as api from "../src/index.js";
import { COLLECTOR_VERSION } from "../src/metric-sample.js";

/** What the built entry exports: a change here is a change of the public API (README, changeset). */
const EXPORTS = [
  "CollectorError",
  "FormatError",
  "GlancesCsvConverter",
  "METRICS_FORMAT_VERSION",
  "MetricsCsvWriter",
  "MetricsNdjsonWriter",
  "UnsupportedVersionError",
  "convertGlancesCsv",
  "createCollector",
  "createMetricsWriter",
  "describeMetric",
  "metricCatalogue",
  "parseGlancesCsv",
  "parseMetrics",
  "readGlancesCsv",
  "readMetricsFile",
  "systemClock",
];

describe("public API", () => {
  it("exports what the sizer CLI and the report call", () => {
    for (const name of [
      "createCollector",
      "MetricsCsvWriter",
      "MetricsNdjsonWriter",
      "readMetricsFile",
      "convertGlancesCsv",
      "readGlancesCsv",
      "metricCatalogue",
      "describeMetric",
      "CollectorError",
    ]) {
      expect(api, name).toHaveProperty(name);
    }
  });

  it("knows this package's version from package.json (--version prints it)", () => {
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect(COLLECTOR_VERSION).toBe(manifest.version);
  });
});

describe("the public API, as built", () => {
  it("is the built entry's runtime exports, each one documented in the README", async () => {
    const { names, undocumented } = await publicExports(join(import.meta.dirname, ".."));
    expect(names).toEqual(EXPORTS);
    expect(undocumented).toEqual([]);
  });
});
