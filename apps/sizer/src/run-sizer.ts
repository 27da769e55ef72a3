import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type LoadResults, RUN_DEFAULTS } from "@sizer/loadcore";
import type { Analysis } from "@sizer/report";
import { startCommandService } from "./command-service.js";
import { allowedCpus, type CpuPlan, hasTaskset, pinProcess, planCpus } from "./cpu-plan.js";
import { startDockerService } from "./docker-service.js";
import { type NoSuccessError, ReportBuildError, ServiceExitedError, SizerError } from "./errors.js";
import { runSizing } from "./load-runner.js";
import { noSuccessError } from "./no-success.js";
import { describeExit, type ProcessExit } from "./process-tree.js";
import { type Phase, ProgressReporter } from "./progress.js";
import { rampUpWarning } from "./ramp-up-check.js";
import { type ReportFiles, writeReport } from "./report-writer.js";
import { ResourceRecorder } from "./resource-recorder.js";
import { checkLoadSettings } from "./run-arguments.js";
import { hostFacts, type RunRecord, versions, writeRunRecord } from "./run-record.js";
import type { ServiceHandle } from "./service.js";
import { ServiceLog } from "./service-log.js";
import type { SizerRunOptions } from "./sizer-options.js";
import { connectToUrl } from "./url-service.js";
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
   * Why the command should not exit 0 although the report is written: the service's death when
   * status is `service-died`, or a complete run where no scenario run succeeded (nothing measured).
   */
  error?: ServiceExitedError | NoSuccessError;
}

const DEFAULT_READY_TIMEOUT = 30;

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
  checkLoadSettings(options.load);
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const now = options.now ?? Date.now;
  const reporter = new ProgressReporter({ mode: options.output ?? "human", stdout, stderr, now });
  const argv = [...(options.argv ?? ["sizer", "run"])];
  const rampUpTooLong = rampUpWarning(options.load, options.scenario);
  if (rampUpTooLong) reporter.warn(rampUpTooLong);
  const pinning = options.pin !== false && hasTaskset(options.taskset);
  const cpuPlan = planCpus({
    available: allowedCpus(),
    serviceCpus: options.serviceCpus,
    loadCpus: options.loadCpus,
    canPinService: options.service.kind !== "url",
    pinning,
  });
  await mkdir(options.outDir, { recursive: true });
  const log = new ServiceLog(join(options.outDir, "service.log"));
  const loadLogFile = join(options.outDir, "loadcore.log");
  const loadLog = createWriteStream(loadLogFile);
  const record: RunRecord = {
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
  const commandFile = await writeRunRecord(options.outDir, record);

  const abortLoad = new AbortController();
  const onOuterAbort = () => abortLoad.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });

  let service: ServiceHandle | undefined;
  let recorder: ResourceRecorder | undefined;
  let originalAffinity: number[] | undefined;
  try {
    if (options.collector === "glances") {
      // Glances follows no process tree: the verdict cannot say whether the service itself is the limit.
      reporter.warn(
        "with --collector glances only host-level resources are recorded, not the service's own CPU and memory; use the native collector (the default) to judge the service",
      );
    }
    reporter.phase("starting-service", describeSource(options));
    const readyTimeoutMs = (options.readyTimeout ?? DEFAULT_READY_TIMEOUT) * 1000;
    const startOptions = {
      log,
      readyTimeoutMs,
      signal: abortLoad.signal,
      insecure: options.load.insecure === true,
    };
    if (options.service.kind === "command") {
      service = await startCommandService({
        ...startOptions,
        command: options.service.command,
        cwd: options.service.cwd,
        env: options.serviceEnv,
        port: options.service.port,
        url: options.service.url,
        healthUrl: options.healthUrl,
        cpus: cpuPlan.serviceCpus,
        stopGraceMs: options.stopGraceMs,
        taskset: options.taskset,
      });
    } else if (options.service.kind === "docker") {
      service = await startDockerService({
        ...startOptions,
        image: options.service.image,
        port: options.service.port,
        network: options.service.network,
        memory: options.service.memory,
        env: options.serviceEnv,
        healthUrl: options.healthUrl,
        cpus: cpuPlan.serviceCpus,
        docker: options.docker,
      });
    } else {
      service = await connectToUrl({
        ...startOptions,
        url: options.service.url,
        pid: options.service.pid,
        healthUrl: resolveHealthUrl(options.healthUrl, options.service.url),
      });
    }
    record.service = {
      kind: service.kind,
      description: service.description,
      url: service.url,
      pid: service.pid,
      containers: service.containers.map((container) => container.name),
    };
    await writeRunRecord(options.outDir, record);
    reporter.info(`service ready at ${service.url}${service.pid ? ` (pid ${service.pid})` : ""}`);
    reporter.info(cpuPlan.description);
    // With --glances-url the service's host is known from Glances: the report compares host names.
    if (cpuPlan.shared && !options.glancesUrl)
      reporter.warn(
        `the service and the load generator may share cores (${cpuPlan.description}); the verdict will say so`,
      );

    if (cpuPlan.loadCpus) {
      originalAffinity = allowedCpus();
      pinProcess(process.pid, cpuPlan.loadCpus, options.taskset);
    }

    const metricsFile = join(options.outDir, "metrics.csv");
    recorder = await ResourceRecorder.start({
      source: options.glancesUrl ? "glances-rest" : (options.collector ?? "native"),
      glancesUrl: options.glancesUrl,
      pid: service.pid,
      containers: service.containers,
      intervalSeconds: options.interval ?? 1,
      file: metricsFile,
    });

    let serviceExit: ProcessExit | undefined;
    let serviceExitedAt: number | undefined;
    let stoppingService = false;
    void service.ended.then((exit) => {
      if (stoppingService) return;
      serviceExit = exit;
      serviceExitedAt = now();
      abortLoad.abort(new Error("the service exited"));
    });

    reporter.phase("warming-up", `${describeScenario(options)}, SERVER_URL=${service.url}`);
    const activeRecorder = recorder;
    let results: LoadResults;
    try {
      results = await runSizing({
        scenario: options.scenario,
        load: options.load,
        serverUrl: service.url,
        signal: abortLoad.signal,
        output: loadLog,
        command: argv,
        onStep: (message) => reporter.info(message),
        onProgress: (point, info) => {
          const phase: Phase =
            info.elapsedSeconds < 5 && info.startedWorkers < info.totalWorkers
              ? "warming-up"
              : info.startedWorkers < info.totalWorkers
                ? "ramping"
                : "holding";
          reporter.update({
            phase,
            elapsedSeconds: info.elapsedSeconds,
            remainingSeconds: estimateRemaining(
              info.elapsedSeconds,
              info.startedWorkers,
              info.totalWorkers,
              options.load,
              info.plannedSeconds,
            ),
            workers: point.workers,
            totalWorkers: info.totalWorkers,
            throughput: point.throughput,
            errorRatio: point.errorRatio,
            p95Ms: point.latency.p95,
            // The resource figures of the same second as the load's (it ended at point.time + 1 s).
            serviceCpuPercent: activeRecorder.valueAt(
              service?.containers[0]
                ? `container.${service.containers[0].name}.cpu.percent`
                : "process.cpu.percent",
              point.time + 1000,
            ),
            serviceRssBytes: activeRecorder.valueAt(
              service?.containers[0] ? `container.${service.containers[0].name}.mem.usage` : "process.rss",
              point.time + 1000,
            ),
            hostCpuPercent: activeRecorder.valueAt("host.cpu.percent", point.time + 1000),
          });
        },
      });
    } finally {
      reporter.close();
    }

    reporter.phase(
      "stopping",
      service.kind === "url"
        ? "ending the resource recording (the service at --url keeps running)"
        : "ending the service and the resource recording",
    );
    const collectorError = await recorder.stop();
    if (collectorError && !serviceExit)
      reporter.warn(`resource recording stopped early: ${(collectorError as Error).message}`);
    stoppingService = true;
    await service.stop();
    if (originalAffinity) {
      pinProcess(process.pid, originalAffinity, options.taskset);
      originalAffinity = undefined;
    }

    const status: RunStatus = serviceExit
      ? "service-died"
      : options.signal?.aborted
        ? "interrupted"
        : "complete";
    const partial = status !== "complete" || results.interrupted === true;
    let error: ServiceExitedError | undefined;
    if (serviceExit) {
      error = new ServiceExitedError(
        `the service exited during the run (${describeExit(serviceExit)}); the report is partial`,
        {
          ...serviceExit,
          output: service.outputTail(),
        },
      );
    }

    if (serviceExit) {
      const runStart = Date.parse(results.startedAt);
      record.serviceExit = {
        code: serviceExit.exitCode,
        signal: serviceExit.signal,
        atSeconds:
          serviceExitedAt === undefined || Number.isNaN(runStart)
            ? null
            : Math.max(0, Math.round((serviceExitedAt - runStart) / 100) / 10),
      };
    }

    reporter.phase("analysing");
    const resultsFile = join(options.outDir, "results.json");
    await writeFile(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
    const partialReason =
      status === "service-died"
        ? error?.message
        : status === "interrupted"
          ? "interrupted (Ctrl-C or SIGTERM)"
          : undefined;
    const { analysis, files } = await writeReport({
      results,
      metricsFile: recorder.samples > 0 ? metricsFile : undefined,
      outDir: options.outDir,
      title: options.title,
      plotlyBundle: options.plotly,
      command: argv,
      serviceCores: cpuPlan.serviceCpus?.length,
      metadata: {
        serviceCommand: service.description,
        target: service.url,
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
        partial,
        ...(partialReason ? { partialReason } : {}),
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

    // Every file is written; a run where nothing succeeded still must not pass for a sizing.
    const failure = error ?? (status === "complete" ? noSuccessError(results, service.url) : undefined);
    record.status = status;
    record.endedAt = new Date(now()).toISOString();
    if (failure) record.error = { code: failure.code, message: failure.message };
    await writeRunRecord(options.outDir, record);
    await log.close();
    await new Promise((resolve) => loadLog.end(resolve));

    const result: SizerRunResult = {
      status,
      partial,
      outDir: options.outDir,
      results,
      analysis,
      cpuPlan,
      files: {
        ...files,
        results: resultsFile,
        metrics: recorder.samples > 0 ? metricsFile : undefined,
        serviceLog: log.path,
        command: commandFile,
        loadLog: loadLogFile,
      },
      ...(failure ? { error: failure } : {}),
    };
    reporter.phase("done");
    reporter.verdict(formatVerdict(result), verdictFields(result));
    return result;
  } catch (error) {
    reporter.close();
    record.status = "failed";
    record.endedAt = new Date(now()).toISOString();
    if (error instanceof SizerError) record.error = { code: error.code, message: error.message };
    else record.error = { code: "ERR_SIZER_INTERNAL", message: String((error as Error)?.message ?? error) };
    await writeRunRecord(options.outDir, record).catch(() => {});
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", onOuterAbort);
    await recorder?.stop().catch(() => {});
    await service?.stop().catch(() => {});
    if (originalAffinity) {
      try {
        pinProcess(process.pid, originalAffinity, options.taskset);
      } catch {
        // Best effort: the process is about to end anyway in the CLI.
      }
    }
    await log.close();
    if (!loadLog.closed) loadLog.end();
  }
}

function resolveHealthUrl(healthUrl: string | undefined, base: string | undefined): string | undefined {
  if (healthUrl === undefined) return undefined;
  if (base === undefined) return healthUrl;
  return new URL(healthUrl, base).toString();
}

function describeSource(options: SizerRunOptions): string {
  const service = options.service;
  if (service.kind === "command") return `${service.command}${service.cwd ? ` (in ${service.cwd})` : ""}`;
  if (service.kind === "docker") return `docker image ${service.image}, port ${service.port}`;
  const watched = options.glancesUrl
    ? `, its host recorded through Glances at ${options.glancesUrl}`
    : service.pid
      ? `, pid ${service.pid}`
      : ", only this host is monitored";
  return `${service.url} (already running${watched})`;
}

function describeScenario(options: SizerRunOptions): string {
  const scenario = options.scenario;
  return scenario.kind === "file" ? `scenario ${scenario.file}` : `test ${scenario.test} of ${scenario.repo}`;
}
