import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./cli-run.js";
import { fixture, temporaryFolder } from "./helpers.js";

const folder = temporaryFolder();
afterAll(() => folder.remove());

/** A short sizing of the strict-router service with the path scenario. */
function strictRun(out: string, scenarioPath: string, extra: string[] = []) {
  return runCli(
    [
      "run",
      "--service-cmd",
      `node ${fixture("strict-server.mjs")}`,
      "--scenario",
      fixture("path-scenario.ts"),
      "--workers",
      "2",
      "--ramp-up",
      "1",
      "--sizing-window",
      "2",
      "--duration",
      "5",
      "--out",
      out,
      ...extra,
    ],
    { env: { SCENARIO_PATH: scenarioPath } },
  );
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

describe("sizer run: what the scenario reaches", () => {
  it("gives SERVER_URL without a trailing slash: SERVER_URL + '/records' asks for /records", {
    timeout: 120_000,
  }, async () => {
    const out = join(folder.path, "records");
    const outcome = await strictRun(out, "/records", ["--json"]);
    expect(outcome.stderr).not.toContain("sizer:");
    expect(outcome.code).toBe(0);
    const serverUrl = outcome.events.find((event) => event.event === "phase" && event.phase === "warming-up")
      ?.detail as string;
    expect(serverUrl).toMatch(/SERVER_URL=http:\/\/127\.0\.0\.1:\d+$/);
    const results = readJson<{ ok: number; failed: number; statusCodes: Record<string, number> }>(
      join(out, "results.json"),
    );
    expect(results.failed).toBe(0);
    expect(results.ok).toBeGreaterThan(0);
    expect(Object.keys(results.statusCodes)).toEqual(["200"]);
  });

  it("exits 3 with the answers when no scenario run succeeded, after writing every file", {
    timeout: 120_000,
  }, async () => {
    const out = join(folder.path, "all-404");
    const outcome = await strictRun(out, "/missing", ["--quiet"]);
    expect(outcome.code).toBe(3);
    expect(outcome.stdout).toBe("");
    const results = readJson<{ ok: number; failed: number; statusCodes: Record<string, number> }>(
      join(out, "results.json"),
    );
    expect(results.ok).toBe(0);
    expect(Object.keys(results.statusCodes)).toEqual(["404"]);
    const answers = (results.statusCodes["404"] as number).toLocaleString("en-US");
    const failed = results.failed.toLocaleString("en-US");
    expect(outcome.stderr).toMatch(
      new RegExp(
        `^sizer: no scenario run succeeded: all ${failed} failed \\(assertion ${failed}\\); the target answered but every scenario failed: all ${answers} answers were 404: check the scenario's URLs \\(SERVER_URL=http://127\\.0\\.0\\.1:\\d+\\)\\n`,
        "m",
      ),
    );
    expect(outcome.stderr).toContain(`the results and the report are in ${out}`);
    for (const file of ["results.json", "metrics.csv", "report.html", "summary.json", "summary.md"])
      expect(existsSync(join(out, file)), file).toBe(true);
    expect(readJson<{ status: string; error: { code: string } }>(join(out, "command.json"))).toMatchObject({
      status: "complete",
      error: { code: "ERR_SIZER_NO_SUCCESS" },
    });

    const json = await strictRun(join(folder.path, "all-404-json"), "/missing", ["--json"]);
    expect(json.code).toBe(3);
    const verdict = json.events.find((event) => event.event === "verdict");
    expect(verdict).toMatchObject({
      status: "complete",
      error: { code: "ERR_SIZER_NO_SUCCESS", message: expect.stringMatching(/answers were 404/) },
    });
  });
});
