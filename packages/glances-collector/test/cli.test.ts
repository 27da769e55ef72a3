import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readMetricsFile } from "../src/metrics-reader.js";

const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "cli.js");
const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "glances-4.5.6-host.csv");

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "collector-cli-test-"));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const done = once(child, "exit").then(([code]) => ({ code: code as number | null, stdout, stderr }));
  return { child, done };
}

function run(args: string[]): Promise<Run> {
  return start(args).done;
}

describe("glances-collector CLI", () => {
  it("converts a Glances CSV into a metrics file", async () => {
    const out = join(directory, "converted.csv");
    const result = await run(["convert", FIXTURE, "--out", out]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("converted 24 rows (Glances 4.3.2+ columns");
    const file = await readMetricsFile(out);
    expect(file.samples).toHaveLength(24);
    expect(file.meta.source).toBe("glances-csv");
  });

  it("refuses an --out that is a directory with one line and exit 2, before starting any source", async () => {
    const result = await run(["--out", directory, "--duration", "1"]);
    expect(result.code).toBe(2);
    expect(result.stderr.split("\n")[0]).toBe(
      `glances-collector: --out ${directory} is a directory; expected a file (.csv or .ndjson)`,
    );
    expect(result.stderr).not.toContain("unexpected error");
    // Checked before the source starts: a missing Glances is not reached.
    const glances = await run([
      "--source",
      "glances",
      "--glances-command",
      "/nonexistent/glances",
      "--out",
      directory,
    ]);
    expect(glances.code).toBe(2);
    expect(glances.stderr).toContain(`--out ${directory} is a directory`);
    const missingDirectory = join(directory, "no-such-directory", "metrics.csv");
    const convert = await run(["convert", FIXTURE, "--out", missingDirectory]);
    expect(convert.code).toBe(2);
    expect(convert.stderr).toContain(`--out ${missingDirectory} cannot be written: no directory`);
  });

  it("collects for --duration seconds into NDJSON", async () => {
    const out = join(directory, "timed.ndjson");
    const result = await run([
      "--interval",
      "0.2",
      "--duration",
      "1",
      "--pid",
      String(process.pid),
      "--out",
      out,
    ]);
    expect(result.code).toBe(0);
    const file = await readMetricsFile(out);
    expect(file.meta).toMatchObject({ source: "native", intervalSeconds: 0.2, pid: process.pid });
    expect(file.samples.length).toBeGreaterThanOrEqual(1);
    expect(file.samples[0]?.values["process.rss"]).toBeGreaterThan(0);
  });

  it("ends cleanly on SIGTERM with every sample in the file", async () => {
    const out = join(directory, "signal.csv");
    const { child, done } = start(["--interval", "0.2", "--out", out]);
    // Bounded wait for a few rows to land in the file.
    for (let attempt = 0; attempt < 150; attempt++) {
      const text = await readFile(out, "utf8").catch(() => "");
      if (text.split("\n").filter((line) => /^\d/.test(line)).length >= 3) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill("SIGTERM");
    const result = await done;
    expect(result.code).toBe(0);
    const written = Number(/wrote (\d+) samples/.exec(result.stderr)?.[1]);
    const file = await readMetricsFile(out);
    expect(file.samples.length).toBeGreaterThanOrEqual(3);
    expect(file.samples).toHaveLength(written);
    expect((await readFile(out, "utf8")).endsWith("\n")).toBe(true);
  });

  it.each([
    [["--interval", "abc", "--out", "x.csv"], 2, '--interval "abc" is not a number'],
    [["--interval", "0", "--out", "x.csv"], 2, "interval 0 must be"],
    [["--pid", "1"], 2, "--out <file> is required"],
    [["--source", "smoke", "--out", "x.csv"], 2, '--source "smoke" is not one of'],
    [["--frobnicate", "--out", "x.csv"], 2, "Unknown option"],
    [["--pid", "4000000", "--out", "x.csv"], 7, "pid 4000000 not found"],
    [["--container", "ffffffff", "--out", "x.csv"], 7, "no matching cgroup"],
    [
      ["convert", "/nonexistent/glances.csv", "--out", "x.csv"],
      6,
      "file not found: /nonexistent/glances.csv",
    ],
    [["convert", "--out", "x.csv"], 2, "convert needs the Glances CSV file"],
    [
      ["--source", "rest", "--glances-url", "http://127.0.0.1:9", "--out", "x.csv"],
      7,
      "cannot reach Glances",
    ],
  ])("refuses %j with exit %i and a clear message", async (args, code, message) => {
    const result = await run(args.map((arg) => (arg === "x.csv" ? join(directory, "x.csv") : arg)));
    expect(result.stderr).toContain(message);
    expect(result.code).toBe(code);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("prints help", async () => {
    const result = await run(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("glances-collector convert glances.csv");
  });

  it("prints its version with --version and -V, as every sizer command", async () => {
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    for (const flag of ["--version", "-V"]) {
      const result = await run([flag]);
      expect(result.code, flag).toBe(0);
      expect(result.stdout).toBe(`${manifest.version}\n`);
    }
  });
});
