import { parseArgs } from "node:util";
import { UsageError } from "../errors.js";
import {
  checkRunOptions,
  RUN_DEFAULTS,
  RUN_OPTION_FLAGS,
  RunOptionError,
  type RunOptionFlag,
  type RunOptionName,
  type RunOptions,
  runOptionFlag,
} from "../options/run-options.js";

/** What the command line asks for. */
export interface CliRequest {
  help: boolean;
  version: boolean;
  /** The positional argument: a scenario file, or a test name with `--config`. */
  positional: string | undefined;
  config: string | undefined;
  /** Options given explicitly on the command line (they override the config's test). */
  options: Partial<RunOptions>;
}

/** The parseArgs description of a flag. */
export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
}

const ALL_RUN_OPTIONS = Object.keys(RUN_OPTION_FLAGS) as RunOptionName[];

/**
 * The parseArgs options of run options (all by default), from loadcore's table: the flags that
 * `loadcore`, moloslave and `sizer run` share, keyed by long name without the dashes.
 */
export function runOptionArgs(names: readonly RunOptionName[] = ALL_RUN_OPTIONS): Record<string, FlagSpec> {
  const specs: Record<string, FlagSpec> = {};
  for (const name of names) {
    const entry: RunOptionFlag = RUN_OPTION_FLAGS[name];
    const spec: FlagSpec = {
      type: entry.value === "boolean" || entry.value === "count" ? "boolean" : "string",
    };
    if (entry.short !== undefined) spec.short = entry.short;
    if (entry.value === "count" || entry.value === "strings") spec.multiple = true;
    specs[entry.flag.slice(2)] = spec;
  }
  return specs;
}

/** Numbers as numbers; other text is kept, for the validator to name it in its message. */
function numberOrText(text: string): number | string {
  const trimmed = text.trim();
  const value = Number(trimmed);
  return trimmed !== "" && Number.isFinite(value) ? value : text;
}

/**
 * The run options in parsed flag values (parseArgs' `values`, keyed by long flag name), validated by
 * loadcore's {@link checkRunOptions}: a bad value is a `UsageError` naming the flag (`--sizing-tolerance
 * must be a percentage in [0, 100), got 100`), raised while parsing, before anything starts. `implied`:
 * options the command sets itself, checked with them (and not returned).
 */
export function runOptionsFromArgs(
  values: Readonly<Record<string, unknown>>,
  names: readonly RunOptionName[] = ALL_RUN_OPTIONS,
  implied: Partial<RunOptions> = {},
): Partial<RunOptions> {
  const options: Record<string, unknown> = {};
  for (const name of names) {
    const entry: RunOptionFlag = RUN_OPTION_FLAGS[name];
    const value = values[entry.flag.slice(2)];
    if (value === undefined) continue;
    if (entry.value === "boolean") {
      if (value === true) options[name] = true;
    } else if (entry.value === "count") {
      if (Array.isArray(value) && value.length > 0) options[name] = value.length;
    } else if (entry.value === "integer" || entry.value === "number") {
      options[name] = numberOrText(value as string);
    } else {
      options[name] = value;
    }
  }
  try {
    checkRunOptions({ ...implied, ...options } as Partial<RunOptions>);
  } catch (error) {
    if (!(error instanceof RunOptionError)) throw error;
    throw new UsageError(error.describe(runOptionFlag), { input: runOptionFlag(error.option), cause: error });
  }
  return options as Partial<RunOptions>;
}

/**
 * Refuses a flag that takes one value given twice (`--sizing-latency p95=500 --sizing-latency
 * p99=900`): parseArgs would keep the last one and drop the first without a word.
 */
export function refuseRepeatedFlags(
  tokens: readonly { kind: string; name?: string; rawName?: string }[],
  specs: Readonly<Record<string, FlagSpec>>,
): void {
  const seen = new Map<string, string>();
  for (const token of tokens) {
    if (token.kind !== "option" || token.name === undefined) continue;
    const spec = specs[token.name];
    if (spec === undefined || spec.multiple === true) continue;
    const earlier = seen.get(token.name);
    if (earlier !== undefined) {
      throw new UsageError(
        `--${token.name} is given twice (${earlier} and ${token.rawName ?? `--${token.name}`}): it takes one value; give it once`,
        { input: `--${token.name}` },
      );
    }
    seen.set(token.name, token.rawName ?? `--${token.name}`);
  }
}

const FLAGS = {
  ...runOptionArgs(),
  config: { type: "string" },
  console: { type: "boolean", short: "c" },
  version: { type: "boolean", short: "V" },
  help: { type: "boolean", short: "h" },
} as const satisfies Record<string, FlagSpec>;

const DEFAULTS = RUN_DEFAULTS;

/** The `--help` text: the defaults are {@link RUN_DEFAULTS}, the ones the options get. */
export const HELP = `Usage: loadcore [options] [scenario]          (scenario: a .ts/.mts/.js/.mjs file, default loadtest.ts)
       loadcore --config molotov.json [test]   (test: a name of the config's tests section, default "test")
       loadcore merge FILE... [-o merged.json] (merge loaders' results exactly; loadcore merge --help)

Molotov's flags:
  -w, --workers N          workers (concurrent users) per process (default ${DEFAULTS.workers}; ${DEFAULTS.sizingWorkers} with --sizing)
  -p, --processes N        processes (worker threads), each with its own event loop (default ${DEFAULTS.processes})
  -d, --duration S         seconds, counted from the start of the run (default ${DEFAULTS.duration})
      --ramp-up S          start the workers linearly over S seconds (default ${DEFAULTS.rampUp}; ${DEFAULTS.sizingRampUp} with --sizing)
      --delay S            seconds each worker sleeps after each scenario run (default ${DEFAULTS.delay})
  -r, --max-runs N         scenario runs per worker
  -x, --exception          stop the whole run at the first failure, and exit 1
  -f, --fail N             exit 1 when at least N scenario runs failed (also with --quiet)
  -q, --quiet              print nothing but errors
  -v, --verbose            print every failure; -vv also stacks and every request
      --single-run         each worker runs every scenario once, then stops
  -s, --single-mode NAME   run only the scenario NAME
      --config FILE        a Molotov config (molotov.json); command-line flags override the test's,
                           variables set in the environment override the config's env
  -c, --console            accepted for compatibility (the output adapts to the terminal)
      --console-update S   refresh interval of the live status (default ${DEFAULTS.consoleUpdateTty} s on a terminal, ${DEFAULTS.consoleUpdate} s
                           otherwise)
      --force-shutdown     at the end of --duration, cancel in-flight requests
      --use-extension FILE load FILE (fixtures, events) before the scenario; repeatable
      --sizing             find the capacity: ramp up until the error ratio passes the tolerance
                           (with --ramp-rate FROM:TO: ramp the rate, stop also when the achieved rate
                           no longer follows it; the capacity in scenario runs/s)
      --sizing-tolerance P percent of failed scenario runs over the window that stops sizing (default ${DEFAULTS.sizingTolerance})
  -V, --version            print the version
New in loadcore:
      --sizing-window S    sizing sliding window, seconds (default ${DEFAULTS.sizingWindow})
      --sizing-min-samples N  scenario runs in the window before any sizing decision (default ${DEFAULTS.sizingMinSamples})
      --sizing-latency pXX=MS  a latency objective as a second sizing stop criterion, e.g. p95=500
      --live FILE          append one NDJSON line per closed second to FILE (format loadcore-live v1)
      --sizing-decision external  no sizing stop of its own: a coordinator reading --live (with other
                           loaders') decides, and stops the run by creating FILE.stop
      --rate R             arrival-rate model: start R scenario runs per second, whole run, on schedule
                           whether or not earlier runs finished (latency from each run's planned start)
      --ramp-rate FROM:TO  arrival-rate model: from FROM to TO runs per second over --ramp-up, then TO
      --max-workers N      arrival-rate model: the pool grows up to N workers per process (default ${DEFAULTS.maxWorkers});
                           runs that find it busy start late, or are counted dropped
      --pre-allocated-workers N  arrival-rate model: workers per process made ready (setup run) before
                           the clock starts (default: the runs of ${DEFAULTS.preAllocatedSeconds * 1000} ms at the start rate, at least
                           ${DEFAULTS.preAllocatedMinimum})
      --timeout S          per-request timeout in seconds (default ${DEFAULTS.timeout})
  -k, --insecure           accept any TLS certificate of an https target (to trust a private CA
                           instead: NODE_EXTRA_CA_CERTS=ca.pem loadcore ...)
  -o, --output FILE        write the results JSON (format loadcore-results v1)
      --seed N             seed of the scenario choice (reproducible runs)
  -h, --help               this help

Exit codes (one table for every sizer command, docs/exit-codes.md): 0 done (a reached sizing is a
success), 1 failures crossed a threshold (--fail N reached, or -x stopped the run at a failure), 2 bad
usage (a flag or value; the message names it), 3 no scenario run succeeded (every run failed), 5 the
scenario or the config cannot be used (missing, syntax error, no scenario, unknown --single-mode, a
failing scenarioPicker or globalSetup, a bad molotov.json), 6 (merge) a file that is not a results file
or has no histograms, 70 internal error, 130 interrupted.`;

const NEGATIVE_NUMBER = /^-(?:\d|\.\d)/;

/**
 * `-w -3` as `--workers=-3`: node:util's parseArgs takes a value starting with `-` for an option and
 * refuses it as ambiguous, where the user meant a (bad) number that deserves the usual message.
 */
function attachNegativeValues(argv: readonly string[], specs: Readonly<Record<string, FlagSpec>>): string[] {
  const valueFlags = new Map<string, string>();
  for (const [name, flag] of Object.entries(specs)) {
    if (flag.type !== "string") continue;
    valueFlags.set(`--${name}`, name);
    if (flag.short !== undefined) valueFlags.set(`-${flag.short}`, name);
  }
  const result: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] as string;
    if (argument === "--") {
      result.push(...argv.slice(index));
      break;
    }
    const name = valueFlags.get(argument);
    const next = argv[index + 1];
    if (name !== undefined && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      result.push(`--${name}=${next}`);
      index += 1;
    } else {
      result.push(argument);
    }
  }
  return result;
}

/** The parsed values of a set of flags, typed from their specs: `values` of {@link parseRunCommandLine}, narrowed by a command to its own flags. */
export type FlagValues<T extends Readonly<Record<string, FlagSpec>>> = {
  -readonly [K in keyof T]?: T[K] extends { type: "boolean" }
    ? T[K] extends { multiple: true }
      ? boolean[]
      : boolean
    : T[K] extends { multiple: true }
      ? string[]
      : string;
};

/** What {@link parseRunCommandLine} gives. */
export interface ParsedRunCommandLine {
  /** parseArgs' values of every flag, the command's own included. */
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  /** The run options given, validated. */
  options: Partial<RunOptions>;
}

/**
 * Parses a command line of a command that passes run options on (`loadcore`, moloslave, `sizer run`):
 * its own `flags` plus loadcore's flags of the `runOptions` named (all by default), through loadcore's
 * table, so a flag means the same in every command. A negative number is taken as a (bad) value
 * (`-w -3`), a single-valued flag given twice is refused, and the run options are validated by
 * {@link checkRunOptions} while parsing.
 *
 * @throws {UsageError} naming the flag at fault (`input`).
 */
export function parseRunCommandLine(
  argv: readonly string[],
  command: {
    flags: Readonly<Record<string, FlagSpec>>;
    runOptions?: readonly RunOptionName[];
    allowPositionals?: boolean;
    /** Appended to the message of an unknown flag or a missing value, e.g. `(loadcore --help lists the flags)`. */
    hint?: string;
    /** Run options the command always sets (`sizer run`: `sizing`), checked with the flags given. */
    implied?: Partial<RunOptions>;
  },
): ParsedRunCommandLine {
  const names = command.runOptions ?? ALL_RUN_OPTIONS;
  const specs = { ...runOptionArgs(names), ...command.flags };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: attachNegativeValues(argv, specs),
      options: specs,
      allowPositionals: command.allowPositionals === true,
      strict: true,
      tokens: true,
    });
  } catch (error) {
    const message = (error as Error).message.split("\n")[0] as string;
    const flag = /'(-[^'\s]+)/.exec(message)?.[1];
    throw new UsageError(command.hint === undefined ? message : `${message} ${command.hint}`, {
      ...(flag === undefined ? {} : { input: flag }),
      cause: error,
    });
  }
  refuseRepeatedFlags(parsed.tokens ?? [], specs);
  return {
    values: parsed.values,
    positionals: parsed.positionals,
    options: runOptionsFromArgs(parsed.values, names, command.implied),
  };
}

/** Parses loadcore's command line (without `node` and the script). Throws a `UsageError` for bad input. */
export function parseCliArguments(argv: readonly string[]): CliRequest {
  const { values, positionals, options } = parseRunCommandLine(argv, {
    flags: FLAGS,
    allowPositionals: true,
    hint: "(loadcore --help lists the flags)",
  });
  if (positionals.length > 1) {
    throw new UsageError(
      `expected one scenario file or test name, got ${positionals.length}: ${positionals.join(" ")}`,
    );
  }
  return {
    help: values.help === true,
    version: values.version === true,
    positional: positionals[0],
    config: values.config as string | undefined,
    options,
  };
}
