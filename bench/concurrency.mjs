#!/usr/bin/env node
// Concurrency sweep: loadcore vs autocannon at 500 to 10,000 workers / connections against an endpoint
// that answers after 100 ms, with the method of bench/hello.mjs (pinned, alternated rounds, medians).
// Run `npm run build` first; this script builds nothing. `node bench/concurrency.mjs --help` for the flags.
import { resolve } from "node:path";
import { startCpuAccounting } from "./lib/cpu-accounting.mjs";
import { BenchServerError, BenchUsageError } from "./lib/errors.mjs";
import { BASELINE_FLAG, helpText, parseFlags, TARGET_SERVER_FLAGS } from "./lib/flags.mjs";
import { formatMegabytes, formatRate, formatRatio, markdownTable } from "./lib/format.mjs";
import { availableTools, loadcoreTool, loadTools } from "./lib/load-tools.mjs";
import { describeMachine, findNginx } from "./lib/machine.mjs";
import { pinningFromFlags } from "./lib/pinning.mjs";
import { readLoadAverage } from "./lib/proc.mjs";
import { waitForQuiet } from "./lib/quiet-wait.mjs";
import { startRssSampler, summariseRss } from "./lib/rss-sampler.mjs";
import { rotate } from "./lib/schedule.mjs";
import { onInterrupt, runScript, writeResults } from "./lib/script.mjs";
import { startNginxServer, startNodeServer } from "./lib/servers.mjs";
import { bootstrapMedianInterval, median, pairedRatios, ratio } from "./lib/statistics.mjs";

/** Other processes using more CPU than this (in cores) during a run make the figures provisional. */
const CONTENTION_LIMIT_CORES = 0.1;

/** With --quiet-wait, a run starts once other processes use less than this (in cores) for a second. */
const QUIET_LIMIT_CORES = 0.25;

/** The issue's targets: loadcore's req/s >= autocannon's, its p50 within 10% of autocannon's. */
const RATE_TARGET = 1;
const P50_TOLERANCE = 0.1;

/** @type {Record<string, import("./lib/flags.mjs").FlagSpec>} */
const FLAGS = {
  levels: {
    type: "list",
    default: ["500", "2000", "5000", "10000"],
    description: "concurrency levels (workers / connections), comma-separated",
  },
  rounds: {
    type: "integer",
    min: 1,
    max: 50,
    default: 3,
    description: "rounds per level; each runs every tool once",
  },
  duration: { type: "integer", min: 1, max: 600, default: 10, description: "seconds per run" },
  "delay-ms": { type: "integer", min: 1, max: 10_000, default: 100, description: "server answer delay, ms" },
  tools: {
    type: "list",
    choices: ["autocannon", "loadcore"],
    default: ["autocannon", "loadcore"],
    description: "tools to compare",
  },
  ...TARGET_SERVER_FLAGS,
  server: {
    ...TARGET_SERVER_FLAGS.server,
    description: "target server (nginx delays with its rate limit; the Node server with a timer)",
  },
  ...BASELINE_FLAG,
  output: { type: "string", description: "results JSON (default bench/results/concurrency-<date>.json)" },
};

const SCENARIO = "bench/scenarios/slow.ts";
const USAGE = "node bench/concurrency.mjs [flags]";
const SUMMARY =
  "Runs loadcore and autocannon in turn at each concurrency level against one local endpoint that answers\n" +
  "after --delay-ms (nginx, or a Node server), the generator pinned to one CPU and the server to another;\n" +
  "prints per level the median req/s, p50 latency, requests per generator CPU-second and peak RSS of each\n" +
  "tool, and the ratios loadcore / autocannon. Exit codes: 0 done, 1 a run failed, 2 bad flag, 3 missing\n" +
  "prerequisite, 4 server did not start, 130 interrupted.";

/** @param {string[]} argv */
async function main(argv) {
  const flags = parseFlags(argv, FLAGS);
  if (flags.help) {
    console.log(helpText(USAGE, SUMMARY, FLAGS));
    return 0;
  }
  const levels = flags.levels.map((text) => Number(text));
  if (!levels.every((level) => Number.isInteger(level) && level >= 1 && level <= 20_000)) {
    throw new BenchUsageError(`--levels expects integers from 1 to 20000, got ${flags.levels.join(",")}`);
  }
  const startedAt = new Date();
  const wanted = flags.tools.map((name) => loadTools[name]);
  if (flags.baseline !== undefined)
    wanted.push(loadcoreTool({ name: "baseline", cli: resolve(flags.baseline) }));
  const { tools, versions } = await availableTools(wanted);
  const pinning = pinningFromFlags(flags);
  const machine = await describeMachine();
  const server = await startServer(flags.server, pinning, flags["delay-ms"]);
  const stopServer = onInterrupt(server.stop);
  try {
    console.log(`sizer concurrency sweep, ${startedAt.toISOString()}`);
    console.log(
      `machine: ${machine.cpuModel}, ${machine.cpus} CPUs, ${machine.memoryGigabytes} GiB, Linux ${machine.kernel}, Node ${machine.node}`,
    );
    console.log(
      `server: ${server.kind}${server.kind === "nginx" ? ` ${machine.nginx}` : ""}, answers after ${flags["delay-ms"]} ms, at ${server.url}` +
        (pinning.taskset
          ? `, pinned to CPU ${pinning.serverCpu}; generators pinned to CPU ${pinning.generatorCpu}`
          : ", not pinned"),
    );
    console.log(`tools: ${tools.map((tool) => `${tool.name} ${versions[tool.name] ?? "?"}`).join(", ")}`);
    console.log(
      `method: levels ${levels.join(", ")}; ${flags.rounds} rounds x ${flags.duration} s per level, tool order rotated each round, ` +
        `no ramp-up, medians of the runs without failures\n`,
    );

    const runs = [];
    for (const level of levels) {
      console.log(
        `${level} workers / connections (ceiling ${formatRate((level * 1000) / flags["delay-ms"])} req/s)`,
      );
      for (let round = 0; round < flags.rounds; round += 1) {
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
          const sampler = startRssSampler({ intervalMs: 250, includeChildren: true });
          const accounting = startCpuAccounting({ serverPid: server.pid });
          const result = await tool.run({
            url: server.url,
            concurrency: level,
            durationSeconds: flags.duration,
            scenario: tool.name === "autocannon" ? "" : SCENARIO,
            pinning: { taskset: pinning.taskset, generatorCpu: pinning.generatorCpu },
            onStart: (pid) => sampler.attach(pid),
          });
          const cpu = accounting.stop();
          const rss = summariseRss(sampler.stop());
          const p50 = result.details?.latency?.p50;
          const requestsPerCpuSecond =
            result.requests !== undefined && cpu.generatorCpuSeconds > 0
              ? Math.round(result.requests / cpu.generatorCpuSeconds)
              : undefined;
          runs.push({
            level,
            tool: tool.name,
            round: round + 1,
            loadAverageBefore: loadBefore,
            quietWait: quiet,
            cpu,
            peakRssBytes: rss.peakBytes,
            p50,
            requestsPerCpuSecond,
            ...result,
          });
          console.log(
            `  round ${round + 1} ${tool.name.padEnd(10)} ${formatRate(result.requestsPerSecond).padStart(8)} req/s, p50 ${p50 === undefined ? "—" : `${Math.round(p50)} ms`}` +
              `, peak RSS ${formatMegabytes(rss.peakBytes)}, generator ${cpu.generatorCores.toFixed(2)} CPU, server ${cpu.serverCores.toFixed(2)}, others ${cpu.otherCores.toFixed(2)}, load ${loadBefore.toFixed(2)}` +
              (result.problem ? `  [${result.ok ? "note" : "not counted"}: ${result.problem}]` : ""),
          );
        }
      }
    }

    const summary = summarise(levels, runs);
    console.log(`\n${summary.table}\n`);
    for (const line of summary.verdicts) console.log(line);
    const maxOthers = Math.max(...runs.map((run) => run.cpu.otherCores));
    const maxLoad = Math.max(...runs.map((run) => run.loadAverageBefore));
    const contended = maxOthers > CONTENTION_LIMIT_CORES;
    console.log(
      `contention: other processes used up to ${maxOthers.toFixed(2)} CPU during a run (load average up to ${maxLoad.toFixed(2)})` +
        (contended ? ": these figures are provisional" : ""),
    );
    const record = {
      benchmark: "concurrency",
      startedAt: startedAt.toISOString(),
      endedAt: new Date().toISOString(),
      command: ["node", "bench/concurrency.mjs", ...argv],
      machine,
      versions,
      server: { kind: server.kind, url: server.url, delayMs: flags["delay-ms"] },
      pinning: { generatorCpu: pinning.generatorCpu, serverCpu: pinning.serverCpu, note: pinning.note },
      options: {
        levels,
        rounds: flags.rounds,
        durationSeconds: flags.duration,
        quietWaitSeconds: flags["quiet-wait"],
      },
      runs,
      levels: summary.byLevel,
      contention: { maxOtherCores: maxOthers, maxLoadAverage: maxLoad, provisional: contended },
    };
    console.log(`results: ${writeResults("concurrency", startedAt, flags.output, record)}`);
    return runs.every((run) => run.ok) ? 0 : 1;
  } finally {
    await stopServer();
  }
}

/**
 * @param {"auto" | "nginx" | "node"} choice
 * @param {import("./lib/pinning.mjs").Pinning} pinning
 * @param {number} delayMs
 */
async function startServer(choice, pinning, delayMs) {
  const placement = { taskset: pinning.taskset, cpu: pinning.serverCpu };
  if (choice === "node") return startNodeServer({ ...placement, delayMs });
  const nginx = findNginx();
  if (nginx === undefined) {
    if (choice === "nginx")
      throw new BenchServerError("--server nginx: nginx is not installed (not on the PATH nor in /usr/sbin)");
    console.log("note: nginx not found, the target is a Node server in its own process");
    return startNodeServer({ ...placement, delayMs });
  }
  return startNginxServer({ nginx, ...placement, delayMs });
}

/**
 * Per level and tool: medians of req/s, p50, requests per CPU-second and peak RSS over the runs without
 * failures; the ratios loadcore / autocannon of the medians and, round by round, of the paired runs.
 *
 * @param {number[]} levels
 * @param {Array<Record<string, any>>} runs
 */
function summarise(levels, runs) {
  const rows = [];
  const byLevel = [];
  const verdicts = [];
  for (const level of levels) {
    const atLevel = runs.filter((run) => run.level === level);
    const figures = {};
    for (const tool of ["autocannon", "loadcore", "baseline"]) {
      const kept = atLevel.filter(
        (run) => run.tool === tool && run.ok && run.requestsPerSecond !== undefined,
      );
      if (atLevel.every((run) => run.tool !== tool)) continue;
      figures[tool] = {
        runs: atLevel.filter((run) => run.tool === tool).length,
        kept: kept.length,
        requestsPerSecond: median(kept.map((run) => run.requestsPerSecond)),
        p50: median(kept.flatMap((run) => (run.p50 === undefined ? [] : [run.p50]))),
        requestsPerCpuSecond: median(
          kept.flatMap((run) => (run.requestsPerCpuSecond === undefined ? [] : [run.requestsPerCpuSecond])),
        ),
        peakRssBytes: median(
          kept.flatMap((run) => (run.peakRssBytes === undefined ? [] : [run.peakRssBytes])),
        ),
        generatorCores: median(
          atLevel.filter((run) => run.tool === tool).map((run) => run.cpu.generatorCores),
        ),
      };
    }
    const autocannon = figures.autocannon;
    const loadcore = figures.loadcore;
    const rateRatio = ratio(loadcore?.requestsPerSecond, autocannon?.requestsPerSecond);
    const p50Ratio = ratio(loadcore?.p50, autocannon?.p50);
    const cpuRatio = ratio(loadcore?.requestsPerCpuSecond, autocannon?.requestsPerCpuSecond);
    const paired = pairedRatios(
      atLevel.map((run) => ({ ...run, round: run.round })),
      "loadcore",
      "autocannon",
    );
    // the same level on the other build: CPU per request, round by round (back-to-back runs)
    const baselinePaired = pairedRatios(atLevel, "loadcore", "baseline", "requestsPerCpuSecond");
    byLevel.push({
      level,
      figures,
      rateRatio: rateRatio ?? null,
      p50Ratio: p50Ratio ?? null,
      perCpuSecondRatio: cpuRatio ?? null,
      pairedRateRatios: paired,
      ...(figures.baseline === undefined ? {} : { pairedPerCpuSecondOverBaseline: baselinePaired }),
    });
    if (figures.baseline !== undefined && baselinePaired.length > 0) {
      const interval = bootstrapMedianInterval(baselinePaired);
      verdicts.push(
        `${level}: loadcore / baseline per generator CPU-second, round by round: ${baselinePaired.map((value) => formatRatio(value)).join(", ")}` +
          ` (median ${formatRatio(median(baselinePaired))}` +
          (interval === undefined
            ? ")"
            : `, 95% bootstrap interval ${formatRatio(interval.low)} to ${formatRatio(interval.high)})`) +
          `; req/s ${formatRatio(ratio(loadcore?.requestsPerSecond, figures.baseline.requestsPerSecond))}` +
          `, peak RSS ${formatMegabytes(loadcore?.peakRssBytes)} / ${formatMegabytes(figures.baseline.peakRssBytes)}`,
      );
    }
    rows.push([
      level,
      formatRate(autocannon?.requestsPerSecond),
      autocannon?.p50 === undefined ? "—" : `${Math.round(autocannon.p50)} ms`,
      formatRate(loadcore?.requestsPerSecond),
      loadcore?.p50 === undefined ? "—" : `${Math.round(loadcore.p50)} ms`,
      formatRatio(rateRatio),
      formatRatio(p50Ratio),
      formatRatio(cpuRatio),
      paired.length === 0 ? "—" : formatRatio(median(paired)),
      `${formatMegabytes(autocannon?.peakRssBytes)} / ${formatMegabytes(loadcore?.peakRssBytes)}`,
      `${autocannon?.generatorCores?.toFixed(2) ?? "—"} / ${loadcore?.generatorCores?.toFixed(2) ?? "—"}`,
      `${autocannon?.kept ?? 0}/${autocannon?.runs ?? 0}, ${loadcore?.kept ?? 0}/${loadcore?.runs ?? 0}`,
    ]);
    if (rateRatio !== undefined && p50Ratio !== undefined) {
      const met = rateRatio >= RATE_TARGET && Math.abs(p50Ratio - 1) <= P50_TOLERANCE;
      verdicts.push(
        `${level}: loadcore / autocannon ${formatRatio(rateRatio)} req/s, p50 ${formatRatio(p50Ratio)}, ${formatRatio(cpuRatio)} per CPU-second ` +
          `(target >= ${RATE_TARGET}x with p50 within ${P50_TOLERANCE * 100}%: ${met ? "met" : "NOT met"})`,
      );
    }
  }
  const header = [
    "workers",
    "autocannon req/s",
    "autocannon p50",
    "loadcore req/s",
    "loadcore p50",
    "req/s ratio",
    "p50 ratio",
    "per CPU-s ratio",
    "paired req/s ratio",
    "peak RSS (ac / lc)",
    "generator CPU (ac / lc)",
    "runs kept (ac, lc)",
  ];
  return { table: markdownTable(header, rows), byLevel, verdicts };
}

runScript("concurrency", main);
