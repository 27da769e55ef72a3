// The verdict against services whose capacity is known and measured by the service itself in the same
// run (fixtures/ground-truth-service.mjs prints `truth {...}` into service.log when sizer stops it):
// the headline's capacity must be within 10% of that truth (over the same seconds of the run), with the right stop reason, evidence and
// bottleneck. One run each here; bench/verdict.mjs runs each several times and prints the spread.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./cli-run.js";
import { GROUND_TRUTH_RUNS, verdictAgainstTruth } from "./fixtures/truth.mjs";
import { fixture, temporaryFolder } from "./helpers.js";

const folder = temporaryFolder();
afterAll(() => folder.remove());

/** Runs `sizer run` on the ground-truth service in `mode`; returns its verdict and the truth to compare it with. */
async function sizeTruth(mode: keyof typeof GROUND_TRUTH_RUNS) {
  const { serviceEnv, load, env } = GROUND_TRUTH_RUNS[mode];
  const out = join(folder.path, mode);
  const outcome = await runCli(
    [
      "run",
      "--service-cmd",
      `node ${fixture("ground-truth-service.mjs")}`,
      ...Object.entries(serviceEnv).flatMap(([key, value]) => ["--service-env", `${key}=${value}`]),
      "--scenario",
      fixture("truth-scenario.ts"),
      ...load,
      "--out",
      out,
      "--json",
    ],
    { env },
  );
  const { summary, expected } = verdictAgainstTruth(out);
  if (expected === null)
    throw new Error(`the service measured no truth in ${out}: it never reached its limit`);
  return {
    summary,
    truth: expected,
    code: outcome.code,
    stderr: outcome.stderr,
    events: outcome.events,
  };
}

/**
 * The verdict's capacity is within 10% of the truth, or the verdict itself says the machine disturbed
 * the run (other processes' CPU, generator stalls, steal): on a busy shared machine both happen.
 */
function expectTruthOrDistrust(
  summary: { analysis: { trust: { trustworthy: boolean; warnings: string[] } } },
  measured: number | null,
  truth: number,
): void {
  expect(measured).not.toBeNull();
  const off = Math.abs((measured as number) - truth) / truth;
  if (off <= 0.1) return;
  const { trust } = summary.analysis;
  expect(
    trust.trustworthy,
    `capacity ${measured} req/s is ${Math.round(off * 100)}% off the truth ${truth}`,
  ).toBe(false);
  expect(trust.warnings.join(" ")).toMatch(
    /Other processes used|event loop stalled|lost CPU to its hypervisor/,
  );
}

describe("the verdict against ground-truth services", { timeout: 120_000 }, () => {
  it("a CPU-bound service: the capacity is its saturation level, CPU ran out, nothing failed", async () => {
    const { summary, truth, code, stderr } = await sizeTruth("cpu");
    expect(stderr).not.toMatch(/internal error/);
    expect(code).toBe(0);
    const { headline, capacity, bottleneck } = summary.analysis;
    expect(headline).not.toMatch(/No limit found/);
    expect(capacity.found).toBe(true);
    expect(["saturation", "decline"]).toContain(capacity.levelFrom);
    expectTruthOrDistrust(summary, capacity.throughput, truth);
    expect(bottleneck).toMatchObject({ resource: "cpu", scope: "service" });
    expect(bottleneck.evidence.join(" ")).not.toMatch(/Failures passed/);
  });

  it("a service whose work grows with the requests it served: the sustained level, the early peak beside it", async () => {
    const { summary, truth } = await sizeTruth("decline");
    const { headline, capacity, bottleneck } = summary.analysis;
    expect(capacity.levelFrom).toBe("decline");
    expectTruthOrDistrust(summary, capacity.throughput, truth);
    expect(capacity.decline?.peak.throughput ?? 0).toBeGreaterThan(1.5 * (capacity.throughput ?? 0));
    expect(headline).toMatch(/^One node sustains about [\d,]+ req\/s .* peaked at [\d,]+ req\/s/);
    expect(bottleneck.resource).toBe("cpu");
  });

  it("a service that answers 503 above K requests in progress: failures stop the run at K workers", async () => {
    const limit = Number(GROUND_TRUTH_RUNS.concurrency.serviceEnv.LIMIT);
    const { summary, truth } = await sizeTruth("concurrency");
    const { capacity, bottleneck } = summary.analysis;
    expect(capacity.stopReason).toBe("error-ratio");
    expect(capacity.workers).toBeGreaterThanOrEqual(limit * 0.9);
    expect(capacity.workers).toBeLessThanOrEqual(limit * 1.1);
    expectTruthOrDistrust(summary, capacity.throughput, truth);
    expect(bottleneck.evidence.join(" ")).toMatch(/Failures passed the 5% tolerance/);
    expect(bottleneck.resource).toBe("application");
  });

  it("a rate-limited service: failures stop the run at its rate", async () => {
    const { summary, truth } = await sizeTruth("rate");
    const { capacity, bottleneck } = summary.analysis;
    expect(capacity.stopReason).toBe("error-ratio");
    expectTruthOrDistrust(summary, capacity.throughput, truth);
    expect(bottleneck.resource).toBe("application");
  });

  it("a 200 req/s rate limit that one worker already passes: sizer suggests an arrival-rate ramp", async () => {
    const out = join(folder.path, "advice");
    const outcome = await runCli([
      "run",
      "--service-cmd",
      `node ${fixture("ground-truth-service.mjs")}`,
      ...["--service-env", "TRUTH_MODE=rate", "--service-env", "RATE=200"],
      ...["--scenario", fixture("truth-scenario.ts")],
      ...["--workers", "40", "--ramp-up", "40", "--sizing-window", "3"],
      ...["--sizing-min-samples", "50", "--duration", "30", "--out", out],
    ]);
    const { summary } = verdictAgainstTruth(out);
    const { capacity, modelAdvice } = summary.analysis;
    expect(capacity.stopReason, summary.analysis.headline).toBe("error-ratio");
    expect(capacity.workersAtStop).toBeLessThanOrEqual(5);
    const [flag, range, rampFlag, rampUp] = modelAdvice?.flags ?? [];
    expect([flag, rampFlag, rampUp]).toEqual(["--ramp-rate", "--ramp-up", "60"]);
    // the suggested ramp starts below the limit and climbs past it, so it can find it
    const [, from, to] = (/^(\d+):(\d+)$/.exec(range ?? "") ?? []).map(Number);
    expect(from).toBeLessThan(200);
    expect(to).toBeGreaterThan(200);
    expect(outcome.stderr).toContain(`warning: ${modelAdvice?.message}`);
    expect(outcome.stdout).toContain(`advice:      ${modelAdvice?.message}`);
    expect(readFileSync(join(out, "summary.md"), "utf8")).toContain(`--ramp-rate ${range} --ramp-up 60`);
  });

  it("with --model auto, a workers run that one worker already fails is sized again on the advised ramp, the first run kept", async () => {
    const out = join(folder.path, "auto");
    const outcome = await runCli([
      "run",
      "--service-cmd",
      `node ${fixture("ground-truth-service.mjs")}`,
      ...["--service-env", "TRUTH_MODE=rate", "--service-env", "RATE=200"],
      ...["--scenario", fixture("truth-scenario.ts")],
      ...["--workers", "40", "--ramp-up", "40", "--sizing-window", "5"],
      ...["--duration", "70", "--model", "auto", "--out", out],
    ]);
    expect(outcome.code, outcome.stderr).toBe(0);
    const kept = join(out, "workers-model");
    const switched =
      /--model auto: sizing again on an arrival rate, --ramp-rate (\d+):(\d+) --ramp-up 60 \(the workers run is kept in (.+)\)/.exec(
        outcome.stdout,
      );
    expect(switched, outcome.stdout).not.toBeNull();
    expect(switched?.[3]).toBe(kept);
    const { summary, expected } = verdictAgainstTruth(out);
    const truth = expected as number;
    const { headline, capacity } = summary.analysis;
    // the folder holds the arrival-rate run: its verdict in req/s
    expect(capacity.arrivalRate?.from).toBe(Number(switched?.[1]));
    expect(capacity.arrivalRate?.to).toBe(Number(switched?.[2]));
    expect(headline).toMatch(/^One node sustains about [\d,.]+ req\/s/);
    expect(Math.abs((capacity.throughput ?? 0) - truth) / truth, headline).toBeLessThanOrEqual(0.1);
    // no file of the workers run was overwritten: the whole run is in workers-model/, its own service's
    // truth and its own verdict, and each command.json says which run is the verdict
    const files = ["command.json", "loadcore.log", "metrics.csv", "report.html", "results.json"];
    files.push("service.log", "summary.json", "summary.md");
    expect(readdirSync(kept).sort()).toEqual(files);
    expect(readdirSync(out).sort()).toEqual([...files, "workers-model"].sort());
    const workers = verdictAgainstTruth(kept);
    expect(workers.truth.served).toBeGreaterThan(0);
    expect(workers.summary.analysis.capacity.arrivalRate ?? null).toBeNull();
    expect(workers.summary.analysis.modelAdvice?.flags.slice(0, 2)).toEqual([
      "--ramp-rate",
      `${switched?.[1]}:${switched?.[2]}`,
    ]);
    const readRecord = (dir: string) => JSON.parse(readFileSync(join(dir, "command.json"), "utf8"));
    const [verdictRecord, workersRecord] = [readRecord(out), readRecord(kept)];
    expect(verdictRecord.modelAuto).toMatchObject({
      model: "arrival-rate",
      verdict: true,
      otherRun: "workers-model",
    });
    expect(workersRecord.modelAuto).toMatchObject({ model: "workers", verdict: false, otherRun: ".." });
    expect(workersRecord.load.workers).toBe(40);
    expect(verdictRecord.load.workers).toBeUndefined();
    expect(workersRecord.status).toBe("complete");
  });

  it("a 200 req/s rate limit sized on an arrival-rate ramp: the headline states it in req/s", async () => {
    const { summary, truth, code, stderr, events } = await sizeTruth("rate-arrival");
    expect(stderr).not.toMatch(/internal error/);
    expect(code).toBe(0);
    const { headline, capacity } = summary.analysis;
    expect(capacity.stopReason).toBe("error-ratio");
    const stated = /^One node sustains about ([\d,.]+) req\/s \([\d,.]+ scenario runs\/s\)/.exec(headline);
    expect(stated, headline).not.toBeNull();
    const requests = Number((stated?.[1] ?? "").replaceAll(",", ""));
    expect(Math.abs(requests - truth) / truth, `${headline} (truth ${truth} req/s)`).toBeLessThanOrEqual(0.1);
    expect(headline).toMatch(/a pool of \d+ workers \(an upper bound/);
    // the progress follows the target rate, not the pool's bound
    const rates = events
      .filter((event) => event.event === "progress")
      .map((event) => event.rate as { target: number; achieved: number; to: number } | undefined);
    expect(rates.length).toBeGreaterThan(0);
    expect(rates.every((rate) => rate !== undefined && rate.to === 300 && rate.target >= 100)).toBe(true);
  });

  it("a CPU-bound service sized on an arrival-rate ramp: the capacity in req/s is its CPU capacity over the same seconds", async () => {
    const { summary, truth, code, stderr } = await sizeTruth("cpu-arrival");
    expect(stderr).not.toMatch(/internal error/);
    expect(code).toBe(0);
    const { headline, capacity } = summary.analysis;
    // past its CPU capacity an open model only queues: the achieved rate stops following the target
    expect(capacity.stopReason, headline).toBe("plateau");
    expect(capacity.found).toBe(true);
    expect(headline).toMatch(
      /^One node sustains about [\d,.]+ req\/s \([\d,.]+ scenario runs\/s\): the achieved rate stopped following the target/,
    );
    expect(capacity.arrivalRate?.requestsPerSecond).toBe(capacity.throughput);
    // the truth: the requests the service served per second of busy event loop, from the plateau's
    // start to the stop (fixtures/truth.mjs)
    expectTruthOrDistrust(summary, capacity.throughput, truth);
  });
});
