import { allFailed, allFailedBottleneck } from "./all-failed.js";
import type {
  Analysis,
  AnalysisThresholds,
  Bottleneck,
  Capacity,
  Onsets,
  ResourceCheck,
  RunMetadata,
  Trust,
} from "./analysis-types.js";
import {
  arrivalRateAdvice,
  arrivalRateCapacity,
  arrivalRateFacts,
  arrivalRateLevel,
} from "./arrival-rate-capacity.js";
import { unsizedArrivalRateCapacity } from "./arrival-rate-run.js";
import {
  allFailedCapacity,
  computeCapacity,
  describeServiceExit,
  type ServiceExit,
  serviceDiedCapacity,
  withSaturation,
} from "./capacity.js";
import { chooseBottleneck } from "./choose-bottleneck.js";
import { ReportOptionError } from "./errors.js";
import { formatMilliseconds, formatNumber, formatPercent, formatSeconds } from "./format.js";
import type { LoadResultsInput, MetricsData } from "./inputs/types.js";
import { type MachineFinding, machineFindings } from "./machine-checks.js";
import {
  type FailureOnset,
  findFailureOnset,
  findPlateau,
  notablePlateauLevel,
  tolerancePercent,
} from "./onsets.js";
import { type CheckContext, generatorCheck, resourceChecks } from "./resource-checks.js";
import { findDecline, findSaturation, latencyText, requestsPerSecond } from "./saturation.js";
import { lastFinite } from "./series-math.js";
import { DEFAULT_THRESHOLDS } from "./thresholds.js";

/** Tuning of the analysis; every field has a default. */
export interface AnalyzeOptions {
  /** Overrides of the rules' thresholds and windows. */
  thresholds?: Partial<AnalysisThresholds>;
  /** The error tolerance in percent; defaults to the results' `sizing.tolerance`, else 5. */
  tolerancePercent?: number;
  /** Cores the service may use; defaults to the metadata's vCPUs, then the metrics' `host.cpu.count`. */
  serviceCores?: number;
  /** Link speed for interfaces whose metrics carry no `speed`. */
  linkSpeedBitsPerSecond?: number;
}

/** What `analyze` reads. */
export interface AnalyzeInput {
  results: LoadResultsInput;
  metrics?: MetricsData | undefined;
  metadata?: RunMetadata | undefined;
  options?: AnalyzeOptions | undefined;
}

function positive(option: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
    throw new ReportOptionError(option, `expected a positive number, got ${String(value)}`);
  }
}

function resolveThresholds(overrides: Partial<AnalysisThresholds> | undefined): AnalysisThresholds {
  const thresholds = { ...DEFAULT_THRESHOLDS, ...overrides };
  for (const [key, value] of Object.entries(thresholds)) {
    if (!(typeof value === "number" && Number.isFinite(value) && value >= 0)) {
      throw new ReportOptionError(
        `thresholds.${key}`,
        `expected a non-negative number, got ${String(value)}`,
      );
    }
  }
  return thresholds;
}

/** Epoch ms of second 0 of the run. */
export function runStartMs(results: LoadResultsInput): number {
  const first = results.timeline[0];
  return first ? first.time - first.t * 1000 : Date.parse(results.startedAt);
}

function resolveServiceCores(
  options: AnalyzeOptions,
  metadata: RunMetadata | undefined,
  metrics: MetricsData | undefined,
  results: LoadResultsInput,
): Analysis["serviceCores"] {
  if (options.serviceCores !== undefined)
    return { count: options.serviceCores, source: "the serviceCores option" };
  const vcpus = metadata?.host?.vcpus;
  if (vcpus !== undefined && vcpus > 0) return { count: vcpus, source: "the run metadata (host vCPUs)" };
  const counted = lastFinite(metrics?.series.get("host.cpu.count"));
  if (counted !== null && counted > 0) return { count: counted, source: "the metrics (host.cpu.count)" };
  if (metadata?.sharedCores && results.host?.cpus) {
    return {
      count: results.host.cpus,
      source: "the results (the generator's host, shared with the service)",
    };
  }
  return null;
}

/** Why a run is partial, for people: the metadata's reason, else what the inputs say. */
export function partialReason(results: LoadResultsInput, metadata: RunMetadata | undefined): string {
  if (metadata?.partialReason) return metadata.partialReason;
  if (metadata?.serviceExit)
    return `the service ${describeServiceExit(metadata.serviceExit, results.timeline)}`;
  return results.interrupted ? "the run was interrupted" : "the run did not complete";
}

function assessTrust(
  results: LoadResultsInput,
  metrics: MetricsData | undefined,
  metadata: RunMetadata | undefined,
  generator: ResourceCheck | null,
  seconds: Float64Array,
  findings: readonly MachineFinding[],
): Trust {
  const warnings: string[] = [];
  let trustworthy = true;
  for (const finding of findings) {
    trustworthy = false;
    warnings.push(finding.warning);
  }
  if (allFailed(results)) {
    trustworthy = false;
    warnings.push(
      "The run measured nothing usable: every scenario run failed, so it gives no capacity and no resource verdict.",
    );
  }
  if (results.selfCheck?.saturated) {
    trustworthy = false;
    warnings.push(
      `The load generator reported itself saturated: ${results.selfCheck.message ?? `${formatPercent(results.selfCheck.cpuPercentMax ?? Number.NaN)} CPU at most`}. The result may measure the generator, not the service.`,
    );
  } else if (generator?.saturated) {
    trustworthy = false;
    warnings.push(`The load generator was saturated near the onset. ${generator.detail}`);
  }
  const lost = lostLoaders(results);
  if (lost.length > 0) {
    warnings.push(
      `${lost.length} loader${lost.length === 1 ? " was" : "s were"} lost during the run and left out of the results (${lost.join("; ")}): the load from then on came from the others only.`,
    );
  }
  const sameHost =
    metadata?.sharedCores === undefined &&
    results.host?.hostname !== undefined &&
    metrics?.meta.host !== undefined &&
    results.host.hostname === metrics.meta.host;
  if (metadata?.sharedCores || sameHost) {
    trustworthy = false;
    warnings.push(
      `The load generator and the service shared the same ${sameHost ? `host (${metrics?.meta.host}) and so its ` : ""}cores: each took CPU from the other, so the capacity is understated and a CPU verdict is not reliable. Run the service on another machine and size it from here with sizer run --url http://SERVICE-HOST:PORT --glances-url http://SERVICE-HOST:61208 (Glances in web mode there, glances -w, records that host's resources).`,
    );
  }
  const partial = Boolean(metadata?.partial || metadata?.serviceExit || results.interrupted);
  if (partial) {
    warnings.push(
      `Partial run: ${partialReason(results, metadata)}. The numbers cover only what was recorded.`,
    );
  }
  if (results.timeline.length === 0)
    warnings.push("The results have no timeline: no chart and no onset can be shown.");
  if (!metrics) {
    warnings.push("No resource metrics were given: the report cannot say which resource ran out.");
  } else {
    const end = results.timeline[results.timeline.length - 1]?.t ?? results.durationSeconds;
    const overlapping = seconds.some((second) => second >= 0 && second <= end + 1);
    if (!overlapping) {
      warnings.push(
        `The metrics do not overlap the run (metrics from ${formatSeconds(seconds[0] ?? 0)} to ${formatSeconds(seconds[seconds.length - 1] ?? 0)} relative to the run's start): check the clocks and the files.`,
      );
    }
  }
  return { trustworthy, partial, warnings };
}

/** `; it then crept up to X req/s` when the throughput levelled out notably above the plateau's start. */
function levelFact(plateau: Capacity["plateau"]): string {
  const level = notablePlateauLevel(plateau);
  return level === null
    ? ""
    : `; it then crept up to ${formatNumber(level)} req/s, no longer in step with the workers`;
}

/** The error ratio (percent) and the runs of the `size` seconds from `fromSeconds` on. */
function ratioFrom(results: LoadResultsInput, fromSeconds: number, size: number): number | null {
  let ok = 0;
  let failed = 0;
  for (const entry of results.timeline) {
    if (entry.t < fromSeconds || entry.t >= fromSeconds + size) continue;
    ok += entry.ok;
    failed += entry.failed;
  }
  return ok + failed === 0 ? null : (failed / (ok + failed)) * 100;
}

/** The latency percentile (mean) of the `size` seconds from `fromSeconds` on. */
function percentileFrom(
  results: LoadResultsInput,
  fromSeconds: number,
  size: number,
  percentile: string,
): number | null {
  const values = results.timeline
    .filter((entry) => entry.t >= fromSeconds && entry.t < fromSeconds + size)
    .map((entry) => entry.latency?.[percentile as keyof NonNullable<typeof entry.latency>])
    .filter((value): value is number => typeof value === "number");
  return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** What ended the run when no failure did: its own words and numbers. */
function stopFact(capacity: Capacity): string | null {
  const at = capacity.stoppedAtSeconds !== null ? ` at ${formatSeconds(capacity.stoppedAtSeconds)}` : "";
  const workers =
    capacity.workersAtStop !== null ? ` with ${formatNumber(capacity.workersAtStop)} workers` : "";
  switch (capacity.stopReason) {
    case "capacity-above-max-load":
      if (capacity.arrivalRate)
        return `The run stopped${at}: the ramp held its top target of ${formatNumber(capacity.arrivalRate.to)} scenario runs/s for a full sizing window without failures past the ${formatPercent(capacity.tolerancePercent)} tolerance${capacity.latencyObjective ? " or a broken latency objective" : ""}.`;
      return `The run stopped${at}: all ${formatNumber(capacity.workersAtStop ?? 0)} workers ran a full sizing window without failures past the ${formatPercent(capacity.tolerancePercent)} tolerance${capacity.latencyObjective ? " or a broken latency objective" : ""}.`;
    case "duration":
      return `The run reached its duration${at}${workers}, before any stop criterion fired.`;
    case "interrupted":
      return `The run was interrupted${at}${workers}.`;
    case "max-runs":
      return `The run reached its maximum number of scenario runs${at}${workers}.`;
    case "exception":
      return `The run ended on an internal error${at}${workers}.`;
    default:
      return null;
  }
}

function onsetFacts(
  results: LoadResultsInput,
  onset: Onsets,
  thresholds: AnalysisThresholds,
  capacity: Capacity,
): string[] {
  const facts: string[] = [];
  const { plateau, decline } = capacity;
  const workersAt = (second: number) => results.timeline.find((entry) => entry.t >= second)?.workers;
  const size = Math.max(1, Math.round(thresholds.errorWindowSeconds));
  if (onset.failureSeconds !== null) {
    const workers = workersAt(onset.failureSeconds);
    // The onset can be the sizing block's stop, the end of the last second: that second's target then.
    const failureSecond =
      results.timeline.find((entry) => entry.t >= (onset.failureSeconds as number)) ??
      results.timeline.at(-1);
    const target = capacity.arrivalRate ? failureSecond?.targetRate : undefined;
    const withWorkers =
      target !== undefined
        ? ` at a target of ${formatNumber(target)} scenario runs/s`
        : workers !== undefined
          ? ` with ${formatNumber(workers)} workers`
          : "";
    const ratio = ratioFrom(results, onset.failureSeconds, size);
    const objective = capacity.latencyObjective;
    if (onset.failureCause === "latency" && objective) {
      const level = percentileFrom(results, onset.failureSeconds, size, objective.percentile);
      facts.push(
        `The latency objective broke at ${formatSeconds(onset.failureSeconds)}${withWorkers}: ${objective.percentile} ${
          level !== null
            ? `${formatMilliseconds(level)} over the ${formatNumber(size)} s from there`
            : "above"
        }, objective ${formatMilliseconds(objective.thresholdMs)}; errors ${
          ratio !== null ? `${formatPercent(ratio)}, ` : ""
        }within the ${formatPercent(capacity.tolerancePercent)} tolerance.`,
      );
    } else {
      facts.push(
        `Failures passed the ${formatPercent(capacity.tolerancePercent)} tolerance at ${formatSeconds(onset.failureSeconds)}${withWorkers}${
          ratio !== null
            ? `: ${formatPercent(ratio)} of the scenario runs failed over the ${formatNumber(size)} s from there`
            : ""
        }.`,
      );
    }
  }
  if (plateau !== null && !capacity.arrivalRate) {
    // The plateau's own figure (loadcore's is a band's mean), as its card and summary.json give it.
    facts.push(
      `Throughput stopped growing with the workers at ${formatSeconds(plateau.atSeconds)} (${formatNumber(plateau.workers)} workers)${levelFact(plateau)}.`,
    );
  }
  const saturation = capacity.saturation;
  if (onset.failureSeconds === null && saturation !== null) {
    const end = latencyText(saturation.latencyAtEnd);
    facts.push(
      `Saturated from ${formatSeconds(saturation.atSeconds)} (${formatNumber(saturation.workers)} workers): the throughput held about ${requestsPerSecond(saturation.throughput)} (median of each whole second) up to ${formatNumber(saturation.workersAtEnd)} workers${end ? `, with ${end} at the end` : ""}.`,
    );
  }
  if (decline !== null) {
    facts.push(
      `Throughput fell from ${requestsPerSecond(decline.peak.throughput)} (${formatNumber(decline.peak.averagedSeconds)} s average at ${formatSeconds(decline.peak.atSeconds)}, ${formatNumber(decline.peak.workers)} workers) to ${requestsPerSecond(decline.sustained.throughput)} (${formatSeconds(decline.sustained.fromSeconds)} to ${formatSeconds(decline.sustained.toSeconds)}, ${formatNumber(decline.sustained.workers)} workers): ${formatPercent(decline.dropPercent)} lower, more than this run's noise (${formatPercent(decline.noisePercent)})${
        decline.grew.length > 0 ? `; meanwhile ${decline.grew.join(", ")}` : ""
      }.`,
    );
  }
  if (onset.failureSeconds === null) {
    const stop = stopFact(capacity);
    if (stop) facts.push(stop);
  }
  if (facts.length > 0) {
    facts.push(
      `Evidence window: ${formatSeconds(onset.window.fromSeconds)} to ${formatSeconds(onset.window.toSeconds)} (levels are the 75th percentile over it).`,
    );
  }
  return facts;
}

/** The verdict when the service exited during the run: it died, whatever else the metrics show. */
function serviceDiedBottleneck(
  exit: ServiceExit,
  checks: ResourceCheck[],
  results: LoadResultsInput,
  facts: string[],
): Bottleneck {
  // SIGKILL is what the kernel's out-of-memory killer (and a container's memory limit) sends.
  const killed =
    exit.signal === "SIGKILL"
      ? " SIGKILL is what the kernel's out-of-memory killer sends: check `dmesg` and the memory chart."
      : "";
  const saturated = checks.filter((check) => check.saturated);
  return {
    resource: "application",
    confidence: "high",
    scope: "service",
    rule: "service-died",
    summary: `What ran out first: the service itself, which died during the run. Its output (service.log in a sizer run folder) says why: a crash, an unhandled error, a resource limit.${killed}`,
    evidence: [
      `The service ${describeServiceExit(exit, results.timeline)}.`,
      ...facts,
      ...saturated.map((check) => `Before it died: ${check.detail}`),
    ],
  };
}

/** A plateau levelling out at this many times its start's throughput or more does not anchor the evidence. */
const PLATEAU_ANCHOR_CLIMB = 1.15;

/**
 * The stretch of the run whose resource levels are the evidence. A failure onset is caused by what
 * ran out just before it: the window ends a little after it. A throughput plateau is the resource
 * already running out: the window covers the plateau itself, from its start, until the failures
 * begin (when they do).
 */
function evidenceWindow(
  referenceSeconds: number,
  failureOrEndSeconds: number,
  plateauSeconds: number | null,
  thresholds: AnalysisThresholds,
): { fromSeconds: number; toSeconds: number } {
  if (plateauSeconds !== null && plateauSeconds < failureOrEndSeconds) {
    const span = thresholds.windowBeforeSeconds + thresholds.windowAfterSeconds;
    return {
      fromSeconds: plateauSeconds,
      toSeconds: Math.min(plateauSeconds + span, failureOrEndSeconds + thresholds.windowAfterSeconds),
    };
  }
  return {
    // Before second 0 there was no load: those samples would only dilute the evidence.
    fromSeconds: Math.max(Math.min(0, referenceSeconds), referenceSeconds - thresholds.windowBeforeSeconds),
    toSeconds: referenceSeconds + thresholds.windowAfterSeconds,
  };
}

/** Checks the options a caller can get wrong, naming the option. */
function checkAnalyzeOptions(options: AnalyzeOptions): void {
  positive("serviceCores", options.serviceCores);
  positive("linkSpeedBitsPerSecond", options.linkSpeedBitsPerSecond);
  if (
    options.tolerancePercent !== undefined &&
    !(options.tolerancePercent >= 0 && options.tolerancePercent <= 100)
  ) {
    throw new ReportOptionError(
      "tolerancePercent",
      `expected a percentage from 0 to 100, got ${options.tolerancePercent}`,
    );
  }
}

/** The failure onset, the plateau and the onsets they give: the reference second and the evidence window. */
function findOnsets(
  results: LoadResultsInput,
  thresholds: AnalysisThresholds,
  tolerance: number,
): { failure: FailureOnset | null; plateau: Capacity["plateau"]; onset: Onsets } {
  const failure: FailureOnset | null = findFailureOnset(results, thresholds, tolerance);
  const failureSeconds = failure?.atSeconds ?? null;
  const plateau = findPlateau(results, thresholds);
  const end = results.timeline[results.timeline.length - 1]?.t ?? results.durationSeconds;
  // A plateau whose throughput went on to climb well above its start had not exhausted anything yet
  // at its start: the evidence is then judged at the failure onset (or the end), not at the plateau.
  const plateauAnchor =
    plateau !== null &&
    (plateau.levelThroughput === null || plateau.levelThroughput < PLATEAU_ANCHOR_CLIMB * plateau.throughput)
      ? plateau.atSeconds
      : null;
  const referenceSeconds = Math.min(failureSeconds ?? end, plateauAnchor ?? end);
  const onset: Onsets = {
    failureSeconds,
    failureCause: failure?.cause ?? null,
    plateauSeconds: plateau?.atSeconds ?? null,
    saturationSeconds: null,
    referenceSeconds,
    window: evidenceWindow(referenceSeconds, failureSeconds ?? end, plateauAnchor, thresholds),
  };
  return { failure, plateau, onset };
}

/**
 * The bottleneck: a dead service explains failed runs; failed runs explain any saturation they
 * caused; otherwise the resource that ran out first.
 */
function pickBottleneck(
  input: AnalyzeInput,
  found: {
    checks: ResourceCheck[];
    generator: ResourceCheck | null;
    onset: Onsets;
    facts: string[];
    capacity: Capacity;
  },
): Bottleneck {
  const { results, metrics, metadata } = input;
  const { checks, generator, onset, facts, capacity } = found;
  const serviceExit = metadata?.serviceExit;
  const everyRunFailed = allFailed(results);
  if (serviceExit) {
    const bottleneck = serviceDiedBottleneck(serviceExit, checks, results, facts);
    if (everyRunFailed) bottleneck.evidence.push(...allFailedBottleneck(results).evidence);
    return bottleneck;
  }
  if (everyRunFailed) return allFailedBottleneck(results);
  return chooseBottleneck(
    checks,
    generator,
    results,
    metrics,
    onset,
    facts,
    capacity,
    metadata?.sharedCores === false,
  );
}

/**
 * Analyses a run: the capacity of one node, the failure onset and the plateau, which resource ran
 * out first (with evidence) and whether the result can be trusted. Pure: reads no file, no clock.
 *
 * @throws {ReportOptionError} `ERR_REPORT_OPTION_INVALID` for an invalid option.
 */
export function analyze(input: AnalyzeInput): Analysis {
  const { results, metrics, metadata } = input;
  const options = input.options ?? {};
  checkAnalyzeOptions(options);
  const thresholds = resolveThresholds(options.thresholds);
  const start = runStartMs(results);
  const seconds = Float64Array.from(metrics?.times ?? [], (time) => (time - start) / 1000);
  const tolerance = tolerancePercent(results, options.tolerancePercent);
  const { failure, plateau, onset } = findOnsets(results, thresholds, tolerance);
  const failureSeconds = failure?.atSeconds ?? null;
  const serviceExit = metadata?.serviceExit;
  const everyRunFailed = allFailed(results);
  const serviceCores = resolveServiceCores(options, metadata, metrics, results);
  const context: CheckContext = {
    results,
    metrics,
    seconds,
    thresholds,
    window: onset.window,
    serviceCores: serviceCores?.count ?? null,
    serviceCpus: metadata?.serviceCpus,
    ...(options.linkSpeedBitsPerSecond !== undefined
      ? { linkSpeedBitsPerSecond: options.linkSpeedBitsPerSecond }
      : {}),
  };
  const checks = resourceChecks(context);
  const generator = generatorCheck(context);
  const computed = computeCapacity(results, tolerance, failureSeconds, plateau);
  const stoppedOnFailure =
    computed.stopReason === "error-ratio" || computed.stopReason === "latency" || failureSeconds !== null;
  const saturation = findSaturation(results.timeline, plateau, checks, failureSeconds);
  const findings = machineFindings(results, metrics, seconds, failureSeconds);
  const contended = findings.some((finding) => finding.check === "other-processes");
  const decline = findDecline(
    results.timeline,
    failureSeconds,
    metrics,
    seconds,
    serviceCores?.count ?? null,
    contended,
  );
  // An arrival-rate run is judged on its rates (loadcore's verdict): the workers-model saturation and
  // decline read a growing pool, not a growing load.
  const arrival = arrivalRateLevel(results);
  const judged =
    arrival === null
      ? withSaturation(computed, stoppedOnFailure, saturation, decline)
      : results.sizing !== undefined
        ? arrivalRateCapacity(computed, arrival, results.sizing.latencyAtHealthy)
        : unsizedArrivalRateCapacity(computed, arrival, results, failureSeconds);
  if (!stoppedOnFailure && judged.levelFrom === "saturation")
    onset.saturationSeconds = saturation?.atSeconds ?? null;
  const measured = everyRunFailed ? allFailedCapacity(judged, results) : judged;
  const capacity = serviceExit ? serviceDiedCapacity(measured, serviceExit, results.timeline) : measured;
  const facts = onsetFacts(results, onset, thresholds, capacity);
  if (arrival !== null)
    facts.splice(
      Math.max(0, facts.length - 1),
      0,
      ...arrivalRateFacts({ ...capacity, arrivalRate: arrival }),
    );
  const trust = assessTrust(results, metrics, metadata, generator, seconds, findings);
  const bottleneck = pickBottleneck(input, { checks, generator, onset, facts, capacity });
  const caveat = everyRunFailed
    ? " The run measured nothing usable."
    : trust.trustworthy
      ? ""
      : results.selfCheck?.saturated
        ? " Not trustworthy: the load generator was the limit, so the service may take more; see the warnings."
        : " Not trustworthy: see the warnings.";
  return {
    headline: `${capacity.message} ${bottleneck.summary}${caveat}`,
    capacity,
    onset,
    bottleneck,
    trust,
    checks: generator ? [...checks, generator] : checks,
    serviceCores,
    modelAdvice: arrivalRateAdvice(results),
  };
}

/** The loaders a merged run lost (`options.lostLoaders` of `sizer aws run --loaders`), each as "ID: why". */
function lostLoaders(results: LoadResultsInput): string[] {
  const lost = results.options?.lostLoaders;
  if (!Array.isArray(lost)) return [];
  return lost.map(
    (loader: { instanceId?: unknown; reason?: unknown }) =>
      `${String(loader.instanceId ?? "a loader")}: ${String(loader.reason ?? "no results")}`,
  );
}
