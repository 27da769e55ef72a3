import { describe, expect, it } from "vitest";
import { parseRunCommandLine } from "../src/cli/cli-arguments.js";
import { parseMolotovConfig, testToRunOptions } from "../src/options/molotov-config.js";
import {
  checkRunOptions,
  RunOptionError,
  resolveRunOptions,
  unsetScenarioVariables,
} from "../src/options/run-options.js";

function rejection(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("one validator of the run options, in the library", () => {
  it("names the option, not a flag, and what it must be", () => {
    const error = rejection(() => resolveRunOptions({ scenarioFile: "loadtest.ts", sizingTolerance: 100 }));
    expect(error).toBeInstanceOf(RunOptionError);
    expect(error).toMatchObject({
      code: "ERR_LOADCORE_USAGE",
      option: "sizingTolerance",
      received: 100,
      message: "sizingTolerance must be a percentage in [0, 100), got 100",
    });
    expect(() => checkRunOptions({ sizingTolerance: 0 })).not.toThrow();
    expect(() => checkRunOptions({ sizingWindow: 0 })).toThrow("sizingWindow must be an integer");
    expect(() => checkRunOptions({ quiet: true, verbose: 1 })).toThrow(
      "quiet and verbose cannot be used together",
    );
  });

  it("is what the command line and a molotov.json go through, each naming the option its own way", () => {
    expect(() =>
      parseRunCommandLine(["--sizing-tolerance", "100"], { flags: {}, runOptions: ["sizingTolerance"] }),
    ).toThrow("--sizing-tolerance must be a percentage in [0, 100), got 100");
    expect(() => parseRunCommandLine(["-q", "-v"], { flags: {} })).toThrow(
      "--quiet and --verbose cannot be used together",
    );
    const config = parseMolotovConfig({ molotov: { tests: { smoke: { sizing_tolerance: 100 } } } }, "c.json");
    expect(() => testToRunOptions(config, "smoke", "/repo")).toThrow(
      "molotov.tests.smoke.sizing_tolerance must be a percentage in [0, 100), got 100",
    );
  });

  it("refuses a single-valued flag given twice instead of keeping the last one", () => {
    expect(() =>
      parseRunCommandLine(["--sizing-latency", "p95=500", "--sizing-latency", "p99=900"], { flags: {} }),
    ).toThrow("--sizing-latency is given twice");
    expect(
      parseRunCommandLine(["-vv", "--use-extension", "a.ts", "--use-extension", "b.ts"], { flags: {} })
        .options,
    ).toEqual({
      verbose: 2,
      useExtension: ["a.ts", "b.ts"],
    });
  });
});

describe("a scenario that reads a variable nobody set", () => {
  it("is named, unless the scenario has a fallback or the variable is set", () => {
    const source = `
const base = process.env.SERVER_URL;
const token = process.env["API_TOKEN"] ?? "none";
const other = process.env.OTHER || "x";
await session.get(process.env.SERVER_URL + "/");`;
    expect(unsetScenarioVariables(source, {})).toEqual(["SERVER_URL"]);
    expect(unsetScenarioVariables(source, { SERVER_URL: "http://127.0.0.1:1" })).toEqual([]);
  });
});
