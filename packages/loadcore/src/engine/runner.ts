import { existsSync, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { dirname, resolve } from "node:path";
import { ConsoleOutput } from "../cli/console-output.js";
import { FixtureError, LoadcoreError, NoScenarioError, OutputError, UsageError } from "../errors.js";
import {
  describeRunOptions,
  type ResolvedRunOptions,
  type RunOptions,
  resolveRunOptions,
  sizingOptionsOf,
} from "../options/run-options.js";
import { LiveRecordWriter } from "../results/live-record.js";
import { buildResults, type LoadResults } from "../results/results.js";
import { formatSummary } from "../results/summary.js";
import { SizingController, type SizingStop } from "../sizing/sizing.js";
import { type SecondArrivals, StatsAggregator } from "../stats/stats.js";
import { VERSION } from "../version.js";
import { type ArrivalCounts, type ArrivalPlan, targetRateOf } from "./arrival-rate.js";
import type { EngineHooks, EngineSettings, WorkerPlan } from "./load-engine.js";
import { InThreadProcess, type LoadProcess, type ProcessReport, ThreadProcess } from "./load-process.js";
import { getRegistry, resetRegistry } from "./registry.js";
import { ScenarioChooser } from "./scenario-choice.js";
import { loadScenarioFile } from "./scenario-loader.js";
import { judgeSelfCheck, SelfMonitor } from "./self-check.js";

/** Why a run ended. */
/** How a sizing run that no stop criterion ended reports its end (`sizing.stopReason`). */
const SIZING_END_REASON: Record<EndReason, "duration" | "interrupted" | "max-runs" | "exception"> = {
  duration: "duration",
  interrupted: "interrupted",
  "max-runs": "max-runs",
  sizing: "max-runs",
  exception: "exception",
  "scenario-picker": "exception",
  completed: "max-runs",
};

export type EndReason =
  | "duration"
  | "interrupted"
  | "max-runs"
  | "sizing"
  | "exception"
  | "scenario-picker"
  | "completed";

const RUNNING_KEY = Symbol.for("@sizer/loadcore.running");

/** Scenario registrations are process-wide, so one process runs one load at a time. */
function claimProcess(): () => void {
  const holder = globalThis as unknown as Record<symbol, boolean | undefined>;
  if (holder[RUNNING_KEY] === true) {
    throw new LoadcoreError(
      "ERR_LOADCORE_BUSY",
      "a load test is already running in this process: runLoad() calls must not overlap (use one process per run)",
    );
  }
  holder[RUNNING_KEY] = true;
  return () => {
    holder[RUNNING_KEY] = false;
  };
}

function applyEnvironment(env: Record<string, string>): () => void {
  const previous = new Map<string, string | undefined>();
  for (const [key, value] of Object.entries(env)) {
    previous.set(key, process.env[key]);
    process.env[key] = value;
  }
  return () => {
    for (const [key, value] of previous) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

function checkOutputPath(file: string | undefined, cwd: string, input: string): string | undefined {
  if (file === undefined) return undefined;
  const path = resolve(cwd, file);
  const folder = dirname(path);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new UsageError(`${input}: the folder ${folder} does not exist`, { input });
  }
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new UsageError(`${input}: ${path} is a folder, expected a file path`, { input });
  }
  return path;
}

/**
 * How long the run should last at most: the duration, or for sizing (which always stops once every worker
 * ran a full window) the ramp-up plus one window when that is shorter.
 */
function plannedSeconds(options: ResolvedRunOptions): number {
  if (!options.sizing) return options.duration;
  return Math.min(options.duration, options.rampUp + options.sizingWindow);
}

/** Worker start times: linear over all workers of all processes, worker i at i * rampUp / total. */
export function planWorkers(
  options: { workers: number; processes: number; rampUp: number },
  startTime: number,
) {
  const total = options.workers * options.processes;
  const plans: WorkerPlan[][] = Array.from({ length: options.processes }, () => []);
  const stepMs = total > 0 ? (options.rampUp * 1000) / total : 0;
  for (let id = 0; id < total; id += 1) {
    plans[id % options.processes]?.push({ id, startAt: startTime + Math.round(id * stepMs) });
  }
  return plans;
}

function cloneableVariables(variables: Map<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, value] of variables) {
    try {
      result[name] = structuredClone(value);
    } catch {
      // functions, sockets... stay in the main thread
    }
  }
  return result;
}

function sleepUntil(time: number): { promise: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let wake: () => void = () => {};
  const promise = new Promise<void>((resolvePromise) => {
    wake = resolvePromise;
    timer = setTimeout(resolvePromise, Math.max(0, time - Date.now()));
  });
  return {
    promise,
    cancel: () => {
      clearTimeout(timer);
      wake();
    },
  };
}

/**
 * Runs a load test: loads the scenario file, runs global setup, starts the workers (ramp-up, processes),
 * merges statistics each second, applies sizing, stops at `duration`, `maxRuns`, a sizing decision or
 * `signal`, runs the teardowns, prints the summary, writes `output`, and returns the results.
 *
 * Throws a `LoadcoreError` for bad options or scenario files (`UsageError`, `ScenarioLoadError`,
 * `NoScenarioError`, `UnknownScenarioError`, `FixtureError`, `OutputError`).
 */
export async function runLoad(runOptions: RunOptions): Promise<LoadResults> {
  const options = resolveRunOptions(runOptions);
  const stdout = runOptions.stdout ?? process.stdout;
  const stderr = runOptions.stderr ?? process.stderr;
  const tty = runOptions.tty ?? (stdout as { isTTY?: boolean }).isTTY === true;
  const outputPath = checkOutputPath(options.output, options.cwd, "--output");
  checkOutputPath(options.live, options.cwd, "--live");
  const live = new ConsoleOutput({
    stdout,
    stderr,
    quiet: options.quiet,
    tty,
    consoleUpdate: options.consoleUpdate,
    plannedSeconds: plannedSeconds(options),
  });
  const releaseProcess = claimProcess();
  const restoreEnvironment = applyEnvironment(options.env);
  try {
    resetRegistry();
    for (const extension of options.useExtension) {
      await loadScenarioFile(extension, { cwd: options.cwd, what: "extension" });
    }
    const scenarioPath = await loadScenarioFile(options.scenarioFile, { cwd: options.cwd });
    const registry = getRegistry();
    if (registry.scenarios.size === 0) throw new NoScenarioError(options.scenarioFile);
    new ScenarioChooser(registry.scenarios, { singleMode: options.singleMode, singleRun: options.singleRun });
    const description = describeRunOptions(options);
    if (registry.fixtures.globalSetup !== undefined) {
      try {
        await registry.fixtures.globalSetup(description);
      } catch (error) {
        throw new FixtureError("globalSetup", error);
      }
    }
    let results: LoadResults;
    try {
      results = await runWorkers(options, runOptions, { scenarioPath, description, live });
    } finally {
      if (registry.fixtures.globalTeardown !== undefined) {
        try {
          await registry.fixtures.globalTeardown();
        } catch (error) {
          live.error(`globalTeardown failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
    if (outputPath !== undefined) {
      try {
        await writeFile(outputPath, `${JSON.stringify(results, null, 2)}\n`);
      } catch (error) {
        throw new OutputError(outputPath, error);
      }
    }
    if (!options.quiet && runOptions.summary !== false)
      stdout.write(`${formatSummary(results, { color: tty })}\n`);
    return results;
  } finally {
    live.finish();
    restoreEnvironment();
    releaseProcess();
  }
}

/** The load processes of one run, and the first reason any of them was asked to stop. */
class RunControl {
  readonly processes: LoadProcess[] = [];
  endReason: EndReason | undefined;

  readonly stopAll = (reason: EndReason, force = false): void => {
    if (this.endReason === undefined) this.endReason = reason;
    for (const loadProcess of this.processes) loadProcess.stop(force);
  };
}

/** One process in the main thread, or `processes` worker threads; resolves once all are ready. */
async function startProcesses(
  options: ResolvedRunOptions,
  context: { scenarioPath: string; description: Record<string, unknown>; live: ConsoleOutput },
  control: RunControl,
): Promise<void> {
  const { live, description } = context;
  const hooks: EngineHooks = {
    print: (text) => live.info(text),
    printError: (text) => live.error(text),
    requestStop: (reason) => control.stopAll(reason),
  };
  const settingsFor = (processIndex: number): EngineSettings => ({
    processIndex,
    delay: options.delay,
    maxRuns: options.maxRuns,
    exception: options.exception,
    verbose: options.verbose,
    quiet: options.quiet,
    singleRun: options.singleRun,
    singleMode: options.singleMode,
    timeout: options.timeout,
    insecure: options.insecure,
    seed: options.seed,
    description,
  });
  const { processes } = control;
  if (options.processes === 1) {
    processes.push(new InThreadProcess(settingsFor(0), hooks));
  } else {
    for (let index = 0; index < options.processes; index += 1) {
      processes.push(
        new ThreadProcess(
          {
            scenarioFile: context.scenarioPath,
            extensions: options.useExtension,
            cwd: options.cwd,
            settings: settingsFor(index),
          },
          hooks,
        ),
      );
    }
  }
  try {
    await Promise.all(processes.map((loadProcess) => loadProcess.ready));
  } catch (error) {
    await Promise.allSettled(processes.map((loadProcess) => loadProcess.close()));
    throw error;
  }
}

/** The run's own sizing rule; none without sizing, or when a coordinator decides (`sizingDecision: "external"`). */
function createSizingController(
  options: ResolvedRunOptions,
  runOptions: RunOptions,
): SizingController | undefined {
  if (!options.sizing || options.sizingDecision === "external") return undefined;
  return new SizingController(sizingOptionsOf(runOptions));
}

/** The live record's writer when the run writes one (`live`), its header written. */
async function createLiveRecord(
  options: ResolvedRunOptions,
  startTime: number,
): Promise<LiveRecordWriter | undefined> {
  if (options.live === undefined) return undefined;
  const path = resolve(options.cwd, options.live);
  try {
    return await LiveRecordWriter.create(path, {
      startedAt: new Date(startTime).toISOString(),
      load: options.arrivalRate === undefined ? "workers" : "rate",
      totalWorkers:
        (options.arrivalRate === undefined ? options.workers : options.maxWorkers) * options.processes,
    });
  } catch (error) {
    throw new OutputError(path, error);
  }
}

/** The line printed when the load starts. */
function describeStart(options: ResolvedRunOptions): string {
  const arrivalRate = options.arrivalRate;
  const mode = options.sizing
    ? `sizing (tolerance ${options.sizingTolerance}%, window ${options.sizingWindow} s), `
    : "";
  const load =
    arrivalRate === undefined
      ? `${options.workers} worker(s) x ${options.processes} process(es), ramp-up ${options.rampUp} s`
      : `${describeRate(arrivalRate, options.rampUp)}, ${options.preAllocatedWorkers} to ${options.maxWorkers} worker(s) x ${options.processes} process(es)`;
  return `loadcore ${VERSION}: ${mode}${load}, duration ${options.duration} s, seed ${options.seed}`;
}

/** Per process: the workers' start times, or the arrival-rate plan. */
function planProcesses(options: ResolvedRunOptions, startTime: number): WorkerPlan[][] | ArrivalPlan[] {
  const arrivalRate = options.arrivalRate;
  if (arrivalRate === undefined) return planWorkers(options, startTime);
  return Array.from(
    { length: options.processes },
    (_, processIndex): ArrivalPlan => ({
      startAt: startTime,
      rate: arrivalRate,
      rampUp: arrivalRate.from === arrivalRate.to ? 0 : options.rampUp,
      processes: options.processes,
      processIndex,
      maxWorkers: options.maxWorkers,
      preAllocatedWorkers: options.preAllocatedWorkers,
      staleAfterMs: options.timeout * 1000,
      durationSeconds: options.duration,
    }),
  );
}

/**
 * Arrival-rate model: each process makes its pool's first workers ready (setup fixtures run) before
 * the schedule's clock starts, so that the first runs do not wait for them (nor pile up meanwhile).
 */
async function preparePools(
  options: ResolvedRunOptions,
  control: RunControl,
  variables: Record<string, unknown>,
): Promise<void> {
  if (options.arrivalRate === undefined || control.endReason !== undefined) return;
  const plans = planProcesses(options, 0) as ArrivalPlan[];
  await Promise.all(
    control.processes.map((loadProcess, index) =>
      loadProcess.prepare(plans[index] as ArrivalPlan, variables),
    ),
  );
}

/**
 * Closes each second of a run: collects the processes' reports, merges them into the timeline, shows
 * progress, and lets sizing stop the run. Keeps what the results need once the run ended.
 */
class SecondCloser {
  workersStarted = 0;
  setupFailures = 0;
  firstSetupFailure: string | undefined;
  sizingStop: SizingStop | undefined;
  readonly arrivals: (ArrivalCounts | undefined)[];
  readonly #totalWorkers: number;
  readonly #rampSeconds: number;
  #lastCloseTime: number;
  #arrivalsBefore: ArrivalCounts = { started: 0, late: 0, dropped: 0 };

  constructor(
    private readonly run: {
      options: ResolvedRunOptions;
      runOptions: RunOptions;
      control: RunControl;
      startTime: number;
      aggregator: StatsAggregator;
      sizing: SizingController | undefined;
      monitor: SelfMonitor;
      live: ConsoleOutput;
      liveRecord: LiveRecordWriter | undefined;
    },
  ) {
    const { options } = run;
    const arrivalRate = options.arrivalRate;
    // the arrival-rate pool's bound, for progress; the workers model's count
    this.#totalWorkers =
      (arrivalRate === undefined ? options.workers : options.maxWorkers) * options.processes;
    this.#rampSeconds = arrivalRate === undefined || arrivalRate.from === arrivalRate.to ? 0 : options.rampUp;
    this.#lastCloseTime = run.startTime;
    this.arrivals = run.control.processes.map(() => undefined);
  }

  async close(final: boolean): Promise<void> {
    const { options, runOptions, control, startTime, aggregator, sizing, monitor, live, liveRecord } =
      this.run;
    const arrivalRate = options.arrivalRate;
    const reports: ProcessReport[] = await Promise.all(
      control.processes.map((loadProcess) => loadProcess.report()),
    );
    let active = 0;
    let peakActive = 0;
    let started = 0;
    let threadDelay = 0;
    let recorded = 0;
    this.setupFailures = 0;
    reports.forEach((report, index) => {
      if (report.arrivals !== undefined) this.arrivals[index] = report.arrivals;
    });
    for (const report of reports) {
      this.setupFailures += report.setupFailures;
      this.firstSetupFailure ??= report.firstSetupFailure;
      aggregator.add(report.interval);
      active += report.active;
      peakActive += report.peakActive;
      started += report.started;
      threadDelay = Math.max(threadDelay, report.eventLoopDelayMs ?? 0);
      recorded += report.interval.ok + report.interval.failed + report.interval.requests;
    }
    this.workersStarted = Math.max(this.workersStarted, started);
    const now = Date.now();
    if (final && recorded === 0 && now - this.#lastCloseTime < 200) return;
    this.#lastCloseTime = now;
    const sample = monitor.sample();
    const t = aggregator.timeline.length;
    let second: SecondArrivals | undefined;
    if (arrivalRate !== undefined) {
      const sum = sumArrivals(this.arrivals);
      second = {
        targetRate: targetRateOf(t, arrivalRate, this.#rampSeconds),
        started: sum.started - this.#arrivalsBefore.started,
        dropped: sum.dropped - this.#arrivalsBefore.dropped,
      };
      this.#arrivalsBefore = sum;
    }
    // The closing second ends once every worker stopped: it counts the workers that ran during it.
    const point = aggregator.closeSecond(
      now,
      final ? peakActive : active,
      {
        cpuPercent: sample.cpuPercent,
        eventLoopDelayMs: Math.max(sample.eventLoopDelayMs, threadDelay),
        // worker threads share the process: its RSS is the whole generator's
        rssBytes: process.memoryUsage.rss(),
      },
      second,
    );
    const elapsedSeconds = (now - startTime) / 1000;
    live.update(point, elapsedSeconds);
    runOptions.onProgress?.(point, {
      elapsedSeconds,
      plannedSeconds: plannedSeconds(options),
      startedWorkers: started,
      totalWorkers: this.#totalWorkers,
    });
    // full load: every worker started, or the arrival-rate ramp reached its end
    const fullLoad = arrivalRate === undefined ? started >= this.#totalWorkers : t + 1 >= this.#rampSeconds;
    if (liveRecord !== undefined) {
      await liveRecord.write({ point, latency: aggregator.lastSecondLatency, fullLoad, final });
      if (!final && control.endReason === undefined && liveRecord.stopRequested()) control.stopAll("sizing");
    }
    if (sizing !== undefined && control.endReason === undefined && !final) {
      const stop = sizing.observe(point, fullLoad, aggregator.lastSecondLatency);
      if (stop !== undefined) {
        this.sizingStop = stop;
        live.info(stop.message);
        control.stopAll("sizing");
      }
    }
  }
}

async function runWorkers(
  options: ResolvedRunOptions,
  runOptions: RunOptions,
  context: { scenarioPath: string; description: Record<string, unknown>; live: ConsoleOutput },
): Promise<LoadResults> {
  const { live } = context;
  const control = new RunControl();
  const { processes, stopAll } = control;
  await startProcesses(options, context, control);

  const signal = runOptions.signal;
  const onAbort = () => stopAll("interrupted");
  if (signal?.aborted === true) control.endReason = "interrupted";
  signal?.addEventListener("abort", onAbort, { once: true });

  const variables = cloneableVariables(getRegistry().variables);
  await preparePools(options, control, variables);
  const startTime = Date.now();
  const aggregator = new StatsAggregator({ startTime });
  const sizing = createSizingController(options, runOptions);
  const liveRecord = await createLiveRecord(options, startTime);
  const monitor = new SelfMonitor();
  monitor.start();
  if (!options.quiet) live.info(describeStart(options));
  const plans = planProcesses(options, startTime);
  processes.forEach((loadProcess, index) => {
    loadProcess.start(plans[index] ?? [], variables);
  });
  live.start();
  const deadline = setTimeout(() => stopAll("duration", options.forceShutdown), options.duration * 1000);
  let finished = false;
  const allDone = Promise.all(processes.map((loadProcess) => loadProcess.done)).then(() => {
    finished = true;
  });
  if (control.endReason === "interrupted") stopAll("interrupted");

  const seconds = new SecondCloser({
    options,
    runOptions,
    control,
    startTime,
    aggregator,
    sizing,
    monitor,
    live,
    liveRecord,
  });
  try {
    while (!finished) {
      const wait = sleepUntil(startTime + (aggregator.timeline.length + 1) * 1000);
      await Promise.race([wait.promise, allDone]);
      wait.cancel();
      if (finished) break;
      await seconds.close(false);
    }
    await seconds.close(true);
  } finally {
    clearTimeout(deadline);
    signal?.removeEventListener("abort", onAbort);
    monitor.stop();
    live.finish();
    await Promise.allSettled(processes.map((loadProcess) => loadProcess.close()));
  }
  return finishResults(options, runOptions, {
    description: context.description,
    startTime,
    endReason: control.endReason,
    aggregator,
    sizing,
    seconds,
  });
}

/** The run's results, or a `FixtureError` when every worker's setup failed and no scenario ran. */
function finishResults(
  options: ResolvedRunOptions,
  runOptions: RunOptions,
  run: {
    description: Record<string, unknown>;
    startTime: number;
    endReason: EndReason | undefined;
    aggregator: StatsAggregator;
    sizing: SizingController | undefined;
    seconds: SecondCloser;
  },
): LoadResults {
  const { aggregator, sizing, seconds } = run;
  const arrivalRate = options.arrivalRate;
  const totals = aggregator.totals();
  if (seconds.setupFailures > 0 && totals.ok + totals.failed === 0) {
    throw new FixtureError(
      "setup",
      new Error(
        `no scenario ran: ${seconds.setupFailures} worker(s) stopped; ${seconds.firstSetupFailure ?? "setup failed"}`,
      ),
    );
  }
  const endedAt = Date.now();
  const reason: EndReason =
    run.endReason ?? (options.maxRuns !== undefined || options.singleRun ? "max-runs" : "completed");
  const interrupted = reason === "interrupted";
  const verdictReason = SIZING_END_REASON[reason];
  const cores = Math.max(1, Math.min(options.processes, availableParallelism()));
  return buildResults({
    toolVersion: VERSION,
    command: runOptions.command ?? ["loadcore", options.scenarioFile],
    startedAt: run.startTime,
    endedAt,
    interrupted,
    options: { ...run.description, endReason: reason },
    workersStarted: seconds.workersStarted,
    totals,
    timeline: aggregator.timeline,
    histograms: aggregator.histograms(),
    ...(sizing === undefined
      ? {}
      : { sizing: sizing.verdict(seconds.sizingStop === undefined ? verdictReason : undefined) }),
    ...(arrivalRate === undefined
      ? {}
      : {
          arrivalRate: {
            from: arrivalRate.from,
            to: arrivalRate.to,
            rampUp: arrivalRate.from === arrivalRate.to ? 0 : options.rampUp,
            maxWorkers: options.maxWorkers * options.processes,
            ...sumArrivals(seconds.arrivals),
          },
        }),
    selfCheck: judgeSelfCheck(
      aggregator.timeline,
      cores,
      arrivalRate === undefined ? {} : { maxWorkers: options.maxWorkers * options.processes },
    ),
  });
}

function describeRate(rate: { from: number; to: number }, rampUp: number): string {
  if (rate.from === rate.to) return `${rate.to} scenario run(s)/s`;
  return `${rate.from} to ${rate.to} scenario run(s)/s over ${rampUp} s`;
}

function sumArrivals(counts: readonly (ArrivalCounts | undefined)[]): ArrivalCounts {
  const total: ArrivalCounts = { started: 0, late: 0, dropped: 0 };
  for (const count of counts) {
    total.started += count?.started ?? 0;
    total.late += count?.late ?? 0;
    total.dropped += count?.dropped ?? 0;
  }
  return total;
}
