import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ConfigError } from "../errors.js";
import { checkRunOptions, RunOptionError, type RunOptions } from "./run-options.js";

/** One test of a `molotov.json` (`molotov.tests.<name>`): Molotov's option names (underscores). */
export interface MolotovTest {
  scenario?: string;
  workers?: number;
  processes?: number;
  duration?: number;
  ramp_up?: number;
  delay?: number;
  max_runs?: number;
  exception?: boolean;
  fail?: number;
  quiet?: boolean;
  verbose?: number | boolean;
  single_run?: boolean;
  single_mode?: string;
  sizing?: boolean;
  sizing_tolerance?: number;
  sizing_window?: number;
  sizing_min_samples?: number;
  sizing_latency?: string;
  rate?: number;
  ramp_rate?: string;
  max_workers?: number;
  pre_allocated_workers?: number;
  console?: boolean;
  console_update?: number;
  force_shutdown?: boolean;
  use_extension?: string[];
  timeout?: number;
  insecure?: boolean;
  seed?: number;
  output?: string;
}

/** A Molotov config file (`{"molotov": {...}}`), validated. */
export interface MolotovConfig {
  /** Environment variables of every test. */
  env: Record<string, string>;
  /** How to install the test's dependencies (a requirements file or a command), for moloslave. */
  requirements?: string;
  /** The tests, by name. */
  tests: Record<string, MolotovTest>;
}

type KeyKind = "boolean" | "integer" | "number" | "string" | "strings" | "verbose";

/** Every key a test may hold, with its type (Molotov's argparse dest names). */
const TEST_KEYS: Record<keyof MolotovTest, KeyKind> = {
  scenario: "string",
  workers: "integer",
  processes: "integer",
  duration: "number",
  ramp_up: "number",
  delay: "number",
  max_runs: "integer",
  exception: "boolean",
  fail: "integer",
  quiet: "boolean",
  verbose: "verbose",
  single_run: "boolean",
  single_mode: "string",
  sizing: "boolean",
  sizing_tolerance: "number",
  sizing_window: "integer",
  sizing_min_samples: "integer",
  sizing_latency: "string",
  rate: "number",
  ramp_rate: "string",
  max_workers: "integer",
  pre_allocated_workers: "integer",
  console: "boolean",
  console_update: "number",
  force_shutdown: "boolean",
  use_extension: "strings",
  timeout: "number",
  insecure: "boolean",
  seed: "integer",
  output: "string",
};

/** Molotov keys loadcore does not support, with the reason. */
const UNSUPPORTED_KEYS: Record<string, string> = {
  statsd: "statsd export is not supported; use --output for the results JSON",
  statsd_address: "statsd export is not supported",
  uvloop: "uvloop is a Python option",
  debug: "asyncio debug is a Python option",
};

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "string" ? `"${value}"` : `${typeof value} ${JSON.stringify(value)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkValue(kind: KeyKind, value: unknown): string | undefined {
  switch (kind) {
    case "boolean":
      return typeof value === "boolean" ? undefined : "a boolean";
    case "integer":
      return typeof value === "number" && Number.isInteger(value) ? undefined : "an integer";
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? undefined : "a number";
    case "string":
      return typeof value === "string" && value !== "" ? undefined : "a non-empty string";
    case "strings":
      return (Array.isArray(value) && value.every((item) => typeof item === "string" && item !== "")) ||
        (typeof value === "string" && value !== "")
        ? undefined
        : "a string or an array of strings";
    case "verbose":
      return typeof value === "boolean" ||
        (typeof value === "number" && Number.isInteger(value) && value >= 0)
        ? undefined
        : "a boolean or an integer >= 0";
  }
}

function parseTest(name: string, test: unknown, source: string): MolotovTest {
  const base = `molotov.tests.${name}`;
  if (!isPlainObject(test)) {
    throw new ConfigError(`${source}: ${base} must be an object of options, got ${describe(test)}`, {
      source,
      key: base,
    });
  }
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(test)) {
    const path = `${base}.${key}`;
    const unsupported = UNSUPPORTED_KEYS[key];
    if (unsupported !== undefined) {
      if (value === false) continue;
      throw new ConfigError(`${source}: ${path} is not supported by loadcore: ${unsupported}`, {
        source,
        key: path,
      });
    }
    const kind = TEST_KEYS[key as keyof MolotovTest];
    if (kind === undefined) {
      throw new ConfigError(
        `${source}: unknown option ${path}; known options: ${Object.keys(TEST_KEYS).join(", ")}`,
        { source, key: path },
      );
    }
    const expected = checkValue(kind, value);
    if (expected !== undefined) {
      throw new ConfigError(`${source}: ${path} must be ${expected}, got ${describe(value)}`, {
        source,
        key: path,
      });
    }
    result[key] = kind === "strings" && typeof value === "string" ? [value] : value;
  }
  return result as MolotovTest;
}

/**
 * Validates a parsed Molotov config (`{"molotov": {"env": {...}, "requirements": "...", "tests": {...}}}`).
 * Unknown keys and wrong types are errors naming the key. `source` names the file in messages.
 */
export function parseMolotovConfig(json: unknown, source: string): MolotovConfig {
  if (!isPlainObject(json)) throw new ConfigError(`${source}: expected a JSON object`, { source });
  for (const key of Object.keys(json)) {
    if (key !== "molotov") {
      throw new ConfigError(`${source}: unknown top-level key "${key}"; expected only "molotov"`, {
        source,
        key,
      });
    }
  }
  const molotov = json.molotov;
  if (!isPlainObject(molotov)) {
    throw new ConfigError(`${source}: "molotov" must be an object with a "tests" section`, {
      source,
      key: "molotov",
    });
  }
  const config: MolotovConfig = { env: {}, tests: {} };
  for (const [key, value] of Object.entries(molotov)) {
    const path = `molotov.${key}`;
    if (key === "env") {
      if (!isPlainObject(value)) {
        throw new ConfigError(`${source}: ${path} must be an object of strings, got ${describe(value)}`, {
          source,
          key: path,
        });
      }
      for (const [name, text] of Object.entries(value)) {
        if (typeof text !== "string") {
          throw new ConfigError(`${source}: ${path}.${name} must be a string, got ${describe(text)}`, {
            source,
            key: `${path}.${name}`,
          });
        }
        config.env[name] = text;
      }
    } else if (key === "requirements") {
      if (typeof value !== "string" || value === "") {
        throw new ConfigError(`${source}: ${path} must be a non-empty string, got ${describe(value)}`, {
          source,
          key: path,
        });
      }
      config.requirements = value;
    } else if (key === "tests") {
      if (!isPlainObject(value)) {
        throw new ConfigError(`${source}: ${path} must be an object of tests, got ${describe(value)}`, {
          source,
          key: path,
        });
      }
      for (const [name, test] of Object.entries(value)) config.tests[name] = parseTest(name, test, source);
    } else {
      throw new ConfigError(`${source}: unknown key ${path}; expected env, requirements, tests`, {
        source,
        key: path,
      });
    }
  }
  if (molotov.tests === undefined) {
    throw new ConfigError(`${source}: molotov.tests is missing`, { source, key: "molotov.tests" });
  }
  return config;
}

/** Reads and validates a Molotov config file. */
export async function readMolotovConfig(path: string): Promise<MolotovConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : String(error);
    throw new ConfigError(`cannot read config ${path}: ${reason}`, { source: path, cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path}: invalid JSON: ${(error as Error).message}`, {
      source: path,
      cause: error,
    });
  }
  return parseMolotovConfig(json, path);
}

/** Options of {@link testToRunOptions}. */
export interface TestToRunOptionsOptions {
  /**
   * The caller's environment (the `loadcore` command passes `process.env`): a variable set there keeps
   * its value, the config's `env` only gives defaults for the others. Without it, the config's whole
   * `env` is in the options.
   */
  environment?: Readonly<Record<string, string | undefined>>;
}

/**
 * The run options of one test of a config: Molotov names mapped to {@link RunOptions}, the scenario and
 * output paths resolved against `baseDir`, the config's `env` included (less the variables already set
 * in `options.environment`). A boolean `false` leaves the option off. An unknown test name is an error
 * listing the available ones.
 */
export function testToRunOptions(
  config: MolotovConfig,
  testName: string,
  baseDir: string,
  options: TestToRunOptionsOptions = {},
): Partial<RunOptions> {
  const test = config.tests[testName];
  if (test === undefined) {
    const available = Object.keys(config.tests);
    throw new ConfigError(
      `no test named "${testName}" in the config; available: ${available.length > 0 ? available.join(", ") : "none"}`,
      { source: "config", key: `molotov.tests.${testName}` },
    );
  }
  const runOptions: Partial<RunOptions> = { cwd: baseDir };
  const environment = options.environment ?? {};
  const env = Object.fromEntries(
    Object.entries(config.env).filter(([name]) => environment[name] === undefined),
  );
  if (Object.keys(env).length > 0) runOptions.env = env;
  if (test.scenario !== undefined) runOptions.scenarioFile = resolve(baseDir, test.scenario);
  if (test.workers !== undefined) runOptions.workers = test.workers;
  if (test.processes !== undefined) runOptions.processes = test.processes;
  if (test.duration !== undefined) runOptions.duration = test.duration;
  if (test.ramp_up !== undefined) runOptions.rampUp = test.ramp_up;
  if (test.delay !== undefined) runOptions.delay = test.delay;
  if (test.max_runs !== undefined) runOptions.maxRuns = test.max_runs;
  if (test.exception === true) runOptions.exception = true;
  if (test.fail !== undefined) runOptions.fail = test.fail;
  if (test.quiet === true) runOptions.quiet = true;
  if (test.verbose !== undefined && test.verbose !== false) {
    runOptions.verbose = test.verbose === true ? 1 : test.verbose;
  }
  if (test.single_run === true) runOptions.singleRun = true;
  if (test.single_mode !== undefined) runOptions.singleMode = test.single_mode;
  if (test.sizing === true) runOptions.sizing = true;
  if (test.sizing_tolerance !== undefined) runOptions.sizingTolerance = test.sizing_tolerance;
  if (test.sizing_window !== undefined) runOptions.sizingWindow = test.sizing_window;
  if (test.sizing_min_samples !== undefined) runOptions.sizingMinSamples = test.sizing_min_samples;
  if (test.sizing_latency !== undefined) runOptions.sizingLatency = test.sizing_latency;
  if (test.rate !== undefined) runOptions.rate = test.rate;
  if (test.ramp_rate !== undefined) runOptions.rampRate = test.ramp_rate;
  if (test.max_workers !== undefined) runOptions.maxWorkers = test.max_workers;
  if (test.pre_allocated_workers !== undefined) runOptions.preAllocatedWorkers = test.pre_allocated_workers;
  if (test.console_update !== undefined) runOptions.consoleUpdate = test.console_update;
  if (test.force_shutdown === true) runOptions.forceShutdown = true;
  if (test.use_extension !== undefined)
    runOptions.useExtension = test.use_extension.map((file) => resolve(baseDir, file));
  if (test.timeout !== undefined) runOptions.timeout = test.timeout;
  if (test.insecure === true) runOptions.insecure = true;
  if (test.seed !== undefined) runOptions.seed = test.seed;
  if (test.output !== undefined) runOptions.output = resolve(baseDir, test.output);
  try {
    checkRunOptions(runOptions);
  } catch (error) {
    if (!(error instanceof RunOptionError)) throw error;
    // Molotov's key of an option: sizingTolerance is sizing_tolerance.
    const key = (option: string) =>
      `molotov.tests.${testName}.${option.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}`;
    throw new ConfigError(error.describe(key), { source: "config", key: key(error.option), cause: error });
  }
  return runOptions;
}
