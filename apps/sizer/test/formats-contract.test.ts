import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { runLoad } from "@sizer/loadcore";
import { readResultsFile } from "@sizer/report";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rebuildReport } from "../src/rebuild-report.js";
import { hostFacts, parseRunRecord, type RunRecord, versions, writeRunRecord } from "../src/run-record.js";
import { fixture, temporaryFolder } from "./helpers.js";

const folder = temporaryFolder("sizer-contract-");
const server = createServer((_request, response) => response.end("ok"));
let url = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  folder.remove();
});

// The contracts of docs/formats.md across package lines: what loadcore writes (results.json) and
// what sizer writes (command.json) are read back by `sizer report DIR` and by @sizer/report.
describe("results.json and command.json, written by their producers, read by their consumers", () => {
  it("sizer report DIR and sizer-report read loadcore's results the same, and the run record's status", async () => {
    const results = await runLoad({
      scenarioFile: fixture("hello.ts"),
      workers: 1,
      maxRuns: 3,
      env: { SERVER_URL: url },
      output: join(folder.path, "results.json"),
      stdout: { write: () => true } as never,
      summary: false,
      quiet: true,
    });
    expect(results.ok).toBe(3);
    const record: RunRecord = {
      format: "sizer-run",
      formatVersion: 1,
      argv: ["sizer", "run", "--scenario", "hello.ts"],
      cwd: folder.path,
      startedAt: results.startedAt,
      endedAt: results.endedAt,
      status: "interrupted",
      scenario: { kind: "file" },
      load: {},
      collector: "native",
      versions: versions(),
      host: hostFacts(),
    };
    await writeRunRecord(folder.path, record);

    const fromReport = await readResultsFile(join(folder.path, "results.json"));
    expect(fromReport).toEqual(JSON.parse(JSON.stringify(results)));
    const rebuilt = await rebuildReport(folder.path);
    // command.json's status reached the report: an interrupted run is partial.
    expect(rebuilt.partial).toBe(true);
    expect(rebuilt.analysis.headline).toBeTruthy();
  });

  it("keeps what a newer sizer adds to command.json and refuses a newer major version", () => {
    const newer = { format: "sizer-run", formatVersion: 1, status: "complete", addedLater: { x: 1 } };
    expect(parseRunRecord(newer, "command.json")).toMatchObject({ addedLater: { x: 1 } });
    expect(() => parseRunRecord({ ...newer, formatVersion: 2 }, "command.json")).toThrow(
      "command.json: formatVersion 2 is newer than this sizer reads",
    );
    expect(() => parseRunRecord({ argv: "sizer run" }, "command.json")).toThrow(
      "command.json: argv: expected an array of strings",
    );
  });
});
