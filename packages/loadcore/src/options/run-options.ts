import type { Writable } from "node:stream";
import { UsageError } from "../errors.js";
import { type LatencyObjective, parseLatencyObjective, type SizingOptions } from "../sizing/sizing.js";
import type { TimelinePoint } from "../stats/stats.js";

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
  /**
   * Find the capacity: ramp up until the error ratio passes the tolerance (or the latency objective).
   * With `rampRate`, the target rate is ramped, and a plateau of the achieved rate stops it too.
   */
  sizing?: boolean;
  /** Sizing tolerance, percent of failed scenario runs over the window (default 5). */
  sizingTolerance?: number;
  /** Sizing sliding window, seconds (default 60). */
  sizingWindow?: number;
  /** Scenario runs needed in the window before any sizing decision (default 100). */
  sizingMinSamples?: number;
  /** A latency objective, second sizing stop criterion: `"p95=500"` (ms) or an object. */
  sizingLatency?: string | LatencyObjective;
  /**
   * Who stops a sizing run: `"own"` (default: this run's sizing rule) or `"external"`: this run
   * ramps without a stop of its own and a coordinator that reads its `live` record (with other
   * loaders') decides, stopping it by creating the file `<live>.stop`. Needs `sizing` and `live`.
   */
  sizingDecision?: "own" | "external";
  /**
   * Append one line per closed second to this file (relative to `cwd`), NDJSON: the live record
   * (docs/formats.md), which `readLiveRecord` reads, for a coordinator following the run as it goes.
   */
  live?: string;
  /**
   * Arrival-rate (open) model: scenario runs started per second, whole run, held constant. Runs start on
   * schedule whether or not earlier ones finished, on a pool of workers that grows up to `maxWorkers`.
   */
  rate?: number;
  /** Arrival-rate model with a linear ramp: `"FROM:TO"` runs per second over `rampUp`, then TO held. */
  rampRate?: string | RampRate;
  /** Arrival-rate model: the most workers per process the pool may grow to (default 1000). */
  maxWorkers?: number;
  /**
   * Arrival-rate model: the workers per process made ready (setup fixtures run) before the schedule's
   * clock starts (default: the runs of {@link RUN_DEFAULTS.preAllocatedSeconds} at the start rate, at
   * least 10, at most `maxWorkers`). The pool grows from there on demand.
   */
  preAllocatedWorkers?: number;
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
  sizingDecision: "own" | "external";
  live: string | undefined;
  /** The arrival-rate ramp (`rate` is `{ from: rate, to: rate }`); undefined in the workers model. */
  arrivalRate: RampRate | undefined;
  maxWorkers: number;
  /** Per process; 0 in the workers model. */
  preAllocatedWorkers: number;
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
  /** Seconds between plain status lines when stdout is not a terminal. */
  consoleUpdate: 5,
  /** Seconds between redraws of the status line on a terminal. */
  consoleUpdateTty: 0.2,
  sizingTolerance: 5,
  sizingWindow: 60,
  sizingMinSamples: 100,
  sizingWorkers: 500,
  sizingRampUp: 300,
  maxWorkers: 1000,
  /**
   * Arrival-rate model: the pool's first workers (per process) are the runs of this many seconds at the
   * start rate, at least `preAllocatedMinimum` and at most `maxWorkers`: 10 at 500 runs/s, 60 at 20,000.
   * The runs of 20 ms (400 workers at 20,000 runs/s) held the rate against nginx only up to 25% of the
   * closed model's hello throughput: after each stall of the generator, every worker started at once on
   * its own new connection. The pool grows on demand from there, while the generator has time to spare.
   */
  preAllocatedSeconds: 0.003,
  preAllocatedMinimum: 10,
} as const;

/** How a run option is written on a command line: its value's kind, and its flag. */
export interface RunOptionFlag {
  /** The long flag, e.g. `--sizing-tolerance`. */
  flag: `--${string}`;
  /** The one-letter flag, without the dash (Molotov's, where it has one). */
  short?: string;
  /** `count`: a flag repeated to count (`-vv`); `strings`: repeatable, each value kept. */
  value: "integer" | "number" | "boolean" | "string" | "strings" | "count";
}

/**
 * The command-line flag of each run option: loadcore's own table, which the `loadcore` command,
 * moloslave and `sizer run` read to parse the options they pass on (Molotov's flags, plus loadcore's).
 */
export const RUN_OPTION_FLAGS = {
  workers: { flag: "--workers", short: "w", value: "integer" },
  processes: { flag: "--processes", short: "p", value: "integer" },
  duration: { flag: "--duration", short: "d", value: "number" },
  rampUp: { flag: "--ramp-up", value: "number" },
  delay: { flag: "--delay", value: "number" },
  maxRuns: { flag: "--max-runs", short: "r", value: "integer" },
  exception: { flag: "--exception", short: "x", value: "boolean" },
  fail: { flag: "--fail", short: "f", value: "integer" },
  quiet: { flag: "--quiet", short: "q", value: "boolean" },
  verbose: { flag: "--verbose", short: "v", value: "count" },
  singleRun: { flag: "--single-run", value: "boolean" },
  singleMode: { flag: "--single-mode", short: "s", value: "string" },
  sizing: { flag: "--sizing", value: "boolean" },
  sizingTolerance: { flag: "--sizing-tolerance", value: "number" },
  sizingWindow: { flag: "--sizing-window", value: "integer" },
  sizingMinSamples: { flag: "--sizing-min-samples", value: "integer" },
  sizingLatency: { flag: "--sizing-latency", value: "string" },
  sizingDecision: { flag: "--sizing-decision", value: "string" },
  live: { flag: "--live", value: "string" },
  rate: { flag: "--rate", value: "number" },
  rampRate: { flag: "--ramp-rate", value: "string" },
  maxWorkers: { flag: "--max-workers", value: "integer" },
  preAllocatedWorkers: { flag: "--pre-allocated-workers", value: "integer" },
  timeout: { flag: "--timeout", value: "number" },
  insecure: { flag: "--insecure", short: "k", value: "boolean" },
  seed: { flag: "--seed", value: "integer" },
  consoleUpdate: { flag: "--console-update", value: "number" },
  forceShutdown: { flag: "--force-shutdown", value: "boolean" },
  useExtension: { flag: "--use-extension", value: "strings" },
  output: { flag: "--output", short: "o", value: "string" },
} as const satisfies { [K in keyof RunOptions]?: RunOptionFlag };

/** A run option that has a command-line flag. */
export type RunOptionName = keyof typeof RUN_OPTION_FLAGS;

/**
 * A run option has a value out of its range, or two options cannot go together. The message names
 * the options (`sizingTolerance`); {@link RunOptionError.describe} names them another way (a CLI
 * passes its flags), so that the library validates and only the CLI knows flags.
 */
export class RunOptionError extends UsageError {
  /** The option at fault. */
  readonly option: string;
  /** What was expected, e.g. `a percentage in [0, 100)`; for a conflict, `conflictsWith` is set. */
  readonly expected: string;
  /** The value given. */
  readonly received: unknown;
  /** The option this one cannot be used with. */
  readonly conflictsWith: string | undefined;
  /** The options this one needs, one of which must be given with it. */
  readonly requires: readonly string[] | undefined;

  constructor(
    option: string,
    expected: string,
    received: unknown,
    conflictsWith?: string,
    requires?: readonly string[],
  ) {
    const describe = (name: string) => name;
    super(RunOptionError.text(describe, option, expected, received, conflictsWith, requires), {
      input: option,
    });
    this.option = option;
    this.expected = expected;
    this.received = received;
    this.conflictsWith = conflictsWith;
    this.requires = requires;
  }

  /** The message with each option written as `name(option)` gives (a flag, a config key). */
  describe(name: (option: string) => string): string {
    return RunOptionError.text(
      name,
      this.option,
      this.expected,
      this.received,
      this.conflictsWith,
      this.requires,
    );
  }

  private static text(
    name: (option: string) => string,
    option: string,
    expected: string,
    received: unknown,
    conflictsWith: string | undefined,
    requires: readonly string[] | undefined,
  ): string {
    if (conflictsWith !== undefined)
      return `${name(option)} and ${name(conflictsWith)} cannot be used together`;
    if (requires !== undefined) return `${name(option)} needs ${requires.map(name).join(" or ")}`;
    return `${name(option)} must be ${expected}, got ${JSON.stringify(received)}`;
  }
}

/** The flag of a run option (`sizingTolerance` gives `--sizing-tolerance`), or the name itself. */
export function runOptionFlag(option: string): string {
  return (RUN_OPTION_FLAGS as Record<string, RunOptionFlag>)[option]?.flag ?? option;
}

const isInteger = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value);
const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);
const nonEmptyString = (value: unknown): boolean => typeof value === "string" && value.trim() !== "";

/** The one range check of each run option: what it must be, and the test. */
const RULES: { [K in keyof RunOptions]?: [expected: string, valid: (value: unknown) => boolean] } = {
  scenarioFile: ["a scenario file path", nonEmptyString],
  workers: ["an integer >= 1", (value) => isInteger(value) && value >= 1],
  processes: ["an integer >= 1", (value) => isInteger(value) && value >= 1],
  duration: ["a number of seconds > 0", (value) => isNumber(value) && value > 0],
  rampUp: ["a number of seconds >= 0", (value) => isNumber(value) && value >= 0],
  delay: ["a number of seconds >= 0", (value) => isNumber(value) && value >= 0],
  maxRuns: ["an integer >= 1", (value) => isInteger(value) && value >= 1],
  fail: ["an integer >= 1", (value) => isInteger(value) && value >= 1],
  verbose: ["an integer >= 0", (value) => isInteger(value) && value >= 0],
  singleMode: ["a scenario name", nonEmptyString],
  // 100% could never be passed: a run with every scenario failing would count as healthy.
  sizingTolerance: ["a percentage in [0, 100)", (value) => isNumber(value) && value >= 0 && value < 100],
  sizingWindow: ["an integer number of seconds >= 1", (value) => isInteger(value) && value >= 1],
  sizingMinSamples: ["an integer >= 1", (value) => isInteger(value) && value >= 1],
  sizingLatency: [
    "PERCENTILE=MILLISECONDS with PERCENTILE one of p50, p90, p95, p99 and a threshold above 0 (e.g. p95=500)",
    (value) => validObjective(value),
  ],
  sizingDecision: ["own or external", (value) => value === "own" || value === "external"],
  live: ["a file path", nonEmptyString],
  rate: ["a number of scenario runs per second > 0", (value) => isNumber(value) && value > 0],
  rampRate: [
    "FROM:TO, two numbers of scenario runs per second > 0 (e.g. 10:200)",
    (value) => validRampRate(value),
  ],
  maxWorkers: ["an integer >= 1", (value) => isInteger(value) && value >= 1],
  preAllocatedWorkers: ["an integer >= 0", (value) => isInteger(value) && value >= 0],
  timeout: ["a number of seconds > 0", (value) => isNumber(value) && value > 0],
  seed: ["an integer >= 0", (value) => isInteger(value) && value >= 0],
  consoleUpdate: ["a number of seconds >= 0", (value) => isNumber(value) && value >= 0],
  useExtension: [
    "a list of file paths",
    (value) => Array.isArray(value) && value.every((item) => nonEmptyString(item)),
  ],
  output: ["a file path", nonEmptyString],
  env: [
    "an object of strings",
    (value) =>
      typeof value === "object" &&
      value !== null &&
      Object.values(value).every((item) => typeof item === "string"),
  ],
};

/** An arrival-rate ramp: scenario runs started per second, from `from` to `to` over the ramp-up. */
export interface RampRate {
  from: number;
  to: number;
}

/**
 * Reads `"FROM:TO"` (runs per second, each > 0), e.g. `"10:200"`.
 *
 * @throws {RunOptionError} naming `rampRate`.
 */
export function parseRampRate(text: string): RampRate {
  const match = /^\s*([0-9.eE+-]+)\s*:\s*([0-9.eE+-]+)\s*$/.exec(text);
  const from = Number(match?.[1]);
  const to = Number(match?.[2]);
  if (match === null || !isNumber(from) || !isNumber(to) || from <= 0 || to <= 0)
    throw new RunOptionError("rampRate", RULES.rampRate?.[0] ?? "FROM:TO", text);
  return { from, to };
}

function validRampRate(value: unknown): boolean {
  if (typeof value === "string") {
    try {
      parseRampRate(value);
      return true;
    } catch {
      return false;
    }
  }
  const ramp = value as RampRate | null;
  return (
    typeof ramp === "object" &&
    ramp !== null &&
    isNumber(ramp.from) &&
    ramp.from > 0 &&
    isNumber(ramp.to) &&
    ramp.to > 0
  );
}

/** Options of the workers (closed) model that mean nothing when runs arrive at a rate (sizing: at a constant one). */
const WORKER_MODEL_OPTIONS = ["workers", "delay", "maxRuns", "singleRun", "sizing"] as const;

function validObjective(value: unknown): boolean {
  if (typeof value === "string") {
    try {
      parseLatencyObjective(value);
      return true;
    } catch {
      return false;
    }
  }
  const objective = value as LatencyObjective | null;
  return (
    typeof objective === "object" &&
    objective !== null &&
    ["p50", "p90", "p95", "p99"].includes(objective.percentile) &&
    isNumber(objective.thresholdMs) &&
    objective.thresholdMs > 0
  );
}

/**
 * Checks the options given (an absent option is not checked: its default is valid), one by one and
 * together (`quiet` with `verbose`, `singleRun` with `singleMode`). The one validator of the run
 * options: {@link resolveRunOptions} calls it, and the commands call it while parsing their flags, so
 * that a bad value stops them before anything starts.
 *
 * @throws {RunOptionError} naming the option (`sizingTolerance`) and what it must be.
 */
export function checkRunOptions(options: Partial<RunOptions>): void {
  for (const [option, rule] of Object.entries(RULES)) {
    const value = (options as Record<string, unknown>)[option];
    if (value === undefined || rule === undefined) continue;
    if (!rule[1](value)) throw new RunOptionError(option, rule[0], value);
  }
  if (options.quiet === true && (options.verbose ?? 0) > 0)
    throw new RunOptionError("quiet", "", true, "verbose");
  if (options.singleRun === true && options.singleMode !== undefined)
    throw new RunOptionError("singleRun", "", true, "singleMode");
  if (options.sizingDecision === "external") {
    if (options.sizing !== true)
      throw new RunOptionError("sizingDecision", "", options.sizingDecision, undefined, ["sizing"]);
    if (options.live === undefined)
      throw new RunOptionError("sizingDecision", "", options.sizingDecision, undefined, ["live"]);
  }
  checkArrivalRateOptions(options);
}

function checkArrivalRateOptions(options: Partial<RunOptions>): void {
  if (options.rate !== undefined && options.rampRate !== undefined)
    throw new RunOptionError("rate", "", options.rate, "rampRate");
  const arrivalOption =
    options.rate !== undefined ? "rate" : options.rampRate !== undefined ? "rampRate" : undefined;
  if (arrivalOption === undefined) {
    for (const option of ["maxWorkers", "preAllocatedWorkers"] as const) {
      if (options[option] !== undefined)
        throw new RunOptionError(option, "", options[option], undefined, ["rate", "rampRate"]);
    }
    return;
  }
  const maxWorkers = options.maxWorkers ?? RUN_DEFAULTS.maxWorkers;
  if (options.preAllocatedWorkers !== undefined && options.preAllocatedWorkers > maxWorkers)
    throw new RunOptionError(
      "preAllocatedWorkers",
      `an integer from 0 to the pool's maximum (${maxWorkers})`,
      options.preAllocatedWorkers,
    );
  for (const option of WORKER_MODEL_OPTIONS) {
    const value = options[option];
    // sizing raises the load: a ramp rate can, a constant rate cannot
    if (option === "sizing" && arrivalOption === "rampRate") continue;
    if (value !== undefined && value !== false)
      throw new RunOptionError(arrivalOption, "", options[arrivalOption], option);
  }
  if (arrivalOption === "rate" && options.rampUp !== undefined)
    throw new RunOptionError("rate", "", options.rate, "rampUp");
  if (arrivalOption === "rampRate" && options.rampUp === undefined)
    throw new RunOptionError("rampRate", "", options.rampRate, undefined, ["rampUp"]);
  if (arrivalOption === "rampRate" && options.rampUp !== undefined && options.rampUp <= 0)
    throw new RunOptionError(
      "rampUp",
      "a number of seconds > 0 with a ramp rate (its length)",
      options.rampUp,
    );
}

/**
 * Applies the defaults ({@link RUN_DEFAULTS}) and validates every option ({@link checkRunOptions}).
 *
 * @throws {RunOptionError} naming the option at fault; a `UsageError` without a scenario file.
 */
export function resolveRunOptions(options: RunOptions): ResolvedRunOptions {
  if (typeof options.scenarioFile !== "string" || options.scenarioFile.trim() === "") {
    throw new UsageError("a scenario file is required (e.g. loadcore loadtest.ts)", {
      input: "scenarioFile",
    });
  }
  checkRunOptions(options);
  const sizing = options.sizing === true;
  const sizingLatency =
    options.sizingLatency === undefined
      ? undefined
      : typeof options.sizingLatency === "string"
        ? parseLatencyObjective(options.sizingLatency)
        : options.sizingLatency;
  return {
    scenarioFile: options.scenarioFile,
    workers: options.workers ?? (sizing ? RUN_DEFAULTS.sizingWorkers : RUN_DEFAULTS.workers),
    processes: options.processes ?? RUN_DEFAULTS.processes,
    duration: options.duration ?? RUN_DEFAULTS.duration,
    rampUp: options.rampUp ?? (sizing ? RUN_DEFAULTS.sizingRampUp : RUN_DEFAULTS.rampUp),
    delay: options.delay ?? RUN_DEFAULTS.delay,
    maxRuns: options.maxRuns,
    exception: options.exception === true,
    fail: options.fail,
    quiet: options.quiet === true,
    verbose: options.verbose ?? 0,
    singleRun: options.singleRun === true,
    singleMode: options.singleMode,
    sizing,
    sizingTolerance: options.sizingTolerance ?? RUN_DEFAULTS.sizingTolerance,
    sizingWindow: options.sizingWindow ?? RUN_DEFAULTS.sizingWindow,
    sizingMinSamples: options.sizingMinSamples ?? RUN_DEFAULTS.sizingMinSamples,
    sizingLatency,
    sizingDecision: options.sizingDecision ?? "own",
    live: options.live,
    arrivalRate: arrivalRate(options),
    maxWorkers: options.maxWorkers ?? RUN_DEFAULTS.maxWorkers,
    preAllocatedWorkers: preAllocatedWorkers(options),
    timeout: options.timeout ?? RUN_DEFAULTS.timeout,
    insecure: options.insecure === true,
    seed: options.seed ?? Math.floor(Math.random() * 2 ** 31),
    consoleUpdate: options.consoleUpdate,
    forceShutdown: options.forceShutdown === true,
    useExtension: [...(options.useExtension ?? [])],
    output: options.output,
    env: { ...(options.env ?? {}) },
    cwd: options.cwd ?? process.cwd(),
  };
}

function arrivalRate(options: RunOptions): RampRate | undefined {
  if (options.rate !== undefined) return { from: options.rate, to: options.rate };
  if (options.rampRate === undefined) return undefined;
  return typeof options.rampRate === "string" ? parseRampRate(options.rampRate) : { ...options.rampRate };
}

/** The arrival-rate pool's first workers per process: given, or sized from the start rate; 0 in the workers model. */
function preAllocatedWorkers(options: RunOptions): number {
  const rate = arrivalRate(options);
  if (rate === undefined) return 0;
  if (options.preAllocatedWorkers !== undefined) return options.preAllocatedWorkers;
  const perProcess = rate.from / (options.processes ?? RUN_DEFAULTS.processes);
  const maxWorkers = options.maxWorkers ?? RUN_DEFAULTS.maxWorkers;
  return Math.min(
    maxWorkers,
    Math.max(RUN_DEFAULTS.preAllocatedMinimum, Math.ceil(perProcess * RUN_DEFAULTS.preAllocatedSeconds)),
  );
}

/**
 * The settings of the sizing rule ({@link SizingController}) of a run's options, defaults applied:
 * one reading for a run's own sizing and for a coordinator that sizes several loaders together.
 *
 * @throws {RunOptionError} an option out of its range.
 */
export function sizingOptionsOf(options: Partial<RunOptions>): SizingOptions {
  checkRunOptions(options);
  const latency = options.sizingLatency;
  const objective = typeof latency === "string" ? parseLatencyObjective(latency) : latency;
  return {
    tolerance: options.sizingTolerance ?? RUN_DEFAULTS.sizingTolerance,
    windowSeconds: options.sizingWindow ?? RUN_DEFAULTS.sizingWindow,
    minSamples: options.sizingMinSamples ?? RUN_DEFAULTS.sizingMinSamples,
    ...(objective === undefined ? {} : { latencyObjective: objective }),
    load: options.rate !== undefined || options.rampRate !== undefined ? "rate" : "workers",
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
    ...(options.sizingDecision === "external" ? { sizingDecision: "external" } : {}),
    ...(options.arrivalRate === undefined
      ? {}
      : {
          arrivalRate: options.arrivalRate,
          maxWorkers: options.maxWorkers,
          preAllocatedWorkers: options.preAllocatedWorkers,
        }),
    timeout: options.timeout,
    insecure: options.insecure,
    seed: options.seed,
    forceShutdown: options.forceShutdown,
    useExtension: options.useExtension,
    env: Object.keys(options.env),
  };
}

const ENV_READ =
  /process\.env(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*["'`]([A-Za-z_][A-Za-z0-9_]*)["'`]\s*\])(\s*(?:\?\?|\|\|))?/g;

/**
 * The environment variables a scenario's source reads (`process.env.SERVER_URL`) without a fallback
 * (`?? "http://…"`) that `environment` does not set: the run would send its requests to
 * `undefined/path` and fail each with an "Invalid URL" that names nothing. Commands warn before the run.
 */
export function unsetScenarioVariables(
  scenarioSource: string,
  environment: Readonly<Record<string, string | undefined>>,
): string[] {
  const names = new Set<string>();
  for (const match of scenarioSource.matchAll(ENV_READ)) {
    const name = (match[1] ?? match[2]) as string;
    if (match[3] === undefined && environment[name] === undefined) names.add(name);
  }
  return [...names];
}
