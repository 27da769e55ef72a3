// The trust badge checks the machine: other processes' CPU, the generator's event-loop stalls, CPU
// steal, and a service core shared with other processes.
import { describe, expect, it } from "vitest";
import { analyze } from "../src/analyze.js";
import { MetricsBuilder } from "../src/inputs/metrics-builder.js";
import { type Model, metricsOf, resultsOf, START_MS, timelineOf } from "./helpers/model-run.js";

const MiB = 1024 * 1024;
const steady: Model = { seconds: 40, workers: (t) => 1 + t, throughput: (_t, workers) => workers * 20 };

describe("the trust badge checks the machine", () => {
  it("is lowered by other processes' CPU: the host's minus the service's and the generator's", () => {
    // Host 90% of 2 cores = 180; service 60, generator 20 (the model's): 1 core of other work.
    const busy = metricsOf(
      40,
      () => 60,
      () => 60 * MiB,
      () => ({ "host.cpu.percent": 90 }),
    );
    const analysis = analyze({ results: resultsOf(timelineOf(steady)), metrics: busy });
    expect(analysis.trust.trustworthy).toBe(false);
    expect(analysis.trust.warnings.join(" ")).toMatch(
      /^Other processes used 1\.00 of the host's 2 cores \(median over the loaded run/,
    );
    // Host 42% of 2 cores = 84: the service and the generator's 80 and nothing else.
    const quiet = metricsOf(
      40,
      () => 60,
      () => 60 * MiB,
      () => ({ "host.cpu.percent": 42 }),
    );
    const calm = analyze({ results: resultsOf(timelineOf(steady)), metrics: quiet });
    expect(calm.trust.warnings.join(" ")).not.toMatch(/Other processes/);
    expect(calm.trust.trustworthy).toBe(true);
  });

  it("counts a container's CPU as the service's (a service run with --image has no process tree)", () => {
    // Host 90% of 2 cores = 180; the container 60, the generator 20: 1 core of other work.
    const builder = new MetricsBuilder();
    for (let t = 0; t < 40; t++) {
      const index = builder.addSample(START_MS + t * 1000 + 500);
      builder.set("host.cpu.count", index, 2);
      builder.set("host.cpu.percent", index, 90);
      builder.set("container.sizer_1_abc.cpu.percent", index, 60);
    }
    const metrics = builder.build({ format: "sizer-metrics", formatVersion: 1, source: "native", extra: {} });
    const analysis = analyze({ results: resultsOf(timelineOf(steady)), metrics });
    expect(analysis.trust.trustworthy).toBe(false);
    expect(analysis.trust.warnings.join(" ")).toMatch(/^Other processes used 1\.00 of the host's 2 cores/);
  });

  it("is lowered by a generator stall at the failure onset, with its figure", () => {
    const stalled: Model = {
      ...steady,
      failedShare: (t) => (t >= 30 ? 0.3 : 0),
      eventLoopDelayMs: (t) => (t === 30 ? 540 : 2),
    };
    const analysis = analyze({ results: resultsOf(timelineOf(stalled)) });
    expect(analysis.onset.failureSeconds).toBe(30);
    expect(analysis.trust.trustworthy).toBe(false);
    expect(analysis.trust.warnings.join(" ")).toMatch(
      /stalled in 1 of 40 loaded seconds \(p99 delay 100 ms or more, up to 540 ms at 30 s\), at the failure onset \(30 s\)/,
    );
    // The same stall alone, away from any failure or latency jump, is not enough.
    const lone: Model = { ...steady, eventLoopDelayMs: (t) => (t === 10 ? 540 : 2) };
    expect(analyze({ results: resultsOf(timelineOf(lone)) }).trust.trustworthy).toBe(true);
  });

  it("says when a stall coincides with a latency jump", () => {
    const jumping: Model = {
      ...steady,
      eventLoopDelayMs: (t) => (t === 20 ? 300 : 2),
      extraLatencyMs: (t) => (t === 20 ? 300 : 0),
    };
    const analysis = analyze({ results: resultsOf(timelineOf(jumping)) });
    expect(analysis.trust.warnings.join(" ")).toMatch(
      /with 1 latency jump \(p95 3x the seconds before, at 20 s\)/,
    );
  });

  it("is lowered by CPU steal", () => {
    const stolen = metricsOf(
      40,
      () => 60,
      () => 60 * MiB,
      () => ({ "host.cpu.steal": 12 }),
    );
    const analysis = analyze({ results: resultsOf(timelineOf(steady)), metrics: stolen });
    expect(analysis.trust.trustworthy).toBe(false);
    expect(analysis.trust.warnings.join(" ")).toMatch(/steal 12% \(median over the loaded run/);
  });
});

describe("a service pinned to a core that other processes share", () => {
  const cpuBound: Model = { seconds: 40, workers: (t) => 1 + Math.floor(t / 4), throughput: () => 150 };

  it("names the service's CPU when its core is full though its own share is not", () => {
    const metrics = metricsOf(
      40,
      () => 70,
      () => 60 * MiB,
      () => ({
        "host.cpu.core.1.percent": 100,
        "host.cpu.percent": 100,
      }),
    );
    const analysis = analyze({
      results: resultsOf(timelineOf(cpuBound)),
      metrics,
      metadata: { serviceCpus: [1], sharedCores: false, host: { vcpus: 1 } },
    });
    expect(analysis.bottleneck).toMatchObject({
      resource: "cpu",
      scope: "service",
      rule: "cpu-pinned-cores",
    });
    expect(analysis.bottleneck.evidence.join(" ")).toMatch(
      /Meanwhile the service was not saturated: Service CPU/,
    );
  });

  it("does not blame a full core or host when the service itself mostly idled on its core", () => {
    // A few busier seconds (a burst of refusals) do not make the service CPU-bound.
    const metrics = metricsOf(
      40,
      (t) => (t % 10 === 0 ? 40 : 5),
      () => 60 * MiB,
      () => ({
        "host.cpu.core.1.percent": 100,
        "host.cpu.percent": 100,
      }),
    );
    const analysis = analyze({
      results: resultsOf(timelineOf(cpuBound)),
      metrics,
      metadata: { serviceCpus: [1], sharedCores: false, host: { vcpus: 1 } },
    });
    expect(analysis.bottleneck.resource).not.toBe("cpu");
    expect(analysis.trust.trustworthy).toBe(false);
  });
});

describe("a fall the machine caused is not the service's decline", () => {
  // The service's throughput halves from 30 s because its CPU does: other processes took it.
  const squeezed: Model = { seconds: 60, workers: (t) => 4 + t, throughput: (t) => (t < 30 ? 200 : 100) };
  const cpu = (t: number) => (t < 30 ? 70 : 35);

  it("is a saturation with the machine distrusted when other processes took the service's CPU", () => {
    const metrics = metricsOf(
      60,
      cpu,
      () => 60 * MiB,
      (t) => ({ "host.cpu.percent": t < 30 ? 80 : 95 }),
    );
    const analysis = analyze({
      results: resultsOf(timelineOf(squeezed)),
      metrics,
      metadata: { host: { vcpus: 1 } },
    });
    expect(analysis.capacity.decline).toBeNull();
    expect(analysis.trust.warnings.join(" ")).toMatch(/Other processes used/);
  });

  it("stays a decline on a quiet machine, where nothing else explains it", () => {
    const metrics = metricsOf(
      60,
      cpu,
      () => 60 * MiB,
      (t) => ({ "host.cpu.percent": (cpu(t) + 20) / 2 }),
    );
    const analysis = analyze({
      results: resultsOf(timelineOf(squeezed)),
      metrics,
      metadata: { host: { vcpus: 1 } },
    });
    expect(analysis.capacity.levelFrom).toBe("decline");
    expect(analysis.trust.trustworthy).toBe(true);
  });
});

describe("a decline on a busy machine", () => {
  it("stays the service's decline when its CPU per request grew though it got less CPU", () => {
    // Throughput falls to a third while the CPU falls by a quarter only: each request costs 2.25x.
    const growing: Model = { seconds: 60, workers: (t) => 4 + t, throughput: (t) => (t < 30 ? 300 : 100) };
    const metrics = metricsOf(
      60,
      (t) => (t < 30 ? 80 : 60),
      () => 60 * MiB,
      () => ({ "host.cpu.percent": 95 }),
    );
    const analysis = analyze({
      results: resultsOf(timelineOf(growing)),
      metrics,
      metadata: { host: { vcpus: 1 } },
    });
    expect(analysis.capacity.levelFrom).toBe("decline");
    expect(analysis.trust.trustworthy).toBe(false);
  });
});
