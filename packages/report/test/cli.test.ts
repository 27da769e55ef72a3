import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/run-cli.js";
import { syntheticRun, toMetricsCsv, toMetricsNdjson } from "./helpers/synthetic-run.js";

const directory = mkdtempSync(join(tmpdir(), "sizer-report-cli-"));
const run = syntheticRun({ kind: "memory", seconds: 90 });
const resultsPath = join(directory, "results.json");
const metricsPath = join(directory, "metrics.csv");
const ndjsonPath = join(directory, "metrics.ndjson");
const metadataPath = join(directory, "metadata.json");
writeFileSync(resultsPath, JSON.stringify(run.results));
writeFileSync(metricsPath, toMetricsCsv(run.metrics));
writeFileSync(ndjsonPath, toMetricsNdjson(run.metrics));
writeFileSync(
  metadataPath,
  JSON.stringify({ ...run.metadata, partial: true, partialReason: "the service was OOM-killed" }),
);

async function cli(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

describe("sizer-report", () => {
  it("builds the three files from --results, --metrics and --metadata", async () => {
    const outDir = join(directory, "out");
    const result = await cli([
      "--results",
      resultsPath,
      "--metrics",
      metricsPath,
      "--metadata",
      metadataPath,
      "-o",
      outDir,
      "--generated-at",
      "2026-11-26T07:00:00Z",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("What ran out first: memory of the service's container");
    expect(result.stdout).toContain(`wrote ${join(outDir, "summary.json")}`);
    const summary = JSON.parse(readFileSync(join(outDir, "summary.json"), "utf8"));
    expect(summary.analysis.bottleneck.resource).toBe("memory");
    expect(summary.run.partial).toBe(true);
    const html = readFileSync(join(outDir, "report.html"), "utf8");
    expect(html).toContain("PARTIAL RUN: the service was OOM-killed");
    expect(html).toMatch(/<meta name="sizer-report:plotly" content="plotly\.js-basic-dist-min \d/);
  });

  it("reads NDJSON metrics and writes only the HTML with --html, printing the analysis with --json", async () => {
    const htmlPath = join(directory, "only.html");
    const result = await cli([
      "--results",
      resultsPath,
      "--metrics",
      ndjsonPath,
      "--html",
      htmlPath,
      "--json",
      "--title",
      "Nightly",
      "--plotly",
      "full",
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).bottleneck.rule).toBe("memory-limit");
    const html = readFileSync(htmlPath, "utf8");
    expect(html).toContain("<title>Nightly</title>");
    expect(html).toMatch(/<meta name="sizer-report:plotly" content="plotly\.js-dist-min \d/);
  });

  it.each([
    [[], 2, "--results: required"],
    [["--results", resultsPath, "--bogus"], 2, "Unknown option '--bogus'"],
    [["--results", resultsPath, "-o", "a", "--html", "b.html"], 2, "give either -o/--out-dir or --html"],
    [
      ["--results", resultsPath, "--generated-at", "soon", "-o", join(directory, "x")],
      2,
      "generatedAt: expected an ISO 8601 time",
    ],
    [["--results", resultsPath, "--tolerance", "120"], 2, "--tolerance: expected a percentage from 0 to 100"],
    [["--results", resultsPath, "--service-cores", "zero"], 2, "--service-cores: expected a positive number"],
    [["--results", resultsPath, "--plotly", "gl"], 2, '--plotly: expected basic or full, got "gl"'],
    [["--results", resultsPath, "--plotly"], 2, "Option '--plotly <value>' argument missing"],
    [["--results", join(directory, "nope.json")], 6, "nope.json: cannot read the results file: no such file"],
    [["--results", metricsPath], 6, "metrics.csv: not valid JSON"],
    [
      ["--results", resultsPath, "--metrics", resultsPath, "-o", join(directory, "y")],
      6,
      "results.json: line 1",
    ],
    [["--results", resultsPath, "--html", join(directory, "missing-dir", "r.html")], 6, "cannot write"],
  ])("rejects %j with exit code %i", async (argv, code, message) => {
    const result = await cli(argv as string[]);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("refuses sizer's command.json as metadata, saying what to run, and reads keys it does not know", async () => {
    // The command.json of a `sizer run` folder, as sizer writes it: not run metadata.
    const commandPath = join(directory, "command.json");
    writeFileSync(
      commandPath,
      JSON.stringify({
        format: "sizer-run",
        formatVersion: 1,
        argv: ["sizer", "run", "--", "node", "service.js"],
        cwd: "/work",
        startedAt: "2026-11-26T06:50:00.000Z",
        status: "complete",
        versions: { sizer: "0.1.0" },
        host: { hostname: "vm", cpus: 2 },
      }),
    );
    const outDir = join(directory, "from-command-json");
    const command = await cli(["--results", resultsPath, "--metadata", commandPath, "-o", outDir]);
    expect(command.code).toBe(6);
    expect(command.stderr).toContain(
      `${commandPath}: this is the command.json of a sizer run, not run metadata`,
    );
    expect(command.stderr).toContain("use `sizer report DIR` to rebuild a sizer run's report");
    expect(existsSync(outDir)).toBe(false);

    // docs/formats.md's one compatibility policy: a key this version does not know is read, not refused.
    const newerPath = join(directory, "newer-metadata.json");
    writeFileSync(newerPath, JSON.stringify({ target: "http://127.0.0.1:8080", addedLater: true }));
    const newer = await cli(["--results", resultsPath, "--metadata", newerPath, "-o", outDir]);
    expect(newer.code, newer.stderr).toBe(0);
  });

  it("runs as a bin with the documented exit codes", () => {
    const bin = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
    expect(existsSync(bin), "build the package first: pnpm --filter @sizer/report build").toBe(true);
    const help = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("Usage: sizer-report --results results.json");
    const missing = spawnSync(process.execPath, [bin, "--results", join(directory, "absent.json")], {
      encoding: "utf8",
    });
    expect(missing.status).toBe(6);
    expect(missing.stderr.trim()).toBe(
      `sizer-report: ${join(directory, "absent.json")}: cannot read the results file: no such file`,
    );
  });

  it("writes its files and exits 0 when the reader of its output went away (| head)", async () => {
    const bin = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
    const out = join(directory, "piped");
    const child = spawn(process.execPath, [bin, "--results", resultsPath, "-o", out], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.destroy(); // the pipe is closed before the verdict is printed: its write gets EPIPE
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).not.toContain("EPIPE");
    expect(code).toBe(0);
    for (const file of ["report.html", "summary.md", "summary.json"])
      expect(existsSync(join(out, file))).toBe(true);
  });
});
