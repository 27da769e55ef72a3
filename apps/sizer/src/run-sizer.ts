import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import {
  type LoadResults,
  type ProgressInfo,
  parseRampRate,
  parseRunCommandLine,
  RUN_DEFAULTS,
  type TimelinePoint,
} from "@sizer/loadcore";
import type { Analysis } from "@sizer/report";
import { allowedCpus, type CpuPlan, hasTaskset, pinProcess, planCpus } from "./cpu-plan.js";
import { type NoSuccessError, ReportBuildError, ServiceExitedError, SizerError } from "./errors.js";
import { runSizing, type SizingRunOptions } from "./load-runner.js";
import { noSuccessError } from "./no-success.js";
import { describeExit, type ProcessExit } from "./process-tree.js";
import { type Phase, ProgressReporter, type ProgressSnapshot } from "./progress.js";
import { rampUpWarning } from "./ramp-up-check.js";
import { type ReportFiles, writeReport } from "./report-writer.js";
import { ResourceRecorder } from "./resource-recorder.js";
import { checkLoadSettings, parseModel } from "./run-arguments.js";
import {
  hostFacts,
  type ModelAutoRecord,
  parseRunRecord,
  type RunRecord,
  versions,
  writeRunRecord,
} from "./run-record.js";
import type { ServiceHandle } from "./service.js";
import { ServiceLog } from "./service-log.js";
import type { SizerRunOptions } from "./sizer-options.js";
import { describeServiceSource, type ServiceStartOptions, startService } from "./start-service.js";
import { formatVerdict, verdictFields } from "./verdict.js";

/** How a run ended. */
export type RunStatus = "complete" | "interrupted" | "service-died";

/** What {@link runSizer} returns once the report is written. */
export interface SizerRunResult {
  status: RunStatus;
  /** True when the run did not end by itself (Ctrl-C, or the service died): the report says "partial". */
  partial: boolean;
  outDir: string;
  results: LoadResults;
  analysis: Analysis;
  cpuPlan: CpuPlan;
  /** Every file of the output folder, by role. */
  files: ReportFiles & {
    results: string;
    metrics?: string | undefined;
    serviceLog: string;
    command: string;
    loadLog: string;
  };
  /**
   * `--model auto` that sized again on an arrival rate: the workers run it followed the advice of, kept
   * whole in the `workers-model/` subfolder of `outDir` (this result is the arrival-rate run, the verdict).
   */
  workersRun?: { outDir: string; analysis: Analysis };
  /**
   * Why the command should not exit 0 although the report is written: the service's death when
   * status is `service-died`, or a complete run where no scenario run succeeded (nothing measured).
   */
  error?: ServiceExitedError | NoSuccessError;
}

const DEFAULT_READY_TIMEOUT = 30;

const GLANCES_HOST_ONLY =
  "with --collector glances only host-level resources are recorded, not the service's own CPU and memory; use the native collector (the default) to judge the service";

/**
 * An upper bound of the time left: the rest of the ramp-up (from --ramp-up, or from the pace of
 * worker starts when a molotov.json sets it) plus one sizing window, within the duration.
 */
function estimateRemaining(
  elapsed: number,
  started: number,
  total: number,
  load: SizerRunOptions["load"],
  planned: number,
): number {
  const window = load.sizingWindow ?? RUN_DEFAULTS.sizingWindow;
  let rampLeft = 0;
  if (started < total) {
    rampLeft =
      load.rampUp !== undefined
        ? Math.max(0, load.rampUp - elapsed)
        : started > 0
          ? ((total - started) * elapsed) / started
          : window;
  }
  return Math.max(0, Math.min((load.duration ?? planned) - elapsed, rampLeft + window));
}

/**
 * The autosizing pipeline: starts (or reaches) the service, pins it and the load generator to
 * separate cores where possible, records resources, runs loadcore's sizing with SERVER_URL set,
 * then writes results.json, metrics.csv, report.html, summary.md, summary.json, service.log and
 * command.json into `outDir`. Ctrl-C (the signal) or the service dying mid-run stops the load,
 * ends the service's process tree and still writes a report marked partial.
 *
 * Errors before the load starts (bad service, unreachable URL, no Docker, bad scenario) are
 * thrown as {@link SizerError}s; the service is always ended.
 */
export async function runSizer(options: SizerRunOptions): Promise<SizerRunResult> {
  if (options.model !== undefined) parseModel(options.model, options.load);
  const first = await runOnce(options);
  const advice = first.analysis.modelAdvice;
  if (options.model !== "auto" || !advice || first.status !== "complete" || first.error) return first;
  // The advised ramp, read by loadcore's option table like any flags, in place of the workers ramp.
  const { options: rate } = parseRunCommandLine(advice.flags, {
    flags: {},
    runOptions: ["rampRate", "rampUp"],
    implied: { sizing: true },
  });
  const { workers: _workers, rampUp: _rampUp, ...load } = options.load;
  const reporter = new ProgressReporter({
    mode: options.output ?? "human",
    stdout: options.stdout ?? process.stdout,
    stderr: options.stderr ?? process.stderr,
    ...(options.now ? { now: options.now } : {}),
  });
  const kept = await keepWorkersRun(first, advice);
  reporter.info(
    `--model auto: sizing again on an arrival rate, ${advice.flags.join(" ")} (the workers run is kept in ${kept})`,
  );
  const second = await runOnce(
    {
      ...options,
      load: { ...load, ...rate },
      argv: [...(options.argv ?? ["sizer", "run"]), ...advice.flags],
    },
    { model: "arrival-rate", verdict: true, otherRun: WORKERS_RUN_FOLDER, advice },
  );
  return { ...second, workersRun: { outDir: kept, analysis: first.analysis } };
}

/** The subfolder of the output folder that keeps the workers run of `--model auto`. */
const WORKERS_RUN_FOLDER = "workers-model";

/**
 * Moves every file of the workers run of `--model auto` into the `workers-model/` subfolder of its
 * output folder, before the arrival-rate run writes its own there: the first run's evidence is kept
 * whole (a folder `sizer report` can rebuild), and its command.json says it is not the verdict.
 */
async function keepWorkersRun(
  first: SizerRunResult,
  advice: NonNullable<Analysis["modelAdvice"]>,
): Promise<string> {
  const folder = join(first.outDir, WORKERS_RUN_FOLDER);
  await mkdir(folder, { recursive: true });
  const { command, ...others } = first.files;
  for (const file of Object.values(others)) {
    if (file !== undefined) await rename(file, join(folder, basename(file)));
  }
  const record = parseRunRecord(JSON.parse(await readFile(command, "utf8")), command) as RunRecord;
  record.modelAuto = { model: "workers", verdict: false, otherRun: "..", advice };
  await writeRunRecord(folder, record);
  await rm(command);
  return folder;
}

/**
 * One run of the pipeline with the load settings given (see {@link runSizer}); `modelAuto` marks the
 * arrival-rate run of `--model auto` in its command.json.
 */
async function runOnce(options: SizerRunOptions, modelAuto?: ModelAutoRecord): Promise<SizerRunResult> {
  checkLoadSettings(options.load);
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const now = options.now ?? Date.now;
  const reporter = new ProgressReporter({ mode: options.output ?? "human", stdout, stderr, now });
  const argv = [...(options.argv ?? ["sizer", "run"])];
  const rampUpTooLong = rampUpWarning(options.load, options.scenario);
  if (rampUpTooLong) reporter.warn(rampUpTooLong);
  const cpuPlan = planRunCpus(options);
  const folder = await openRunFolder(options, argv, cpuPlan, now, modelAuto);
  const { log, loadLog, record } = folder;

  const abortLoad = new AbortController();
  const onOuterAbort = () => abortLoad.abort(options.signal?.reason);
  // An abort that came before this run (Ctrl-C while `sizer aws run` readied the node) fires no event.
  if (options.signal?.aborted) onOuterAbort();
  else options.signal?.addEventListener("abort", onOuterAbort, { once: true });

  let service: ServiceHandle | undefined;
  let recorder: ResourceRecorder | undefined;
  let originalAffinity: number[] | undefined;
  try {
    // Glances follows no process tree: the verdict cannot say whether the service itself is the limit.
    if (options.collector === "glances") reporter.warn(GLANCES_HOST_ONLY);
    reporter.phase("starting-service", describeServiceSource(options.service, options.glancesUrl));
    service = await startService(
      options.service,
      serviceStartOptions(options, log, abortLoad.signal, cpuPlan),
    );
    record.service = serviceRecord(service);
    await writeRunRecord(options.outDir, record);
    announceService(reporter, service, cpuPlan, options.glancesUrl ?? options.recordedElsewhere);

    if (cpuPlan.loadCpus) {
      originalAffinity = allowedCpus();
      pinProcess(process.pid, cpuPlan.loadCpus, options.taskset);
    }

    const metricsFile = join(options.outDir, "metrics.csv");
    recorder = await startRecorder(options, service, metricsFile);

    const watch = watchService(service, abortLoad, now);

    reporter.phase("warming-up", `${describeScenario(options)}, SERVER_URL=${service.url}`);
    const results = await runLoad(options, service, recorder, reporter, {
      signal: abortLoad.signal,
      output: loadLog,
      command: argv,
    }).finally(() => reporter.close());

    await stopMeasuring(reporter, recorder, service, watch);
    if (originalAffinity) {
      pinProcess(process.pid, originalAffinity, options.taskset);
      originalAffinity = undefined;
    }

    reporter.phase("analysing");
    const result = await finishRun(options, folder, {
      results,
      service,
      watch,
      metricsFile: recorder.samples > 0 ? metricsFile : undefined,
      argv,
      cpuPlan,
      now,
    });
    reporter.phase("done");
    // A caller that records the service elsewhere rebuilds the report, and gives the verdict, itself.
    if (options.recordedElsewhere === undefined) {
      // The workers model could not answer: the analysis says which arrival-rate ramp can.
      if (result.analysis.modelAdvice) reporter.warn(result.analysis.modelAdvice.message);
      reporter.verdict(formatVerdict(result), verdictFields(result));
    }
    return result;
  } catch (error) {
    reporter.close();
    recordFailure(record, error, now);
    await writeRunRecord(options.outDir, record).catch(() => {});
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", onOuterAbort);
    await recorder?.stop().catch(() => {});
    await service?.stop().catch(() => {});
    if (originalAffinity) restoreAffinity(originalAffinity, options.taskset);
    await log.close();
    if (!loadLog.closed) loadLog.end();
  }
}

/** The files of a run folder that stay open while it runs, and the run record written first. */
interface RunFolder {
  log: ServiceLog;
  loadLog: WriteStream;
  loadLogFile: string;
  record: RunRecord;
  commandFile: string;
}

/** Creates the output folder, its service.log and loadcore.log, and command.json as the run starts. */
async function openRunFolder(
  options: SizerRunOptions,
  argv: string[],
  cpuPlan: CpuPlan,
  now: () => number,
  modelAuto: ModelAutoRecord | undefined,
): Promise<RunFolder> {
  await mkdir(options.outDir, { recursive: true });
  const log = new ServiceLog(join(options.outDir, "service.log"));
  const loadLogFile = join(options.outDir, "loadcore.log");
  const loadLog = createWriteStream(loadLogFile);
  const record = newRunRecord(options, argv, cpuPlan, now);
  if (modelAuto) record.modelAuto = modelAuto;
  const commandFile = await writeRunRecord(options.outDir, record);
  return { log, loadLog, loadLogFile, record, commandFile };
}

/** What the load left for {@link finishRun}. */
interface LoadOutcome {
  results: LoadResults;
  service: ServiceHandle;
  watch: ServiceWatch;
  /** metrics.csv, when the recorder wrote samples. */
  metricsFile: string | undefined;
  argv: string[];
  cpuPlan: CpuPlan;
  now: () => number;
}

/**
 * After the load: how the run ended, results.json and the report, command.json completed, the logs
 * closed. A run where nothing succeeded, or whose service died, carries the error to exit with.
 */
async function finishRun(
  options: SizerRunOptions,
  folder: RunFolder,
  outcome: LoadOutcome,
): Promise<SizerRunResult> {
  const { results, service, watch, argv, cpuPlan, now } = outcome;
  const { record } = folder;
  const serviceExit = watch.exit;
  const status = runStatus(serviceExit, options.signal);
  const partial = status !== "complete" || results.interrupted === true;
  const error = serviceExit ? serviceExitedError(serviceExit, service) : undefined;
  if (serviceExit) record.serviceExit = serviceExitRecord(serviceExit, watch.exitedAt, results);

  const resultsFile = await writeResults(options.outDir, results);
  const { analysis, files } = await writeRunReport(options, {
    results,
    metricsFile: outcome.metricsFile,
    argv,
    cpuPlan,
    record,
    service,
    partial,
    partialReason: describePartial(status, error),
  });

  // Every file is written; a run where nothing succeeded still must not pass for a sizing.
  const failure = error ?? (status === "complete" ? noSuccessError(results, service.url) : undefined);
  recordEnd(record, status, failure, now);
  await writeRunRecord(options.outDir, record);
  await folder.log.close();
  await new Promise((resolve) => folder.loadLog.end(resolve));

  return {
    status,
    partial,
    outDir: options.outDir,
    results,
    analysis,
    cpuPlan,
    files: {
      ...files,
      results: resultsFile,
      metrics: outcome.metricsFile,
      serviceLog: folder.log.path,
      command: folder.commandFile,
      loadLog: folder.loadLogFile,
    },
    ...(failure ? { error: failure } : {}),
  };
}

function describeScenario(options: SizerRunOptions): string {
  const scenario = options.scenario;
  return scenario.kind === "file" ? `scenario ${scenario.file}` : `test ${scenario.test} of ${scenario.repo}`;
}

/** The run record as the run starts: what was asked, on which host, with which cores. */
function newRunRecord(
  options: SizerRunOptions,
  argv: string[],
  cpuPlan: CpuPlan,
  now: () => number,
): RunRecord {
  return {
    format: "sizer-run",
    formatVersion: 1,
    argv,
    cwd: process.cwd(),
    startedAt: new Date(now()).toISOString(),
    status: "running",
    scenario: options.scenario,
    load: options.load,
    collector: options.glancesUrl ? `glances-rest ${options.glancesUrl}` : (options.collector ?? "native"),
    versions: versions(),
    host: hostFacts(),
    cpuPlan,
  };
}

/** The service as the run record keeps it, once it is ready. */
function serviceRecord(service: ServiceHandle): RunRecord["service"] {
  return {
    kind: service.kind,
    description: service.description,
    url: service.url,
    pid: service.pid,
    containers: service.containers.map((container) => container.name),
  };
}

/** Marks the run record failed with the error that ended the run before its report. */
function recordFailure(record: RunRecord, error: unknown, now: () => number): void {
  record.status = "failed";
  record.endedAt = new Date(now()).toISOString();
  if (error instanceof SizerError) record.error = { code: error.code, message: error.message };
  else record.error = { code: "ERR_SIZER_INTERNAL", message: String((error as Error)?.message ?? error) };
}

/**
 * One second of progress for people: the load's figures and the resource figures of the same second
 * (the load's second ended at point.time + 1 s), the service's own when the recorder follows it.
 */
function progressSnapshot(
  point: TimelinePoint,
  info: ProgressInfo,
  load: SizerRunOptions["load"],
  recorder: ResourceRecorder,
  container: ServiceHandle["containers"][number] | undefined,
): ProgressSnapshot {
  const rampRate = typeof load.rampRate === "string" ? parseRampRate(load.rampRate) : load.rampRate;
  // The arrival-rate model ramps the target rate: its pool grows on demand up to a bound it rarely meets.
  const ramping =
    rampRate !== undefined
      ? info.elapsedSeconds < (load.rampUp ?? 0)
      : info.startedWorkers < info.totalWorkers;
  const phase: Phase = info.elapsedSeconds < 5 && ramping ? "warming-up" : ramping ? "ramping" : "holding";
  const rateTo = rampRate?.to ?? load.rate;
  return {
    phase,
    elapsedSeconds: info.elapsedSeconds,
    remainingSeconds:
      rampRate !== undefined
        ? estimateRemaining(info.elapsedSeconds, ramping ? 0 : 1, 1, load, info.plannedSeconds)
        : estimateRemaining(
            info.elapsedSeconds,
            info.startedWorkers,
            info.totalWorkers,
            load,
            info.plannedSeconds,
          ),
    workers: point.workers,
    totalWorkers: info.totalWorkers,
    rate:
      rateTo !== undefined && point.targetRate !== undefined
        ? { target: point.targetRate, achieved: point.achievedRate ?? 0, to: rateTo }
        : undefined,
    throughput: point.throughput,
    errorRatio: point.errorRatio,
    p95Ms: point.latency.p95,
    serviceCpuPercent: recorder.valueAt(
      container ? `container.${container.name}.cpu.percent` : "process.cpu.percent",
      point.time + 1000,
    ),
    serviceRssBytes: recorder.valueAt(
      container ? `container.${container.name}.mem.usage` : "process.rss",
      point.time + 1000,
    ),
    hostCpuPercent: recorder.valueAt("host.cpu.percent", point.time + 1000),
  };
}

/** Why a run whose service died mid-run must not pass, with what the service printed last. */
function serviceExitedError(serviceExit: ProcessExit, service: ServiceHandle): ServiceExitedError {
  return new ServiceExitedError(
    `the service exited during the run (${describeExit(serviceExit)}); the report is partial`,
    {
      ...serviceExit,
      output: service.outputTail(),
    },
  );
}

/** The service's death as the run record keeps it: its code or signal, and when, from the load's start. */
function serviceExitRecord(
  serviceExit: ProcessExit,
  serviceExitedAt: number | undefined,
  results: LoadResults,
): NonNullable<RunRecord["serviceExit"]> {
  const runStart = Date.parse(results.startedAt);
  return {
    code: serviceExit.exitCode,
    signal: serviceExit.signal,
    atSeconds:
      serviceExitedAt === undefined || Number.isNaN(runStart)
        ? null
        : Math.max(0, Math.round((serviceExitedAt - runStart) / 100) / 10),
  };
}

/** What {@link writeRunReport} needs from the finished run. */
interface FinishedRun {
  results: LoadResults;
  metricsFile: string | undefined;
  argv: string[];
  cpuPlan: CpuPlan;
  record: RunRecord;
  service: ServiceHandle;
  partial: boolean;
  partialReason: string | undefined;
}

/** Writes the report of a finished run; a failed build says how to retry it from the saved files. */
function writeRunReport(options: SizerRunOptions, run: FinishedRun): ReturnType<typeof writeReport> {
  const { record, cpuPlan } = run;
  return writeReport({
    results: run.results,
    metricsFile: run.metricsFile,
    outDir: options.outDir,
    title: options.title,
    plotlyBundle: options.plotly,
    command: run.argv,
    serviceCores: cpuPlan.serviceCpus?.length,
    metadata: {
      serviceCommand: run.service.description,
      target: run.service.url,
      versions: record.versions,
      // With --glances-url the service's host is the remote one: its cores come from Glances' metrics.
      ...(options.glancesUrl
        ? {}
        : {
            host: {
              name: record.host.hostname,
              vcpus: record.host.cpus,
              memoryBytes: record.host.memoryBytes,
            },
          }),
      ...(options.glancesUrl ? {} : { sharedCores: cpuPlan.shared }),
      ...(cpuPlan.serviceCpus ? { serviceCpus: cpuPlan.serviceCpus } : {}),
      partial: run.partial,
      ...(run.partialReason ? { partialReason: run.partialReason } : {}),
      ...(record.serviceExit ? { serviceExit: record.serviceExit } : {}),
    },
  }).catch((error: unknown) => {
    if (error instanceof ReportBuildError) {
      throw new ReportBuildError(
        `${error.message}; results.json and metrics.csv are saved: retry with 'sizer report ${options.outDir}'`,
        { cause: error },
      );
    }
    throw error;
  });
}

/** The cores of the service and of the load generator, pinned with taskset unless `--no-pin` or none. */
function planRunCpus(options: SizerRunOptions): CpuPlan {
  if (options.servicePlan) return options.servicePlan;
  return planCpus({
    available: allowedCpus(),
    serviceCpus: options.serviceCpus,
    loadCpus: options.loadCpus,
    canPinService: options.service.kind !== "url",
    pinning: options.pin !== false && hasTaskset(options.taskset),
  });
}

/** The options of {@link startService} for this run. */
function serviceStartOptions(
  options: SizerRunOptions,
  log: ServiceLog,
  signal: AbortSignal,
  cpuPlan: CpuPlan,
): ServiceStartOptions {
  return {
    log,
    readyTimeoutMs: (options.readyTimeout ?? DEFAULT_READY_TIMEOUT) * 1000,
    signal,
    insecure: options.load.insecure === true,
    env: options.serviceEnv,
    healthUrl: options.healthUrl,
    cpus: cpuPlan.serviceCpus,
    stopGraceMs: options.stopGraceMs,
    taskset: options.taskset,
    docker: options.docker,
  };
}

/** Says the service is ready, where the load and the service run, and whether they may share cores. */
function announceService(
  reporter: ProgressReporter,
  service: ServiceHandle,
  cpuPlan: CpuPlan,
  /** The --glances-url, or where the caller records the service (`recordedElsewhere`). */
  recordedAt: string | undefined,
): void {
  reporter.info(`service ready at ${service.url}${service.pid ? ` (pid ${service.pid})` : ""}`);
  reporter.info(cpuPlan.description);
  // With --glances-url the service's host is known from Glances: the report compares host names.
  if (cpuPlan.shared && !recordedAt)
    reporter.warn(
      `the service and the load generator may share cores (${cpuPlan.description}); the verdict will say so`,
    );
}

/** Starts recording the resources of the service (its process tree or container) and of its host. */
function startRecorder(
  options: SizerRunOptions,
  service: ServiceHandle,
  metricsFile: string,
): Promise<ResourceRecorder> {
  return ResourceRecorder.start({
    source: options.glancesUrl ? "glances-rest" : (options.collector ?? "native"),
    glancesUrl: options.glancesUrl,
    pid: service.pid,
    containers: service.containers,
    intervalSeconds: options.interval ?? 1,
    file: metricsFile,
  });
}

/**
 * Ends the resource recording and then the service (a `--url` service keeps running); a recording
 * that stopped early is worth a warning unless the service's death explains it.
 */
async function stopMeasuring(
  reporter: ProgressReporter,
  recorder: ResourceRecorder,
  service: ServiceHandle,
  watch: ServiceWatch,
): Promise<void> {
  reporter.phase(
    "stopping",
    service.kind === "url"
      ? "ending the resource recording (the service at --url keeps running)"
      : "ending the service and the resource recording",
  );
  const collectorError = await recorder.stop();
  if (collectorError && !watch.exit)
    reporter.warn(`resource recording stopped early: ${(collectorError as Error).message}`);
  watch.stopping = true;
  await service.stop();
}

function runStatus(serviceExit: ProcessExit | undefined, signal: AbortSignal | undefined): RunStatus {
  return serviceExit ? "service-died" : signal?.aborted ? "interrupted" : "complete";
}

/** Why the report is partial, as the report says it; undefined for a complete run. */
function describePartial(status: RunStatus, error: ServiceExitedError | undefined): string | undefined {
  return status === "service-died"
    ? error?.message
    : status === "interrupted"
      ? "interrupted (Ctrl-C or SIGTERM)"
      : undefined;
}

/** Marks the run record ended, with why the command does not exit 0 when it does not. */
function recordEnd(
  record: RunRecord,
  status: RunStatus,
  failure: ServiceExitedError | NoSuccessError | undefined,
  now: () => number,
): void {
  record.status = status;
  record.endedAt = new Date(now()).toISOString();
  if (failure) record.error = { code: failure.code, message: failure.message };
}

function restoreAffinity(cpus: number[], taskset: string | undefined): void {
  try {
    pinProcess(process.pid, cpus, taskset);
  } catch {
    // Best effort: the process is about to end anyway in the CLI.
  }
}

/**
 * Runs loadcore's sizing against the ready service, its progress shown with the resource figures
 * of the same seconds.
 */
function runLoad(
  options: SizerRunOptions,
  service: ServiceHandle,
  recorder: ResourceRecorder,
  reporter: ProgressReporter,
  run: Pick<SizingRunOptions, "signal" | "output" | "command">,
): Promise<LoadResults> {
  return (options.loadRunner ?? runSizing)({
    ...run,
    scenario: options.scenario,
    load: options.load,
    serverUrl: service.url,
    onStep: (message) => reporter.info(message),
    onProgress: (point, info) =>
      reporter.update(progressSnapshot(point, info, options.load, recorder, service.containers[0])),
  });
}

/** What {@link watchService} has seen of the service during the run. */
interface ServiceWatch {
  /** How the service ended by itself, if it did before sizer stopped it. */
  exit: ProcessExit | undefined;
  /** When it did, by the run's clock. */
  exitedAt: number | undefined;
  /** Set before sizer stops the service: its end is then no longer news. */
  stopping: boolean;
}

/** Watches for the service ending by itself during the run, which stops the load. */
function watchService(service: ServiceHandle, abortLoad: AbortController, now: () => number): ServiceWatch {
  const watch: ServiceWatch = { exit: undefined, exitedAt: undefined, stopping: false };
  void service.ended.then((exit) => {
    if (watch.stopping) return;
    watch.exit = exit;
    watch.exitedAt = now();
    abortLoad.abort(new Error("the service exited"));
  });
  return watch;
}

async function writeResults(outDir: string, results: LoadResults): Promise<string> {
  const resultsFile = join(outDir, "results.json");
  await writeFile(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  return resultsFile;
}
