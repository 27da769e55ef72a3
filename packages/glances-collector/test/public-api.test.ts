import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as api from "../src/index.js";

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
      "PidNotFoundError",
    ]) {
      expect(api, name).toHaveProperty(name);
    }
  });

  it("reports this package's version from package.json", () => {
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect(api.COLLECTOR_VERSION).toBe(manifest.version);
  });
});
