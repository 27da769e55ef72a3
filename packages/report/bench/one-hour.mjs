// One hour at 1 s: 3,600 timeline seconds and ~270 metric columns (2 + 48 cores, 6 disks, 6
// interfaces, a process tree, 2 containers). Measures the build (read both files, analyse, write
// the three outputs) and the render in headless Chromium (from navigation until every chart is
// drawn; the browser launch is not counted). Targets: build < 1 s, render < 3 s.
// Usage: node bench/one-hour.mjs [seconds] [runs]   (after `pnpm --filter @sizer/report build`)
// PLOTLY_BUNDLE=full inlines plotly.js-dist-min instead of the default basic bundle;
// PLOTLY_FILE=path/plotly.min.js inlines that file instead of either.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { buildReport, readMetricsFile, readResultsFile } from "../dist/index.js";
import { launchChromium } from "../test/helpers/chromium.mjs";

const seconds = Number(process.argv[2] ?? 3600);
const runs = Number(process.argv[3] ?? 3);
const start = Date.UTC(2026, 10, 26, 6, 0, 0);
let seed = 7;
const random = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const MiB = 1024 * 1024;

// The timeline: workers ramp over the hour; capacity is reached at 60%, then errors grow.
const capacity = 4000;
const timeline = [];
let ok = 0;
let failed = 0;
for (let t = 0; t < seconds; t++) {
  const workers = 1 + Math.floor((t / seconds) * 600);
  const demand = workers * 10;
  const throughput = Math.min(demand, capacity) * (0.97 + 0.06 * random());
  const failureRatio = Math.max(0, Math.min(0.9, (demand - 1.05 * capacity) / demand));
  const runsThisSecond = Math.round(throughput / 2);
  const failedRuns = Math.round(runsThisSecond * failureRatio);
  ok += runsThisSecond - failedRuns;
  failed += failedRuns;
  const p50 = 3 + 30 * Math.max(0, demand / capacity - 1) + random();
  timeline.push({
    t,
    time: start + t * 1000,
    workers,
    ok: runsThisSecond - failedRuns,
    failed: failedRuns,
    requests: Math.round(throughput),
    throughput: Math.round(throughput * 100) / 100,
    errorRatio: runsThisSecond ? (failedRuns / runsThisSecond) * 100 : 0,
    latency: { p50, p90: p50 * 2, p95: p50 * 2.6, p99: p50 * 4, max: p50 * 9 },
    generatorCpuPercent: 20 + 30 * Math.min(1, demand / capacity),
    eventLoopDelayMs: 1 + random(),
    generatorRssBytes: Math.round((120 + 0.2 * workers) * MiB),
  });
}
const results = {
  format: "loadcore-results",
  formatVersion: 1,
  tool: { name: "loadcore", version: "0.1.0", node: process.version },
  command: ["loadcore", "--sizing", "-w", "600", "--ramp-up", String(seconds), "loadtest.ts"],
  host: { hostname: "load-1", cpus: 8, memoryBytes: 16 * 1024 * MiB, platform: "linux" },
  startedAt: new Date(start).toISOString(),
  endedAt: new Date(start + seconds * 1000).toISOString(),
  durationSeconds: seconds,
  interrupted: false,
  ok,
  failed,
  requests: timeline.reduce((sum, entry) => sum + entry.requests, 0),
  throughput: timeline.reduce((sum, entry) => sum + entry.throughput, 0) / seconds,
  latency: { count: ok + failed, p50: 4, p90: 9, p95: 14, p99: 40, max: 400 },
  statusCodes: { 200: ok, 503: failed },
  errors: { assertion: failed },
  scenarios: [{ name: "browse", ok, failed, latency: { p50: 4, p95: 14, p99: 40 } }],
  byRequest: [{ name: "GET /records", count: ok + failed, failed, latency: { p50: 4, p95: 14, p99: 40 } }],
  timeline,
  selfCheck: { cpuPercentMax: 50, cores: 8, saturated: false },
};

const columns = [
  "host.cpu.count",
  "host.cpu.percent",
  "host.cpu.user",
  "host.cpu.system",
  "host.cpu.iowait",
  "host.cpu.steal",
];
const cores = 48;
for (let core = 0; core < cores; core++) columns.push(`host.cpu.core.${core}.percent`);
columns.push(
  "host.load.1",
  "host.load.5",
  "host.load.15",
  "host.mem.total",
  "host.mem.used",
  "host.mem.available",
  "host.mem.percent",
  "host.swap.used",
  "host.swap.percent",
);
for (let disk = 0; disk < 6; disk++) {
  for (const field of ["read_bytes", "write_bytes", "read_ops", "write_ops", "util"])
    columns.push(`host.disk.nvme${disk}n1.${field}`);
}
for (let iface = 0; iface < 6; iface++) {
  for (const field of [
    "rx_bytes",
    "tx_bytes",
    "rx_packets",
    "tx_packets",
    "rx_errors",
    "tx_errors",
    "rx_drops",
    "tx_drops",
    "speed",
  ]) {
    columns.push(`host.net.ens${iface}.${field}`);
  }
}
columns.push(
  "process.count",
  "process.cpu.percent",
  "process.rss",
  "process.threads",
  "process.fds",
  "process.read_bytes",
  "process.write_bytes",
);
for (const name of ["api", "db"]) {
  for (const field of [
    "cpu.percent",
    "cpu.limit",
    "mem.usage",
    "mem.limit",
    "io.read_bytes",
    "io.write_bytes",
    "net.rx_bytes",
    "net.tx_bytes",
  ]) {
    columns.push(`container.${name}.${field}`);
  }
}
// Pad with more per-core columns of a second socket until ~270.
for (let core = cores; columns.length < 270; core++) columns.push(`host.cpu.core.${core}.percent`);

const lines = [
  "# format: sizer-metrics",
  "# formatVersion: 1",
  "# source: native",
  "# host: node-1",
  "# intervalSeconds: 1",
  `time,${columns.join(",")}`,
];
for (let t = 0; t < seconds; t++) {
  const u = Math.min(1, (timeline[t].workers * 10) / capacity);
  const cells = columns.map((column) => {
    if (column === "host.cpu.count") return 8;
    if (column.endsWith(".speed")) return 10e9;
    if (column.endsWith(".limit")) return column.includes("mem") ? 4096 * MiB : 4;
    if (column === "process.cpu.percent") return Math.round(780 * u * (0.95 + 0.1 * random()));
    if (column === "host.cpu.iowait" || column === "host.cpu.steal") return Math.round(200 * random()) / 100;
    if (column.includes("percent") || column.startsWith("host.cpu.") || column.endsWith(".util"))
      return Math.round(100 * Math.min(100, (5 + 92 * u) * (0.9 + 0.2 * random()))) / 100;
    if (column.includes("mem") || column === "process.rss") return Math.round((400 + 800 * u) * MiB);
    return Math.round(1e6 * u * random());
  });
  lines.push(`${start + t * 1000 + 250},${cells.join(",")}`);
}

const directory = mkdtempSync(join(tmpdir(), "sizer-report-bench-"));
const resultsPath = join(directory, "results.json");
const metricsPath = join(directory, "metrics.csv");
writeFileSync(resultsPath, JSON.stringify(results));
writeFileSync(metricsPath, `${lines.join("\n")}\n`);

const plotlySource = process.env.PLOTLY_FILE ? readFileSync(process.env.PLOTLY_FILE, "utf8") : undefined;
const plotlyBundle = process.env.PLOTLY_BUNDLE || undefined;
const buildTimes = [];
const buildCpu = [];
let report;
for (let run = 0; run < runs; run++) {
  const began = performance.now();
  const cpuBefore = process.cpuUsage();
  const [readResults, readMetrics] = await Promise.all([
    readResultsFile(resultsPath),
    readMetricsFile(metricsPath),
  ]);
  report = await buildReport({
    results: readResults,
    metrics: readMetrics,
    outDir: join(directory, `out-${run}`),
    generatedAt: "2026-11-26T07:00:00Z",
    plotlyBundle,
    plotlySource,
  });
  buildTimes.push(performance.now() - began);
  const cpu = process.cpuUsage(cpuBefore);
  buildCpu.push((cpu.user + cpu.system) / 1000);
}

const userDataDir = mkdtempSync(join(tmpdir(), "sizer-report-bench-chromium-"));
mkdirSync(userDataDir, { recursive: true });
const context = await launchChromium(userDataDir);
const renderTimes = [];
const taskTimes = [];
let traces = 0;
for (let run = 0; run < runs; run++) {
  const page = await context.newPage();
  // The renderer process's CPU time (CDP ProcessTime) counts what the page cost, not the time
  // spent waiting for a CPU on a shared machine.
  const session = await context.newCDPSession(page);
  await session.send("Performance.enable");
  const taskSeconds = async () => {
    const { metrics } = await session.send("Performance.getMetrics");
    const find = (name) => metrics.find((metric) => metric.name === name)?.value;
    return find("ProcessTime") ?? find("ThreadTime") ?? Number.NaN;
  };
  const taskBefore = await taskSeconds();
  const began = performance.now();
  await page.goto(pathToFileURL(report.files.html).href);
  await page.waitForSelector("html[data-charts-ready]", { timeout: 60_000 });
  renderTimes.push(performance.now() - began);
  taskTimes.push(((await taskSeconds()) - taskBefore) * 1000);
  traces = await page.evaluate(() =>
    [...document.querySelectorAll(".js-plotly-plot")].reduce((sum, element) => sum + element.data.length, 0),
  );
  await page.close();
}
await context.close();
rmSync(userDataDir, { recursive: true, force: true });

const median = (values) => [...values].sort((left, right) => left - right)[Math.floor(values.length / 2)];
console.log(
  JSON.stringify(
    {
      seconds,
      metricColumns: columns.length,
      inputBytes: { results: statSync(resultsPath).size, metrics: statSync(metricsPath).size },
      htmlBytes: statSync(report.files.html).size,
      plotly: /<meta name="sizer-report:plotly" content="([^"]*)">/.exec(
        readFileSync(report.files.html, "utf8"),
      )?.[1],
      traces,
      buildMs: { median: Math.round(median(buildTimes)), all: buildTimes.map(Math.round) },
      buildCpuMs: { median: Math.round(median(buildCpu)), all: buildCpu.map(Math.round) },
      renderMs: { median: Math.round(median(renderTimes)), all: renderTimes.map(Math.round) },
      rendererCpuMs: { median: Math.round(median(taskTimes)), all: taskTimes.map(Math.round) },
      loadAverage: (await import("node:os")).loadavg().map((value) => Math.round(value * 100) / 100),
      verdict: report.analysis.headline,
    },
    null,
    2,
  ),
);
rmSync(directory, { recursive: true, force: true });
