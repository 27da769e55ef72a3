import { availableParallelism, hostname, platform, totalmem } from "node:os";
import type { SelfCheck } from "../engine/self-check.js";
import { LoadcoreError } from "../errors.js";
import type { SizingVerdict } from "../sizing/sizing.js";
import type { LatencySummary } from "../stats/histogram.js";
import type {
  ErrorCounts,
  RequestTotals,
  ScenarioTotals,
  StatsTotals,
  StatusCounts,
  TimelinePoint,
} from "../stats/stats.js";
import {
  checkResultsHistograms,
  encodeRunHistograms,
  type ResultsHistograms,
  type RunHistograms,
} from "./histogram-encoding.js";
import type { MergedLoader } from "./merge.js";

/** The `format` value of a results file. */
export const RESULTS_FORMAT = "loadcore-results";
/** The newest results format version this package reads and the one it writes. */
export const RESULTS_FORMAT_VERSION = 1;

/** The machine that generated the load. */
export interface ResultsHost {
  hostname: string;
  cpus: number;
  memoryBytes: number;
  platform: string;
}

/** The arrival-rate model's schedule and what became of it (results JSON `arrivalRate`). */
export interface ArrivalRateResults {
  /** Scenario runs per second at the start and at the end of the ramp (equal for `--rate`). */
  from: number;
  to: number;
  /** Length of the ramp, seconds (0 for a constant rate). */
  rampUp: number;
  /** The most workers the pool could grow to, all processes. */
  maxWorkers: number;
  /** Scenario runs started, on time or late. */
  started: number;
  /** Runs started late because every worker was busy (their latency counts the wait). */
  late: number;
  /** Runs that never started: no worker free within the request timeout, or the run ended first. */
  dropped: number;
}

/** The results JSON (`loadcore-results` version 1); docs/formats.md section 1 and docs/results-format.md. */
export interface LoadResults {
  format: typeof RESULTS_FORMAT;
  formatVersion: number;
  tool: { name: string; version: string; node: string };
  command: string[];
  host: ResultsHost;
  startedAt: string;
  endedAt: string;
  durationSeconds: number;
  interrupted: boolean;
  options: Record<string, unknown>;
  /**
   * Workers the ramp-up started, all processes: `options.totalWorkers` unless the run stopped before
   * (a sizing verdict, the duration, `-x`). Absent in files of loadcore 0.1.0.
   */
  workersStarted?: number;
  ok: number;
  failed: number;
  requests: number;
  throughput: number;
  scenariosPerSecond: number;
  /** HTTP request latency, ms; in the arrival-rate model, from when each request should have been sent. */
  latency: LatencySummary;
  /** Arrival-rate model only: HTTP request service time, ms, from when each request was sent. */
  serviceTime?: LatencySummary;
  statusCodes: StatusCounts;
  /** Scenario failures by class (every class written, readers accept missing ones). */
  errors: ErrorCounts;
  scenarios: ScenarioTotals[];
  byRequest: RequestTotals[];
  timeline: TimelinePoint[];
  /** Present only for a sizing run. */
  sizing?: SizingVerdict;
  /** Present only in the arrival-rate model (`--rate`, `--ramp-rate`). */
  arrivalRate?: ArrivalRateResults;
  selfCheck: SelfCheck;
  /**
   * Every latency figure as an exact histogram (encoding `loadcore-buckets-1`), for `loadcore merge`.
   * Optional: absent in files of loadcore 0.1.
   */
  histograms?: ResultsHistograms;
  /** Present only in a merged file (`loadcore merge`): one entry per results file merged, in order. */
  loaders?: MergedLoader[];
}

/** What {@link buildResults} needs: run metadata and the figures measured. */
export interface BuildResultsInput {
  /** The engine's version (package.json). */
  toolVersion: string;
  /** argv as given; `user:password@` in URLs is replaced by `***@`. */
  command: readonly string[];
  /** Defaults to this machine (node:os). */
  host?: ResultsHost;
  /** Epoch ms. */
  startedAt: number;
  /** Epoch ms. */
  endedAt: number;
  interrupted: boolean;
  /** The effective run options (workers, processes, duration, rampUp, ...). */
  options: Record<string, unknown>;
  /** Workers the ramp-up started, all processes. */
  workersStarted?: number;
  totals: StatsTotals;
  timeline: readonly TimelinePoint[];
  sizing?: SizingVerdict;
  arrivalRate?: ArrivalRateResults;
  selfCheck: SelfCheck;
  /** The run's histograms (`StatsAggregator.histograms()`), encoded into the results' `histograms`. */
  histograms?: RunHistograms;
}

/**
 * A results file is not valid JSON, not a `loadcore-results` file, of a newer version, or has a field
 * of the wrong type. Code `ERR_LOADCORE_RESULTS_FORMAT`.
 */
export class ResultsFormatError extends LoadcoreError {
  /** The file (or the name given to `readResults`). */
  readonly source: string;
  /** The path of the field at fault (`timeline[3].latency.p95`), when there is one. */
  readonly field: string | undefined;
  /** The file's `formatVersion` when it is newer than this reader: a reader may say "upgrade". */
  readonly newerVersion: number | undefined;
  /** What is wrong, without the source's name (the message is `<source>: <detail>`). */
  readonly detail: string;

  constructor(
    detail: string,
    options: { source: string; field?: string; newerVersion?: number; cause?: unknown },
  ) {
    super("ERR_LOADCORE_RESULTS_FORMAT", `${options.source}: ${detail}`, { cause: options.cause });
    this.detail = detail;
    this.source = options.source;
    this.field = options.field;
    this.newerVersion = options.newerVersion;
  }
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi;

/** Hides the `user:password@` part of any URL in a command-line argument. */
function withoutCredentials(argument: string): string {
  return argument.replace(URL_CREDENTIALS, "$1***@");
}

function localHost(): ResultsHost {
  return {
    hostname: hostname(),
    cpus: availableParallelism(),
    memoryBytes: totalmem(),
    platform: platform(),
  };
}

/** Assembles the results JSON object from the run's metadata and figures. */
export function buildResults(input: BuildResultsInput): LoadResults {
  const { totals } = input;
  const durationSeconds = round(Math.max(0, input.endedAt - input.startedAt) / 1000, 3);
  const perSecond = (count: number) => (durationSeconds > 0 ? round(count / durationSeconds, 2) : 0);
  const results: LoadResults = {
    format: RESULTS_FORMAT,
    formatVersion: RESULTS_FORMAT_VERSION,
    tool: { name: "loadcore", version: input.toolVersion, node: process.version },
    command: input.command.map(withoutCredentials),
    host: input.host ?? localHost(),
    startedAt: new Date(input.startedAt).toISOString(),
    endedAt: new Date(input.endedAt).toISOString(),
    durationSeconds,
    interrupted: input.interrupted,
    options: input.options,
    ...(input.workersStarted === undefined ? {} : { workersStarted: input.workersStarted }),
    ok: totals.ok,
    failed: totals.failed,
    requests: totals.requests,
    throughput: perSecond(totals.requests),
    scenariosPerSecond: perSecond(totals.ok + totals.failed),
    latency: totals.latency,
    ...(totals.serviceTime === undefined ? {} : { serviceTime: totals.serviceTime }),
    statusCodes: totals.statusCodes,
    errors: totals.errors,
    scenarios: totals.scenarios,
    byRequest: totals.byRequest,
    timeline: [...input.timeline],
    selfCheck: input.selfCheck,
  };
  if (input.sizing !== undefined) results.sizing = input.sizing;
  if (input.arrivalRate !== undefined) results.arrivalRate = input.arrivalRate;
  // Key order as documented: sizing before selfCheck, the bulky histograms last.
  const { selfCheck, ...rest } = results;
  if (input.histograms === undefined) return { ...rest, selfCheck };
  return { ...rest, selfCheck, histograms: encodeRunHistograms(input.histograms) };
}

type Json = Record<string, unknown>;

/** Field-by-field checks that name the file and the field. */
class Checker {
  constructor(readonly source: string) {}

  fail(field: string, expected: string, value: unknown): never {
    const shown = value === undefined ? "nothing" : JSON.stringify(value)?.slice(0, 60);
    throw new ResultsFormatError(`field "${field}" must be ${expected}, got ${shown}`, {
      source: this.source,
      field,
    });
  }

  object(value: unknown, field: string): Json {
    if (typeof value !== "object" || value === null || Array.isArray(value))
      this.fail(field, "an object", value);
    return value as Json;
  }

  array(value: unknown, field: string): unknown[] {
    if (!Array.isArray(value)) this.fail(field, "an array", value);
    return value;
  }

  number(value: unknown, field: string): number {
    if (typeof value !== "number" || !Number.isFinite(value)) this.fail(field, "a number", value);
    return value;
  }

  nullableNumber(value: unknown, field: string): number | null {
    return value === null ? null : this.number(value, field);
  }

  string(value: unknown, field: string): string {
    if (typeof value !== "string") this.fail(field, "a string", value);
    return value;
  }

  boolean(value: unknown, field: string): boolean {
    if (typeof value !== "boolean") this.fail(field, "true or false", value);
    return value;
  }

  counts(value: unknown, field: string): Record<string, number> {
    const object = this.object(value, field);
    for (const [key, count] of Object.entries(object)) this.number(count, `${field}.${key}`);
    return object as Record<string, number>;
  }

  numbers(value: unknown, field: string, keys: readonly string[]): void {
    const object = this.object(value, field);
    for (const key of keys) this.number(object[key], `${field}.${key}`);
  }
}

function emptySummary(): LatencySummary {
  return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
}

/** `T` with the keys `K` optional. */
type Optional<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

/** Counts by key (error class or status code): a reader accepts any key, a newer producer may add classes. */
type Counts = Record<string, number>;

/**
 * Latency figures as read: any may be absent. (A percentile with no sample, an empty second, may be
 * `null` in a file; the reader accepts it and readers of the figures treat it as absent.)
 */
type Percentiles<T> = Partial<T>;

/** One second of the run as read: {@link TimelinePoint}, where the ratio, the latency and the generator figures may be absent. */
export type TimelineEntry = Optional<
  Omit<TimelinePoint, "latency">,
  "errorRatio" | "generatorCpuPercent" | "eventLoopDelayMs"
> & {
  latency?: Percentiles<TimelinePoint["latency"]>;
};

/** One scenario's totals as read: {@link ScenarioTotals}, errors and latency optional. */
export type ScenarioSummary = Omit<ScenarioTotals, "errors" | "latency"> & {
  errors?: Counts;
  latency?: Percentiles<LatencySummary>;
};

/** One request's totals as read (`byRequest[]`): {@link RequestTotals}, only name, count and failed required. */
export type RequestSummary = Optional<Omit<RequestTotals, "errors" | "latency">, "ok" | "statusCodes"> & {
  errors?: Counts;
  latency?: Percentiles<LatencySummary>;
};

/** The `sizing` block as read: {@link SizingVerdict}, only tolerance, reached, stopReason and healthyWorkers required. */
export type SizingResult = Optional<
  Omit<SizingVerdict, "latencyAtHealthy">,
  | "window"
  | "minSamples"
  | "latencyObjective"
  | "stoppedAtSeconds"
  | "workersAtStop"
  | "errorRatio"
  | "throughputAtHealthy"
  | "plateau"
  | "message"
> & { latencyAtHealthy?: Percentiles<TimelinePoint["latency"]> | null };

/** The load generator's self-check as read: {@link SelfCheck}, only `saturated` required. */
export type SelfCheckInput = Optional<
  SelfCheck,
  "cpuPercentMax" | "cpuPercentMean" | "cores" | "eventLoopDelayP99MaxMs" | "message"
>;

/**
 * A results file as {@link parseResults} reads it: {@link LoadResults} with what a file written by hand,
 * by another tool or by an older loadcore may leave out made optional. A value of `LoadResults` is
 * always one.
 */
export type LoadResultsInput = Optional<
  Omit<
    LoadResults,
    "tool" | "host" | "latency" | "errors" | "timeline" | "scenarios" | "byRequest" | "sizing" | "selfCheck"
  >,
  "command" | "endedAt" | "interrupted" | "options" | "scenariosPerSecond" | "statusCodes"
> & {
  tool?: Partial<LoadResults["tool"]>;
  host?: Partial<LoadResults["host"]>;
  latency?: Percentiles<LatencySummary>;
  errors?: Counts;
  timeline: TimelineEntry[];
  scenarios?: ScenarioSummary[];
  byRequest?: RequestSummary[];
  sizing?: SizingResult;
  selfCheck?: SelfCheckInput;
};

function optionalNumber(check: Checker, record: Json, key: string, path: string): void {
  if (record[key] !== undefined) check.number(record[key], `${path}${key}`);
}

/** Latency figures: each a number of milliseconds, or null where a percentile had no sample. */
function latency(check: Checker, value: unknown, field: string): void {
  if (value === undefined || value === null) return;
  const record = check.object(value, field);
  for (const [key, number] of Object.entries(record)) {
    if (number !== null) check.number(number, `${field}.${key}`);
  }
}

function counts(check: Checker, value: unknown, field: string): void {
  if (value !== undefined) check.counts(value, field);
}

/**
 * Validates a parsed results JSON (`loadcore-results`, docs/formats.md section 1): the one reader of
 * the format, used by `readResults`, `@sizer/report` and `sizer report DIR`. Lenient as docs/formats.md
 * says: what a file may leave out stays absent, keys this version does not know (a newer producer's)
 * are kept, an unknown error class or stop reason is read; a field of the wrong type, another format
 * or a newer major version is refused.
 *
 * @throws {ResultsFormatError} `ERR_LOADCORE_RESULTS_FORMAT` naming `source` and the field at fault
 *   (`field`); `field` is `formatVersion` and `newerVersion` is set for a newer major version.
 */
export function parseResults(value: unknown, source = "results"): LoadResultsInput {
  const check: Checker = new Checker(source);
  const root = check.object(value, "(root)");
  if (root.format !== RESULTS_FORMAT) check.fail("format", `"${RESULTS_FORMAT}"`, root.format);
  const version = root.formatVersion;
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1) {
    check.fail("formatVersion", "a whole number >= 1", version);
  }
  if (version > RESULTS_FORMAT_VERSION) {
    throw new ResultsFormatError(
      `formatVersion ${version} is newer than this loadcore reads (up to ${RESULTS_FORMAT_VERSION}); upgrade @sizer/loadcore`,
      { source, field: "formatVersion", newerVersion: version },
    );
  }
  for (const key of ["ok", "failed", "requests", "durationSeconds"]) check.number(root[key], key);
  for (const key of ["throughput", "scenariosPerSecond", "workersStarted"])
    optionalNumber(check, root, key, "");
  // Required: the report places the timeline and the metrics on the clock by it.
  const startedAt = check.string(root.startedAt, "startedAt");
  if (Number.isNaN(Date.parse(startedAt))) check.fail("startedAt", "an ISO 8601 time", startedAt);
  if (root.endedAt !== undefined) check.string(root.endedAt, "endedAt");
  if (root.interrupted !== undefined) check.boolean(root.interrupted, "interrupted");
  if (root.options !== undefined) check.object(root.options, "options");
  latency(check, root.latency, "latency");
  counts(check, root.statusCodes, "statusCodes");
  counts(check, root.errors, "errors");
  if (root.command !== undefined)
    for (const [index, part] of check.array(root.command, "command").entries())
      check.string(part, `command[${index}]`);
  if (root.tool !== undefined) check.object(root.tool, "tool");
  if (root.host !== undefined) {
    const host = check.object(root.host, "host");
    if (host.hostname !== undefined) check.string(host.hostname, "host.hostname");
    optionalNumber(check, host, "cpus", "host.");
    optionalNumber(check, host, "memoryBytes", "host.");
  }
  check.array(root.timeline, "timeline").forEach((entry, index) => {
    const field = `timeline[${index}]`;
    const point = check.object(entry, field);
    for (const key of ["t", "time", "workers", "ok", "failed", "requests", "throughput"])
      check.number(point[key], `${field}.${key}`);
    for (const key of ["errorRatio", "generatorCpuPercent", "eventLoopDelayMs"]) {
      if (point[key] !== null) optionalNumber(check, point, key, `${field}.`);
    }
    for (const key of ["targetRate", "achievedRate", "startedRuns", "droppedRuns"])
      optionalNumber(check, point, key, `${field}.`);
    if (point.generatorRssBytes !== undefined) {
      const rss = check.number(point.generatorRssBytes, `${field}.generatorRssBytes`);
      if (rss < 0) check.fail(`${field}.generatorRssBytes`, "a number of bytes >= 0", rss);
    }
    latency(check, point.latency, `${field}.latency`);
  });
  for (const list of ["scenarios", "byRequest"] as const) {
    if (root[list] === undefined) continue;
    check.array(root[list], list).forEach((item, index) => {
      const field = `${list}[${index}]`;
      const record = check.object(item, field);
      check.string(record.name, `${field}.name`);
      check.number(record.failed, `${field}.failed`);
      if (list === "scenarios") check.number(record.ok, `${field}.ok`);
      else check.number(record.count, `${field}.count`);
      counts(check, record.errors, `${field}.errors`);
      counts(check, record.statusCodes, `${field}.statusCodes`);
      latency(check, record.latency, `${field}.latency`);
    });
  }
  if (root.sizing != null) {
    const sizing = check.object(root.sizing, "sizing");
    check.number(sizing.tolerance, "sizing.tolerance");
    check.string(sizing.stopReason, "sizing.stopReason");
    if (sizing.reached !== undefined) check.boolean(sizing.reached, "sizing.reached");
    for (const key of ["window", "workersAtStop", "errorRatio", "stoppedAtSeconds"])
      optionalNumber(check, sizing, key, "sizing.");
    for (const key of ["healthyWorkers", "throughputAtHealthy"])
      if (sizing[key] !== null) optionalNumber(check, sizing, key, "sizing.");
    latency(check, sizing.latencyAtHealthy, "sizing.latencyAtHealthy");
    if (sizing.plateau != null) {
      const plateau = check.object(sizing.plateau, "sizing.plateau");
      for (const key of ["atSeconds", "workers", "throughput"])
        check.number(plateau[key], `sizing.plateau.${key}`);
      for (const key of ["latencyGrowth", "levelThroughput", "targetRate", "levelRate"])
        optionalNumber(check, plateau, key, "sizing.plateau.");
    }
    if (sizing.rate != null) {
      const rate = check.object(sizing.rate, "sizing.rate");
      optionalNumber(check, rate, "targetAtStop", "sizing.rate.");
      for (const key of ["capacity", "capacityWorkers", "targetAtHealthy", "achievedAtHealthy"])
        if (rate[key] !== null) optionalNumber(check, rate, key, "sizing.rate.");
    }
    if (sizing.latencyObjective != null) {
      const objective = check.object(sizing.latencyObjective, "sizing.latencyObjective");
      check.string(objective.percentile, "sizing.latencyObjective.percentile");
      check.number(objective.thresholdMs, "sizing.latencyObjective.thresholdMs");
    }
  }
  if (root.selfCheck != null) {
    const selfCheck = check.object(root.selfCheck, "selfCheck");
    check.boolean(selfCheck.saturated, "selfCheck.saturated");
    for (const key of ["cpuPercentMax", "cpuPercentMean", "cores", "eventLoopDelayP99MaxMs"])
      optionalNumber(check, selfCheck, key, "selfCheck.");
  }
  if (root.histograms !== undefined) checkResultsHistograms(check, root.histograms);
  if (root.loaders !== undefined) check.array(root.loaders, "loaders");
  return root as unknown as LoadResultsInput;
}

function completeSummary(value: Percentiles<LatencySummary> | undefined): LatencySummary {
  return { ...emptySummary(), ...(value as Partial<LatencySummary> | undefined) };
}

/**
 * Parses a results JSON text with {@link parseResults} and fills what it leaves optional with neutral
 * defaults, for code that wants a whole {@link LoadResults} (a file written by hand or by another
 * tool): no self-check, `unknown` tool and host, throughput from the counts.
 *
 * @throws {ResultsFormatError} `ERR_LOADCORE_RESULTS_FORMAT` naming `source` and the field at fault.
 */
export function readResults(text: string, source = "results"): LoadResults {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ResultsFormatError(`not valid JSON (${reason})`, { source, cause: error });
  }
  const input = parseResults(parsed, source);
  const perSecond = (count: number) =>
    input.durationSeconds > 0 ? round(count / input.durationSeconds, 2) : 0;
  const startedAt = input.startedAt;
  const results: LoadResults = {
    ...(input as unknown as LoadResults),
    tool: { name: "unknown", version: "unknown", node: "unknown", ...input.tool },
    command: input.command ?? [],
    host: { hostname: "unknown", cpus: 0, memoryBytes: 0, platform: "unknown", ...input.host },
    startedAt,
    endedAt: input.endedAt ?? startedAt,
    interrupted: input.interrupted ?? false,
    options: input.options ?? {},
    throughput: input.throughput ?? perSecond(input.requests),
    scenariosPerSecond: input.scenariosPerSecond ?? perSecond(input.ok + input.failed),
    latency: completeSummary(input.latency),
    statusCodes: input.statusCodes ?? {},
    errors: (input.errors ?? {}) as ErrorCounts,
    scenarios: (input.scenarios ?? []).map((scenario) => ({
      ...scenario,
      errors: (scenario.errors ?? {}) as ErrorCounts,
      latency: completeSummary(scenario.latency),
    })),
    byRequest: (input.byRequest ?? []).map((request) => ({
      ok: request.count - request.failed,
      statusCodes: {},
      ...request,
      errors: (request.errors ?? {}) as ErrorCounts,
      latency: completeSummary(request.latency),
    })) as RequestTotals[],
    timeline: input.timeline.map((point) => ({
      errorRatio:
        point.ok + point.failed > 0 ? round((point.failed / (point.ok + point.failed)) * 100, 2) : 0,
      ...point,
      generatorCpuPercent: point.generatorCpuPercent ?? 0,
      eventLoopDelayMs: point.eventLoopDelayMs ?? 0,
      latency: { p50: 0, p90: 0, p95: 0, p99: 0, max: 0, ...point.latency },
    })) as TimelinePoint[],
    selfCheck: {
      cpuPercentMax: 0,
      cpuPercentMean: 0,
      cores: 1,
      eventLoopDelayP99MaxMs: 0,
      message: input.selfCheck === undefined ? "no self-check in this file" : "",
      saturated: false,
      ...input.selfCheck,
    } as SelfCheck,
  };
  const { sizing, selfCheck, ...rest } = results;
  if (input.sizing == null) return { ...rest, selfCheck };
  return {
    ...rest,
    sizing: {
      window: 0,
      minSamples: 0,
      latencyObjective: null,
      stoppedAtSeconds: 0,
      workersAtStop: 0,
      errorRatio: 0,
      throughputAtHealthy: null,
      latencyAtHealthy: null,
      plateau: null,
      message: "",
      ...input.sizing,
    } as SizingVerdict,
    selfCheck,
  };
}
