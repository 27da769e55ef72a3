import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as loadcore from "../src/index.js";

// The public API is what src/index.ts exports at run time; the README documents each name of it.
const PUBLIC_API = [
  "ConfigError",
  "EXIT_CODES",
  "FixtureError",
  "HttpResponse",
  "LiveSizing",
  "LoadcoreError",
  "NoScenarioError",
  "OUTCOME_EXIT_CODE",
  "OutputError",
  "RESULTS_FORMAT_VERSION",
  "RUN_DEFAULTS",
  "RUN_OPTION_FLAGS",
  "RegistrationError",
  "ResponseStatusError",
  "ResultsFormatError",
  "RunOptionError",
  "ScenarioLoadError",
  "ScenarioNotFoundError",
  "Session",
  "UnknownScenarioError",
  "UsageError",
  "VERSION",
  "checkRunOptions",
  "events",
  "expectStatus",
  "getContext",
  "getVar",
  "globalSetup",
  "globalTeardown",
  "jsonRequest",
  "liveStopFile",
  "loadcoreExitCode",
  "mergeResults",
  "noSuccessMessage",
  "parseRampRate",
  "parseResults",
  "parseRunCommandLine",
  "readLiveRecord",
  "readMolotovConfig",
  "readResults",
  "request",
  "runLoad",
  "runOutcome",
  "scenario",
  "scenarioPicker",
  "setVar",
  "setup",
  "setupSession",
  "sizingOptionsOf",
  "teardown",
  "teardownSession",
  "testToRunOptions",
  "unsetScenarioVariables",
];

describe("the public API", () => {
  it("exports exactly the names listed here (a new export is a decision: add it here and to the README)", () => {
    expect(Object.keys(loadcore).sort()).toEqual([...PUBLIC_API].sort());
  });

  it("documents every export in the README", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const undocumented = PUBLIC_API.filter((name) => !new RegExp(`\\b${name}\\b`).test(readme));
    expect(undocumented).toEqual([]);
  });
});
