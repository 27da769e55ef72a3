import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { escapeHtml } from "@sizer/report";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./cli-run.js";
import { alive, demoServiceDir, fixture, temporaryFolder } from "./helpers.js";

const folder = temporaryFolder();
afterAll(() => folder.remove());

/** Short sizings: a small window, a short ramp, and a hard upper bound on the run. */
const shortSizing = ["--sizing-window", "3", "--duration", "60", "--json"];

interface Verdict {
  status: string;
  partial: boolean;
  headline: string;
  capacity: { found: boolean; workers: number | null; throughput: number | null; stopReason: string | null };
  bottleneck: { resource: string; scope: string; summary: string };
  outDir: string;
  report: string;
}

function verdictOf(events: Array<Record<string, unknown>>): Verdict {
  const verdict = events.find((event) => event.event === "verdict");
  if (!verdict) throw new Error(`no verdict event in ${JSON.stringify(events.map((event) => event.event))}`);
  return verdict as unknown as Verdict;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

describe("sizer run, end to end", () => {
  it("sizes the demo service: output folder, verdict, report, and 'sizer report' rebuilds it", {
    timeout: 180_000,
  }, async () => {
    const out = join(folder.path, "demo");
    const outcome = await runCli([
      "run",
      "--service-cmd",
      "node server.mjs",
      "--service-cwd",
      demoServiceDir,
      "--scenario",
      join(demoServiceDir, "loadtest.ts"),
      "--workers",
      "60",
      "--ramp-up",
      "8",
      ...shortSizing,
      "--out",
      out,
    ]);
    expect(outcome.stderr).not.toMatch(/internal error/);
    expect(outcome.code).toBe(0);
    for (const file of [
      "report.html",
      "results.json",
      "metrics.csv",
      "summary.md",
      "summary.json",
      "service.log",
      "command.json",
      "loadcore.log",
    ]) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
    const phases = outcome.events.filter((event) => event.event === "phase").map((event) => event.phase);
    expect(phases).toEqual(expect.arrayContaining(["starting-service", "warming-up", "analysing", "done"]));
    expect(
      outcome.events.some((event) => event.event === "progress" && typeof event.throughput === "number"),
    ).toBe(true);

    const verdict = verdictOf(outcome.events);
    expect(verdict).toMatchObject({
      status: "complete",
      partial: false,
      outDir: out,
      report: join(out, "report.html"),
    });
    expect(["error-ratio", "latency", "capacity-above-max-load", "duration"]).toContain(
      verdict.capacity.stopReason,
    );
    expect(["cpu", "memory", "disk", "network", "application", "generator", "unknown"]).toContain(
      verdict.bottleneck.resource,
    );
    expect(verdict.headline.length).toBeGreaterThan(20);

    const results = readJson<{ format: string; requests: number; sizing: { stopReason: string } }>(
      join(out, "results.json"),
    );
    expect(results.format).toBe("loadcore-results");
    expect(results.requests).toBeGreaterThan(100);
    expect(results.sizing.stopReason).toBe(verdict.capacity.stopReason);
    const metrics = readFileSync(join(out, "metrics.csv"), "utf8");
    expect(metrics).toContain("# format: sizer-metrics");
    expect(metrics).toMatch(/^time,.*process\.cpu\.percent/m);
    const record = readJson<{
      status: string;
      argv: string[];
      versions: Record<string, string>;
      service: { pid: number };
      host: { cpus: number };
    }>(join(out, "command.json"));
    expect(record.status).toBe("complete");
    expect(record.argv.slice(0, 3)).toEqual(["sizer", "run", "--service-cmd"]);
    expect(Object.keys(record.versions)).toEqual(
      expect.arrayContaining(["node", "sizer", "@sizer/loadcore", "@sizer/report"]),
    );
    expect(alive(record.service.pid)).toBe(false);
    expect(readFileSync(join(out, "service.log"), "utf8")).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);

    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toContain(escapeHtml(verdict.bottleneck.summary));
    expect(readFileSync(join(out, "summary.md"), "utf8").length).toBeGreaterThan(100);

    rmSync(join(out, "report.html"));
    const badBundle = await runCli(["report", out, "--plotly", "gl3d"]);
    expect(badBundle.code).toBe(2);
    expect(badBundle.stderr).toContain('--plotly must be one of basic, full, got "gl3d"');
    expect(existsSync(join(out, "report.html"))).toBe(false);
    expect(html).toMatch(/<meta name="sizer-report:plotly" content="plotly\.js-basic-dist-min /);
    const rebuilt = await runCli(["report", out, "--plotly", "full"]);
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stdout).toContain(verdict.headline);
    const rebuiltHtml = readFileSync(join(out, "report.html"), "utf8");
    expect(rebuiltHtml).toContain(escapeHtml(verdict.bottleneck.summary));
    expect(rebuiltHtml).toMatch(/<meta name="sizer-report:plotly" content="plotly\.js-dist-min /);
  });

  it("finds the capacity of a service that rejects above 20 concurrent requests, within 10%", {
    timeout: 150_000,
  }, async () => {
    const capacity = 20;
    const out = join(folder.path, "capacity");
    const outcome = await runCli([
      "run",
      "--service-cmd",
      `node ${fixture("capacity-server.mjs")}`,
      "--service-env",
      `CAPACITY=${capacity}`,
      "--service-env",
      "HOLD_MS=50",
      "--scenario",
      fixture("hello.ts"),
      "--workers",
      "40",
      "--ramp-up",
      "20",
      ...shortSizing,
      "--out",
      out,
    ]);
    expect(outcome.code).toBe(0);
    const verdict = verdictOf(outcome.events);
    expect(verdict.capacity.stopReason).toBe("error-ratio");
    expect(verdict.capacity.workers).toBeGreaterThanOrEqual(capacity * 0.9);
    expect(verdict.capacity.workers).toBeLessThanOrEqual(capacity * 1.1);
  });

  it("names CPU for a CPU-bound service", { timeout: 150_000 }, async () => {
    const out = join(folder.path, "cpu");
    const outcome = await runCli([
      "run",
      "--service-cmd",
      `node ${fixture("cpu-server.mjs")}`,
      "--service-env",
      "COST_MS=4",
      "--scenario",
      fixture("hello.ts"),
      "--workers",
      "40",
      "--ramp-up",
      "20",
      ...shortSizing,
      "--out",
      out,
    ]);
    expect(outcome.code).toBe(0);
    const verdict = verdictOf(outcome.events);
    expect(verdict.bottleneck.resource).toBe("cpu");
    expect(verdict.headline).toMatch(/CPU/);
  });

  it("writes a partial report and a clear error when the service dies mid-run", {
    timeout: 150_000,
  }, async () => {
    const out = join(folder.path, "dies");
    const outcome = await runCli([
      "run",
      "--service-cmd",
      `node ${fixture("dying-server.mjs")}`,
      "--service-env",
      "DIE_AFTER=300",
      "--scenario",
      fixture("hello.ts"),
      "--workers",
      "20",
      "--ramp-up",
      "20",
      ...shortSizing,
      "--out",
      out,
    ]);
    expect(outcome.code).toBe(4);
    expect(outcome.stderr).toContain(
      "sizer: the service exited during the run (exit code 3); the report is partial",
    );
    expect(outcome.stderr).toContain("fatal: out of widgets after 300 requests");
    const verdict = verdictOf(outcome.events);
    expect(verdict).toMatchObject({ status: "service-died", partial: true });
    expect(existsSync(join(out, "report.html"))).toBe(true);
    const record = readJson<{
      status: string;
      serviceExit: { code: number | null; signal: string | null; atSeconds: number | null };
    }>(join(out, "command.json"));
    expect(record.status).toBe("service-died");
    expect(record.serviceExit).toMatchObject({ code: 3, signal: null, atSeconds: expect.any(Number) });
    const results = readJson<{ durationSeconds: number }>(join(out, "results.json"));
    expect(record.serviceExit.atSeconds).toBeGreaterThanOrEqual(0);
    expect(record.serviceExit.atSeconds).toBeLessThanOrEqual(results.durationSeconds + 1);

    interface Summary {
      analysis: { headline: string; trust: { partial: boolean } };
      metadata: { serviceExit?: unknown };
    }
    const summary = readJson<Summary>(join(out, "summary.json"));
    expect(summary.analysis.trust.partial).toBe(true);
    expect(summary.metadata.serviceExit).toEqual(record.serviceExit);
    // The verdict is the death, not "No limit found ... Nothing ran out".
    expect(summary.analysis.headline).toMatch(/service (died|exited)/i);
    expect(summary.analysis.headline).not.toMatch(/no limit found/i);
    expect(verdict.headline).toBe(summary.analysis.headline);
    // (the partial-run note alone says "the service exited"; the verdict now says it died)
    expect(readFileSync(join(out, "summary.md"), "utf8")).toMatch(/service died/i);
    expect(readFileSync(join(out, "report.html"), "utf8")).toMatch(/partial/i);

    // 'sizer report DIR' reads the death back from command.json.
    rmSync(join(out, "summary.json"));
    const rebuilt = await runCli(["report", out]);
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stdout).toContain(summary.analysis.headline);
    expect(readJson<Summary>(join(out, "summary.json")).metadata.serviceExit).toEqual(record.serviceExit);
  });
});
