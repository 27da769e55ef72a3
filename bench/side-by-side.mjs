#!/usr/bin/env node
// Two loadcore builds at once on one pinned core against one endpoint that answers after 100 ms: the CPU
// each spends per completed request, pair by pair. Run at the same moment on the same core, both builds see
// the same contention, so their ratio holds on a loaded machine where sequential runs swing by 30%.
// Run `npm run build` first; this script builds nothing. `node bench/side-by-side.mjs --help` for the flags.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BenchPrerequisiteError, BenchRunError } from "./lib/errors.mjs";
import { helpText, parseFlags } from "./lib/flags.mjs";
import { formatMegabytes, formatRatio } from "./lib/format.mjs";
import { loadcoreCli, repositoryRoot } from "./lib/load-tools.mjs";
import { findNginx } from "./lib/machine.mjs";
import { resolvePinning } from "./lib/pinning.mjs";
import { readLoadAverage } from "./lib/proc.mjs";
import { findExecutable } from "./lib/processes.mjs";
import { onInterrupt, runScript, writeResults } from "./lib/script.mjs";
import { startNginxServer, startNodeServer } from "./lib/servers.mjs";
import { bootstrapMedianInterval, median } from "./lib/statistics.mjs";

/** @type {Record<string, import("./lib/flags.mjs").FlagSpec>} */
const FLAGS = {
  baseline: {
    type: "string",
    default: "packages/loadcore/.tmp/old-dist/cli.js",
    description: "the cli.js of the other loadcore build (a copy of an older dist/ inside the package)",
  },
  new: {
    type: "string",
    description: "the cli.js of the build under test (default: the package's dist/cli.js)",
  },
  "new-node-flags": {
    type: "string",
    default: "",
    description: "node / V8 flags of the build under test, space-separated (before its cli.js)",
  },
  "baseline-node-flags": {
    type: "string",
    default: "",
    description: "node / V8 flags of the baseline, space-separated",
  },
  workers: { type: "integer", min: 1, max: 20_000, default: 5000, description: "workers of each build" },
  pairs: { type: "integer", min: 1, max: 50, default: 4, description: "runs of the two builds together" },
  duration: {
    type: "integer",
    min: 4,
    max: 600,
    default: 10,
    description: "seconds per run (the first 2 and the closing one are not counted)",
  },
  "delay-ms": {
    type: "integer",
    min: 0,
    max: 10_000,
    default: 100,
    description: "server answer delay, ms (0: the hello-world server)",
  },
  server: {
    type: "string",
    choices: ["auto", "nginx", "node"],
    default: "auto",
    description: "target server",
  },
  "generator-cpu": { type: "integer", min: 0, max: 1023, default: 0, description: "CPU of both builds" },
  "server-cpu": { type: "integer", min: 0, max: 1023, default: 1, description: "CPU of the server" },
  output: { type: "string", description: "results JSON (default bench/results/side-by-side-<date>.json)" },
};

const SCENARIO = "bench/scenarios/slow.ts";
/** Seconds of start-up left out of the steady-state figure (process start, scenario load, workers' connects). */
const STEADY_FROM_SECOND = 2;
const USAGE = "node bench/side-by-side.mjs [flags]";
const SUMMARY =
  "Runs the package's loadcore build and --baseline together, both pinned to one CPU, against one local\n" +
  "endpoint answering after --delay-ms, --pairs times (which one starts first alternates), and prints\n" +
  "each build's CPU per completed request from its 3rd second on, peak RSS and requests, and the ratio new / baseline of the\n" +
  "CPU per request pair by pair. Exit codes: 0 done, 1 a run failed, 2 bad flag, 3 missing prerequisite,\n" +
  "4 server did not start, 130 interrupted.";

/** @param {string[]} argv */
async function main(argv) {
  const flags = parseFlags(argv, FLAGS);
  if (flags.help) {
    console.log(helpText(USAGE, SUMMARY, FLAGS));
    return 0;
  }
  const timeCommand = findExecutable("time", "/usr/bin:/bin");
  if (timeCommand === undefined)
    throw new BenchPrerequisiteError("/usr/bin/time (GNU time) is needed to read each build's CPU and RSS");
  const builds = [
    {
      name: "new",
      cli: flags.new === undefined ? loadcoreCli : resolve(flags.new),
      nodeFlags: words(flags["new-node-flags"]),
    },
    { name: "baseline", cli: resolve(flags.baseline), nodeFlags: words(flags["baseline-node-flags"]) },
  ];
  const pinning = resolvePinning({
    pin: true,
    generatorCpu: flags["generator-cpu"],
    serverCpu: flags["server-cpu"],
  });
  const placement = { taskset: pinning.taskset, cpu: pinning.serverCpu };
  const nginx = flags.server === "node" ? undefined : findNginx();
  const server =
    nginx === undefined
      ? await startNodeServer({ ...placement, delayMs: flags["delay-ms"] })
      : await startNginxServer({ nginx, ...placement, delayMs: flags["delay-ms"] });
  const stopServer = onInterrupt(server.stop);
  const startedAt = new Date();
  const pairs = [];
  try {
    console.log(
      `side by side, ${startedAt.toISOString()}: ${flags.workers} workers each, ${flags.duration} s, ${server.kind} answering after ${flags["delay-ms"]} ms; both builds on CPU ${pinning.generatorCpu}`,
    );
    for (let pair = 0; pair < flags.pairs; pair += 1) {
      const order = pair % 2 === 0 ? builds : [...builds].reverse();
      const loadAverage = readLoadAverage().one;
      const runs = await Promise.all(
        order.map((build, index) =>
          runBuild(build, { ...flags, timeCommand, pinning, url: server.url, startDelayMs: index * 50 }),
        ),
      );
      const byName = Object.fromEntries(runs.map((run) => [run.name, run]));
      const ratio = byName.new.cpuMicrosecondsPerRequest / byName.baseline.cpuMicrosecondsPerRequest;
      pairs.push({
        pair: pair + 1,
        loadAverage,
        first: order[0].name,
        runs: byName,
        cpuPerRequestRatio: ratio,
      });
      console.log(
        `  pair ${pair + 1} (load ${loadAverage.toFixed(2)}, ${order[0].name} first): ` +
          runs
            .map(
              (run) =>
                `${run.name} ${run.cpuMicrosecondsPerRequest.toFixed(1)} µs/request (whole run ${run.wholeRunMicrosecondsPerRequest.toFixed(0)}; ${run.requests} requests, ${run.cpuSeconds.toFixed(2)} CPU-s, peak RSS ${formatMegabytes(run.peakRssBytes)})`,
            )
            .join(", ") +
          `; new / baseline ${formatRatio(ratio)}`,
      );
    }
    const ratios = pairs.map((pair) => pair.cpuPerRequestRatio);
    const interval = bootstrapMedianInterval(ratios);
    console.log(
      `CPU per request, new / baseline: median ${formatRatio(median(ratios))} of ${ratios.length} pairs` +
        (interval === undefined
          ? ""
          : ` (95% bootstrap interval ${formatRatio(interval.low)} to ${formatRatio(interval.high)})`) +
        `; median µs/request new ${median(pairs.map((pair) => pair.runs.new.cpuMicrosecondsPerRequest))?.toFixed(1)}` +
        `, baseline ${median(pairs.map((pair) => pair.runs.baseline.cpuMicrosecondsPerRequest))?.toFixed(1)}`,
    );
    const record = {
      benchmark: "side-by-side",
      startedAt: startedAt.toISOString(),
      endedAt: new Date().toISOString(),
      command: ["node", "bench/side-by-side.mjs", ...argv],
      server: { kind: server.kind, url: server.url, delayMs: flags["delay-ms"] },
      options: { workers: flags.workers, pairs: flags.pairs, durationSeconds: flags.duration },
      builds,
      pairs,
      medianCpuPerRequestRatio: median(ratios),
      interval: interval ?? null,
    };
    console.log(`results: ${writeResults("side-by-side", startedAt, flags.output, record)}`);
    return 0;
  } finally {
    await stopServer();
  }
}

/**
 * One build's run, under GNU time: its CPU (user + system), peak RSS and the requests its results JSON counts.
 *
 * @param {{ name: string, cli: string, nodeFlags: string[] }} build
 * @param {Record<string, any>} options
 */
async function runBuild(build, options) {
  const directory = mkdtempSync(join(tmpdir(), "sizer-bench-side-"));
  const output = join(directory, "results.json");
  const timing = join(directory, "time.txt");
  const command = [
    "-f",
    "%U %S %M",
    "-o",
    timing,
    ...(options.pinning.taskset ? [options.pinning.taskset, "-c", String(options.pinning.generatorCpu)] : []),
    process.execPath,
    ...build.nodeFlags,
    build.cli,
    "-w",
    String(options.workers),
    "-d",
    String(options.duration),
    "-q",
    "--output",
    output,
    SCENARIO,
  ];
  try {
    await new Promise((done) => setTimeout(done, options.startDelayMs));
    const exitCode = await new Promise((done, fail) => {
      const child = spawn(options.timeCommand, command, {
        cwd: repositoryRoot,
        env: { ...process.env, SERVER_URL: options.url },
        stdio: ["ignore", "ignore", "inherit"],
      });
      child.on("error", fail);
      child.on("exit", (code) => done(code));
    });
    if (exitCode !== 0) throw new BenchRunError(`${build.name} (${build.cli}) exited with ${exitCode}`);
    const [user, system, maxRssKilobytes] = readFileSync(timing, "utf8")
      .trim()
      .split("\n")
      .at(-1)
      .split(" ")
      .map(Number);
    const results = JSON.parse(readFileSync(output, "utf8"));
    const cpuSeconds = user + system;
    // the steady state: loadcore's own per-second CPU readings, without start-up and the closing second
    const steady = results.timeline.slice(STEADY_FROM_SECOND, -1);
    const steadyCpuSeconds = steady.reduce((sum, point) => sum + point.generatorCpuPercent / 100, 0);
    const steadyRequests = steady.reduce((sum, point) => sum + point.requests, 0);
    return {
      name: build.name,
      cli: build.cli,
      requests: results.requests,
      failed: results.failed ?? 0,
      requestsPerSecond: results.throughput,
      p50: results.latency?.p50,
      cpuSeconds,
      wholeRunMicrosecondsPerRequest: (cpuSeconds * 1e6) / results.requests,
      steadyRequests,
      cpuMicrosecondsPerRequest: (steadyCpuSeconds * 1e6) / steadyRequests,
      peakRssBytes: maxRssKilobytes * 1024,
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** @param {string} text */
function words(text) {
  return text.split(/\s+/).filter((word) => word !== "");
}

runScript("side-by-side", main);
