#!/usr/bin/env node
// Hello-world throughput benchmark: loadcore vs autocannon vs Molotov against the same local server.
// Run `npm run build` first; this script builds nothing. `node bench/hello.mjs --help` for the flags.
import { resolve } from "node:path";
import { startCpuAccounting } from "./lib/cpu-accounting.mjs";
import { BenchServerError } from "./lib/errors.mjs";
import { BASELINE_FLAG, helpText, parseFlags, TARGET_SERVER_FLAGS } from "./lib/flags.mjs";
import { formatRate, formatRatio, markdownTable } from "./lib/format.mjs";
import { availableTools, loadcoreTool, loadTools } from "./lib/load-tools.mjs";
import { describeMachine, findNginx } from "./lib/machine.mjs";
import { pinningFromFlags } from "./lib/pinning.mjs";
import { readLoadAverage } from "./lib/proc.mjs";
import { waitForQuiet } from "./lib/quiet-wait.mjs";
import { rotate } from "./lib/schedule.mjs";
import { onInterrupt, runScript, writeResults } from "./lib/script.mjs";
import { startNginxServer, startNodeServer } from "./lib/servers.mjs";
import { bootstrapMedianInterval, median, pairedRatios, ratio } from "./lib/statistics.mjs";

/** Other processes using more CPU than this (in cores) during a run make the figures provisional. */
const CONTENTION_LIMIT_CORES = 0.1;

/** With --quiet-wait, a run starts once other processes use less than this (in cores) for a second. */
const QUIET_LIMIT_CORES = 0.25;

const SCENARIOS = {
  autocannon: undefined,
  loadcore: "bench/scenarios/hello.ts",
  baseline: "bench/scenarios/hello.ts",
  molotov: "bench/scenarios/hello_molotov.py",
};

/** @type {Record<string, import("./lib/flags.mjs").FlagSpec>} */
const FLAGS = {
  rounds: { type: "integer", min: 1, max: 50, default: 3, description: "rounds; each runs every tool once" },
  duration: { type: "integer", min: 1, max: 600, default: 10, description: "seconds per run" },
  concurrency: { type: "integer", min: 1, max: 10_000, default: 50, description: "connections / workers" },
  warmup: {
    type: "integer",
    min: 0,
    max: 60,
    default: 3,
    description: "seconds of uncounted autocannon load first",
  },
  tools: {
    type: "list",
    choices: ["autocannon", "loadcore", "molotov"],
    default: ["autocannon", "loadcore", "molotov"],
    description: "tools to compare",
  },
  ...TARGET_SERVER_FLAGS,
  ...BASELINE_FLAG,
  output: { type: "string", description: "results JSON (default bench/results/hello-<date>.json)" },
};

const USAGE = "node bench/hello.mjs [flags]";
const SUMMARY =
  "Runs autocannon, loadcore and Molotov in turn against one local hello-world server (nginx, or a Node\n" +
  "server), the generator pinned to one CPU and the server to another, and prints requests/s per tool\n" +
  "and round, the medians and the ratios. Exit codes: 0 done, 1 a run failed, 2 bad flag, 3 missing\n" +
  "prerequisite, 4 server did not start, 130 interrupted.";

/** @param {string[]} argv */
async function main(argv) {
  const flags = parseFlags(argv, FLAGS);
  if (flags.help) {
    console.log(helpText(USAGE, SUMMARY, FLAGS));
    return 0;
  }
  const startedAt = new Date();

  const wanted = flags.tools.map((name) => loadTools[name]);
  if (flags.baseline !== undefined)
    wanted.push(loadcoreTool({ name: "baseline", cli: resolve(flags.baseline) }));
  const { tools, versions, skipped } = await availableTools(wanted);

  const pinning = pinningFromFlags(flags);

  const machine = await describeMachine();
  const server = await startServer(flags.server, pinning);
  const stopServer = onInterrupt(server.stop);
  try {
    console.log(`sizer hello-world benchmark, ${startedAt.toISOString()}`);
    console.log(
      `machine: ${machine.cpuModel}, ${machine.cpus} CPUs, ${machine.memoryGigabytes} GiB, Linux ${machine.kernel}, Node ${machine.node}`,
    );
    console.log(
      `server: ${server.kind}${server.kind === "nginx" ? ` ${machine.nginx}` : ""} at ${server.url}` +
        (pinning.taskset
          ? `, pinned to CPU ${pinning.serverCpu}; generators pinned to CPU ${pinning.generatorCpu}`
          : ", not pinned"),
    );
    console.log(`tools: ${tools.map((tool) => `${tool.name} ${versions[tool.name] ?? "?"}`).join(", ")}`);
    console.log(
      `method: ${flags.rounds} rounds x ${flags.duration} s, concurrency ${flags.concurrency}, tool order rotated each round, ` +
        `${flags.warmup} s warm-up not counted, medians of the runs without failures\n`,
    );

    if (flags.warmup > 0 && versions.autocannon !== undefined) {
      await loadTools.autocannon.run({ ...request(flags, server, pinning), durationSeconds: flags.warmup });
    }

    const runs = [];
    for (let round = 0; round < flags.rounds; round += 1) {
      console.log(`round ${round + 1}/${flags.rounds}`);
      for (const tool of rotate(tools, round)) {
        const quiet =
          flags["quiet-wait"] > 0
            ? await waitForQuiet({
                serverPid: server.pid,
                limitCores: QUIET_LIMIT_CORES,
                maxSeconds: flags["quiet-wait"],
              })
            : undefined;
        const loadBefore = readLoadAverage().one;
        const accounting = startCpuAccounting({ serverPid: server.pid });
        const result = await tool.run(request(flags, server, pinning, SCENARIOS[tool.name]));
        const cpu = accounting.stop();
        const requestsPerCpuSecond =
          result.requests !== undefined && cpu.generatorCpuSeconds > 0
            ? Math.round(result.requests / cpu.generatorCpuSeconds)
            : undefined;
        runs.push({
          tool: tool.name,
          round: round + 1,
          loadAverageBefore: loadBefore,
          quietWait: quiet,
          cpu,
          requestsPerCpuSecond,
          ...result,
        });
        console.log(
          `  ${tool.name.padEnd(10)} ${formatRate(result.requestsPerSecond).padStart(8)} req/s` +
            `  generator ${cpu.generatorCores.toFixed(2)} CPU, server ${cpu.serverCores.toFixed(2)}, others ${cpu.otherCores.toFixed(2)}, load ${loadBefore.toFixed(2)}` +
            (quiet ? `, ${quiet.quiet ? "quiet" : "NOT quiet"} after ${quiet.waitedSeconds} s` : "") +
            (result.problem ? `  [${result.ok ? "note" : "not counted"}: ${result.problem}]` : ""),
        );
      }
    }

    const summary = summarise(tools, runs, flags.rounds);
    console.log(`\n${summary.table}\n`);
    for (const line of summary.verdicts) console.log(line);
    const maxOthers = Math.max(...runs.map((run) => run.cpu.otherCores));
    const maxLoad = Math.max(...runs.map((run) => run.loadAverageBefore));
    const contended = maxOthers > CONTENTION_LIMIT_CORES;
    console.log(
      contended
        ? `contention: other processes used up to ${maxOthers.toFixed(2)} CPU during a run (load average up to ${maxLoad.toFixed(2)}): these figures are provisional`
        : `contention: other processes used at most ${maxOthers.toFixed(2)} CPU during a run (load average up to ${maxLoad.toFixed(2)})`,
    );

    const record = {
      benchmark: "hello",
      startedAt: startedAt.toISOString(),
      endedAt: new Date().toISOString(),
      command: ["node", "bench/hello.mjs", ...argv],
      machine,
      versions,
      skipped,
      server: { kind: server.kind, url: server.url },
      pinning: { generatorCpu: pinning.generatorCpu, serverCpu: pinning.serverCpu, note: pinning.note },
      options: {
        rounds: flags.rounds,
        durationSeconds: flags.duration,
        concurrency: flags.concurrency,
        warmupSeconds: flags.warmup,
        quietWaitSeconds: flags["quiet-wait"],
      },
      runs,
      medians: summary.medians,
      requestsPerCpuSecondMedians: summary.perCpuSecond,
      ratios: summary.ratios,
      pairedRatios: summary.paired,
      contention: { maxOtherCores: maxOthers, maxLoadAverage: maxLoad, provisional: contended },
    };
    console.log(`results: ${writeResults("hello", startedAt, flags.output, record)}`);
    return runs.every((run) => run.ok) ? 0 : 1;
  } finally {
    await stopServer();
  }
}

/**
 * @param {"auto" | "nginx" | "node"} choice
 * @param {import("./lib/pinning.mjs").Pinning} pinning
 */
async function startServer(choice, pinning) {
  const placement = { taskset: pinning.taskset, cpu: pinning.serverCpu };
  if (choice === "node") return startNodeServer(placement);
  const nginx = findNginx();
  if (nginx === undefined) {
    if (choice === "nginx")
      throw new BenchServerError("--server nginx: nginx is not installed (not on the PATH nor in /usr/sbin)");
    console.log("note: nginx not found, the target is a Node server in its own process");
    return startNodeServer(placement);
  }
  return startNginxServer({ nginx, ...placement });
}

/**
 * @param {Record<string, any>} flags
 * @param {{ url: string }} server
 * @param {import("./lib/pinning.mjs").Pinning} pinning
 * @param {string} [scenario]
 * @returns {import("./lib/load-tools.mjs").RunRequest}
 */
function request(flags, server, pinning, scenario = "") {
  return {
    url: server.url,
    concurrency: flags.concurrency,
    durationSeconds: flags.duration,
    scenario,
    pinning: { taskset: pinning.taskset, generatorCpu: pinning.generatorCpu },
  };
}

/**
 * @param {import("./lib/load-tools.mjs").LoadTool[]} tools
 * @param {Array<{ tool: string, round: number, ok: boolean, requestsPerSecond: number | undefined, cpu: { generatorCores: number, otherCores: number } }>} runs
 * @param {number} rounds
 */
function summarise(tools, runs, rounds) {
  const medians = {};
  const perCpuSecond = {};
  const rows = tools.map((tool) => {
    const own = runs.filter((run) => run.tool === tool.name);
    const kept = own.filter((run) => run.ok && run.requestsPerSecond !== undefined);
    medians[tool.name] = median(kept.map((run) => /** @type {number} */ (run.requestsPerSecond)));
    perCpuSecond[tool.name] = median(
      kept.flatMap((run) => (run.requestsPerCpuSecond === undefined ? [] : [run.requestsPerCpuSecond])),
    );
    const perRound = Array.from({ length: rounds }, (_, index) => {
      const run = own.find((candidate) => candidate.round === index + 1);
      if (run === undefined) return "—";
      return run.ok ? formatRate(run.requestsPerSecond) : `(${formatRate(run.requestsPerSecond)})`;
    });
    return [
      tool.name,
      ...perRound,
      formatRate(medians[tool.name]),
      median(own.map((run) => run.cpu.generatorCores))?.toFixed(2) ?? "—",
      formatRate(perCpuSecond[tool.name]),
      Math.max(...own.map((run) => run.cpu.otherCores)).toFixed(2),
      `${kept.length}/${own.length}`,
    ];
  });
  const header = [
    "tool (req/s)",
    ...Array.from({ length: rounds }, (_, index) => `round ${index + 1}`),
    "median",
    "generator CPU",
    "req per CPU-s",
    "others CPU (max)",
    "runs kept",
  ];
  const ratios = {
    loadcoreOverAutocannon: ratio(medians.loadcore, medians.autocannon) ?? null,
    loadcoreOverMolotov: ratio(medians.loadcore, medians.molotov) ?? null,
    loadcoreOverBaseline: ratio(medians.loadcore, medians.baseline) ?? null,
    perCpuSecondLoadcoreOverBaseline: ratio(perCpuSecond.loadcore, perCpuSecond.baseline) ?? null,
    autocannonOverMolotov: ratio(medians.autocannon, medians.molotov) ?? null,
    perCpuSecondLoadcoreOverAutocannon: ratio(perCpuSecond.loadcore, perCpuSecond.autocannon) ?? null,
    perCpuSecondLoadcoreOverMolotov: ratio(perCpuSecond.loadcore, perCpuSecond.molotov) ?? null,
  };
  const verdicts = [];
  if ("loadcore" in medians && "autocannon" in medians) {
    verdicts.push(
      `loadcore / autocannon: ${formatRatio(ratios.loadcoreOverAutocannon)} (target >= 1.0x: ${verdict(ratios.loadcoreOverAutocannon ?? undefined, 1)})`,
    );
  }
  if ("loadcore" in medians && "molotov" in medians) {
    verdicts.push(
      `loadcore / molotov: ${formatRatio(ratios.loadcoreOverMolotov)} (target >= 10x: ${verdict(ratios.loadcoreOverMolotov ?? undefined, 10)})`,
    );
  }
  if ("loadcore" in medians && "baseline" in medians) {
    verdicts.push(
      `loadcore / baseline (the same benchmark on the other build): ${formatRatio(ratios.loadcoreOverBaseline)} in req/s, ` +
        `${formatRatio(ratios.perCpuSecondLoadcoreOverBaseline)} per generator CPU-second`,
    );
  }
  if ("autocannon" in medians && "molotov" in medians) {
    verdicts.push(`autocannon / molotov: ${formatRatio(ratios.autocannonOverMolotov ?? undefined)}`);
  }
  const efficiency = [
    "autocannon" in medians
      ? `loadcore / autocannon ${formatRatio(ratios.perCpuSecondLoadcoreOverAutocannon)}`
      : "",
    "molotov" in medians ? `loadcore / molotov ${formatRatio(ratios.perCpuSecondLoadcoreOverMolotov)}` : "",
  ].filter((text) => text !== "");
  if ("loadcore" in medians && efficiency.length > 0) {
    verdicts.push(
      `requests per generator CPU-second (less sensitive to contention): ${efficiency.join(", ")}`,
    );
  }
  const paired = {};
  for (const [key, numerator, denominator, target] of /** @type {const} */ ([
    ["loadcoreOverAutocannon", "loadcore", "autocannon", 1],
    ["loadcoreOverMolotov", "loadcore", "molotov", 10],
    ["loadcoreOverBaseline", "loadcore", "baseline", 1],
  ])) {
    if (!(numerator in medians && denominator in medians)) continue;
    const perRound = pairedRatios(runs, numerator, denominator);
    if (perRound.length === 0) continue;
    const interval = bootstrapMedianInterval(perRound);
    paired[key] = { perRound, median: median(perRound), interval: interval ?? null };
    verdicts.push(
      `${numerator} / ${denominator} round by round: median ${formatRatio(median(perRound))} of ${perRound.length} rounds` +
        (interval === undefined
          ? " (too few rounds for an interval)"
          : `, 95% bootstrap interval ${formatRatio(interval.low)} to ${formatRatio(interval.high)}: ${
              interval.low >= target
                ? `above ${target}x`
                : interval.high < target
                  ? `below ${target}x`
                  : `spans ${target}x, more rounds needed to decide`
            }`),
    );
  }
  return { table: markdownTable(header, rows), medians, perCpuSecond, ratios, paired, verdicts };
}

/** @param {number | undefined} value @param {number} target */
function verdict(value, target) {
  if (value === undefined) return "not measured";
  return value >= target ? "met" : "NOT met";
}

runScript("hello", main);
