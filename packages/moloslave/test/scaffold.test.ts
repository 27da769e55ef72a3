import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { initProject } from "../src/scaffold.js";
import { makeTemporaryDirectory, removeAll } from "./helpers/git-repository.js";

afterEach(removeAll);

describe("initProject", () => {
  it("writes molotov.json and loadtest.ts into a new folder", async () => {
    const directory = join(makeTemporaryDirectory(), "new-project");
    const result = await initProject({ directory, serverUrl: "http://127.0.0.1:9999" });
    expect(result.files).toEqual([join(directory, "molotov.json"), join(directory, "loadtest.ts")]);
    const config = JSON.parse(readFileSync(join(directory, "molotov.json"), "utf8"));
    expect(Object.keys(config.molotov.tests).sort()).toEqual(["big", "small", "smoke"]);
    expect(config.molotov.env).toEqual({ SERVER_URL: "http://127.0.0.1:9999" });
    for (const test of Object.values(config.molotov.tests) as Array<{ scenario: string }>) {
      expect(test.scenario).toBe("loadtest.ts");
    }
    const scenario = readFileSync(join(directory, "loadtest.ts"), "utf8");
    expect(scenario).toContain('from "@sizer/loadcore"');
    expect(scenario).toContain("process.env.SERVER_URL");
  });

  it("never overwrites: one existing file stops it and nothing is written", async () => {
    const directory = makeTemporaryDirectory();
    writeFileSync(join(directory, "loadtest.ts"), "// mine\n");
    await expect(initProject({ directory })).rejects.toMatchObject({
      code: "ERR_MOLOSLAVE_FILE_EXISTS",
      path: join(directory, "loadtest.ts"),
      message: expect.stringContaining("never overwrites"),
    });
    expect(readdirSync(directory)).toEqual(["loadtest.ts"]);
    expect(readFileSync(join(directory, "loadtest.ts"), "utf8")).toBe("// mine\n");
  });

  it("says when the target is a file, not a folder", async () => {
    const file = join(makeTemporaryDirectory(), "not-a-folder");
    writeFileSync(file, "x");
    await expect(initProject({ directory: file })).rejects.toMatchObject({
      code: "ERR_MOLOSLAVE_USAGE",
      message: expect.stringContaining("is not a folder"),
    });
  });

  it("refuses a second init in the same folder", async () => {
    const directory = makeTemporaryDirectory();
    await initProject({ directory });
    const before = readFileSync(join(directory, "molotov.json"), "utf8");
    await expect(initProject({ directory, serverUrl: "http://127.0.0.1:1" })).rejects.toMatchObject({
      code: "ERR_MOLOSLAVE_FILE_EXISTS",
    });
    expect(readFileSync(join(directory, "molotov.json"), "utf8")).toBe(before);
  });
});
