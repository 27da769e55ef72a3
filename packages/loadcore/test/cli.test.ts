import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type CliRun,
  type LoopbackServer,
  runCli,
  startCli as startBuiltCli,
  startLoopbackServer,
} from "@sizer/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scenarioFolder } from "./helpers/scenario-files.js";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

let server: LoopbackServer;

beforeAll(async () => {
  server = await startLoopbackServer((request, response) => {
    request.resume();
    response.writeHead(request.url === "/fail" ? 500 : 200).end("ok");
  });
});

afterAll(() => server.close());

function startCli(args: string[], options: { cwd: string; env?: Record<string, string> }) {
  return startBuiltCli(CLI, args, options);
}

function cli(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliRun> {
  return runCli(CLI, args, options);
}

const OK_SCENARIO = `
import { scenario } from "@sizer/loadcore";
scenario(async function home(session) { await session.get(process.env.SERVER_URL + "/", { expect: 200 }); });
scenario({ weight: 1 }, async function other(session) { await session.get(process.env.SERVER_URL + "/other", { expect: 200 }); });
`;

const FAILING_SCENARIO = `
import { scenario } from "@sizer/loadcore";
scenario(async function broken(session) { await session.get(process.env.SERVER_URL + "/fail", { expect: 200 }); });
`;

describe("loadcore CLI", () => {
  it("prints its version and help with exit 0", async () => {
    const folder = scenarioFolder({});
    const version = await cli(["--version"], { cwd: folder });
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    // -V, as moloslave and sizer (-v is Molotov's --verbose)
    expect((await cli(["-V"], { cwd: folder })).stdout).toBe(version.stdout);
    const help = await cli(["--help"], { cwd: folder });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--sizing-tolerance");
    expect(help.stdout).toContain("Exit codes");
  });

  it("says SERVER_URL is not set when the scenario reads it, rather than only 'Invalid URL'", async () => {
    const folder = scenarioFolder({ "loadtest.ts": OK_SCENARIO });
    const { code, stderr } = await runCli(CLI, ["-r", "1", "loadtest.ts"], {
      cwd: folder,
      env: { SERVER_URL: undefined },
    });
    expect(code).toBe(3);
    expect(stderr).toContain("loadcore: SERVER_URL is not set, and the scenario reads it");
  });

  it("runs a scenario, prints the summary and writes the results JSON (exit 0)", async () => {
    const folder = scenarioFolder({ "loadtest.ts": OK_SCENARIO });
    const run = await cli(["-w", "2", "-r", "3", "--output", "out.json", "--seed", "5"], {
      cwd: folder,
      env: { SERVER_URL: server.url },
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const results = JSON.parse(readFileSync(join(folder, "out.json"), "utf8"));
    expect(results).toMatchObject({
      format: "loadcore-results",
      formatVersion: 1,
      ok: 6,
      failed: 0,
      requests: 6,
    });
    expect(results.command).toEqual([
      "loadcore",
      "-w",
      "2",
      "-r",
      "3",
      "--output",
      "out.json",
      "--seed",
      "5",
    ]);
    expect(results.options.seed).toBe(5);
    expect(run.stdout.length).toBeGreaterThan(0);
  });

  it("exits 1 when --fail N is crossed, also with --quiet (which prints nothing on stdout)", async () => {
    const folder = scenarioFolder({ "loadtest.ts": FAILING_SCENARIO });
    const loud = await cli(["-r", "3", "--fail", "2", "loadtest.ts"], {
      cwd: folder,
      env: { SERVER_URL: server.url },
    });
    expect(loud.code).toBe(1);
    expect(loud.stderr).toContain("3 scenario runs failed (--fail 2)");
    const quiet = await cli(["-q", "-r", "3", "-f", "2", "loadtest.ts"], {
      cwd: folder,
      env: { SERVER_URL: server.url },
    });
    expect(quiet.code).toBe(1);
    expect(quiet.stdout).toBe("");
    const under = await cli(["-q", "-r", "3", "-f", "4", "loadtest.ts"], {
      cwd: folder,
      env: { SERVER_URL: server.url },
    });
    // under the --fail threshold, but not one run succeeded: that is exit 3, not a success
    expect(under.code).toBe(3);
  });

  it("exits 5 (the scenario) when the scenario file's picker names no registered scenario, in one process or several", async () => {
    const folder = scenarioFolder({
      "picker.ts": `
import { scenario, scenarioPicker } from "@sizer/loadcore";
scenario(async function home(session) { await session.get(process.env.SERVER_URL + "/", { expect: 200 }); });
scenarioPicker((workerId, step) => (step < 3 ? "home" : "hom"));
`,
    });
    const env = { SERVER_URL: server.url };
    for (const processes of ["1", "2"]) {
      const outcome = await cli(["-w", "2", "-p", processes, "-d", "20", "-o", "out.json", "picker.ts"], {
        cwd: folder,
        env,
      });
      expect(outcome.code).toBe(5);
      expect(outcome.stderr).toContain('scenarioPicker: no scenario named "hom"; registered: home');
      expect(outcome.stderr).toContain("loadcore: the scenario file's scenarioPicker failed");
      // what ran before is still written (the worker that hit the bad name had run two steps)
      const results = JSON.parse(readFileSync(join(folder, "out.json"), "utf8"));
      expect(results.options.endReason).toBe("scenario-picker");
      expect(results.ok).toBeGreaterThanOrEqual(2);
      expect(results.failed).toBe(0);
    }
  });

  it("exits 1 when -x stops the run at a failure, saying so, also with --single-run", async () => {
    const folder = scenarioFolder({
      "loadtest.ts": FAILING_SCENARIO,
      "clean.ts": OK_SCENARIO,
      "mixed.ts": `
import { scenario } from "@sizer/loadcore";
scenario(async function a_home(session) { await session.get(process.env.SERVER_URL + "/", { expect: 200 }); });
scenario(async function b_broken(session) { await session.get(process.env.SERVER_URL + "/fail", { expect: 200 }); });
scenario(async function c_never(session) { await session.get(process.env.SERVER_URL + "/", { expect: 200 }); });
`,
    });
    const env = { SERVER_URL: server.url };
    const stopped = await cli(["-x", "-r", "5", "-o", "out.json", "loadtest.ts"], { cwd: folder, env });
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain(
      "loadcore: stopped at the first failure (-x/--exception): 1 scenario run failed (status 1)",
    );
    expect(stopped.stdout).toContain("(stopped at the first failure, -x)");
    expect(JSON.parse(readFileSync(join(folder, "out.json"), "utf8"))).toMatchObject({
      ok: 0,
      failed: 1,
      options: { exception: true, endReason: "exception" },
    });
    // --single-run runs the scenarios by name: a_home passes, b_broken fails and stops the run before c_never
    const single = await cli(["--single-run", "-x", "-o", "single.json", "mixed.ts"], { cwd: folder, env });
    expect(single.code).toBe(1);
    expect(single.stderr).toContain("stopped at the first failure (-x/--exception)");
    const results = JSON.parse(readFileSync(join(folder, "single.json"), "utf8"));
    expect(results.scenarios.map((entry: { name: string }) => entry.name)).toEqual(["a_home", "b_broken"]);
    // without a failure, -x changes nothing
    const clean = await cli(["--single-run", "-x", "clean.ts"], { cwd: folder, env });
    expect(clean.code).toBe(0);
    // a sizing run stopped by -x says so as its stop reason
    const sizing = await cli(
      ["--sizing", "-x", "-w", "2", "--ramp-up", "1", "-d", "20", "-o", "sizing.json", "loadtest.ts"],
      { cwd: folder, env },
    );
    expect(sizing.code).toBe(1);
    expect(JSON.parse(readFileSync(join(folder, "sizing.json"), "utf8")).sizing).toMatchObject({
      reached: false,
      stopReason: "exception",
    });
  });

  it("exits 3 with a clear message when the target is unreachable, and still writes the results", async () => {
    const closed = await startLoopbackServer((_request, response) => response.end());
    const unreachableUrl = closed.url;
    await closed.close();
    const folder = scenarioFolder({ "loadtest.ts": FAILING_SCENARIO });
    const run = await cli(["-w", "2", "-r", "2", "--output", "out.json", "loadtest.ts"], {
      cwd: folder,
      env: { SERVER_URL: unreachableUrl },
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("no scenario run succeeded: all 4 failed (refused 4)");
    expect(run.stderr).toContain("is the target up and reachable?");
    const results = JSON.parse(readFileSync(join(folder, "out.json"), "utf8"));
    expect(results).toMatchObject({ ok: 0, failed: 4, errors: { refused: 4 } });
  });

  it("exits 3 saying the target answered when every scenario failed on its answers (a 404 everywhere)", async () => {
    const notFound = await startLoopbackServer((request, response) => {
      request.resume();
      response.writeHead(404).end("no such page");
    });
    try {
      const folder = scenarioFolder({ "loadtest.ts": OK_SCENARIO });
      const run = await cli(["-w", "2", "-r", "3", "loadtest.ts"], {
        cwd: folder,
        env: { SERVER_URL: notFound.url },
      });
      expect(run.code).toBe(3);
      expect(run.stderr).toContain(
        "no scenario run succeeded: all 6 failed (status 6); the target answered but every scenario failed: all 6 answers were 404: check the scenario's URLs",
      );
      expect(run.stderr).not.toContain("is the target up and reachable?");
    } finally {
      await notFound.close();
    }
  });

  it.concurrent.each([
    [["missing.ts"], /scenario file not found: missing\.ts/],
    [["-s", "nope", "loadtest.ts"], /--single-mode: no scenario named "nope"; registered: home, other/],
  ])("exits 5 (the scenario cannot be used) with a clear message for %j", async (args, message) => {
    const folder = scenarioFolder({ "loadtest.ts": OK_SCENARIO });
    const run = await cli(args, { cwd: folder, env: { SERVER_URL: server.url } });
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it.concurrent.each([
    [["-w", "0", "loadtest.ts"], /--workers must be an integer >= 1, got 0/],
    [["-w", "many", "loadtest.ts"], /--workers must be an integer >= 1, got "many"/],
    [["-d", "0", "loadtest.ts"], /--duration must be a number of seconds > 0, got 0/],
    [["-w", "-3", "loadtest.ts"], /--workers must be an integer >= 1, got -3/],
    [["--workers", "-3", "loadtest.ts"], /--workers must be an integer >= 1, got -3/],
    [["-d", "-1", "loadtest.ts"], /--duration must be a number of seconds > 0, got -1/],
    [["--ramp-up", "-2", "loadtest.ts"], /--ramp-up must be a number of seconds >= 0, got -2/],
    [["-p", "-1", "loadtest.ts"], /--processes must be an integer >= 1, got -1/],
    [["--delay", "-.5", "loadtest.ts"], /--delay must be a number of seconds >= 0, got -0\.5/],
    [
      ["--sizing-tolerance", "abc", "loadtest.ts"],
      /--sizing-tolerance must be a percentage in \[0, 100\), got "abc"/,
    ],
    [
      ["--sizing-tolerance", "100", "loadtest.ts"],
      /--sizing-tolerance must be a percentage in \[0, 100\), got 100/,
    ],
    [["--sizing-latency", "p42=5", "loadtest.ts"], /--sizing-latency must be PERCENTILE=MILLISECONDS/],
    [["--bogus", "loadtest.ts"], /Unknown option '--bogus'/],
    [["-q", "-v", "loadtest.ts"], /--quiet and --verbose cannot be used together/],
    [["--single-run", "-s", "home", "loadtest.ts"], /--single-run and --single-mode cannot be used together/],
    [["--output", "no/such/folder/out.json", "loadtest.ts"], /--output: the folder .* does not exist/],
    [["a.ts", "b.ts"], /expected one scenario file or test name, got 2/],
  ])("exits 2 with a clear message for %j", async (args, message) => {
    const folder = scenarioFolder({ "loadtest.ts": OK_SCENARIO });
    const run = await cli(args, { cwd: folder, env: { SERVER_URL: server.url } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("exits 5 naming file:line for a syntax error in the scenario", async () => {
    const folder = scenarioFolder({
      "broken.ts": `import { scenario } from "@sizer/loadcore";\n\nscenario(async () => {\n  const x = ;\n});\n`,
    });
    const run = await cli(["broken.ts"], { cwd: folder });
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/syntax error in scenario file broken\.ts:4:\d+/);
  });

  it("exits 5 when the scenario file registers no scenario, or throws while loading; 2 for a file that is no scenario", async () => {
    const folder = scenarioFolder({
      "empty.ts": `import { scenario } from "@sizer/loadcore";\nscenario({ weight: 0 }, async () => {});\n`,
      "throws.mjs": `throw new Error("missing SERVER_URL");\n`,
      "notes.txt": "hello",
    });
    const empty = await cli(["empty.ts"], { cwd: folder });
    expect(empty.code).toBe(5);
    expect(empty.stderr).toContain("no scenario registered by empty.ts");
    const throws = await cli(["throws.mjs"], { cwd: folder });
    expect(throws.code).toBe(5);
    expect(throws.stderr).toContain("cannot load scenario file throws.mjs");
    expect(throws.stderr).toContain("missing SERVER_URL");
    const text = await cli(["notes.txt"], { cwd: folder });
    expect(text.code).toBe(2);
    expect(text.stderr).toContain("expected a TypeScript or JavaScript file");
  });

  it("runs a test of a Molotov config, command-line flags overriding it, and rejects bad configs (exit 5, as moloslave and sizer)", async () => {
    const folder = scenarioFolder({
      "loadtest.ts": OK_SCENARIO,
      "molotov.json": JSON.stringify({
        molotov: {
          env: { SERVER_URL: server.url },
          tests: {
            smoke: {
              scenario: "loadtest.ts",
              workers: 2,
              max_runs: 2,
              exception: false,
              output: "smoke.json",
            },
          },
        },
      }),
      "unknown-key.json": JSON.stringify({
        molotov: { tests: { smoke: { scenario: "loadtest.ts", wrokers: 2 } } },
      }),
      "wrong-type.json": JSON.stringify({
        molotov: { tests: { smoke: { scenario: "loadtest.ts", workers: "2" } } },
      }),
    });
    const run = await cli(["--config", "molotov.json", "smoke", "-r", "3"], { cwd: folder });
    expect(run.code).toBe(0);
    expect(JSON.parse(readFileSync(join(folder, "smoke.json"), "utf8")).ok).toBe(6);
    const unknownKey = await cli(["--config", "unknown-key.json", "smoke"], { cwd: folder });
    expect(unknownKey.code).toBe(5);
    expect(unknownKey.stderr).toContain("unknown option molotov.tests.smoke.wrokers");
    const wrongType = await cli(["--config", "wrong-type.json", "smoke"], { cwd: folder });
    expect(wrongType.code).toBe(5);
    expect(wrongType.stderr).toContain('molotov.tests.smoke.workers must be an integer, got "2"');
    const missingTest = await cli(["--config", "molotov.json", "big"], { cwd: folder });
    expect(missingTest.code).toBe(5);
    expect(missingTest.stderr).toContain('no test named "big" in the config; available: smoke');
    const missingConfig = await cli(["--config", "nope.json"], { cwd: folder });
    expect(missingConfig.code).toBe(5);
    expect(missingConfig.stderr).toContain("file not found");
  });

  it("with --config, a variable set in the environment wins over the config's env (its defaults)", async () => {
    const elsewhere = await startLoopbackServer((request, response) => {
      request.resume();
      response.writeHead(503).end("wrong server");
    });
    const folder = scenarioFolder({
      "loadtest.ts": OK_SCENARIO,
      "molotov.json": JSON.stringify({
        molotov: {
          env: { SERVER_URL: elsewhere.url },
          tests: { short: { scenario: "loadtest.ts", max_runs: 2, output: "short.json" } },
        },
      }),
    });
    try {
      const fromEnvironment = await cli(["--config", "molotov.json", "short"], {
        cwd: folder,
        env: { SERVER_URL: server.url },
      });
      expect(fromEnvironment.code).toBe(0);
      expect(JSON.parse(readFileSync(join(folder, "short.json"), "utf8"))).toMatchObject({
        ok: 2,
        failed: 0,
      });
      const fromConfig = await runCli(CLI, ["--config", "molotov.json", "short"], {
        cwd: folder,
        env: { SERVER_URL: undefined },
      });
      expect(fromConfig.code).toBe(3);
      expect(JSON.parse(readFileSync(join(folder, "short.json"), "utf8"))).toMatchObject({
        ok: 0,
        statusCodes: { "503": 2 },
      });
    } finally {
      await elsewhere.close();
    }
  });

  it("stops cleanly on SIGINT: exit 130, teardown run, results written and marked interrupted", async () => {
    const folder = scenarioFolder({
      "loadtest.ts": `
import { writeFileSync } from "node:fs";
import { globalTeardown, scenario } from "@sizer/loadcore";
globalTeardown(() => writeFileSync("teardown.txt", "done"));
scenario(async function home(session) { await session.get(process.env.SERVER_URL + "/"); });
`,
    });
    const { child, done } = startCli(
      ["-w", "2", "--delay", "0.01", "--console-update", "1", "-o", "out.json", "loadtest.ts"],
      {
        cwd: folder,
        env: { SERVER_URL: server.url },
      },
    );
    let sent = false;
    child.stdout?.on("data", () => {
      if (!sent) {
        sent = true;
        setTimeout(() => child.kill("SIGINT"), 1_200);
      }
    });
    const run = await done;
    expect(run.code).toBe(130);
    expect(readFileSync(join(folder, "teardown.txt"), "utf8")).toBe("done");
    const results = JSON.parse(readFileSync(join(folder, "out.json"), "utf8"));
    expect(results.interrupted).toBe(true);
    expect(results.ok).toBeGreaterThan(0);
  });

  it("refuses an output path that is a folder before running", async () => {
    const folder = scenarioFolder({ "loadtest.ts": OK_SCENARIO });
    writeFileSync(join(folder, "x"), "");
    const run = await cli(["-o", ".", "loadtest.ts"], { cwd: folder, env: { SERVER_URL: server.url } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("is a folder");
  });
});
