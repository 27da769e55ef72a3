import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repositoryRoot } from "../lib/load-tools.mjs";
import { runProcess } from "../lib/processes.mjs";

function verdict(args) {
  return runProcess(
    { command: process.execPath, args: [join("bench", "verdict.mjs"), ...args] },
    { cwd: repositoryRoot, timeoutMs: 120_000 },
  );
}

describe("bench/verdict.mjs", () => {
  it("refuses a bad flag with one line naming it and exit code 2", async () => {
    const runs = await verdict(["--runs", "0"]);
    expect(runs.exitCode).toBe(2);
    expect(runs.stderr.trim()).toBe("verdict: --runs must be between 1 and 20, got 0");
    const services = await verdict(["--services", "cpu,gpu"]);
    expect(services.exitCode).toBe(2);
    expect(services.stderr).toContain("gpu");
  });

  it("lists its flags with --help", async () => {
    const help = await verdict(["--help"]);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain("--runs <integer>");
    expect(help.stdout).toContain("--third-party");
  });
});
