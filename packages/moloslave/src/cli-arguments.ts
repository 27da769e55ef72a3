import { parseArgs } from "node:util";
import { parseEnvironmentAssignments } from "./environment.js";
import { UsageError } from "./errors.js";
import { validateRef, validateRepo } from "./git-clone.js";
import type { RunFromRepoOptions } from "./run-from-repo.js";

/** The command line's help text. */
export const USAGE = `Usage:
  moloslave [options] REPO TEST   clone REPO, read its molotov.json, run the test TEST with loadcore
  moloslave init [DIR]            write molotov.json and loadtest.ts for a new project (never overwrites)

REPO is an https, ssh, git or file URL, or a local path. Running a repository runs its code.

Options:
  --ref REF                 branch, tag or commit to check out (default: the default branch)
  --config FILE             config file in the repository (default: molotov.json)
  --directory DIR           clone into DIR (new or empty) and keep it
  --keep                    keep the temporary clone after the run
  --skip-install            do not install the repository's dependencies
  --env NAME=VALUE          set a variable for the run, over the config's env (repeatable)
  --output FILE             write loadcore's results JSON to FILE
  --max-runs N              override the test's max_runs
  --duration SECONDS        override the test's duration
  -q, --quiet               print only errors
  --clone-timeout SECONDS   deadline of each git command (default 120)
  --install-timeout SECONDS deadline of the dependency install (default 600)
  --server-url URL          (init) the URL the new scenario targets (default http://127.0.0.1:8080)
  -h, --help                show this help
  -V, --version             show the version
`;

/** What the command line asks for. */
export type CliCommand =
  | { command: "help" }
  | { command: "version" }
  | { command: "init"; directory: string; serverUrl: string | undefined }
  | {
      command: "run";
      options: Omit<RunFromRepoOptions, "signal" | "stdout" | "stderr" | "onStep" | "runner">;
    };

function positiveSeconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || number <= 0) {
    throw new UsageError(`${flag} must be a number of seconds > 0, got ${JSON.stringify(value)}`);
  }
  return number;
}

function positiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < 1) {
    throw new UsageError(`${flag} must be an integer >= 1, got ${JSON.stringify(value)}`);
  }
  return number;
}

function nonEmpty(flag: string, value: string | undefined): string | undefined {
  if (value !== undefined && value.trim() === "") throw new UsageError(`${flag} needs a value`);
  return value;
}

/**
 * Parses moloslave's arguments (without `node` and the script) into a {@link CliCommand}.
 * Throws a {@link UsageError} naming the flag or argument at fault.
 */
export function parseCliArguments(argv: readonly string[]): CliCommand {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    // node's message spans lines and suggests `--ref=-XYZ`, which moloslave refuses for --ref anyway
    throw new UsageError(
      (error as Error).message
        .replace(/\s*To specify an option argument starting with a dash.*$/s, "")
        .replace(/\s*\n\s*/g, " "),
    );
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { command: "help" };
  if (values.version === true) return { command: "version" };

  if (positionals[0] === "init") {
    if (positionals.length > 2)
      throw new UsageError("moloslave init takes at most one folder: moloslave init [DIR]");
    return {
      command: "init",
      directory: positionals[1] ?? ".",
      serverUrl: nonEmpty("--server-url", values["server-url"]),
    };
  }
  if (values["server-url"] !== undefined) throw new UsageError("--server-url is an option of moloslave init");

  const [repo, test, ...extra] = positionals;
  if (repo === undefined || test === undefined) {
    throw new UsageError("moloslave needs a repository and a test name: moloslave [options] REPO TEST");
  }
  if (extra.length > 0)
    throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}: moloslave [options] REPO TEST`);
  validateRepo(repo);
  const ref = values.ref;
  if (ref !== undefined) validateRef(ref);
  if (values.directory !== undefined && values.keep === true) {
    throw new UsageError("--keep is for the temporary clone; a --directory is always kept");
  }

  const overrides: NonNullable<RunFromRepoOptions["overrides"]> = {};
  const output = nonEmpty("--output", values.output);
  if (output !== undefined) overrides.output = output;
  const maxRuns = positiveInteger("--max-runs", values["max-runs"]);
  if (maxRuns !== undefined) overrides.maxRuns = maxRuns;
  const duration = positiveSeconds("--duration", values.duration);
  if (duration !== undefined) overrides.duration = duration;
  if (values.quiet === true) overrides.quiet = true;

  const cloneTimeout = positiveSeconds("--clone-timeout", values["clone-timeout"]);
  const installTimeout = positiveSeconds("--install-timeout", values["install-timeout"]);
  const env = parseEnvironmentAssignments(values.env ?? []);

  return {
    command: "run",
    options: {
      repo,
      test,
      ...(ref === undefined ? {} : { ref }),
      ...(values.directory === undefined ? {} : { directory: nonEmpty("--directory", values.directory) }),
      ...(values.keep === true ? { keep: true } : {}),
      ...(values.config === undefined ? {} : { config: nonEmpty("--config", values.config) }),
      ...(values["skip-install"] === true ? { install: false } : {}),
      ...(Object.keys(env).length > 0 ? { env } : {}),
      ...(Object.keys(overrides).length > 0 ? { overrides } : {}),
      ...(cloneTimeout === undefined ? {} : { cloneTimeoutMs: cloneTimeout * 1000 }),
      ...(installTimeout === undefined ? {} : { installTimeoutMs: installTimeout * 1000 }),
    },
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      ref: { type: "string" },
      config: { type: "string" },
      directory: { type: "string" },
      keep: { type: "boolean" },
      "skip-install": { type: "boolean" },
      env: { type: "string", multiple: true },
      output: { type: "string" },
      "max-runs": { type: "string" },
      duration: { type: "string" },
      quiet: { type: "boolean", short: "q" },
      "clone-timeout": { type: "string" },
      "install-timeout": { type: "string" },
      "server-url": { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "V" },
    },
  });
}
