import { describe, expect, it } from "vitest";
import { formatMegabytes, formatRate, formatRatio, markdownTable } from "../lib/format.mjs";
import { resolvePinning } from "../lib/pinning.mjs";
import { summariseRss } from "../lib/rss-sampler.mjs";
import { rotate } from "../lib/schedule.mjs";
import { bootstrapMedianInterval, median, pairedRatios, ratio } from "../lib/statistics.mjs";

describe("median and ratio", () => {
  it("takes the middle value, or the mean of the two middle ones, whatever the order", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([10, 40, 20, 30])).toBe(25);
    expect(median([])).toBeUndefined();
  });

  it("has no ratio without both values or with a zero divisor", () => {
    expect(ratio(30, 10)).toBe(3);
    expect(ratio(undefined, 10)).toBeUndefined();
    expect(ratio(5, 0)).toBeUndefined();
  });
});

describe("pairedRatios and bootstrapMedianInterval", () => {
  it("pairs the runs of each round, leaving out rounds where either run failed or is missing", () => {
    const runs = [
      { tool: "loadcore", round: 2, ok: true, requestsPerSecond: 90 },
      { tool: "autocannon", round: 1, ok: true, requestsPerSecond: 100 },
      { tool: "loadcore", round: 1, ok: true, requestsPerSecond: 110 },
      { tool: "autocannon", round: 2, ok: true, requestsPerSecond: 100 },
      { tool: "autocannon", round: 3, ok: false, requestsPerSecond: 100 },
      { tool: "loadcore", round: 3, ok: true, requestsPerSecond: 100 },
      { tool: "loadcore", round: 4, ok: true, requestsPerSecond: 100 },
    ];
    expect(pairedRatios(runs, "loadcore", "autocannon")).toEqual([1.1, 0.9]);
    expect(pairedRatios(runs, "loadcore", "molotov")).toEqual([]);
  });

  it("pairs another figure of the runs when asked (requests per CPU-second)", () => {
    const runs = [
      { tool: "loadcore", round: 1, ok: true, requestsPerSecond: 100, requestsPerCpuSecond: 3000 },
      { tool: "baseline", round: 1, ok: true, requestsPerSecond: 100, requestsPerCpuSecond: 2000 },
      { tool: "loadcore", round: 2, ok: true, requestsPerSecond: 100, requestsPerCpuSecond: 1000 },
      { tool: "baseline", round: 2, ok: true, requestsPerSecond: 100, requestsPerCpuSecond: 2000 },
    ];
    expect(pairedRatios(runs, "loadcore", "baseline", "requestsPerCpuSecond")).toEqual([1.5, 0.5]);
    expect(pairedRatios(runs, "loadcore", "baseline")).toEqual([1, 1]);
  });

  it("brackets the median, narrows with agreeing rounds and is the same for the same values", () => {
    const spread = [0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.2];
    const interval = bootstrapMedianInterval(spread);
    expect(interval).toBeDefined();
    if (interval === undefined) return;
    expect(interval.low).toBeLessThanOrEqual(1.0);
    expect(interval.high).toBeGreaterThanOrEqual(1.0);
    expect(interval.low).toBeGreaterThanOrEqual(0.8);
    expect(interval.high).toBeLessThanOrEqual(1.2);
    expect(bootstrapMedianInterval(spread)).toEqual(interval);
    const tight = bootstrapMedianInterval([0.99, 1.0, 1.0, 1.0, 1.01, 1.0, 1.0]);
    expect(tight).toEqual({ low: 1.0, high: 1.0 });
    expect(bootstrapMedianInterval([1, 2])).toBeUndefined();
  });
});

describe("rotate", () => {
  it("starts each round with the next tool so that none always runs first", () => {
    const tools = ["autocannon", "loadcore", "molotov"];
    expect(rotate(tools, 0)).toEqual(["autocannon", "loadcore", "molotov"]);
    expect(rotate(tools, 1)).toEqual(["loadcore", "molotov", "autocannon"]);
    expect(rotate(tools, 2)).toEqual(["molotov", "autocannon", "loadcore"]);
    expect(rotate(tools, 3)).toEqual(tools);
  });
});

describe("summariseRss", () => {
  it("reports the peak over the run and the median of its second half as steady", () => {
    const samples = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((second) => ({
      seconds: second,
      bytes: second === 2 ? 900 : second < 4 ? 100 * second : 500 + second,
      processes: 1,
    }));
    expect(summariseRss(samples)).toEqual({ peakBytes: 900, steadyBytes: 506, samples: 9 });
    expect(summariseRss([])).toEqual({ peakBytes: undefined, steadyBytes: undefined, samples: 0 });
  });
});

describe("resolvePinning", () => {
  it("pins generator and server to their CPUs when taskset and enough CPUs are there", () => {
    expect(
      resolvePinning({
        pin: true,
        generatorCpu: 0,
        serverCpu: 1,
        cpus: 2,
        findTaskset: () => "/usr/bin/taskset",
      }),
    ).toEqual({
      taskset: "/usr/bin/taskset",
      generatorCpu: 0,
      serverCpu: 1,
      note: undefined,
    });
  });

  it("refuses to pin the generator and the server to the same CPU, unless pinning is off", () => {
    const same = { generatorCpu: 1, serverCpu: 1, cpus: 2, findTaskset: () => "/usr/bin/taskset" };
    expect(() => resolvePinning({ pin: true, ...same })).toThrow(
      expect.objectContaining({
        code: "ERR_BENCH_USAGE",
        exitCode: 2,
        message: expect.stringContaining("must differ"),
      }),
    );
    expect(resolvePinning({ pin: false, ...same }).taskset).toBeUndefined();
  });

  it("runs unpinned with a note saying why", () => {
    const noTaskset = resolvePinning({
      pin: true,
      generatorCpu: 0,
      serverCpu: 1,
      cpus: 2,
      findTaskset: () => undefined,
    });
    expect(noTaskset.taskset).toBeUndefined();
    expect(noTaskset.note).toContain("taskset not found");
    const oneCpu = resolvePinning({
      pin: true,
      generatorCpu: 0,
      serverCpu: 1,
      cpus: 1,
      findTaskset: () => "/usr/bin/taskset",
    });
    expect(oneCpu.note).toContain("only 1 CPU");
    expect(
      resolvePinning({ pin: false, generatorCpu: 0, serverCpu: 1, cpus: 2, findTaskset: () => "t" }).note,
    ).toContain("--no-pin");
  });
});

describe("formatting", () => {
  it("renders rates, ratios and sizes, with a dash for what was not measured", () => {
    expect(formatRate(24_012.6)).toBe("24,013");
    expect(formatRatio(0.9964)).toBe("0.996x");
    expect(formatRatio(11.084)).toBe("11.08x");
    expect(formatRatio(null)).toBe("—");
    expect(formatMegabytes(123_450_000)).toBe("123.5 MB");
    expect(formatRate(undefined)).toBe("—");
  });

  it("right-aligns numeric columns of a Markdown table", () => {
    const table = markdownTable(
      ["tool", "req/s"],
      [
        ["autocannon", "24,013"],
        ["molotov", "2,200"],
      ],
    );
    expect(table.split("\n")).toEqual([
      "| tool       |  req/s |",
      "|------------|-------:|",
      "| autocannon | 24,013 |",
      "| molotov    |  2,200 |",
    ]);
  });
});
