import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { itWith } from "@sizer/test-utils";
import { afterAll, describe, expect, it } from "vitest";
import { repositoryRoot } from "../lib/load-tools.mjs";
import { runProcess } from "../lib/processes.mjs";

const directory = mkdtempSync(join(tmpdir(), "sizer-bench-test-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function script(name, args) {
  return runProcess(
    { command: process.execPath, args: [join("bench", name), ...args] },
    { cwd: repositoryRoot, timeoutMs: 120_000 },
  );
}

describe("bench/hello.mjs", () => {
  it("refuses a bad flag with one line naming it and exit code 2", async () => {
    const outcome = await script("hello.mjs", ["--duration", "0"]);
    expect(outcome.exitCode).toBe(2);
    expect(outcome.stderr.trim()).toBe("hello: --duration must be between 1 and 600, got 0");
  });

  it("refuses the same CPU for generator and server", async () => {
    for (const name of ["hello.mjs", "memory.mjs"]) {
      const outcome = await script(name, ["--generator-cpu", "1", "--server-cpu", "1"]);
      expect(outcome.exitCode).toBe(2);
      expect(outcome.stderr).toContain("--generator-cpu and --server-cpu must differ");
    }
  });

  it("exits 3 with a clear message when loadcore is not built", async () => {
    // A copy of the scripts in a tree without packages/loadcore/dist.
    const tree = join(directory, "unbuilt");
    cpSync(join(repositoryRoot, "bench", "lib"), join(tree, "bench", "lib"), { recursive: true });
    cpSync(join(repositoryRoot, "bench", "hello.mjs"), join(tree, "bench", "hello.mjs"));
    // bench/lib runs its processes through @sizer/process-kit, found through bench's node_modules.
    symlinkSync(join(repositoryRoot, "bench", "node_modules"), join(tree, "bench", "node_modules"));
    const outcome = await runProcess(
      { command: process.execPath, args: [join("bench", "hello.mjs"), "--tools", "loadcore"] },
      { cwd: tree, timeoutMs: 60_000 },
    );
    expect(outcome.exitCode).toBe(3);
    expect(outcome.stderr.trim()).toBe(
      "hello: packages/loadcore/dist/cli.js is missing: run `npm run build` first (the benchmarks build nothing), or leave loadcore out with --tools",
    );
  });

  it("prints its flags with --help", async () => {
    const outcome = await script("hello.mjs", ["--help"]);
    expect(outcome.exitCode).toBe(0);
    expect(outcome.stdout).toContain("--rounds <integer>");
  });

  it("measures autocannon against a Node server and writes the results JSON", async () => {
    const output = join(directory, "hello.json");
    const outcome = await script("hello.mjs", [
      "--tools",
      "autocannon",
      "--rounds",
      "2",
      "--duration",
      "1",
      "--warmup",
      "0",
      "--server",
      "node",
      "--output",
      output,
    ]);
    expect(outcome.stderr).toBe("");
    expect(outcome.exitCode).toBe(0);
    expect(outcome.stdout).toMatch(/\| autocannon +\| +[\d,]+ \| +[\d,]+ \| +[\d,]+ \|/);
    const record = JSON.parse(readFileSync(output, "utf8"));
    expect(record.server.kind).toBe("node");
    expect(record.runs).toHaveLength(2);
    expect(record.runs.every((run) => run.ok && run.requests > 0)).toBe(true);
    expect(record.medians.autocannon).toBeGreaterThan(0);
    expect(record.ratios.loadcoreOverAutocannon).toBeNull();
  });
});

describe("bench/memory.mjs", () => {
  it("samples the generator's RSS during an autocannon run", async () => {
    const output = join(directory, "memory.json");
    const outcome = await script("memory.mjs", [
      "--tools",
      "autocannon",
      "--workers",
      "20",
      "--duration",
      "2",
      "--interval-ms",
      "100",
      "--output",
      output,
    ]);
    expect(outcome.stderr).toBe("");
    expect(outcome.exitCode).toBe(0);
    const record = JSON.parse(readFileSync(output, "utf8"));
    const [run] = record.runs;
    expect(run.tool).toBe("autocannon");
    expect(run.rss.samples).toBeGreaterThan(1);
    expect(run.rss.peakBytes).toBeGreaterThanOrEqual(run.rss.steadyBytes);
    expect(run.rss.steadyBytes).toBeGreaterThan(1_000_000);
    expect(run.requests).toBeGreaterThan(0);
    expect(record.ceilingRequestsPerSecond).toBe(200);
  });

  it("refuses a bad flag with exit code 2", async () => {
    const outcome = await script("memory.mjs", ["--workers", "many"]);
    expect(outcome.exitCode).toBe(2);
    expect(outcome.stderr.trim()).toBe('memory: --workers expects a whole number, got "many"');
  });

  it("accepts only Node flags in --node-options", async () => {
    const outcome = await script("memory.mjs", ["--node-options=--max-old-space-size=80 ; rm -rf /"]);
    expect(outcome.exitCode).toBe(2);
    expect(outcome.stderr).toContain("--node-options expects Node flags");
  });
});

describe("bench/concurrency.mjs", () => {
  it("refuses a level that is not a whole number with exit code 2", async () => {
    const outcome = await script("concurrency.mjs", ["--levels", "500,lots"]);
    expect(outcome.exitCode).toBe(2);
    expect(outcome.stderr.trim()).toBe(
      "concurrency: --levels expects integers from 1 to 20000, got 500,lots",
    );
  });

  it("measures loadcore and autocannon at each level against a delayed endpoint and writes the results JSON", async () => {
    const output = join(directory, "concurrency.json");
    const outcome = await script("concurrency.mjs", [
      "--levels",
      "20,40",
      "--rounds",
      "1",
      "--duration",
      "2",
      "--delay-ms",
      "50",
      "--server",
      "node",
      "--output",
      output,
    ]);
    expect(outcome.stderr).toBe("");
    expect(outcome.exitCode).toBe(0);
    const record = JSON.parse(readFileSync(output, "utf8"));
    expect(record.runs.map((run) => `${run.level} ${run.tool}`).sort()).toEqual([
      "20 autocannon",
      "20 loadcore",
      "40 autocannon",
      "40 loadcore",
    ]);
    expect(record.runs.every((run) => run.ok && run.requests > 0 && run.p50 >= 50)).toBe(true);
    expect(record.levels.map((level) => level.level)).toEqual([20, 40]);
    expect(record.levels.every((level) => level.rateRatio > 0 && level.p50Ratio > 0)).toBe(true);
    expect(outcome.stdout).toMatch(/\| +40 \| +[\d,]+ \| \d+ ms/);
  });
});

describe("bench/concurrency.mjs --baseline", () => {
  it("runs another loadcore build in the same rounds and pairs their requests per CPU-second", async () => {
    const output = join(directory, "concurrency-baseline.json");
    const outcome = await script("concurrency.mjs", [
      "--tools",
      "loadcore",
      "--baseline",
      "packages/loadcore/dist/cli.js",
      "--levels",
      "20",
      "--rounds",
      "1",
      "--duration",
      "2",
      "--delay-ms",
      "50",
      "--server",
      "node",
      "--output",
      output,
    ]);
    expect(outcome.stderr).toBe("");
    expect(outcome.exitCode).toBe(0);
    const record = JSON.parse(readFileSync(output, "utf8"));
    expect(record.runs.map((run) => run.tool).sort()).toEqual(["baseline", "loadcore"]);
    expect(record.levels[0].pairedPerCpuSecondOverBaseline).toHaveLength(1);
    expect(record.levels[0].pairedPerCpuSecondOverBaseline[0]).toBeGreaterThan(0);
    expect(outcome.stdout).toContain("20: loadcore / baseline per generator CPU-second, round by round:");
  });
});

describe("bench/side-by-side.mjs", () => {
  itWith(
    "time",
    "runs two builds at once and prints each one's CPU per request and their ratio, pair by pair",
    async () => {
      const output = join(directory, "side-by-side.json");
      const outcome = await script("side-by-side.mjs", [
        "--baseline",
        "packages/loadcore/dist/cli.js",
        "--workers",
        "10",
        "--pairs",
        "1",
        "--duration",
        "4",
        "--delay-ms",
        "20",
        "--server",
        "node",
        "--output",
        output,
      ]);
      expect(outcome.stderr).toBe("");
      expect(outcome.exitCode).toBe(0);
      const record = JSON.parse(readFileSync(output, "utf8"));
      expect(record.pairs).toHaveLength(1);
      const pair = record.pairs[0];
      for (const name of ["new", "baseline"]) {
        expect(pair.runs[name].steadyRequests).toBeGreaterThan(0);
        expect(pair.runs[name].cpuMicrosecondsPerRequest).toBeGreaterThan(0);
        expect(pair.runs[name].peakRssBytes).toBeGreaterThan(1_000_000);
      }
      expect(pair.cpuPerRequestRatio).toBeGreaterThan(0);
      expect(outcome.stdout).toMatch(/CPU per request, new \/ baseline: median \d+\.\d+x of 1 pairs/);
    },
  );

  it("refuses a run too short to leave a steady state with exit code 2", async () => {
    const outcome = await script("side-by-side.mjs", ["--duration", "3"]);
    expect(outcome.exitCode).toBe(2);
    expect(outcome.stderr).toContain("--duration");
  });
});

describe("bench/hello.mjs --baseline", () => {
  it("runs another loadcore build as the tool `baseline` in the same rounds", async () => {
    const output = join(directory, "hello-baseline.json");
    const outcome = await script("hello.mjs", [
      "--tools",
      "loadcore",
      "--baseline",
      "packages/loadcore/dist/cli.js",
      "--rounds",
      "1",
      "--duration",
      "1",
      "--warmup",
      "0",
      "--server",
      "node",
      "--output",
      output,
    ]);
    expect(outcome.stderr).toBe("");
    expect(outcome.exitCode).toBe(0);
    const record = JSON.parse(readFileSync(output, "utf8"));
    expect(record.runs.map((run) => run.tool).sort()).toEqual(["baseline", "loadcore"]);
    expect(record.ratios.loadcoreOverBaseline).toBeGreaterThan(0);
    expect(outcome.stdout).toContain("loadcore / baseline");
  });

  it("exits 3 when the baseline build is missing", async () => {
    const outcome = await script("hello.mjs", ["--tools", "loadcore", "--baseline", "no/such/cli.js"]);
    expect(outcome.exitCode).toBe(3);
    expect(outcome.stderr).toContain("no/such/cli.js is missing");
  });
});
