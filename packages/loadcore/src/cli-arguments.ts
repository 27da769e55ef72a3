import { parseArgs } from "node:util";
import { UsageError } from "./errors.js";
import type { RunOptions } from "./run-options.js";

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

const FLAGS = {
  workers: { type: "string", short: "w" },
  processes: { type: "string", short: "p" },
  duration: { type: "string", short: "d" },
  "ramp-up": { type: "string" },
  delay: { type: "string" },
  "max-runs": { type: "string", short: "r" },
  exception: { type: "boolean", short: "x" },
  fail: { type: "string", short: "f" },
  quiet: { type: "boolean", short: "q" },
  verbose: { type: "boolean", short: "v", multiple: true },
  "single-run": { type: "boolean" },
  "single-mode": { type: "string", short: "s" },
  config: { type: "string" },
  console: { type: "boolean", short: "c" },
  "console-update": { type: "string" },
  "force-shutdown": { type: "boolean" },
  insecure: { type: "boolean", short: "k" },
  "use-extension": { type: "string", multiple: true },
  version: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  timeout: { type: "string" },
  output: { type: "string", short: "o" },
  seed: { type: "string" },
  sizing: { type: "boolean" },
  "sizing-tolerance": { type: "string" },
  "sizing-window": { type: "string" },
  "sizing-min-samples": { type: "string" },
  "sizing-latency": { type: "string" },
} as const;

/** The `--help` text. */
export const HELP = `Usage: loadcore [options] [scenario]          (scenario: a .ts/.mts/.js/.mjs file, default loadtest.ts)
       loadcore --config molotov.json [test]   (test: a name of the config's tests section, default "test")

Molotov's flags:
  -w, --workers N          workers (concurrent users) per process (default 1; 500 with --sizing)
  -p, --processes N        processes (worker threads), each with its own event loop (default 1)
  -d, --duration S         seconds, counted from the start of the run (default 86400)
      --ramp-up S          start the workers linearly over S seconds (default 0; 300 with --sizing)
      --delay S            seconds each worker sleeps after each scenario run (default 0)
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
      --console-update S   refresh interval of the live status (default 0.2 s on a terminal, 5 s otherwise)
      --force-shutdown     at the end of --duration, cancel in-flight requests
      --use-extension FILE load FILE (fixtures, events) before the scenario; repeatable
      --sizing             find the capacity: ramp up until the error ratio passes the tolerance
      --sizing-tolerance P percent of failed scenario runs over the window that stops sizing (default 5)
      --version            print the version
New in loadcore:
      --sizing-window S    sizing sliding window, seconds (default 60)
      --sizing-min-samples N  scenario runs in the window before any sizing decision (default 100)
      --sizing-latency pXX=MS  a latency objective as a second sizing stop criterion, e.g. p95=500
      --timeout S          per-request timeout in seconds (default 30)
  -k, --insecure           accept any TLS certificate of an https target (to trust a private CA
                           instead: NODE_EXTRA_CA_CERTS=ca.pem loadcore ...)
  -o, --output FILE        write the results JSON (format loadcore-results v1)
      --seed N             seed of the scenario choice (reproducible runs)
  -h, --help               this help

Exit codes: 0 done (a reached sizing is a success), 1 failures crossed a threshold (--fail N reached, or
-x stopped the run at a failure), 2 bad usage, config or scenario file, 3 no scenario run succeeded (every
run failed), 70 internal error, 130 interrupted (SIGINT/SIGTERM).`;

function number(flag: string, text: string | undefined, kind: "integer" | "number"): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed === "" || !Number.isFinite(value) || (kind === "integer" && !Number.isInteger(value))) {
    throw new UsageError(`${flag} expects ${kind === "integer" ? "an integer" : "a number"}, got "${text}"`, {
      input: flag,
    });
  }
  return value;
}

const NEGATIVE_NUMBER = /^-(?:\d|\.\d)/;

/**
 * `-w -3` as `--workers=-3`: node:util's parseArgs takes a value starting with `-` for an option and
 * refuses it as ambiguous, where the user meant a (bad) number that deserves the usual message.
 */
function attachNegativeValues(argv: readonly string[]): string[] {
  const valueFlags = new Map<string, string>();
  for (const [name, flag] of Object.entries(FLAGS)) {
    if (flag.type !== "string") continue;
    valueFlags.set(`--${name}`, name);
    if ("short" in flag) valueFlags.set(`-${flag.short}`, name);
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

/** Parses loadcore's command line (without `node` and the script). Throws a `UsageError` for bad input. */
export function parseCliArguments(argv: readonly string[]): CliRequest {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof FLAGS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({
      args: attachNegativeValues(argv),
      options: FLAGS,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split("\n")[0]} (loadcore --help lists the flags)`, {
      cause: error,
    });
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    throw new UsageError(
      `expected one scenario file or test name, got ${positionals.length}: ${positionals.join(" ")}`,
    );
  }
  const options: Partial<RunOptions> = {};
  const set = <K extends keyof RunOptions>(key: K, value: RunOptions[K] | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  set("workers", number("--workers", values.workers, "integer"));
  set("processes", number("--processes", values.processes, "integer"));
  set("duration", number("--duration", values.duration, "number"));
  set("rampUp", number("--ramp-up", values["ramp-up"], "number"));
  set("delay", number("--delay", values.delay, "number"));
  set("maxRuns", number("--max-runs", values["max-runs"], "integer"));
  set("fail", number("--fail", values.fail, "integer"));
  set("consoleUpdate", number("--console-update", values["console-update"], "number"));
  set("timeout", number("--timeout", values.timeout, "number"));
  set("seed", number("--seed", values.seed, "integer"));
  set("sizingTolerance", number("--sizing-tolerance", values["sizing-tolerance"], "number"));
  set("sizingWindow", number("--sizing-window", values["sizing-window"], "integer"));
  set("sizingMinSamples", number("--sizing-min-samples", values["sizing-min-samples"], "integer"));
  set("sizingLatency", values["sizing-latency"]);
  set("singleMode", values["single-mode"]);
  set("output", values.output);
  set("useExtension", values["use-extension"]);
  if (values.exception === true) options.exception = true;
  if (values.quiet === true) options.quiet = true;
  if (values.verbose !== undefined && values.verbose.length > 0) options.verbose = values.verbose.length;
  if (values["single-run"] === true) options.singleRun = true;
  if (values["force-shutdown"] === true) options.forceShutdown = true;
  if (values.insecure === true) options.insecure = true;
  if (values.sizing === true) options.sizing = true;
  return {
    help: values.help === true,
    version: values.version === true,
    positional: positionals[0],
    config: values.config,
    options,
  };
}
