import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as api from "../dist/index.js";

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
