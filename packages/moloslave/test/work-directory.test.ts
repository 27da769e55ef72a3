import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createWorkDirectory } from "../src/work-directory.js";
import { makeTemporaryDirectory, removeAll } from "./helpers/git-repository.js";

afterEach(removeAll);

describe("createWorkDirectory", () => {
  it("makes a temporary folder that release() removes with its content", async () => {
    const root = makeTemporaryDirectory();
    const work = await createWorkDirectory({ temporaryRoot: root });
    expect(work.path.startsWith(join(root, "moloslave-"))).toBe(true);
    writeFileSync(join(work.path, "file.txt"), "x");
    await work.release();
    expect(existsSync(work.path)).toBe(false);
    await work.release();
  });

  it("keeps the temporary folder with keep", async () => {
    const work = await createWorkDirectory({ temporaryRoot: makeTemporaryDirectory(), keep: true });
    await work.release();
    expect(existsSync(work.path)).toBe(true);
    expect(work.kept).toBe(true);
  });

  it("uses and keeps the user's directory", async () => {
    const directory = join(makeTemporaryDirectory(), "mine");
    const work = await createWorkDirectory({ directory });
    expect(work).toMatchObject({ path: directory, temporary: false, kept: true });
    mkdirSync(directory);
    writeFileSync(join(directory, "clone.txt"), "x");
    await work.release();
    expect(existsSync(join(directory, "clone.txt"))).toBe(true);
  });
});
