import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { pathToFileURL } from "node:url";
import { type LoadResults, readLiveRecord, runLoad } from "@sizer/loadcore";
import { describeWith } from "@sizer/test-utils";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { type RepoRunStep, type RunFromRepoOptions, runFromRepo } from "../src/run-from-repo.js";
import { initProject } from "../src/scaffold.js";
import {
  commit,
  git,
  makeRepository,
  makeTemporaryDirectory,
  removeAll,
  startGitDaemon,
  writeFiles,
} from "./helpers/git-repository.js";
import { type CountingServer, startCountingServer } from "./helpers/http-server.js";
import { molotovJson, repositoryWithDependency, THREE_SCENARIOS } from "./helpers/repositories.js";

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

/** What must be equal between two runs of the same deterministic test. */
function counts(results: LoadResults) {
  return {
    ok: results.ok,
    failed: results.failed,
    requests: results.requests,
    statusCodes: results.statusCodes,
    errors: results.errors,
    scenarios: results.scenarios.map((entry) => ({ name: entry.name, ok: entry.ok, failed: entry.failed })),
    byRequest: results.byRequest.map((entry) => ({ name: entry.name, count: entry.count, ok: entry.ok })),
  };
}

/** runFromRepo with the test's output captured and its temporary clones made in a folder of the test's own. */
function run(options: RunFromRepoOptions & { temporaryRoot: string }) {
  return runFromRepo({ stdout: new PassThrough(), stderr: new PassThrough(), ...options });
}

function standardRepository(extraTests: Record<string, unknown> = {}, parent?: string): string {
  return makeRepository(
    {
      "molotov.json": molotovJson({
        env: { SERVER_URL: server.url },
        tests: {
          once: { scenario: "loadtest.ts", single_run: true, workers: 2 },
          counted: { scenario: "loadtest.ts", max_runs: 4, workers: 3, seed: 7 },
          ...extraTests,
        },
      }),
      "loadtest.ts": THREE_SCENARIOS,
    },
    parent,
  );
}

describeWith("git", "runFromRepo", () => {
  it("gives the same results as a direct loadcore run, by path, by file:// URL and over git daemon", async () => {
    const base = makeTemporaryDirectory();
    const repository = standardRepository({}, base);
    const direct = makeTemporaryDirectory();
    writeFiles(direct, { "loadtest.ts": THREE_SCENARIOS });
    const daemon = await startGitDaemon(base);
    try {
      for (const [test, directOptions] of [
        ["once", { singleRun: true, workers: 2 }],
        ["counted", { maxRuns: 4, workers: 3, seed: 7 }],
      ] as const) {
        server.reset();
        const expected = await runLoad({
          scenarioFile: join(direct, "loadtest.ts"),
          ...directOptions,
          env: { SERVER_URL: server.url },
          stdout: new PassThrough(),
          stderr: new PassThrough(),
        });
        const directHits = new Map(server.hits);
        expect(expected.ok + expected.failed).toBe(test === "once" ? 6 : 12);

        for (const repo of [repository, pathToFileURL(repository).href, `${daemon.url}/repository`]) {
          server.reset();
          const results = await run({ repo, test, temporaryRoot: makeTemporaryDirectory() });
          expect(counts(results), `${test} from ${repo}`).toEqual(counts(expected));
          expect(server.hits, `${test} from ${repo}`).toEqual(directHits);
        }
      }
    } finally {
      await daemon.stop();
    }
  });

  it("removes the temporary clone after the run, and keeps it with keep or directory", async () => {
    const repository = standardRepository();
    const temporaryRoot = makeTemporaryDirectory();
    const steps: RepoRunStep[] = [];
    await run({ repo: repository, test: "once", temporaryRoot, onStep: (step) => steps.push(step) });
    expect(readdirSync(temporaryRoot)).toEqual([]);
    expect(steps.map((step) => step.step)).toEqual(["cloning", "cloned", "running", "released"]);

    await run({ repo: repository, test: "once", temporaryRoot, keep: true });
    const [kept] = readdirSync(temporaryRoot);
    expect(kept).toMatch(/^moloslave-/);
    expect(existsSync(join(temporaryRoot, kept as string, "molotov.json"))).toBe(true);

    const directory = join(makeTemporaryDirectory(), "clone");
    await run({ repo: repository, test: "once", temporaryRoot, directory });
    expect(existsSync(join(directory, "loadtest.ts"))).toBe(true);
  });

  it("removes the temporary clone when the run fails", async () => {
    const repository = makeRepository({
      "molotov.json": molotovJson({ tests: { broken: { scenario: "loadtest.ts", max_runs: 1 } } }),
      "loadtest.ts": `import { scenario } from "@sizer/loadcore";\nscenario(async function broken( {\n`,
    });
    const temporaryRoot = makeTemporaryDirectory();
    await expect(run({ repo: repository, test: "broken", temporaryRoot })).rejects.toMatchObject({
      code: "ERR_LOADCORE_SCENARIO_LOAD",
    });
    expect(readdirSync(temporaryRoot)).toEqual([]);
  });

  it("stops on abort, marks the results interrupted and removes the clone", async () => {
    const repository = standardRepository({
      endless: { scenario: "loadtest.ts", workers: 2, duration: 30, max_runs: 100_000, delay: 0.01 },
    });
    const temporaryRoot = makeTemporaryDirectory();
    const controller = new AbortController();
    void server.waitForRequests(5).then(() => controller.abort());
    const results = await run({
      repo: repository,
      test: "endless",
      temporaryRoot,
      signal: controller.signal,
    });
    expect(results.interrupted).toBe(true);
    expect(results.ok + results.failed).toBeLessThan(2 * 100_000);
    expect(readdirSync(temporaryRoot)).toEqual([]);
  });

  it("applies the config's env for the run only, under the caller's env", async () => {
    const repository = makeRepository({
      "molotov.json": molotovJson({
        env: { SERVER_URL: "http://127.0.0.1:9/unused", GREETING: "from-config" },
        tests: { once: { scenario: "loadtest.ts", single_run: true } },
      }),
      "loadtest.ts": `import { scenario } from "@sizer/loadcore";
scenario(async function greet(session) {
  await session.get(\`\${process.env.SERVER_URL}/greeting/\${process.env.GREETING}\`, { expect: 200 });
});
`,
    });
    expect(process.env.GREETING).toBeUndefined();
    const results = await run({
      repo: repository,
      test: "once",
      temporaryRoot: makeTemporaryDirectory(),
      env: { SERVER_URL: server.url },
    });
    expect(results.ok).toBe(1);
    expect(server.hits.get("/greeting/from-config")).toBe(1);
    expect(process.env.GREETING).toBeUndefined();
    expect(process.env.SERVER_URL).toBeUndefined();
  });

  it("runs a JavaScript scenario as well as a TypeScript one", async () => {
    const repository = makeRepository({
      "molotov.json": molotovJson({
        env: { SERVER_URL: server.url },
        tests: { once: { scenario: "scenarios/load.mjs", single_run: true } },
      }),
      "scenarios/load.mjs": `import { scenario } from "@sizer/loadcore";
scenario(async function plain(session) {
  await session.get(\`\${process.env.SERVER_URL}/from-javascript\`, { expect: 200 });
});
`,
    });
    const results = await run({ repo: repository, test: "once", temporaryRoot: makeTemporaryDirectory() });
    expect(results.ok).toBe(1);
    expect(server.hits.get("/from-javascript")).toBe(1);
  });

  it("checks out --ref: a tag runs the test as it was then", async () => {
    const repository = makeRepository({
      "molotov.json": molotovJson({
        env: { SERVER_URL: server.url },
        tests: { once: { scenario: "loadtest.ts", single_run: true } },
      }),
      "loadtest.ts": `import { scenario } from "@sizer/loadcore";
scenario(async function version(session) { await session.get(\`\${process.env.SERVER_URL}/v1\`); });
`,
    });
    git(repository, "tag", "v1");
    commit(repository, "v2", {
      "loadtest.ts": `import { scenario } from "@sizer/loadcore";
scenario(async function version(session) { await session.get(\`\${process.env.SERVER_URL}/v2\`); });
`,
    });
    await run({ repo: repository, test: "once", ref: "v1", temporaryRoot: makeTemporaryDirectory() });
    expect([...server.hits.keys()]).toEqual(["/v1"]);
    server.reset();
    await run({ repo: repository, test: "once", temporaryRoot: makeTemporaryDirectory() });
    expect([...server.hits.keys()]).toEqual(["/v2"]);
  });

  it("installs the repository's dependencies with npm ci before running", async () => {
    const repository = makeRepository({
      ...repositoryWithDependency(),
      "molotov.json": molotovJson({
        env: { SERVER_URL: server.url },
        tests: { once: { scenario: "load/test.ts", single_run: true } },
      }),
      "load/test.ts": `import { scenario } from "@sizer/loadcore";
import { leftPad } from "left-pad-local";
scenario(async function item(session) {
  await session.get(\`\${process.env.SERVER_URL}/item/\${leftPad(7, 3, "0")}\`, { expect: 200 });
});
`,
    });
    const steps: RepoRunStep[] = [];
    const results = await run({
      repo: pathToFileURL(repository).href,
      test: "once",
      temporaryRoot: makeTemporaryDirectory(),
      onStep: (step) => steps.push(step),
    });
    expect(results.ok).toBe(1);
    expect(server.hits.get("/item/007")).toBe(1);
    expect(steps.find((step) => step.step === "installed")).toMatchObject({
      plan: { command: "npm", args: ["ci", "--no-audit", "--no-fund"], reason: "package-lock.json" },
    });
  });

  it("runs the config's requirements as the install command", async () => {
    const repository = makeRepository({
      "molotov.json": molotovJson({
        env: { SERVER_URL: server.url },
        requirements: `node -e "require('node:fs').writeFileSync('installed.txt', 'yes')"`,
        tests: { once: { scenario: "loadtest.ts", single_run: true } },
      }),
      "loadtest.ts": `import { scenario } from "@sizer/loadcore";
import { readFileSync } from "node:fs";
scenario(async function check(session) {
  await session.get(\`\${process.env.SERVER_URL}/installed/\${readFileSync(new URL("./installed.txt", import.meta.url), "utf8")}\`);
});
`,
    });
    await run({ repo: repository, test: "once", temporaryRoot: makeTemporaryDirectory() });
    expect(server.hits.get("/installed/yes")).toBe(1);
  });

  it("writes a relative output and live record where the caller is, not into the removed clone", async () => {
    const repository = standardRepository();
    const callerDirectory = makeTemporaryDirectory();
    const results = await run({
      repo: repository,
      test: "once",
      temporaryRoot: makeTemporaryDirectory(),
      cwd: callerDirectory,
      overrides: { output: "results.json", live: "live.ndjson" },
    });
    const written = JSON.parse(readFileSync(join(callerDirectory, "results.json"), "utf8"));
    expect(written).toMatchObject({ format: "loadcore-results", ok: results.ok, failed: results.failed });
    const live = readLiveRecord(readFileSync(join(callerDirectory, "live.ndjson"), "utf8"), "live.ndjson");
    expect(live.header?.format).toBe("loadcore-live");
  });
});

describeWith("git", "a project made by moloslave init", () => {
  it("runs its smoke test from its repository", async () => {
    const repository = join(makeTemporaryDirectory(), "new-service-load-test");
    await initProject({ directory: repository, serverUrl: server.url });
    git(repository, "init", "--quiet", "--initial-branch=main");
    commit(repository, "scaffold");
    const results = await run({ repo: repository, test: "smoke", temporaryRoot: makeTemporaryDirectory() });
    expect({ ok: results.ok, failed: results.failed }).toEqual({ ok: 2, failed: 0 });
    expect(server.hits.get("/")).toBe(1);
    expect(server.hits.get("/items")).toBe(1);
  });
});

describeWith("git", "runFromRepo config errors", () => {
  async function failure(molotov: Record<string, unknown> | string, test = "smoke", config?: string) {
    const repository = makeRepository({
      "molotov.json": typeof molotov === "string" ? molotov : molotovJson(molotov),
      "loadtest.ts": THREE_SCENARIOS,
    });
    const temporaryRoot = makeTemporaryDirectory();
    const error = await run({ repo: repository, test, temporaryRoot, ...(config ? { config } : {}) }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(readdirSync(temporaryRoot), "the clone is removed").toEqual([]);
    expect(server.total(), "nothing ran").toBe(0);
    return error as { code: string; message: string };
  }

  it("names an unknown key", async () => {
    const error = await failure({ tests: { smoke: { scenario: "loadtest.ts", wrokers: 2 } } });
    expect(error.code).toBe("ERR_LOADCORE_CONFIG");
    expect(error.message).toContain("molotov.tests.smoke.wrokers");
    const topLevel = await failure({ tests: { smoke: { scenario: "loadtest.ts" } }, enviroment: {} });
    expect(topLevel.message).toContain("molotov.enviroment");
  });

  it("names a key of the wrong type", async () => {
    const workers = await failure({ tests: { smoke: { scenario: "loadtest.ts", workers: "2" } } });
    expect(workers).toMatchObject({ code: "ERR_LOADCORE_CONFIG" });
    expect(workers.message).toMatch(/molotov\.tests\.smoke\.workers must be an integer/);
    const flag = await failure({ tests: { smoke: { scenario: "loadtest.ts", single_run: "yes" } } });
    expect(flag.message).toMatch(/molotov\.tests\.smoke\.single_run must be a boolean/);
    const env = await failure({ env: { PORT: 8080 }, tests: { smoke: { scenario: "loadtest.ts" } } });
    expect(env.message).toMatch(/molotov\.env\.PORT must be a string/);
  });

  it("lists the available tests when the test is missing", async () => {
    const error = await failure(
      { tests: { big: { scenario: "loadtest.ts" }, small: { scenario: "loadtest.ts" } } },
      "smoke",
    );
    expect(error).toMatchObject({ code: "ERR_MOLOSLAVE_TEST_NOT_FOUND" });
    expect(error.message).toContain("available tests: big, small");
  });

  it("says when the config file is missing or not JSON", async () => {
    const missing = await failure({ tests: {} }, "smoke", "load/molotov.json");
    expect(missing).toMatchObject({ code: "ERR_MOLOSLAVE_CONFIG_NOT_FOUND" });
    expect(missing.message).toContain("load/molotov.json");
    const broken = await failure("{ not json");
    expect(broken).toMatchObject({ code: "ERR_LOADCORE_CONFIG" });
    expect(broken.message).toContain("invalid JSON");
  });

  it("says when the test names no scenario", async () => {
    const error = await failure({ tests: { smoke: { workers: 2 } } });
    expect(error).toMatchObject({ code: "ERR_LOADCORE_CONFIG" });
    expect(error.message).toContain("molotov.tests.smoke.scenario is missing");
  });

  it("turns a flag off with false (Molotov turned it on)", async () => {
    const repository = standardRepository({
      off: { scenario: "loadtest.ts", single_run: false, max_runs: 2, workers: 2 },
    });
    const results = await run({ repo: repository, test: "off", temporaryRoot: makeTemporaryDirectory() });
    // single_run would run the three scenarios once per worker (6); max_runs alone gives 2 per worker.
    expect(results.ok + results.failed).toBe(4);
  });

  it("refuses a repo starting with '-' before touching the disk", async () => {
    const temporaryRoot = makeTemporaryDirectory();
    await expect(run({ repo: "-u", test: "smoke", temporaryRoot })).rejects.toMatchObject({
      code: "ERR_MOLOSLAVE_UNSAFE_ARGUMENT",
    });
    expect(readdirSync(temporaryRoot)).toEqual([]);
  });
});
