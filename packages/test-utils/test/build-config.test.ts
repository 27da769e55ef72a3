import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

interface DryRun {
  globalCacheInputs: { files: Record<string, string> };
  tasks: { taskId: string; command: string }[];
}

function turboDryRun(task: string): DryRun {
  const output = execFileSync("npx", ["turbo", "run", task, "--dry=json"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" },
  });
  return JSON.parse(output) as DryRun;
}

describe("turbo's view of the workspace", () => {
  it("hashes the shared configs every package builds and tests with, so editing one rebuilds", () => {
    const { globalCacheInputs } = turboDryRun("build");
    expect(Object.keys(globalCacheInputs.files).sort()).toEqual(
      expect.arrayContaining(["tsconfig.base.json", "tsup.base.ts", "vitest.base.ts"]),
    );
  });

  it("has no task that no package runs (a task without a script is dead)", () => {
    const turbo = JSON.parse(readFileSync(join(root, "turbo.json"), "utf8")) as {
      tasks: Record<string, unknown>;
    };
    for (const task of Object.keys(turbo.tasks)) {
      const commands = turboDryRun(task).tasks.map((entry) => entry.command);
      expect(
        commands.some((command) => command !== "<NONEXISTENT>"),
        `turbo task ${task}`,
      ).toBe(true);
    }
  });
});

describe("the sources' shape", () => {
  it("has no function over 120 lines in any package's src/ (node scripts/long-functions.mjs lists them)", async () => {
    const { longFunctions } = (await import(join(root, "scripts", "long-functions.mjs"))) as {
      longFunctions: (limit: number) => { lines: number; name: string; where: string }[];
    };
    expect(longFunctions(120)).toEqual([]);
    // the lister does find long functions: the longest today are around 100 lines
    expect(longFunctions(60).length).toBeGreaterThan(0);
  });
});
