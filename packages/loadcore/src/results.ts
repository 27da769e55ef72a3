import { availableParallelism, hostname, platform, totalmem } from "node:os";
import { ERROR_CLASSES } from "./error-class.js";
import { LoadcoreError } from "./errors.js";
import type { LatencySummary } from "./histogram.js";
import type { SelfCheck } from "./self-check.js";
import type { SizingVerdict } from "./sizing.js";
import type {
  ErrorCounts,
  RequestTotals,
  ScenarioTotals,
  StatsTotals,
  StatusCounts,
  TimelinePoint,
} from "./stats.js";

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
  latency: LatencySummary;
  statusCodes: StatusCounts;
  /** Scenario failures by class (every class written, readers accept missing ones). */
  errors: ErrorCounts;
  scenarios: ScenarioTotals[];
  byRequest: RequestTotals[];
  timeline: TimelinePoint[];
  /** Present only for a sizing run. */
  sizing?: SizingVerdict;
  selfCheck: SelfCheck;
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
  selfCheck: SelfCheck;
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

  constructor(message: string, options: { source: string; field?: string; cause?: unknown }) {
    super("ERR_LOADCORE_RESULTS_FORMAT", message, { cause: options.cause });
    this.source = options.source;
    this.field = options.field;
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
    statusCodes: totals.statusCodes,
    errors: totals.errors,
    scenarios: totals.scenarios,
    byRequest: totals.byRequest,
    timeline: [...input.timeline],
    selfCheck: input.selfCheck,
  };
  if (input.sizing !== undefined) results.sizing = input.sizing;
  // Key order as documented: sizing before selfCheck.
  const { selfCheck, ...rest } = results;
  return { ...rest, selfCheck };
}

type Json = Record<string, unknown>;

/** Field-by-field checks that name the file and the field. */
class Checker {
  constructor(readonly source: string) {}

  fail(field: string, expected: string, value: unknown): never {
    const shown = value === undefined ? "nothing" : JSON.stringify(value)?.slice(0, 60);
    throw new ResultsFormatError(`${this.source}: field "${field}" must be ${expected}, got ${shown}`, {
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

const SUMMARY_KEYS = ["count", "min", "mean", "p50", "p90", "p95", "p99", "p999", "max"] as const;
const TIMELINE_LATENCY_KEYS = ["p50", "p90", "p95", "p99", "max"] as const;
const POINT_KEYS = ["t", "time", "workers", "ok", "failed", "requests", "throughput", "errorRatio"] as const;
const STOP_REASONS = [
  "error-ratio",
  "latency",
  "capacity-above-max-load",
  "duration",
  "interrupted",
  "max-runs",
  "exception",
];

function emptySummary(): LatencySummary {
  return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
}

function checkSizing(check: Checker, value: unknown): SizingVerdict {
  const sizing = check.object(value, "sizing");
  check.number(sizing.tolerance, "sizing.tolerance");
  check.number(sizing.window, "sizing.window");
  check.boolean(sizing.reached, "sizing.reached");
  const stopReason = check.string(sizing.stopReason, "sizing.stopReason");
  if (!STOP_REASONS.includes(stopReason))
    check.fail("sizing.stopReason", `one of ${STOP_REASONS.join(", ")}`, stopReason);
  check.number(sizing.workersAtStop, "sizing.workersAtStop");
  check.nullableNumber(sizing.healthyWorkers ?? null, "sizing.healthyWorkers");
  check.number(sizing.errorRatio, "sizing.errorRatio");
  check.nullableNumber(sizing.throughputAtHealthy ?? null, "sizing.throughputAtHealthy");
  if (sizing.latencyAtHealthy != null)
    check.numbers(sizing.latencyAtHealthy, "sizing.latencyAtHealthy", TIMELINE_LATENCY_KEYS);
  if (sizing.plateau != null) {
    const plateau = check.object(sizing.plateau, "sizing.plateau");
    check.boolean(plateau.detected, "sizing.plateau.detected");
    for (const key of ["atSeconds", "workers", "throughput", "latencyGrowth"]) {
      check.number(plateau[key], `sizing.plateau.${key}`);
    }
    if (plateau.levelThroughput !== undefined)
      check.number(plateau.levelThroughput, "sizing.plateau.levelThroughput");
  }
  if (sizing.latencyObjective != null) {
    const objective = check.object(sizing.latencyObjective, "sizing.latencyObjective");
    check.string(objective.percentile, "sizing.latencyObjective.percentile");
    check.number(objective.thresholdMs, "sizing.latencyObjective.thresholdMs");
  }
  return {
    minSamples: 0,
    stoppedAtSeconds: 0,
    message: "",
    ...sizing,
    latencyObjective: (sizing.latencyObjective ?? null) as SizingVerdict["latencyObjective"],
    healthyWorkers: (sizing.healthyWorkers ?? null) as number | null,
    throughputAtHealthy: (sizing.throughputAtHealthy ?? null) as number | null,
    latencyAtHealthy: (sizing.latencyAtHealthy ?? null) as SizingVerdict["latencyAtHealthy"],
    plateau: (sizing.plateau ?? null) as SizingVerdict["plateau"],
  } as SizingVerdict;
}

/**
 * Parses and validates a results JSON text. Throws a {@link ResultsFormatError}
 * (code `ERR_LOADCORE_RESULTS_FORMAT`) naming `source` (a file name) and the offending field; refuses a
 * newer `formatVersion`. Required: `format`, `formatVersion`, `ok`, `failed`, `requests`,
 * `durationSeconds`, `latency`, `timeline`; the other fields are checked when present and get
 * neutral defaults when absent (a file written by hand or by another tool).
 */
export function readResults(text: string, source = "results"): LoadResults {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ResultsFormatError(`${source}: not valid JSON (${reason})`, { source, cause: error });
  }
  const check: Checker = new Checker(source);
  const root = check.object(parsed, "(root)");
  if (root.format !== RESULTS_FORMAT) check.fail("format", `"${RESULTS_FORMAT}"`, root.format);
  const rawVersion = root.formatVersion;
  if (typeof rawVersion !== "number" || !Number.isInteger(rawVersion) || rawVersion < 1) {
    check.fail("formatVersion", "a whole number >= 1", rawVersion);
  }
  const version: number = rawVersion;
  if (version > RESULTS_FORMAT_VERSION) {
    throw new ResultsFormatError(
      `${source}: formatVersion ${version} is newer than this loadcore reads (up to ${RESULTS_FORMAT_VERSION}); upgrade @sizer/loadcore`,
      { source, field: "formatVersion" },
    );
  }
  const ok = check.number(root.ok, "ok");
  const failed = check.number(root.failed, "failed");
  const requests = check.number(root.requests, "requests");
  const durationSeconds = check.number(root.durationSeconds, "durationSeconds");
  check.numbers(root.latency, "latency", SUMMARY_KEYS);
  const timeline = check.array(root.timeline, "timeline");
  timeline.forEach((entry, index) => {
    const field = `timeline[${index}]`;
    const point = check.object(entry, field);
    for (const key of POINT_KEYS) check.number(point[key], `${field}.${key}`);
    check.numbers(point.latency, `${field}.latency`, TIMELINE_LATENCY_KEYS);
    for (const key of ["generatorCpuPercent", "eventLoopDelayMs"]) {
      if (point[key] === undefined) point[key] = 0;
      else check.number(point[key], `${field}.${key}`);
    }
    if (point.generatorRssBytes !== undefined) {
      const rss = check.number(point.generatorRssBytes, `${field}.generatorRssBytes`);
      if (rss < 0) check.fail(`${field}.generatorRssBytes`, "a number of bytes >= 0", rss);
    }
  });
  const perSecond = (count: number) => (durationSeconds > 0 ? round(count / durationSeconds, 2) : 0);
  const throughput =
    root.throughput === undefined ? perSecond(requests) : check.number(root.throughput, "throughput");
  const scenariosPerSecond =
    root.scenariosPerSecond === undefined
      ? perSecond(ok + failed)
      : check.number(root.scenariosPerSecond, "scenariosPerSecond");
  const statusCodes = root.statusCodes === undefined ? {} : check.counts(root.statusCodes, "statusCodes");
  const errors = root.errors === undefined ? {} : check.counts(root.errors, "errors");
  for (const key of Object.keys(errors)) {
    if (!(ERROR_CLASSES as readonly string[]).includes(key))
      check.fail(`errors.${key}`, "a known error class", key);
  }
  const scenarios = (root.scenarios === undefined ? [] : check.array(root.scenarios, "scenarios")).map(
    (entry, index) => {
      const field = `scenarios[${index}]`;
      const scenario = check.object(entry, field);
      check.string(scenario.name, `${field}.name`);
      check.number(scenario.ok, `${field}.ok`);
      check.number(scenario.failed, `${field}.failed`);
      scenario.errors = scenario.errors === undefined ? {} : check.counts(scenario.errors, `${field}.errors`);
      if (scenario.latency === undefined) scenario.latency = emptySummary();
      else check.numbers(scenario.latency, `${field}.latency`, SUMMARY_KEYS);
      return scenario as unknown as ScenarioTotals;
    },
  );
  const byRequest = (root.byRequest === undefined ? [] : check.array(root.byRequest, "byRequest")).map(
    (entry, index) => {
      const field = `byRequest[${index}]`;
      const request = check.object(entry, field);
      check.string(request.name, `${field}.name`);
      for (const key of ["count", "ok", "failed"]) check.number(request[key], `${field}.${key}`);
      request.statusCodes =
        request.statusCodes === undefined ? {} : check.counts(request.statusCodes, `${field}.statusCodes`);
      request.errors = request.errors === undefined ? {} : check.counts(request.errors, `${field}.errors`);
      check.numbers(request.latency, `${field}.latency`, SUMMARY_KEYS);
      return request as unknown as RequestTotals;
    },
  );
  let selfCheck: SelfCheck;
  if (root.selfCheck === undefined) {
    selfCheck = {
      cpuPercentMax: 0,
      cpuPercentMean: 0,
      cores: 1,
      eventLoopDelayP99MaxMs: 0,
      saturated: false,
      message: "no self-check in this file",
    };
  } else {
    const object = check.object(root.selfCheck, "selfCheck");
    for (const key of ["cpuPercentMax", "cpuPercentMean", "cores", "eventLoopDelayP99MaxMs"]) {
      check.number(object[key], `selfCheck.${key}`);
    }
    check.boolean(object.saturated, "selfCheck.saturated");
    selfCheck = { message: "", ...object } as unknown as SelfCheck;
  }
  const tool =
    root.tool === undefined
      ? { name: "unknown", version: "unknown", node: "unknown" }
      : check.object(root.tool, "tool");
  const command =
    root.command === undefined
      ? []
      : check.array(root.command, "command").map((part, index) => check.string(part, `command[${index}]`));
  const host =
    root.host === undefined
      ? { hostname: "unknown", cpus: 0, memoryBytes: 0, platform: "unknown" }
      : check.object(root.host, "host");
  const startedAt =
    root.startedAt === undefined ? new Date(0).toISOString() : check.string(root.startedAt, "startedAt");
  const endedAt = root.endedAt === undefined ? startedAt : check.string(root.endedAt, "endedAt");
  const results: LoadResults = {
    format: RESULTS_FORMAT,
    formatVersion: version,
    tool: tool as LoadResults["tool"],
    command,
    host: host as unknown as ResultsHost,
    startedAt,
    endedAt,
    durationSeconds,
    interrupted: root.interrupted === undefined ? false : check.boolean(root.interrupted, "interrupted"),
    options: root.options === undefined ? {} : check.object(root.options, "options"),
    ...(root.workersStarted === undefined
      ? {}
      : { workersStarted: check.number(root.workersStarted, "workersStarted") }),
    ok,
    failed,
    requests,
    throughput,
    scenariosPerSecond,
    latency: root.latency as LatencySummary,
    statusCodes,
    errors,
    scenarios,
    byRequest,
    timeline: timeline as TimelinePoint[],
    selfCheck,
  };
  if (root.sizing != null) {
    const { selfCheck: judged, ...rest } = results;
    return { ...rest, sizing: checkSizing(check, root.sizing), selfCheck: judged };
  }
  return results;
}
