import { readFileSync } from "node:fs";
import { join } from "node:path";
import { publicExports } from "@sizer/test-utils";
import { describe, expect, it } from "vitest";
import * as api from "../dist/index.js";

/** What the built entry exports: a change here is a change of the public API (README, changeset). */
const EXPORTS = [
  "CommandLineError",
  "CpuPinningError",
  "DEFAULT_KILL_GRACE_MS",
  "DEFAULT_MAX_OUTPUT_CHARACTERS",
  "EXIT_CODES",
  "describeExit",
  "endProcessGroup",
  "formatCpuList",
  "groupAlive",
  "hasTaskset",
  "pinRunningProcess",
  "pinnedArgv",
  "runCommand",
  "splitCommandLine",
  "startProcess",
];

describe("public API", () => {
  it("is exactly what the README documents", () => {
    const exported = Object.keys(api).sort();
    expect(exported).toEqual([
      "CommandLineError",
      "CpuPinningError",
      "DEFAULT_KILL_GRACE_MS",
      "DEFAULT_MAX_OUTPUT_CHARACTERS",
      "EXIT_CODES",
      "describeExit",
      "endProcessGroup",
      "formatCpuList",
      "groupAlive",
      "hasTaskset",
      "pinRunningProcess",
      "pinnedArgv",
      "runCommand",
      "splitCommandLine",
      "startProcess",
    ]);
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const name of [...exported, "CommandRunner", "ExitCodeName"]) expect(readme, name).toContain(name);
  });
});

describe("the public API, as built", () => {
  it("is the built entry's runtime exports, each one documented in the README", async () => {
    const { names, undocumented } = await publicExports(join(import.meta.dirname, ".."));
    expect(names).toEqual(EXPORTS);
    expect(undocumented).toEqual([]);
  });
});
