import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describeWith } from "@sizer/test-utils";
import { afterEach, expect, it } from "vitest";
import { cloneRepository, validateRef, validateRepo } from "../src/git-clone.js";
import { type CommandRunner, runCommand } from "../src/run-command.js";
import {
  commit,
  freePort,
  git,
  makeRepository,
  makeTemporaryDirectory,
  removeAll,
  startGitDaemon,
  startSilentServer,
} from "./helpers/git-repository.js";

afterEach(removeAll);

/** The real runner, recording every command it runs. */
function recordingRunner(): { runner: CommandRunner; calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    runner: (command, args, options) => {
      calls.push([command, ...args]);
      return runCommand(command, args, options);
    },
  };
}

describeWith("git", "cloneRepository", () => {
  it("clones a local path and reports the checked-out commit", async () => {
    const repository = makeRepository({ "molotov.json": "{}\n" });
    const target = join(makeTemporaryDirectory(), "clone");
    const result = await cloneRepository({ repo: repository, directory: target });
    expect(result.commit).toBe(git(repository, "rev-parse", "HEAD"));
    expect(readFileSync(join(target, "molotov.json"), "utf8")).toBe("{}\n");
  });

  it("clones a file:// URL shallowly, with only the last commit", async () => {
    const repository = makeRepository({ "a.txt": "one" });
    commit(repository, "second", { "a.txt": "two" });
    const target = join(makeTemporaryDirectory(), "clone");
    const result = await cloneRepository({ repo: pathToFileURL(repository).href, directory: target });
    expect(result.shallow).toBe(true);
    expect(git(target, "rev-list", "--count", "HEAD")).toBe("1");
    expect(readFileSync(join(target, "a.txt"), "utf8")).toBe("two");
  });

  it("checks out a branch, a tag and a commit that is neither", async () => {
    const repository = makeRepository({ "version.txt": "1" });
    const first = git(repository, "rev-parse", "HEAD");
    git(repository, "tag", "v1");
    commit(repository, "second", { "version.txt": "2" });
    git(repository, "checkout", "--quiet", "-b", "feature");
    const feature = commit(repository, "feature", { "version.txt": "feature" });
    git(repository, "checkout", "--quiet", "main");
    commit(repository, "third", { "version.txt": "3" });
    const url = pathToFileURL(repository).href;
    const parent = makeTemporaryDirectory();

    const onBranch = await cloneRepository({ repo: url, ref: "feature", directory: join(parent, "branch") });
    expect(onBranch.commit).toBe(feature);
    expect(readFileSync(join(parent, "branch", "version.txt"), "utf8")).toBe("feature");

    const onTag = await cloneRepository({ repo: url, ref: "v1", directory: join(parent, "tag") });
    expect(onTag.commit).toBe(first);

    const second = git(repository, "rev-parse", "main~1");
    const onCommit = await cloneRepository({ repo: url, ref: second, directory: join(parent, "commit") });
    expect(onCommit.commit).toBe(second);
    expect(onCommit.shallow).toBe(false);
    expect(readFileSync(join(parent, "commit", "version.txt"), "utf8")).toBe("2");
  });

  it("says which ref is missing", async () => {
    const repository = makeRepository({ "a.txt": "a" });
    const parent = makeTemporaryDirectory();
    await expect(
      cloneRepository({ repo: repository, ref: "no-such-branch", directory: join(parent, "a") }),
    ).rejects.toMatchObject({
      code: "ERR_MOLOSLAVE_REF_NOT_FOUND",
      message: expect.stringContaining("no-such-branch"),
    });
    await expect(
      cloneRepository({ repo: repository, ref: "deadbeefdeadbeef", directory: join(parent, "b") }),
    ).rejects.toMatchObject({
      code: "ERR_MOLOSLAVE_REF_NOT_FOUND",
      message: expect.stringContaining("deadbeefdeadbeef"),
    });
  });

  it("clones over git daemon on loopback", async () => {
    const base = makeTemporaryDirectory();
    const repository = makeRepository({ "served.txt": "over git://" }, base);
    git(repository, "tag", "v1");
    const daemon = await startGitDaemon(base);
    try {
      const target = join(makeTemporaryDirectory(), "clone");
      const result = await cloneRepository({
        repo: `${daemon.url}/repository`,
        ref: "v1",
        directory: target,
      });
      expect(result.commit).toBe(git(repository, "rev-parse", "HEAD"));
      expect(result.shallow).toBe(true);
      expect(readFileSync(join(target, "served.txt"), "utf8")).toBe("over git://");
    } finally {
      await daemon.stop();
    }
  });

  it("refuses a repo or a ref starting with '-' without running git", async () => {
    const { runner, calls } = recordingRunner();
    const target = join(makeTemporaryDirectory(), "clone");
    await expect(
      cloneRepository({ repo: "--upload-pack=touch /tmp/pwned", directory: target, runner }),
    ).rejects.toMatchObject({
      code: "ERR_MOLOSLAVE_UNSAFE_ARGUMENT",
      input: "repo",
    });
    const repository = makeRepository({ "a.txt": "a" });
    await expect(
      cloneRepository({ repo: repository, ref: "--orphan", directory: target, runner }),
    ).rejects.toMatchObject({
      code: "ERR_MOLOSLAVE_UNSAFE_ARGUMENT",
      input: "--ref",
    });
    expect(calls).toEqual([]);
    expect(existsSync(target)).toBe(false);
  });

  it("refuses remote helpers and unknown schemes", () => {
    expect(() => validateRepo("ext::sh -c touch% /tmp/pwned")).toThrow(/remote helpers/);
    expect(() => validateRepo("fd::17")).toThrow(/remote helpers/);
    expect(() => validateRepo("gopher://127.0.0.1/repo")).toThrow(/gopher/);
    expect(() => validateRepo("https://127.0.0.1/a\nb")).toThrow(/control characters/);
    expect(() => validateRepo("")).toThrow(/repo is empty/);
    expect(() => validateRepo("git@github.com:org/repo.git")).not.toThrow();
    expect(() => validateRepo("ssh://git@127.0.0.1/repo.git")).not.toThrow();
    expect(() => validateRepo("./relative/path")).not.toThrow();
    expect(() => validateRef("main")).not.toThrow();
    expect(() => validateRef("release/1.2")).not.toThrow();
    expect(() => validateRef("a b")).toThrow(/not a valid/);
    expect(() => validateRef("main..dev")).toThrow(/not a valid/);
    expect(() => validateRef("")).toThrow(/--ref is empty/);
  });

  it("refuses a non-empty --directory and leaves it untouched", async () => {
    const repository = makeRepository({ "a.txt": "a" });
    const target = makeTemporaryDirectory();
    writeFileSync(join(target, "precious.txt"), "mine");
    await expect(cloneRepository({ repo: repository, directory: target })).rejects.toMatchObject({
      code: "ERR_MOLOSLAVE_DIRECTORY_NOT_EMPTY",
    });
    expect(readdirSync(target)).toEqual(["precious.txt"]);
  });

  it("reports git's own message when the repository does not exist", async () => {
    const target = join(makeTemporaryDirectory(), "clone");
    const missing = join(makeTemporaryDirectory(), "nothing-here");
    const error = await cloneRepository({ repo: missing, directory: target }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: "ERR_MOLOSLAVE_GIT_FAILED" });
    expect((error as Error).message).toContain("does not exist");
  });

  it("says when the repository has no commit yet", async () => {
    const empty = join(makeTemporaryDirectory(), "empty");
    mkdirSync(empty);
    git(empty, "init", "--quiet");
    await expect(
      cloneRepository({
        repo: pathToFileURL(empty).href,
        directory: join(makeTemporaryDirectory(), "clone"),
      }),
    ).rejects.toMatchObject({
      code: "ERR_MOLOSLAVE_GIT_FAILED",
      message: expect.stringContaining("empty repository"),
    });
  });

  it("keeps the credentials of a URL out of its messages", async () => {
    const port = await freePort();
    const target = join(makeTemporaryDirectory(), "clone");
    const error = await cloneRepository({
      repo: `http://user:s3cr3t-token@127.0.0.1:${port}/repository.git`,
      directory: target,
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "ERR_MOLOSLAVE_GIT_FAILED" });
    expect((error as Error).message).toContain(`http://***@127.0.0.1:${port}/repository.git`);
    expect(`${(error as Error).message} ${(error as { stderr: string }).stderr}`).not.toContain(
      "s3cr3t-token",
    );
  });

  it("says when git is not installed", async () => {
    const target = join(makeTemporaryDirectory(), "clone");
    await expect(
      cloneRepository({ repo: "https://127.0.0.1/repo.git", directory: target, git: "/nonexistent/bin/git" }),
    ).rejects.toMatchObject({ code: "ERR_MOLOSLAVE_GIT_NOT_FOUND" });
  });

  it("stops a clone that passes its deadline, and one that is aborted", async () => {
    const silent = await startSilentServer();
    try {
      const parent = makeTemporaryDirectory();
      const repo = `git://127.0.0.1:${silent.port}/repository`;
      await expect(
        cloneRepository({ repo, directory: join(parent, "a"), timeoutMs: 300 }),
      ).rejects.toMatchObject({
        code: "ERR_MOLOSLAVE_GIT_TIMEOUT",
        message: expect.stringContaining("0.3 s"),
      });
      const controller = new AbortController();
      const cloning = cloneRepository({ repo, directory: join(parent, "b"), signal: controller.signal });
      while (silent.connections() < 2) await new Promise((resolve) => setTimeout(resolve, 20));
      controller.abort();
      await expect(cloning).rejects.toMatchObject({ code: "ERR_MOLOSLAVE_ABORTED" });
    } finally {
      await silent.stop();
    }
  });
});
