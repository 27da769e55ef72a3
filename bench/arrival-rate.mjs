#!/usr/bin/env node
// Arrival-rate benchmark: does loadcore's scheduler (`--rate R`) start R scenario runs a second, up to the
// hello benchmark's throughput on one core? Run `npm run build` first; this script builds nothing.
// `node bench/arrival-rate.mjs --help` for the flags.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { startCpuAccounting } from "./lib/cpu-accounting.mjs";
import { BenchPrerequisiteError, BenchServerError, BenchUsageError } from "./lib/errors.mjs";
import { helpText, parseFlags, TARGET_SERVER_FLAGS } from "./lib/flags.mjs";
import { formatRate, markdownTable } from "./lib/format.mjs";
import {
  loadcoreCli,
  loadTools,
  repositoryRoot,
  steadyCpuMicrosPerRun,
  UNSTEADY_SECONDS,
} from "./lib/load-tools.mjs";
import { describeMachine, findNginx } from "./lib/machine.mjs";
import { resolvePinning } from "./lib/pinning.mjs";
import { readLoadAverage, watchCoreWait } from "./lib/proc.mjs";
import { pinned, runProcess } from "./lib/processes.mjs";
import { waitForQuiet } from "./lib/quiet-wait.mjs";
import { onInterrupt, runScript, writeResults } from "./lib/script.mjs";
import { startNginxServer, startNodeServer } from "./lib/servers.mjs";

/** The target (#17): the runs started within 1% of the schedule's. */
const HOLD_TOLERANCE = 0.01;
/** With --quiet-wait, a run starts once other processes use less than this (in cores) for a second. */
const QUIET_LIMIT_CORES = 0.25;
const SCENARIO = "bench/scenarios/hello.ts";

/** @type {Record<string, import("./lib/flags.mjs").FlagSpec>} */
const FLAGS = {
  duration: { type: "integer", min: 3, max: 3600, default: 10, description: "seconds per run" },
  fractions: {
    type: "list",
    default: ["0.1", "0.25", "0.5", "0.75", "0.9", "1"],
    description: "target rates as fractions of the measured closed-model hello throughput",
  },
  rates: { type: "list", description: "target rates in runs/s instead of --fractions (e.g. 1000,5000)" },
  concurrency: {
    type: "integer",
    min: 1,
    max: 10_000,
    default: 50,
    description: "workers of the closed-model reference run (as bench/hello.mjs)",
  },
  "max-workers": {
    type: "integer",
    min: 1,
    max: 100_000,
    default: 1000,
    description: "loadcore --max-workers of the arrival-rate runs",
  },
  ...TARGET_SERVER_FLAGS,
  output: { type: "string", description: "results JSON (default bench/results/arrival-rate-<date>.json)" },
};

const USAGE = "node bench/arrival-rate.mjs [flags]";
const SUMMARY =
  "Measures the hello-world throughput of loadcore's closed model (--concurrency workers) on one core, then\n" +
  "runs loadcore --rate R at fractions of it (or at --rates) against the same server, and prints for each\n" +
  "rate the runs started against the schedule, per run and per second, with late and dropped runs.\n" +
  "Exit codes: 0 done, 1 a run failed, 2 bad flag, 3 missing prerequisite, 4 server did not start,\n" +
  "130 interrupted.";

/** @param {string[]} argv */
async function main(argv) {
  const flags = parseFlags(argv, FLAGS);
  if (flags.help) {
    console.log(helpText(USAGE, SUMMARY, FLAGS));
    return 0;
  }
  const rates = (flags.rates ?? []).map((text) => positiveNumber("--rates", text));
  const fractions = flags.fractions.map((text) => positiveNumber("--fractions", text));
  if (!existsSync(loadcoreCli))
    throw new BenchPrerequisiteError(
      `${relative(process.cwd(), loadcoreCli)} is missing: run \`npm run build\` first`,
    );
  const startedAt = new Date();
  const pinning = resolvePinning({
    pin: !flags["no-pin"],
    generatorCpu: flags["generator-cpu"],
    serverCpu: flags["server-cpu"],
  });
  if (pinning.note) console.log(`note: ${pinning.note}`);
  const machine = await describeMachine();
  const { version } = await loadTools.loadcore.check();
  const server = await startServer(flags.server, pinning);
  const stopServer = onInterrupt(server.stop);
  try {
    console.log(`sizer arrival-rate benchmark, ${startedAt.toISOString()}`);
    console.log(
      `machine: ${machine.cpuModel}, ${machine.cpus} CPUs, Node ${machine.node}; loadcore ${version}`,
    );
    console.log(
      `server: ${server.kind} at ${server.url}` +
        (pinning.taskset
          ? `, pinned to CPU ${pinning.serverCpu}; loadcore pinned to CPU ${pinning.generatorCpu}`
          : ", not pinned"),
    );

    const quietWait = () =>
      flags["quiet-wait"] > 0
        ? waitForQuiet({
            serverPid: server.pid,
            limitCores: QUIET_LIMIT_CORES,
            maxSeconds: flags["quiet-wait"],
          })
        : Promise.resolve(undefined);
    let reference;
    if (rates.length === 0) {
      const quiet = await quietWait();
      const loadBefore = readLoadAverage().one;
      const accounting = startCpuAccounting({ serverPid: server.pid });
      const coreWait = watchCoreWait();
      reference = await loadTools.loadcore.run({
        url: server.url,
        concurrency: flags.concurrency,
        durationSeconds: flags.duration,
        scenario: SCENARIO,
        pinning: { taskset: pinning.taskset, generatorCpu: pinning.generatorCpu },
        onStart: coreWait.onStart,
      });
      const cpu = accounting.stop();
      const waitedForCore = coreWait.stop();
      if (!reference.ok || reference.requestsPerSecond === undefined)
        throw new BenchServerError(
          `the closed-model reference run failed: ${reference.problem ?? "no throughput"}`,
        );
      reference = { ...reference, cpu, waitedForCore, loadAverageBefore: loadBefore, quietWait: quiet };
      console.log(
        `reference: closed model, ${flags.concurrency} workers: ${formatRate(reference.requestsPerSecond)} req/s` +
          `  generator ${cpu.generatorCores.toFixed(2)} CPU (${cpuPerRun(cpu.generatorCores, reference.requestsPerSecond)} µs a run, ` +
          `${formatMicros(reference.details?.steadyCpuMicrosPerRun)} steady), waited for a core ${formatShare(waitedForCore)}, others ${cpu.otherCores.toFixed(2)}, load ${loadBefore.toFixed(2)}`,
      );
      for (const fraction of fractions)
        rates.push(Math.max(1, Math.round(reference.requestsPerSecond * fraction)));
    }

    const runs = [];
    for (const rate of rates) {
      const quiet = await quietWait();
      const loadBefore = readLoadAverage().one;
      const accounting = startCpuAccounting({ serverPid: server.pid });
      const outcome = await runAtRate(rate, flags, server.url, pinning);
      const cpu = accounting.stop();
      const run = { rate, loadAverageBefore: loadBefore, quietWait: quiet, cpu, ...outcome };
      runs.push(run);
      console.log(
        `  --rate ${String(rate).padStart(6)}: ` +
          (run.problem
            ? `not measured: ${run.problem}`
            : `started ${formatRatio(run.heldRatio)} of the schedule, worst second ${formatRatio(run.worstSecondRatio)}, ` +
              `late ${run.late}, dropped ${run.dropped}, completed ${formatRate(run.completedPerSecond)} runs/s`) +
          `  generator ${cpu.generatorCores.toFixed(2)} CPU (${formatMicros(run.steadyCpuMicros)} µs a run steady), waited for a core ${formatShare(run.waitedForCore)}, others ${cpu.otherCores.toFixed(2)}, load ${loadBefore.toFixed(2)}` +
          (quiet ? `, ${quiet.quiet ? "quiet" : "NOT quiet"} after ${quiet.waitedSeconds} s` : ""),
      );
    }

    const header = [
      "target runs/s",
      "started / scheduled",
      "worst whole second",
      "seconds within 1%",
      "late",
      "dropped",
      "completed runs/s",
      "p99 (ms)",
      `worst 1-s p99 after ${UNSTEADY_SECONDS} s (ms)`,
      "peak workers",
      "generator CPU",
      "generator µs/run",
      "steady µs/run",
      "waited for a core",
      "others CPU",
      "load avg",
      `within ${HOLD_TOLERANCE * 100}%`,
    ];
    const rows = runs.map((run) => [
      String(run.rate),
      run.problem ? "-" : formatRatio(run.heldRatio),
      run.problem ? "-" : formatRatio(run.worstSecondRatio),
      run.problem ? "-" : `${run.secondsWithin}/${run.perSecond.length}`,
      run.problem ? "-" : String(run.late),
      run.problem ? "-" : String(run.dropped),
      run.problem ? "-" : formatRate(run.completedPerSecond),
      run.problem ? "-" : run.p99.toFixed(1),
      run.problem || run.steadyP99 === undefined ? "-" : run.steadyP99.toFixed(1),
      run.problem ? "-" : String(run.peakWorkers),
      run.cpu.generatorCores.toFixed(2),
      run.problem ? "-" : cpuPerRun(run.cpu.generatorCores, run.completedPerSecond),
      run.problem ? "-" : formatMicros(run.steadyCpuMicros),
      formatShare(run.waitedForCore),
      run.cpu.otherCores.toFixed(2),
      run.loadAverageBefore.toFixed(2),
      run.problem ? "no" : run.held ? "yes" : "no",
    ]);
    console.log(`\n${markdownTable(header, rows)}\n`);
    const highest = runs.filter((run) => run.held).at(-1);
    console.log(
      highest === undefined
        ? "no rate was held within the tolerance"
        : `highest rate held within ${HOLD_TOLERANCE * 100}% (started runs, no drop): ${highest.rate} runs/s` +
            (reference
              ? ` (${formatRatio(highest.rate / reference.requestsPerSecond)} of the closed-model hello throughput)`
              : ""),
    );
    const path = writeResults("arrival-rate", startedAt, flags.output, {
      startedAt: startedAt.toISOString(),
      machine,
      loadcore: version,
      server: { kind: server.kind, url: server.url },
      pinning,
      flags,
      reference,
      runs,
    });
    console.log(`results: ${path}`);
    return runs.some((run) => run.problem) ? 1 : 0;
  } finally {
    await stopServer();
  }
}

/**
 * One `loadcore --rate R` run: the runs started against the schedule, over the run and per whole second
 * (the first and the last second left out: start-up, and the second cut by the end).
 */
async function runAtRate(rate, flags, url, pinning) {
  const directory = mkdtempSync(join(tmpdir(), "sizer-bench-rate-"));
  const output = join(directory, "results.json");
  const args = [
    relative(repositoryRoot, loadcoreCli),
    "--rate",
    String(rate),
    "--max-workers",
    String(flags["max-workers"]),
    "-d",
    String(flags.duration),
    "-q",
    "--output",
    output,
    SCENARIO,
  ];
  const coreWait = watchCoreWait();
  try {
    const outcome = await runProcess(
      pinned({ command: process.execPath, args }, { taskset: pinning.taskset, cpu: pinning.generatorCpu }),
      {
        env: { ...process.env, SERVER_URL: url },
        cwd: repositoryRoot,
        timeoutMs: (flags.duration + 60) * 1000,
        onStart: coreWait.onStart,
      },
    );
    const waitedForCore = coreWait.stop();
    if (!existsSync(output))
      return {
        problem: `loadcore exited ${outcome.exitCode} without results: ${(outcome.stderr || outcome.stdout).trim().split("\n")[0]}`,
      };
    const results = JSON.parse(readFileSync(output, "utf8"));
    const arrival = results.arrivalRate;
    if (arrival === undefined)
      return { problem: "the results have no arrivalRate: not an arrival-rate build" };
    const scheduled = rate * flags.duration;
    const seconds = results.timeline.slice(1, -1).filter((point) => point.targetRate > 0);
    const ratios = seconds.map((point) => point.startedRuns / point.targetRate);
    const worstSecondRatio = ratios.reduce(
      (worst, value) => (Math.abs(value - 1) > Math.abs(worst - 1) ? value : worst),
      1,
    );
    const heldRatio = arrival.started / scheduled;
    const secondsWithin = ratios.filter((value) => Math.abs(value - 1) <= HOLD_TOLERANCE).length;
    const steadySeconds = results.timeline.slice(UNSTEADY_SECONDS, -1);
    return {
      waitedForCore,
      steadyCpuMicros: steadyCpuMicrosPerRun(results.timeline),
      steadyP99:
        steadySeconds.length > 0 ? Math.max(...steadySeconds.map((point) => point.latency.p99)) : undefined,
      peakWorkers: Math.max(0, ...results.timeline.map((point) => point.workers)),
      scheduled,
      started: arrival.started,
      late: arrival.late,
      dropped: arrival.dropped,
      failed: results.failed,
      heldRatio,
      worstSecondRatio,
      secondsWithin,
      perSecond: seconds.map((point) => ({
        t: point.t,
        target: point.targetRate,
        started: point.startedRuns,
      })),
      completedPerSecond: results.scenariosPerSecond,
      p99: results.latency.p99,
      serviceTimeP99: results.serviceTime?.p99,
      held: Math.abs(heldRatio - 1) <= HOLD_TOLERANCE && arrival.dropped === 0 && results.failed === 0,
      problem: results.failed > 0 ? `${results.failed} scenario runs failed` : undefined,
    };
  } finally {
    coreWait.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

/** @param {number | undefined} micros */
function formatMicros(micros) {
  return micros === undefined ? "-" : micros.toFixed(1);
}

/** @param {number | undefined} share */
function formatShare(share) {
  return share === undefined ? "-" : `${(share * 100).toFixed(0)}%`;
}

/** Generator CPU time per scenario run, µs: its cores over the runs it completed a second. */
function cpuPerRun(cores, runsPerSecond) {
  return runsPerSecond > 0 ? ((cores * 1e6) / runsPerSecond).toFixed(1) : "-";
}

function formatRatio(value) {
  return `${(value * 100).toFixed(2)}%`;
}

function positiveNumber(flag, text) {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new BenchUsageError(`${flag} takes numbers > 0, got ${JSON.stringify(text)}`);
  return value;
}

async function startServer(choice, pinning) {
  const placement = { taskset: pinning.taskset, cpu: pinning.serverCpu };
  if (choice === "node") return startNodeServer(placement);
  const nginx = findNginx();
  if (nginx === undefined) {
    if (choice === "nginx") throw new BenchServerError("--server nginx: nginx is not installed");
    console.log("note: nginx not found, the target is a Node server in its own process");
    return startNodeServer(placement);
  }
  return startNginxServer({ nginx, ...placement });
}

runScript("arrival-rate", main);
