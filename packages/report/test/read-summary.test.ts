import { describe, expect, it } from "vitest";
import { analyze } from "../src/analyze.js";
import { parseSummary } from "../src/inputs/read-summary.js";
import { buildSummaryJson } from "../src/render-summary.js";
import { syntheticRun } from "./helpers/synthetic-run.js";

describe("summary.json: written by buildSummaryJson, read by parseSummary", () => {
  it("reads what the report writes, keeps keys a newer report adds, refuses a newer version", () => {
    const run = syntheticRun({ kind: "cpu", seconds: 30 });
    const analysis = analyze({ results: run.results, metrics: run.metrics });
    const written = JSON.parse(
      JSON.stringify(
        buildSummaryJson({ results: run.results, analysis, generatedAt: "2026-11-26T07:00:00Z" }),
      ),
    );
    const read = parseSummary({ ...written, addedLater: 1 }, "summary.json");
    expect(read.analysis.headline).toBe(analysis.headline);
    expect(read).toMatchObject({ addedLater: 1 });
    expect(() => parseSummary({ ...written, formatVersion: 2 }, "summary.json")).toThrow(
      "summary.json: sizer-report-summary formatVersion 2 is newer",
    );
    expect(() => parseSummary({ ...written, analysis: undefined }, "summary.json")).toThrow(
      "summary.json: analysis: expected an object",
    );
  });
});
