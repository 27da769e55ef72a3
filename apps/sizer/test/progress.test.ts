import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { formatSnapshot, ProgressReporter, type ProgressSnapshot } from "../src/progress.js";

class Buffered extends Writable {
  text = "";
  isTTY: boolean;
  constructor(isTTY = false) {
    super();
    this.isTTY = isTTY;
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const snapshot: ProgressSnapshot = {
  phase: "ramping",
  elapsedSeconds: 75,
  remainingSeconds: 30,
  workers: 40,
  totalWorkers: 150,
  throughput: 1234.4,
  errorRatio: 1.25,
  p95Ms: 12.345,
  serviceCpuPercent: 97.6,
  serviceRssBytes: 80 * 1024 * 1024,
  hostCpuPercent: 55,
};

describe("progress", () => {
  it("formats the live figures a person follows", () => {
    expect(formatSnapshot(snapshot)).toBe(
      "ramping up 40/150 workers | 1234 req/s | errors 1.3% | p95 12.3 ms | service CPU 98% | RSS 80 MiB | host CPU 55% | elapsed 1m15s, ~30s left at most",
    );
  });

  it("leads with the target and achieved rate of an arrival-rate ramp, not the pool's bound", () => {
    const line = formatSnapshot({
      ...snapshot,
      workers: 9,
      totalWorkers: 1000,
      rate: { target: 120.4, achieved: 117.6, to: 300 },
    });
    expect(line).toBe(
      "ramping up target 120/300 runs/s, achieved 118 runs/s, 9 workers | 1234 req/s | errors 1.3% | p95 12.3 ms | service CPU 98% | RSS 80 MiB | host CPU 55% | elapsed 1m15s, ~30s left at most",
    );
    expect(line).not.toContain("/1000");
  });

  it("prints phases and periodic lines off a terminal, warnings on stderr", () => {
    const stdout = new Buffered();
    const stderr = new Buffered();
    const reporter = new ProgressReporter({ mode: "human", stdout, stderr, plainEvery: 5 });
    reporter.phase("starting-service", "node server.mjs");
    for (let second = 1; second <= 10; second += 1) reporter.update({ ...snapshot, elapsedSeconds: second });
    reporter.warn("shared cores");
    reporter.verdict("the verdict", {});
    const lines = stdout.text.trim().split("\n");
    expect(lines[0]).toBe("» starting the service: node server.mjs");
    expect(lines[1]).toBe("» ramping up");
    expect(lines.filter((line) => line.includes("req/s"))).toHaveLength(2);
    expect(lines.at(-1)).toBe("the verdict");
    expect(stderr.text).toBe("warning: shared cores\n");
  });

  it("rewrites one status line on a terminal", () => {
    const stdout = new Buffered(true);
    const reporter = new ProgressReporter({ mode: "human", stdout, stderr: new Buffered() });
    reporter.update(snapshot);
    reporter.update({ ...snapshot, workers: 41 });
    reporter.close();
    expect(stdout.text.split("\r\u001b[K")).toHaveLength(3);
    expect(stdout.text.endsWith("\n")).toBe(true);
  });

  it("writes JSON events in json mode and nothing but warnings in quiet mode", () => {
    const stdout = new Buffered();
    const json = new ProgressReporter({ mode: "json", stdout, stderr: new Buffered(), now: () => 0 });
    json.phase("analysing");
    json.update(snapshot);
    json.verdict("ignored", { status: "complete" });
    const events = stdout.text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { event: string });
    expect(events.map((event) => event.event)).toEqual(["phase", "phase", "progress", "verdict"]);
    expect(events[3]).toEqual({ event: "verdict", time: "1970-01-01T00:00:00.000Z", status: "complete" });

    const quietOut = new Buffered();
    const quietErr = new Buffered();
    const quiet = new ProgressReporter({ mode: "quiet", stdout: quietOut, stderr: quietErr });
    quiet.phase("analysing");
    quiet.update(snapshot);
    quiet.warn("careful");
    quiet.verdict("verdict", {});
    expect(quietOut.text).toBe("");
    expect(quietErr.text).toBe("warning: careful\n");
  });
});
