import type { ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type CliRun, describeWith, runCli, startCli } from "@sizer/test-utils";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { commit, git, makeRepository, makeTemporaryDirectory, removeAll } from "./helpers/git-repository.js";
import { type CountingServer, startCountingServer } from "./helpers/http-server.js";
import { molotovJson, THREE_SCENARIOS } from "./helpers/repositories.js";

const cli = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "cli.js");

let server: CountingServer;
beforeAll(async () => {
  server = await startCountingServer();
});
afterAll(async () => {
  await server.stop();
});
afterEach(() => {
  server.reset();
  removeAll();
});

/** Starts the built CLI with its temporary folders in `temporaryRoot` (TMPDIR). */
function start(
  args: string[],
  options: { cwd?: string; temporaryRoot?: string } = {},
): { child: ChildProcess; finished: Promise<CliRun> } {
  const { child, done } = startCli(cli, args, {
    cwd: options.cwd ?? makeTemporaryDirectory(),
    env: { TMPDIR: options.temporaryRoot ?? makeTemporaryDirectory() },
  });
  return { child, finished: done };
}

/** The clones in a temporary root (jiti keeps its own cache folder there too). */
function clones(temporaryRoot: string): string[] {
  return readdirSync(temporaryRoot).filter((entry) => entry.startsWith("moloslave-"));
}

function moloslave(args: string[], options: { cwd?: string; temporaryRoot?: string } = {}): Promise<CliRun> {
  return start(args, options).finished;
}

function repository(tests: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return makeRepository({
    "molotov.json": molotovJson({ env: { SERVER_URL: server.url }, tests, ...extra }),
    "loadtest.ts": THREE_SCENARIOS,
  });
}

describeWith("git", "moloslave CLI", () => {
  it("prints the help and the version", async () => {
    const help = await moloslave(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("moloslave [options] REPO TEST");
    const version = await moloslave(["--version"]);
    expect(version.stdout).toMatch(/^moloslave \d+\.\d+\.\d+\n$/);
  });

  it("exits 2 with one clear line for a usage mistake, never a stack trace", async () => {
    for (const [args, message] of [
      [["./only-a-repo"], "needs a repository and a test name"],
      [["--", "-oProxyCommand=touch /tmp/x", "smoke"], "starts with '-'"],
      [["--ref=-b", "./repo", "smoke"], "--ref"],
      [["--max-runs", "many", "./repo", "smoke"], "--max-runs must be an integer"],
      [["--bogus", "./repo", "smoke"], "--bogus"],
    ] as const) {
      const result = await moloslave([...args]);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("gives one hint for a flag missing its value, and names --directory when it is not empty", async () => {
    const missingRef = await moloslave(["--ref", "-x", "./repo", "quick"]);
    expect(missingRef.code).toBe(2);
    expect(missingRef.stderr).toContain("--ref");
    expect(missingRef.stderr).not.toContain(".;");
    expect(missingRef.stderr.match(/--help/g)).toHaveLength(1);

    const directory = makeTemporaryDirectory();
    writeFileSync(join(directory, "notes.txt"), "mine");
    const repo = repository({ once: { scenario: "loadtest.ts", single_run: true } });
    const notEmpty = await moloslave(["--directory", directory, repo, "once"]);
    expect(notEmpty.code).toBe(2);
    expect(notEmpty.stderr).toContain(`--directory ${directory} is not empty`);
    expect(readdirSync(directory)).toEqual(["notes.txt"]);
  });

  it("says a folder that is not a git repository is not one", async () => {
    const folder = makeTemporaryDirectory();
    writeFileSync(join(folder, "molotov.json"), "{}");
    const result = await moloslave([folder, "quick"]);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(`moloslave: ${folder} is not a git repository`);
    expect(result.stderr).not.toContain("does not exist");
  });

  it("names a broken file of the repository by repo, ref and commit, not by the removed clone", async () => {
    const repo = repository({ once: { scenario: "loadtest.ts", single_run: true } });
    git(repo, "checkout", "--quiet", "-b", "malformed");
    const broken = commit(repo, "break the config", { "molotov.json": "{ not json" });
    git(repo, "checkout", "--quiet", "main");
    const temporaryRoot = makeTemporaryDirectory();
    const result = await moloslave(["--ref", "malformed", repo, "once"], { temporaryRoot });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(
      `moloslave: molotov.json in ${repo} at malformed (commit ${broken.slice(0, 7)}): invalid JSON`,
    );
    const errorLine = result.stderr.split("\n").find((line) => line.includes("invalid JSON")) ?? "";
    expect(errorLine).not.toContain(temporaryRoot);

    const missing = await moloslave(["--config", "load/molotov.json", repo, "once"], { temporaryRoot });
    expect(missing.code).toBe(5);
    expect(missing.stderr).toMatch(
      new RegExp(`${repo} \\(commit [0-9a-f]{7}\\) has no load/molotov\\.json; pass --config`),
    );
  });

  it("records the scenario relative to the repository and the ref in the results", async () => {
    const repo = repository({ once: { scenario: "loadtest.ts", single_run: true, workers: 1 } });
    const cwd = makeTemporaryDirectory();
    const result = await moloslave(["--ref", "main", repo, "once", "--output", "results.json", "-q"], {
      cwd,
    });
    expect(result.code, result.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(cwd, "results.json"), "utf8"));
    expect(results.options.scenarioFile).toBe("loadtest.ts");
    expect(results.command).toEqual(["moloslave", "--ref", "main", repo, "once"]);
  });

  it("says SERVER_URL is not set when the scenario reads it and neither the config nor --env sets it", async () => {
    const repo = makeRepository({
      "molotov.json": molotovJson({ tests: { quick: { scenario: "loadtest.ts", max_runs: 1, workers: 1 } } }),
      "loadtest.ts": THREE_SCENARIOS,
    });
    const { code, stderr } = await runCli(cli, ["-q", repo, "quick"], {
      cwd: makeTemporaryDirectory(),
      env: { SERVER_URL: undefined, TMPDIR: makeTemporaryDirectory() },
    });
    expect(code).toBe(3);
    expect(stderr).toContain("moloslave: SERVER_URL is not set, and the scenario reads it");
  });

  it("exits 3 and says why when no scenario run succeeded, even with --quiet", async () => {
    const repo = repository({ quick: { scenario: "loadtest.ts", max_runs: 2, workers: 1 } });
    const cwd = makeTemporaryDirectory();
    const result = await moloslave(
      ["--env", "SERVER_URL=http://127.0.0.1:1", "-q", repo, "quick", "--output", "results.json"],
      { cwd },
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/no scenario run succeeded: all \d+ failed \(refused \d+\)/);
    expect(result.stderr).toContain("is the target up and reachable");
    expect(JSON.parse(readFileSync(join(cwd, "results.json"), "utf8"))).toMatchObject({ ok: 0 });
  });

  it("init writes the project once, then exits 2 rather than overwrite (6 when the OS refuses)", async () => {
    const cwd = makeTemporaryDirectory();
    const first = await moloslave(["init", "load"], { cwd });
    expect(first.code).toBe(0);
    expect(readdirSync(join(cwd, "load")).sort()).toEqual(["loadtest.ts", "molotov.json"]);
    const second = await moloslave(["init", "load"], { cwd });
    expect(second.code).toBe(2);
    expect(second.stderr).toContain("already exists");
    writeFileSync(join(cwd, "a-file"), "x");
    const underFile = await moloslave(["init", "a-file/load"], { cwd });
    expect(underFile.code).toBe(6);
    expect(underFile.stderr).toContain("ENOTDIR");
    expect(underFile.stderr).not.toMatch(/internal error|\n\s+at /);
  });

  it("runs a test from a file:// URL, writes --output in the caller's folder and removes the clone", async () => {
    const repo = pathToFileURL(
      repository({ once: { scenario: "loadtest.ts", single_run: true, workers: 2 } }),
    ).href;
    const cwd = makeTemporaryDirectory();
    const temporaryRoot = makeTemporaryDirectory();
    const result = await moloslave([repo, "once", "--output", "results.json"], { cwd, temporaryRoot });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("running test once (loadtest.ts)");
    const results = JSON.parse(readFileSync(join(cwd, "results.json"), "utf8"));
    expect(results).toMatchObject({ ok: 4, failed: 2, command: ["moloslave", repo, "once"] });
    expect(server.hits.get("/")).toBe(2);
    expect(clones(temporaryRoot)).toEqual([]);
  });

  it("maps each kind of failure to its exit code", async () => {
    const tests = {
      once: { scenario: "loadtest.ts", single_run: true },
      failing: { scenario: "loadtest.ts", single_run: true, fail: 1 },
      smoke: { scenario: "loadtest.ts", single_run: true, exception: true },
    };
    const repo = repository(tests);
    const missingTest = await moloslave([repo, "nope"]);
    expect(missingTest.code).toBe(5);
    expect(missingTest.stderr).toContain("available tests: failing, once, smoke");

    const failing = await moloslave([repo, "failing", "--quiet"]);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain("at least --fail 1");

    // A smoke test with `exception: true` fails CI when a scenario fails.
    const smoke = await moloslave([repo, "smoke", "--quiet"]);
    expect(smoke.code).toBe(1);
    expect(smoke.stderr).toContain("stopped at the first failure (exception)");

    const gitFailure = await moloslave([join(makeTemporaryDirectory(), "no-repository"), "once"]);
    expect(gitFailure.code).toBe(5);

    const installFailure = await moloslave([
      repository(tests, { requirements: `node -e "process.exit(9)"` }),
      "once",
    ]);
    expect(installFailure.code).toBe(5);
    expect(installFailure.stderr).toContain("exit 9");
    for (const result of [missingTest, failing, gitFailure, installFailure]) {
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("Ctrl-C stops the run, exits 130 and removes the clone", async () => {
    const repo = repository({
      endless: { scenario: "loadtest.ts", workers: 2, duration: 30, max_runs: 100_000, delay: 0.01 },
    });
    const temporaryRoot = makeTemporaryDirectory();
    const { child, finished } = start([repo, "endless"], { temporaryRoot });
    await Promise.race([
      server.waitForRequests(3),
      finished.then((early) => {
        throw new Error(`moloslave exited before any request (${early.code}): ${early.stderr}`);
      }),
    ]);
    expect(clones(temporaryRoot)).toHaveLength(1);
    child.kill("SIGINT");
    const result = await finished;
    expect(result.code).toBe(130);
    expect(clones(temporaryRoot)).toEqual([]);
    expect(existsSync(temporaryRoot)).toBe(true);
  });
});
