import type { Writable } from "node:stream";
import { UsageError } from "./errors.js";
import { type LatencyObjective, parseLatencyObjective } from "./sizing.js";
import type { TimelinePoint } from "./stats.js";

/** What {@link RunOptions.onProgress} receives each second. */
export interface ProgressInfo {
  /** Seconds since the start of the run. */
  elapsedSeconds: number;
  /** The planned length of the run (`duration`), seconds. */
  plannedSeconds: number;
  /** Workers started so far, and in total. */
  startedWorkers: number;
  totalWorkers: number;
}

/**
 * Options of {@link runLoad}: Molotov's flags (camelCase) plus loadcore's own. Seconds everywhere.
 * `workers` is per process: the run's concurrency is `workers * processes`, as in Molotov.
 */
export interface RunOptions {
  /** The scenario file (.ts, .mts, .js, .mjs), relative to `cwd`. */
  scenarioFile: string;
  /** Workers per process (default 1; 500 with `sizing`). */
  workers?: number;
  /** Processes (worker threads), each with its own event loop (default 1). */
  processes?: number;
  /** Length of the run in seconds, counted from its start (default 86400). */
  duration?: number;
  /** Seconds over which the workers start, linearly (default 0; 300 with `sizing`). */
  rampUp?: number;
  /** Seconds each worker sleeps after each scenario run (default 0). */
  delay?: number;
  /** Scenario runs per worker, then it stops. */
  maxRuns?: number;
  /** Stop the whole run at the first failure. */
  exception?: boolean;
  /** The run fails (exit 1) when at least this many scenario runs failed. */
  fail?: number;
  /** Print nothing but errors (does not disable `fail`). */
  quiet?: boolean;
  /** 1: print every failure; 2: also stacks and every request. */
  verbose?: number;
  /** Each worker runs every scenario once, sorted by name, then stops. */
  singleRun?: boolean;
  /** Only run the scenario of this name. */
  singleMode?: string;
  /** Find the capacity: ramp up until the error ratio passes the tolerance. */
  sizing?: boolean;
  /** Sizing tolerance, percent of failed scenario runs over the window (default 5). */
  sizingTolerance?: number;
  /** Sizing sliding window, seconds (default 60). */
  sizingWindow?: number;
  /** Scenario runs needed in the window before any sizing decision (default 100). */
  sizingMinSamples?: number;
  /** A latency objective, second sizing stop criterion: `"p95=500"` (ms) or an object. */
  sizingLatency?: string | LatencyObjective;
  /** Per-request timeout, seconds (default 30). */
  timeout?: number;
  /**
   * Accept any TLS certificate of an https target (self-signed, expired, wrong host), as `curl -k`.
   * To trust a private CA instead, start Node with `NODE_EXTRA_CA_CERTS=ca.pem`.
   */
  insecure?: boolean;
  /** Seed of the scenario choice (random by default; reported in the results). */
  seed?: number;
  /** Refresh interval of the live status, seconds (default 0.2 on a TTY, 5 otherwise). */
  consoleUpdate?: number;
  /** At the end of `duration`, cancel in-flight requests instead of letting steps finish. */
  forceShutdown?: boolean;
  /** Modules (files) loaded before the scenario, e.g. shared fixtures or events. */
  useExtension?: readonly string[];
  /** Write the results JSON to this file (relative to `cwd`). */
  output?: string;
  /** Environment variables set for the run (the scenario reads them with `process.env`). */
  env?: Readonly<Record<string, string>>;
  /** Aborting stops the run cleanly: teardowns run and the results are marked interrupted. */
  signal?: AbortSignal;
  /** Where the live status and summary go (default process.stdout). */
  stdout?: Writable;
  /** Where errors go (default process.stderr). */
  stderr?: Writable;
  /** Base folder of relative paths (default process.cwd()). */
  cwd?: string;
  /** Called with each closed second. */
  onProgress?: (point: TimelinePoint, info: ProgressInfo) => void;
  /** The command line, recorded in the results (default `["loadcore", "<scenarioFile>"]`). */
  command?: readonly string[];
  /** Write the live status line as on a terminal (default: `stdout.isTTY`). */
  tty?: boolean;
  /** Print the end-of-run summary table (default true unless `quiet`). */
  summary?: boolean;
}

/** {@link RunOptions} after defaults and validation. */
export interface ResolvedRunOptions {
  scenarioFile: string;
  workers: number;
  processes: number;
  duration: number;
  rampUp: number;
  delay: number;
  maxRuns: number | undefined;
  exception: boolean;
  fail: number | undefined;
  quiet: boolean;
  verbose: number;
  singleRun: boolean;
  singleMode: string | undefined;
  sizing: boolean;
  sizingTolerance: number;
  sizingWindow: number;
  sizingMinSamples: number;
  sizingLatency: LatencyObjective | undefined;
  timeout: number;
  insecure: boolean;
  seed: number;
  consoleUpdate: number | undefined;
  forceShutdown: boolean;
  useExtension: string[];
  output: string | undefined;
  env: Record<string, string>;
  cwd: string;
}

/** The default values, as Molotov's (and `--sizing` changes workers and ramp-up when they were not given). */
export const RUN_DEFAULTS = {
  workers: 1,
  processes: 1,
  duration: 86_400,
  rampUp: 0,
  delay: 0,
  timeout: 30,
  sizingTolerance: 5,
  sizingWindow: 60,
  sizingMinSamples: 100,
  sizingWorkers: 500,
  sizingRampUp: 300,
} as const;

/** The command-line flag of each option, to name it in messages. */
export const OPTION_FLAGS: Record<string, string> = {
  scenarioFile: "scenario",
  workers: "--workers",
  processes: "--processes",
  duration: "--duration",
  rampUp: "--ramp-up",
  delay: "--delay",
  maxRuns: "--max-runs",
  fail: "--fail",
  verbose: "--verbose",
  singleMode: "--single-mode",
  sizingTolerance: "--sizing-tolerance",
  sizingWindow: "--sizing-window",
  sizingMinSamples: "--sizing-min-samples",
  sizingLatency: "--sizing-latency",
  timeout: "--timeout",
  seed: "--seed",
  consoleUpdate: "--console-update",
  useExtension: "--use-extension",
  output: "--output",
  env: "env",
};

function flag(name: string): string {
  return OPTION_FLAGS[name] ?? name;
}

function integer(name: string, value: unknown, minimum: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < minimum) {
    throw new UsageError(`${flag(name)} must be an integer >= ${minimum}, got ${JSON.stringify(value)}`, {
      input: flag(name),
    });
  }
  return value;
}

function seconds(name: string, value: unknown, options: { positive?: boolean } = {}): number {
  const valid =
    typeof value === "number" &&
    Number.isFinite(value) &&
    (options.positive === true ? value > 0 : value >= 0);
  if (!valid) {
    const expected = options.positive === true ? "a number of seconds > 0" : "a number of seconds >= 0";
    throw new UsageError(`${flag(name)} must be ${expected}, got ${JSON.stringify(value)}`, {
      input: flag(name),
    });
  }
  return value as number;
}

function parseObjective(value: string | LatencyObjective): LatencyObjective {
  if (typeof value !== "string") {
    const valid =
      ["p50", "p90", "p95", "p99"].includes(value.percentile) &&
      Number.isFinite(value.thresholdMs) &&
      value.thresholdMs > 0;
    if (!valid)
      throw new UsageError("--sizing-latency must be like p95=500 (ms)", { input: "--sizing-latency" });
    return value;
  }
  return parseLatencyObjective(value);
}

/** Applies the defaults and validates every option; throws a `UsageError` naming the flag at fault. */
export function resolveRunOptions(options: RunOptions): ResolvedRunOptions {
  if (typeof options.scenarioFile !== "string" || options.scenarioFile.trim() === "") {
    throw new UsageError("a scenario file is required (e.g. loadcore loadtest.ts)", { input: "scenario" });
  }
  const sizing = options.sizing === true;
  const workers = integer(
    "workers",
    options.workers ?? (sizing ? RUN_DEFAULTS.sizingWorkers : RUN_DEFAULTS.workers),
    1,
  );
  const processes = integer("processes", options.processes ?? RUN_DEFAULTS.processes, 1);
  const duration = seconds("duration", options.duration ?? RUN_DEFAULTS.duration, { positive: true });
  const rampUp = seconds(
    "rampUp",
    options.rampUp ?? (sizing ? RUN_DEFAULTS.sizingRampUp : RUN_DEFAULTS.rampUp),
  );
  const delay = seconds("delay", options.delay ?? RUN_DEFAULTS.delay);
  const maxRuns = options.maxRuns === undefined ? undefined : integer("maxRuns", options.maxRuns, 1);
  const fail = options.fail === undefined ? undefined : integer("fail", options.fail, 1);
  const verbose = integer("verbose", options.verbose ?? 0, 0);
  const quiet = options.quiet === true;
  if (quiet && verbose > 0) {
    throw new UsageError("--quiet and --verbose cannot be used together", { input: "--quiet" });
  }
  const singleRun = options.singleRun === true;
  const singleMode = options.singleMode;
  if (singleMode !== undefined && (typeof singleMode !== "string" || singleMode === "")) {
    throw new UsageError("--single-mode needs a scenario name", { input: "--single-mode" });
  }
  if (singleRun && singleMode !== undefined) {
    throw new UsageError("--single-run and --single-mode cannot be used together", {
      input: "--single-mode",
    });
  }
  const sizingTolerance = options.sizingTolerance ?? RUN_DEFAULTS.sizingTolerance;
  if (
    typeof sizingTolerance !== "number" ||
    !Number.isFinite(sizingTolerance) ||
    sizingTolerance < 0 ||
    sizingTolerance >= 100
  ) {
    throw new UsageError(
      `--sizing-tolerance must be a percentage in [0, 100), got ${JSON.stringify(sizingTolerance)}`,
      {
        input: "--sizing-tolerance",
      },
    );
  }
  const sizingWindow = integer("sizingWindow", options.sizingWindow ?? RUN_DEFAULTS.sizingWindow, 1);
  const sizingMinSamples = integer(
    "sizingMinSamples",
    options.sizingMinSamples ?? RUN_DEFAULTS.sizingMinSamples,
    1,
  );
  const sizingLatency =
    options.sizingLatency === undefined ? undefined : parseObjective(options.sizingLatency);
  const timeout = seconds("timeout", options.timeout ?? RUN_DEFAULTS.timeout, { positive: true });
  const seed =
    options.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : integer("seed", options.seed, 0);
  const consoleUpdate =
    options.consoleUpdate === undefined ? undefined : seconds("consoleUpdate", options.consoleUpdate);
  const useExtension = [...(options.useExtension ?? [])];
  for (const extension of useExtension) {
    if (typeof extension !== "string" || extension === "") {
      throw new UsageError("--use-extension needs a file path", { input: "--use-extension" });
    }
  }
  if (options.output !== undefined && (typeof options.output !== "string" || options.output === "")) {
    throw new UsageError("--output needs a file path", { input: "--output" });
  }
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (typeof value !== "string") {
      throw new UsageError(`env ${key} must be a string, got ${JSON.stringify(value)}`, { input: "env" });
    }
    env[key] = value;
  }
  return {
    scenarioFile: options.scenarioFile,
    workers,
    processes,
    duration,
    rampUp,
    delay,
    maxRuns,
    exception: options.exception === true,
    fail,
    quiet,
    verbose,
    singleRun,
    singleMode,
    sizing,
    sizingTolerance,
    sizingWindow,
    sizingMinSamples,
    sizingLatency,
    timeout,
    insecure: options.insecure === true,
    seed,
    consoleUpdate,
    forceShutdown: options.forceShutdown === true,
    useExtension,
    output: options.output,
    env,
    cwd: options.cwd ?? process.cwd(),
  };
}

/** The options as recorded in the results JSON (`options`) and shown to fixtures: plain data, no env values. */
export function describeRunOptions(options: ResolvedRunOptions): Record<string, unknown> {
  return {
    scenarioFile: options.scenarioFile,
    workers: options.workers,
    processes: options.processes,
    totalWorkers: options.workers * options.processes,
    duration: options.duration,
    rampUp: options.rampUp,
    delay: options.delay,
    maxRuns: options.maxRuns ?? null,
    exception: options.exception,
    fail: options.fail ?? null,
    singleRun: options.singleRun,
    singleMode: options.singleMode ?? null,
    sizing: options.sizing,
    sizingTolerance: options.sizingTolerance,
    sizingWindow: options.sizingWindow,
    sizingMinSamples: options.sizingMinSamples,
    sizingLatency: options.sizingLatency ?? null,
    timeout: options.timeout,
    insecure: options.insecure,
    seed: options.seed,
    forceShutdown: options.forceShutdown,
    useExtension: options.useExtension,
    env: Object.keys(options.env),
  };
}
