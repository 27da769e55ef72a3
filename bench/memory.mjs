#!/usr/bin/env node
// Memory benchmark: RSS of loadcore with 5,000 workers on an endpoint that answers after 100 ms,
// and of autocannon with 5,000 connections for comparison. Run `npm run build` first; this script
// builds nothing. `node bench/memory.mjs --help` for the flags.
import { startCpuAccounting } from "./lib/cpu-accounting.mjs";
import { BenchUsageError } from "./lib/errors.mjs";
import { helpText, PINNING_FLAGS, parseFlags } from "./lib/flags.mjs";
import { formatMegabytes, formatRate, markdownTable } from "./lib/format.mjs";
import { availableTools, loadTools } from "./lib/load-tools.mjs";
import { describeMachine } from "./lib/machine.mjs";
import { pinningFromFlags } from "./lib/pinning.mjs";
import { readLoadAverage } from "./lib/proc.mjs";
import { startRssSampler, summariseRss } from "./lib/rss-sampler.mjs";
import { onInterrupt, runScript, writeResults } from "./lib/script.mjs";
import { startNodeServer } from "./lib/servers.mjs";

/** The targets of the issues (#2, #13): peak RSS by number of loadcore workers. */
const RSS_TARGETS_BYTES = new Map([
  [5000, 150 * 1_000_000],
  [10_000, 300 * 1_000_000],
]);

/** @type {Record<string, import("./lib/flags.mjs").FlagSpec>} */
const FLAGS = {
  workers: {
    type: "integer",
    min: 1,
    max: 20_000,
    default: 5000,
    description: "loadcore workers / autocannon connections",
  },
  "ramp-up": { type: "number", min: 0, max: 600, default: 5, description: "loadcore ramp-up, seconds" },
  duration: { type: "integer", min: 1, max: 3600, default: 30, description: "seconds per run" },
  "delay-ms": { type: "integer", min: 0, max: 60_000, default: 100, description: "server answer delay, ms" },
  processes: {
    type: "integer",
    min: 1,
    max: 64,
    default: 1,
    description: "loadcore -p (RSS summed over them)",
  },
  "node-options": {
    type: "string",
    description: 'NODE_OPTIONS of the generators: --node-options="--max-old-space-size=80"',
  },
  "interval-ms": {
    type: "integer",
    min: 50,
    max: 10_000,
    default: 500,
    description: "RSS sampling interval, ms",
  },
  tools: {
    type: "list",
    choices: ["loadcore", "autocannon"],
    default: ["loadcore", "autocannon"],
    description: "tools to measure",
  },
  ...PINNING_FLAGS,
  output: { type: "string", description: "results JSON (default bench/results/memory-<date>.json)" },
};

const USAGE = "node bench/memory.mjs [flags]";
const SUMMARY =
  "Starts a Node server whose endpoint answers after --delay-ms, then runs loadcore with --workers\n" +
  "workers (and autocannon with as many connections), sampling the generator's RSS (its whole process\n" +
  "tree) from /proc. Prints peak and steady RSS and the throughput. Exit codes: 0 done, 1 a run failed,\n" +
  "2 bad flag, 3 missing prerequisite, 4 server did not start, 130 interrupted.";

/** @param {string[]} argv */
async function main(argv) {
  const flags = parseFlags(argv, FLAGS);
  if (flags.help) {
    console.log(helpText(USAGE, SUMMARY, FLAGS));
    return 0;
  }
  const nodeOptions = flags["node-options"];
  if (
    nodeOptions !== undefined &&
    !nodeOptions.split(/\s+/).every((token) => /^--[\w-]+(=\S+)?$/.test(token))
  ) {
    throw new BenchUsageError(
      `--node-options expects Node flags such as "--max-old-space-size=80", got "${nodeOptions}"`,
    );
  }
  const startedAt = new Date();
  const { tools, versions, skipped } = await availableTools(flags.tools.map((name) => loadTools[name]));
  const pinning = pinningFromFlags(flags);

  const machine = await describeMachine();
  const server = await startNodeServer({
    delayMs: flags["delay-ms"],
    taskset: pinning.taskset,
    cpu: pinning.serverCpu,
  });
  const stopServer = onInterrupt(server.stop);
  const ceiling = flags["delay-ms"] > 0 ? (flags.workers * 1000) / flags["delay-ms"] : undefined;
  try {
    console.log(`sizer memory benchmark, ${startedAt.toISOString()}`);
    console.log(
      `machine: ${machine.cpuModel}, ${machine.cpus} CPUs, ${machine.memoryGigabytes} GiB, Linux ${machine.kernel}, Node ${machine.node}`,
    );
    console.log(
      `server: Node, answers after ${flags["delay-ms"]} ms, at ${server.url}` +
        (pinning.taskset
          ? `, pinned to CPU ${pinning.serverCpu}; generators pinned to CPU ${pinning.generatorCpu}`
          : ", not pinned"),
    );
    console.log(
      `load: ${flags.workers} workers/connections for ${flags.duration} s (loadcore ramp-up ${flags["ramp-up"]} s, ${flags.processes} process(es)); ` +
        `RSS of the generator's process tree every ${flags["interval-ms"]} ms; steady = median of the second half` +
        (nodeOptions ? `; generators run with NODE_OPTIONS="${nodeOptions}"` : "") +
        (ceiling ? `; ceiling ${formatRate(ceiling)} req/s (workers x 1000 / delay)` : ""),
    );
    console.log("");

    const runs = [];
    for (const tool of tools) {
      const sampler = startRssSampler({ intervalMs: flags["interval-ms"], includeChildren: true });
      const loadBefore = readLoadAverage().one;
      const accounting = startCpuAccounting({ serverPid: server.pid });
      const result = await tool.run({
        url: server.url,
        concurrency: flags.workers,
        durationSeconds: flags.duration,
        rampUpSeconds: tool.name === "loadcore" ? flags["ramp-up"] : undefined,
        processes: flags.processes,
        scenario: tool.name === "loadcore" ? "bench/scenarios/slow.ts" : "",
        pinning: { taskset: pinning.taskset, generatorCpu: pinning.generatorCpu },
        onStart: (pid) => sampler.attach(pid),
        nodeOptions,
      });
      const cpu = accounting.stop();
      const samples = sampler.stop();
      const rss = summariseRss(samples);
      runs.push({ tool: tool.name, loadAverageBefore: loadBefore, cpu, rss, rssSamples: samples, ...result });
      console.log(
        `  ${tool.name.padEnd(10)} peak ${formatMegabytes(rss.peakBytes)}, steady ${formatMegabytes(rss.steadyBytes)}, ` +
          `${formatRate(result.requestsPerSecond)} req/s, generator ${cpu.generatorCores.toFixed(2)} CPU, ` +
          `server ${cpu.serverCores.toFixed(2)}, others ${cpu.otherCores.toFixed(2)}, load ${loadBefore.toFixed(2)}` +
          (result.problem ? `  [${result.problem}]` : ""),
      );
    }

    const rows = runs.map((run) => [
      run.tool,
      flags.workers,
      formatMegabytes(run.rss.peakBytes),
      formatMegabytes(run.rss.steadyBytes),
      formatRate(run.requestsPerSecond),
      run.failed ?? "—",
      run.cpu.generatorCores.toFixed(2),
      run.cpu.otherCores.toFixed(2),
    ]);
    const header = [
      "tool",
      "workers",
      "peak RSS",
      "steady RSS",
      "req/s",
      "failed",
      "generator CPU",
      "others CPU",
    ];
    console.log(`\n${markdownTable(header, rows)}\n`);
    const loadcoreRun = runs.find((run) => run.tool === "loadcore");
    if (loadcoreRun) {
      const peak = loadcoreRun.rss.peakBytes;
      const target = RSS_TARGETS_BYTES.get(flags.workers);
      const met = peak !== undefined && target !== undefined && peak < target;
      console.log(
        `loadcore peak RSS ${formatMegabytes(peak)} with ${flags.workers} workers (${
          target === undefined
            ? `the targets are for ${[...RSS_TARGETS_BYTES.keys()].join(" and ")} workers`
            : `target < ${formatMegabytes(target)}: ${peak === undefined ? "not measured" : met ? "met" : "NOT met"}`
        })`,
      );
    }
    const maxOthers = Math.max(...runs.map((run) => run.cpu.otherCores));
    const maxLoad = Math.max(...runs.map((run) => run.loadAverageBefore));
    console.log(
      `contention: other processes used up to ${maxOthers.toFixed(2)} CPU during a run (load average up to ${maxLoad.toFixed(2)})` +
        (maxOthers > 0.1 ? ": throughput figures are provisional (RSS is not CPU-bound)" : ""),
    );
    const record = {
      benchmark: "memory",
      startedAt: startedAt.toISOString(),
      endedAt: new Date().toISOString(),
      command: ["node", "bench/memory.mjs", ...argv],
      machine,
      versions,
      skipped,
      server: { kind: server.kind, url: server.url, delayMs: flags["delay-ms"] },
      pinning: { generatorCpu: pinning.generatorCpu, serverCpu: pinning.serverCpu, note: pinning.note },
      options: {
        workers: flags.workers,
        rampUpSeconds: flags["ramp-up"],
        durationSeconds: flags.duration,
        processes: flags.processes,
        intervalMs: flags["interval-ms"],
        nodeOptions: nodeOptions ?? null,
      },
      ceilingRequestsPerSecond: ceiling ?? null,
      runs,
      contention: { maxOtherCores: maxOthers, maxLoadAverage: maxLoad, provisional: maxOthers > 0.1 },
    };
    console.log(`results: ${writeResults("memory", startedAt, flags.output, record)}`);
    return runs.every((run) => run.requests !== undefined && run.requests > 0) ? 0 : 1;
  } finally {
    await stopServer();
  }
}

runScript("memory", main);
