// Synthetic sizing runs, one per bottleneck kind: a timeline from a simple queueing model and the
// resource metrics that the saturated resource would show.
import type { RunMetadata } from "../../src/analysis-types.js";
import { MetricsBuilder } from "../../src/inputs/metrics-builder.js";
import type { LoadResultsInput, MetricsData, TimelineEntry } from "../../src/inputs/types.js";

export type SyntheticKind =
  | "cpu"
  | "memory"
  | "disk"
  | "network"
  | "application"
  | "generator"
  | "shared-cores"
  | "no-failure"
  | "single-core";

export interface SyntheticOptions {
  kind: SyntheticKind;
  /** Length of the run in seconds. */
  seconds?: number;
  /** Workers added per second. */
  rampPerSecond?: number;
  /** Extra per-core, disk and interface columns, to reach a realistic column count. */
  extraCores?: number;
  extraDevices?: number;
  /** Leave out the sizing block, so the analysis works from the timeline. */
  withoutSizing?: boolean;
  scenarioName?: string;
  startMs?: number;
}

export interface SyntheticRun {
  results: LoadResultsInput;
  metrics: MetricsData;
  metadata: RunMetadata;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** A deterministic pseudo-random source in [0, 1). */
function noise(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export function syntheticRun(options: SyntheticOptions): SyntheticRun {
  const { kind } = options;
  const seconds = options.seconds ?? 120;
  const ramp = options.rampPerSecond ?? 2;
  const startMs = options.startMs ?? Date.UTC(2026, 10, 26, 6, 50, 0);
  const capacity = kind === "no-failure" ? 1e9 : 1000;
  const perWorker = 10;
  const random = noise(42);
  const timeline: TimelineEntry[] = [];
  const utilisation: number[] = [];
  let ok = 0;
  let failed = 0;
  for (let t = 0; t < seconds; t++) {
    const workers = 1 + ramp * t;
    const demand = workers * perWorker;
    const throughput = Math.min(demand, capacity) * (0.98 + 0.04 * random());
    const overload = Math.max(0, demand / capacity - 1);
    const failureRatio = Math.min(0.9, Math.max(0, (demand - 1.1 * capacity) / demand));
    const runs = Math.round(throughput / 2);
    const failedRuns = Math.round(runs * failureRatio);
    ok += runs - failedRuns;
    failed += failedRuns;
    const p50 = 2 + 40 * overload + random() * 0.2;
    utilisation.push(Math.min(1, demand / capacity));
    timeline.push({
      t,
      time: startMs + t * 1000,
      workers,
      ok: runs - failedRuns,
      failed: failedRuns,
      requests: Math.round(throughput),
      throughput,
      errorRatio: runs === 0 ? 0 : (failedRuns / runs) * 100,
      latency: { p50, p90: p50 * 2, p95: p50 * 2.5, p99: p50 * 4, max: p50 * 8 },
      generatorCpuPercent:
        kind === "generator"
          ? 20 + 175 * Math.min(1, demand / capacity)
          : 20 + 20 * Math.min(1, demand / 2000),
      eventLoopDelayMs: 1 + random(),
      generatorRssBytes: Math.round((90 + 0.05 * workers) * MiB),
    });
  }
  const hostname = "load-1";
  const serviceHost = kind === "shared-cores" ? hostname : "node-1";
  const last = timeline[timeline.length - 1] as TimelineEntry;
  const failing = timeline.find(
    (entry) => entry.ok + entry.failed > 0 && entry.failed / (entry.ok + entry.failed) > 0.05,
  );
  const healthy = failing ? timeline[Math.max(0, failing.t - 10)] : undefined;
  const plateauEntry = failing ? timeline.find((entry) => entry.workers * perWorker >= capacity) : undefined;
  const scenarioName = options.scenarioName ?? "add_record";
  const results: LoadResultsInput = {
    format: "loadcore-results",
    formatVersion: 1,
    tool: { name: "loadcore", version: "0.1.0", node: "v20.20.2" },
    command: ["loadcore", "--sizing", "loadtest.ts"],
    host: { hostname, cpus: 2, memoryBytes: 8 * GiB, platform: "linux" },
    startedAt: new Date(startMs).toISOString(),
    endedAt: new Date(startMs + seconds * 1000).toISOString(),
    durationSeconds: seconds,
    interrupted: false,
    options: { workers: 500, processes: 1, sizing: true },
    ok,
    failed,
    requests: timeline.reduce((sum, entry) => sum + entry.requests, 0),
    throughput: timeline.reduce((sum, entry) => sum + entry.throughput, 0) / seconds,
    scenariosPerSecond: (ok + failed) / seconds,
    latency: { count: ok + failed, min: 0.4, mean: 5, p50: 3, p90: 8, p95: 12, p99: 40, p999: 90, max: 200 },
    statusCodes: { "200": ok * 2, "503": failed },
    errors: {
      refused: 0,
      reset: 0,
      timeout: Math.round(failed / 10),
      assertion: failed - Math.round(failed / 10),
      other: 0,
    },
    scenarios: [
      {
        name: scenarioName,
        ok: Math.round(ok * 0.6),
        failed: Math.round(failed * 0.6),
        errors: { assertion: Math.round(failed * 0.6) },
        latency: { p50: 4, p95: 20, p99: 60 },
      },
      {
        name: "read_records",
        ok: ok - Math.round(ok * 0.6),
        failed: failed - Math.round(failed * 0.6),
        latency: { p50: 2, p95: 9, p99: 30 },
      },
    ],
    byRequest: [
      {
        name: "POST /buckets/{id}/records",
        count: ok + failed,
        ok,
        failed,
        statusCodes: { "201": ok, "503": failed },
        errors: {},
        latency: { p50: 3, p95: 14, p99: 45 },
      },
      {
        name: "GET /buckets/{id}/records",
        count: ok,
        ok,
        failed: 0,
        statusCodes: { "200": ok },
        latency: { p50: 2, p95: 8, p99: 20 },
      },
    ],
    timeline,
    selfCheck: {
      cpuPercentMax: Math.max(...timeline.map((entry) => entry.generatorCpuPercent ?? 0)),
      cpuPercentMean: 60,
      cores: 2,
      eventLoopDelayP99MaxMs: 12,
      saturated: kind === "generator",
      ...(kind === "generator"
        ? { message: "the load generator used 98% of its cores; the result may measure the generator" }
        : {}),
    },
  };
  if (!options.withoutSizing) {
    results.sizing = {
      tolerance: 5,
      window: 10,
      minSamples: 100,
      latencyObjective: null,
      reached: failing !== undefined,
      stopReason: failing ? "error-ratio" : "duration",
      stoppedAtSeconds: last.t,
      workersAtStop: last.workers,
      healthyWorkers: healthy?.workers ?? null,
      errorRatio: failing ? (last.failed / (last.ok + last.failed)) * 100 : 0,
      throughputAtHealthy: healthy?.throughput ?? null,
      latencyAtHealthy: healthy?.latency ?? null,
      plateau: plateauEntry
        ? {
            detected: true,
            atSeconds: plateauEntry.t,
            workers: plateauEntry.workers,
            throughput: plateauEntry.throughput,
            latencyGrowth: 3,
          }
        : null,
      message: failing ? "capacity reached" : "no limit reached",
    };
  }

  const builder = new MetricsBuilder();
  const cores = 2;
  for (let t = 0; t < seconds; t++) {
    const u = utilisation[t] as number;
    const jitter = () => 0.97 + 0.06 * random();
    const index = builder.addSample(startMs + t * 1000 + 300);
    const set = (name: string, value: number) => builder.set(name, index, value);
    const serviceCpu =
      kind === "cpu" || kind === "shared-cores" ? 195 * u : kind === "single-core" ? 99 * u : 10 + 40 * u;
    set("host.cpu.count", cores);
    set("host.cpu.percent", Math.min(100, (serviceCpu / cores + 5) * jitter()));
    set("host.cpu.user", (serviceCpu / cores) * 0.8);
    set("host.cpu.system", (serviceCpu / cores) * 0.2);
    set("host.cpu.iowait", kind === "disk" ? 2 + 45 * u ** 3 : 0.5);
    set("host.cpu.steal", 0);
    for (let core = 0; core < cores + (options.extraCores ?? 0); core++) {
      set(`host.cpu.core.${core}.percent`, Math.min(100, (serviceCpu / cores) * jitter()));
    }
    set("host.load.1", (serviceCpu / 100) * 1.2);
    set("host.load.5", serviceCpu / 100);
    set("host.load.15", serviceCpu / 120);
    set("host.mem.total", 8 * GiB);
    set("host.mem.used", 2 * GiB);
    set("host.mem.available", 6 * GiB);
    set("host.mem.percent", 25);
    set("host.swap.used", 0);
    set("host.swap.percent", 0);
    for (let device = 0; device < 1 + (options.extraDevices ?? 0); device++) {
      const name = device === 0 ? "vda" : `vd${String.fromCharCode(97 + device)}`;
      set(`host.disk.${name}.read_bytes`, (kind === "disk" ? 90 * MiB : 1 * MiB) * u * jitter());
      set(`host.disk.${name}.write_bytes`, (kind === "disk" ? 60 * MiB : 2 * MiB) * u * jitter());
      set(`host.disk.${name}.read_ops`, 300 * u);
      set(`host.disk.${name}.write_ops`, 200 * u);
      set(
        `host.disk.${name}.util`,
        kind === "disk" && device === 0 ? Math.min(100, (8 + 90 * u) * jitter()) : 3 + 10 * u,
      );
    }
    for (let iface = 0; iface < 1 + (options.extraDevices ?? 0); iface++) {
      const name = iface === 0 ? "eth0" : `eth${iface}`;
      const linkBytes = kind === "network" ? 125_000_000 : 1_250_000_000;
      const traffic = kind === "network" && iface === 0 ? linkBytes * 0.97 * u : 20 * MiB * u;
      set(`host.net.${name}.rx_bytes`, traffic * 0.3 * jitter());
      set(`host.net.${name}.tx_bytes`, traffic * jitter());
      for (const field of ["rx_packets", "tx_packets"]) set(`host.net.${name}.${field}`, 8000 * u);
      for (const field of ["rx_errors", "tx_errors", "rx_drops", "tx_drops"])
        set(`host.net.${name}.${field}`, 0);
      set(`host.net.${name}.speed`, linkBytes * 8);
    }
    set("process.count", 1);
    set("process.cpu.percent", serviceCpu * jitter());
    set("process.rss", 180 * MiB + 20 * MiB * u);
    set("process.threads", 11);
    set("process.fds", 40 + 100 * u);
    set("process.read_bytes", 0);
    set("process.write_bytes", 4096 * u);
    if (kind === "memory") {
      set("container.svc.cpu.percent", 10 + 40 * u);
      set("container.svc.mem.usage", 100 * MiB + 405 * MiB * u);
      set("container.svc.mem.limit", 512 * MiB);
      set("container.svc.io.read_bytes", 0);
      set("container.svc.io.write_bytes", 0);
      set("container.svc.net.rx_bytes", 5 * MiB * u);
      set("container.svc.net.tx_bytes", 20 * MiB * u);
    }
  }
  builder.notes.push({ time: startMs + 1000, message: "synthetic run" });
  const metrics = builder.build({
    format: "sizer-metrics",
    formatVersion: 1,
    source: "native",
    sourceVersion: "0.1.0",
    host: serviceHost,
    intervalSeconds: 1,
    pid: 1234,
    extra: {},
  });
  const metadata: RunMetadata = {
    serviceCommand: "node examples/service.js --port 8080",
    target: "http://127.0.0.1:8080",
    versions: { sizer: "0.1.0", loadcore: "0.1.0", node: "v20.20.2" },
    host: { name: serviceHost, instanceType: "c6i.large", vcpus: 2, memoryBytes: 8 * GiB },
  };
  return { results, metrics, metadata };
}

/** Writes metrics as a sizer-metrics CSV, as glances-collector does. */
export function toMetricsCsv(metrics: MetricsData): string {
  const names = [...metrics.series.keys()];
  const lines = [
    "# format: sizer-metrics",
    "# formatVersion: 1",
    `# source: ${metrics.meta.source ?? "native"}`,
    `# sourceVersion: ${metrics.meta.sourceVersion ?? ""}`,
    `# host: ${metrics.meta.host ?? ""}`,
    `# intervalSeconds: ${metrics.meta.intervalSeconds ?? 1}`,
    ...(metrics.meta.pid !== undefined ? [`# pid: ${metrics.meta.pid}`] : []),
    `time,${names.join(",")}`,
  ];
  metrics.times.forEach((time, index) => {
    const cells = names.map((name) => {
      const value = metrics.series.get(name)?.[index] as number;
      return Number.isFinite(value) ? String(Math.round(value * 1000) / 1000) : "";
    });
    lines.push(`${time},${cells.join(",")}`);
  });
  for (const note of metrics.notes) lines.push(`# note ${note.time}: ${note.message}`);
  return `${lines.join("\n")}\n`;
}

/** Writes metrics as sizer-metrics NDJSON. */
export function toMetricsNdjson(metrics: MetricsData): string {
  const names = [...metrics.series.keys()];
  const lines = [
    JSON.stringify({
      type: "meta",
      format: "sizer-metrics",
      formatVersion: 1,
      source: metrics.meta.source,
      sourceVersion: metrics.meta.sourceVersion,
      host: metrics.meta.host,
      intervalSeconds: metrics.meta.intervalSeconds,
      metrics: names.map((name) => ({ name, unit: "", kind: "gauge" })),
    }),
  ];
  metrics.times.forEach((time, index) => {
    const values: Record<string, number> = {};
    for (const name of names) {
      const value = metrics.series.get(name)?.[index] as number;
      if (Number.isFinite(value)) values[name] = value;
    }
    lines.push(JSON.stringify({ type: "sample", time, values }));
  });
  for (const note of metrics.notes)
    lines.push(JSON.stringify({ type: "note", time: note.time, message: note.message }));
  return `${lines.join("\n")}\n`;
}
