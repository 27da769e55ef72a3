import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { itWith } from "@sizer/test-utils";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./cli-run.js";
import { alive, cliPath, fixture, temporaryFolder } from "./helpers.js";

const folder = temporaryFolder();
afterAll(() => folder.remove());

function verdictOf(
  events: Array<Record<string, unknown>>,
): Record<string, unknown> & { capacity: { workers: number | null } } {
  const verdict = events.find((event) => event.event === "verdict");
  if (!verdict) throw new Error("no verdict event");
  return verdict as Record<string, unknown> & { capacity: { workers: number | null } };
}

describe("sizer run: other sources", () => {
  itWith(
    "git",
    "runs a test of a Git repo's molotov.json, its SERVER_URL overriding the config's",
    {
      timeout: 150_000,
    },
    async () => {
      const repo = join(folder.path, "repo");
      mkdirSync(repo);
      copyFileSync(fixture("hello.ts"), join(repo, "loadtest.ts"));
      writeFileSync(
        join(repo, "molotov.json"),
        JSON.stringify({
          molotov: {
            env: { SERVER_URL: "http://127.0.0.1:9/" },
            tests: {
              sizer: { scenario: "loadtest.ts", sizing: true, workers: 30, ramp_up: 15, sizing_window: 3 },
            },
          },
        }),
      );
      const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, stdio: "ignore" });
      git("init", "-q");
      git("add", ".");
      git("-c", "user.email=sizer@test.invalid", "-c", "user.name=sizer", "commit", "-qm", "load test");

      const capacity = 15;
      const outcome = await runCli([
        "run",
        "--service-cmd",
        `node ${fixture("capacity-server.mjs")}`,
        "--service-env",
        `CAPACITY=${capacity}`,
        "--repo",
        repo,
        "--test",
        "sizer",
        "--duration",
        "60",
        "--json",
        "--out",
        join(folder.path, "repo-run"),
      ]);
      expect(outcome.code).toBe(0);
      const workers = verdictOf(outcome.events).capacity.workers as number;
      expect(workers).toBeGreaterThanOrEqual(capacity * 0.9);
      expect(workers).toBeLessThanOrEqual(capacity * 1.1);
      // The results name the scenario as the repo does, not by the clone removed after the run.
      const results = JSON.parse(readFileSync(join(folder.path, "repo-run", "results.json"), "utf8"));
      expect(results.options.scenarioFile).toBe("loadtest.ts");

      // A broken config on another branch is named by repo, ref and commit, not by the removed clone.
      git("checkout", "-q", "-b", "malformed");
      writeFileSync(join(repo, "molotov.json"), "{ not json");
      git("-c", "user.email=sizer@test.invalid", "-c", "user.name=sizer", "commit", "-qam", "broken");
      const commit = execFileSync("git", ["rev-parse", "--short=7", "HEAD"], { cwd: repo, encoding: "utf8" });
      const broken = await runCli([
        "run",
        "--service-cmd",
        `node ${fixture("capacity-server.mjs")}`,
        "--repo",
        repo,
        "--ref",
        "malformed",
        "--test",
        "sizer",
        "--quiet",
        "--out",
        join(folder.path, "repo-broken"),
      ]);
      expect(broken.code).not.toBe(0);
      expect(broken.stderr).toContain(
        `molotov.json in ${repo} at malformed (commit ${commit.trim()}): invalid JSON`,
      );
      expect(broken.stderr).not.toMatch(/moloslave-\w+\/molotov\.json/);
    },
  );

  it("sizes an already running service (--url), watching its process with --pid", {
    timeout: 150_000,
  }, async () => {
    const server = spawn(process.execPath, [fixture("capacity-server.mjs")], {
      env: { ...process.env, PORT: "0", CAPACITY: "10" },
      stdio: ["ignore", "pipe", "ignore"],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        server.stdout.on("data", (chunk: Buffer) => {
          const match = /listening on (\S+)/.exec(chunk.toString());
          if (match?.[1]) resolve(match[1]);
        });
        server.once("exit", () => reject(new Error("the service exited")));
      });
      const out = join(folder.path, "url");
      const outcome = await runCli([
        "run",
        "--url",
        url,
        "--pid",
        String(server.pid),
        "--scenario",
        fixture("hello.ts"),
        "--workers",
        "20",
        "--ramp-up",
        "10",
        "--sizing-window",
        "3",
        "--duration",
        "40",
        "--json",
        "--out",
        out,
      ]);
      expect(outcome.code).toBe(0);
      expect(
        outcome.events.some(
          (event) => event.event === "warning" && String(event.message).includes("may share cores"),
        ),
      ).toBe(true);
      expect(verdictOf(outcome.events).sharedCores).toBe(true);
      const metrics = readFileSync(join(out, "metrics.csv"), "utf8");
      expect(metrics).toContain(`# pid: ${server.pid}`);
      expect(metrics).toMatch(/^time,.*process\.cpu\.percent/m);
      // sizer does not own a --url service: it is still running, and sizer does not say it stops it.
      expect(alive(server.pid as number)).toBe(true);
      const stopping = outcome.events.find((event) => event.event === "phase" && event.phase === "stopping");
      expect(stopping?.detail).toBe("ending the resource recording (the service at --url keeps running)");
    } finally {
      server.kill("SIGTERM");
    }
  });

  it("notices when the --pid of a --url service dies mid-run: partial report, exit 4", {
    timeout: 150_000,
  }, async () => {
    const server = spawn(process.execPath, [fixture("dying-server.mjs")], {
      env: { ...process.env, PORT: "0", DIE_AFTER: "300" },
      stdio: ["ignore", "pipe", "ignore"],
    });
    const url = await new Promise<string>((resolve, reject) => {
      server.stdout.on("data", (chunk: Buffer) => {
        const match = /listening on (\S+)/.exec(chunk.toString());
        if (match?.[1]) resolve(match[1]);
      });
      server.once("exit", () => reject(new Error("the service exited")));
    });
    const out = join(folder.path, "url-dies");
    const outcome = await runCli([
      "run",
      "--url",
      url,
      "--pid",
      String(server.pid),
      "--scenario",
      fixture("hello.ts"),
      "--workers",
      "10",
      "--ramp-up",
      "10",
      "--duration",
      "40",
      "--quiet",
      "--out",
      out,
    ]);
    expect(outcome.code).toBe(4);
    expect(outcome.stderr).toContain(
      "sizer: the service exited during the run (status unknown: the process is gone)",
    );
    // The process is gone: how it ended is unknown, when is.
    expect(JSON.parse(readFileSync(join(out, "command.json"), "utf8"))).toMatchObject({
      status: "service-died",
      serviceExit: { code: null, signal: null, atSeconds: expect.any(Number) },
    });
    expect(existsSync(join(out, "report.html"))).toBe(true);
  });

  itWith("glances", "records the host with Glances when asked", { timeout: 150_000 }, async () => {
    const out = join(folder.path, "glances");
    const outcome = await runCli([
      "run",
      "--service-cmd",
      `node ${fixture("capacity-server.mjs")}`,
      "--service-env",
      "CAPACITY=10",
      "--scenario",
      fixture("hello.ts"),
      "--workers",
      "20",
      "--ramp-up",
      "10",
      "--sizing-window",
      "3",
      "--duration",
      "40",
      "--collector",
      "glances",
      "--quiet",
      "--out",
      out,
    ]);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toBe("");
    // The verdict cannot name the service without its process metrics: the user is told at the start.
    expect(outcome.stderr).toContain(
      "warning: with --collector glances only host-level resources are recorded, not the service's own CPU and memory",
    );
    const metrics = readFileSync(join(out, "metrics.csv"), "utf8");
    expect(metrics).toContain("# source: glances-csv");
    expect(metrics).not.toMatch(/^time,.*process\.cpu\.percent/m);
    expect(metrics).toMatch(/^time,.*host\.cpu\.percent/m);
  });

  it("on Ctrl-C stops the load, ends the service tree and writes a partial report (exit 130)", {
    timeout: 150_000,
  }, async () => {
    const out = join(folder.path, "interrupted");
    const child = spawn(
      process.execPath,
      [
        cliPath,
        "run",
        "--service-cmd",
        `node ${fixture("tree-server.mjs")}`,
        "--scenario",
        fixture("hello.ts"),
        "--workers",
        "5",
        "--ramp-up",
        "5",
        "--sizing-window",
        "30",
        "--duration",
        "120",
        "--json",
        "--out",
        out,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const sawProgress = new Promise<void>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('"event":"progress"')) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
    await Promise.race([sawProgress, exited]);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stderr).toContain("SIGINT: stopping the load and the service");
    const record = JSON.parse(readFileSync(join(out, "command.json"), "utf8")) as {
      status: string;
      service: { pid: number };
    };
    expect(record.status).toBe("interrupted");
    expect(alive(record.service.pid)).toBe(false);
    const grandchild = /child (\d+)/.exec(readFileSync(join(out, "service.log"), "utf8"));
    expect(alive(Number(grandchild?.[1]))).toBe(false);
    expect(existsSync(join(out, "report.html"))).toBe(true);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as {
      analysis: { trust: { partial: boolean } };
    };
    expect(summary.analysis.trust.partial).toBe(true);
  });
});
