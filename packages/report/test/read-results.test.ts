import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ReportInputError } from "../src/errors.js";
import { parseResults, readResultsFile } from "../src/inputs/read-results.js";
import { syntheticRun } from "./helpers/synthetic-run.js";

const directory = mkdtempSync(join(tmpdir(), "sizer-report-results-"));

function writeJson(name: string, value: unknown): string {
  const path = join(directory, name);
  writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value));
  return path;
}

async function rejection(promise: Promise<unknown>): Promise<ReportInputError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ReportInputError);
  return error as ReportInputError;
}

describe("readResultsFile", () => {
  it("reads a loadcore-results v1 file", async () => {
    const { results } = syntheticRun({ kind: "cpu", seconds: 30 });
    const read = await readResultsFile(writeJson("ok.json", results));
    expect(read.timeline).toHaveLength(30);
    expect(read.sizing?.stopReason).toBe(results.sizing?.stopReason);
  });

  it("names the file when it does not exist", async () => {
    const error = await rejection(readResultsFile(join(directory, "missing.json")));
    expect(error.code).toBe("ERR_REPORT_INPUT_NOT_FOUND");
    expect(error.message).toContain("missing.json");
    expect(error.message).toContain("no such file");
  });

  it("refuses a file that is not JSON", async () => {
    const error = await rejection(readResultsFile(writeJson("broken.json", "{ not json")));
    expect(error.code).toBe("ERR_REPORT_INPUT_INVALID");
    expect(error.message).toMatch(/broken\.json: not valid JSON/);
  });

  it("refuses another format and a newer major version", async () => {
    const { results } = syntheticRun({ kind: "cpu", seconds: 5 });
    const other = await rejection(
      readResultsFile(writeJson("other.json", { ...results, format: "k6-summary" })),
    );
    expect(other.message).toContain('field "format" must be "loadcore-results", got "k6-summary"');
    const newer = await rejection(readResultsFile(writeJson("newer.json", { ...results, formatVersion: 2 })));
    expect(newer.code).toBe("ERR_REPORT_INPUT_VERSION");
    expect(newer.message).toContain("formatVersion 2 is newer");
  });

  it("names the field at fault", () => {
    const { results } = syntheticRun({ kind: "cpu", seconds: 5 });
    const broken = structuredClone(results) as unknown as { timeline: Array<Record<string, unknown>> };
    (broken.timeline[3] as Record<string, unknown>).workers = "many";
    expect(() => parseResults(broken, "run.json")).toThrow(
      'run.json: field "timeline[3].workers" must be a number, got "many"',
    );
    expect(() => parseResults({ ...results, startedAt: "yesterday" }, "run.json")).toThrow(
      'field "startedAt" must be an ISO 8601 time',
    );
    expect(() =>
      parseResults({ ...results, scenarios: [{ name: 3, ok: 1, failed: 0 }] }, "run.json"),
    ).toThrow('field "scenarios[0].name" must be a string');
  });

  it("reads the generator's RSS when present, and older files without it", () => {
    const { results } = syntheticRun({ kind: "cpu", seconds: 5 });
    expect(parseResults(results, "run.json").timeline[2]?.generatorRssBytes).toBe(
      results.timeline[2]?.generatorRssBytes,
    );
    const older = structuredClone(results);
    for (const entry of older.timeline) delete entry.generatorRssBytes;
    expect(parseResults(older, "old.json").timeline.every((entry) => !("generatorRssBytes" in entry))).toBe(
      true,
    );
  });

  it.each([
    [-1, "a number of bytes >= 0, got -1"],
    ["93 MB", 'a number, got "93 MB"'],
    [null, "a number, got null"],
  ])("refuses a generator RSS of %j", (value, shown) => {
    const { results } = syntheticRun({ kind: "cpu", seconds: 5 });
    const broken = structuredClone(results) as unknown as { timeline: Array<Record<string, unknown>> };
    (broken.timeline[1] as Record<string, unknown>).generatorRssBytes = value;
    expect(() => parseResults(broken, "run.json")).toThrow(
      `run.json: field "timeline[1].generatorRssBytes" must be ${shown}`,
    );
  });
});
