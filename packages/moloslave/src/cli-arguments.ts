import {
  type FlagSpec,
  type FlagValues,
  UsageError as LoadcoreUsageError,
  parseRunCommandLine,
} from "@sizer/loadcore";
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
  -r, --max-runs N          override the test's max_runs
  -d, --duration SECONDS    override the test's duration
  -q, --quiet               print only errors
  Every other loadcore run option overrides the test's too, under loadcore's flag (loadcore --help):
  -w, -p, --ramp-up, --delay, -x, -f, -v, --sizing, --sizing-tolerance, --timeout, -k, --seed, ...
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

function nonEmpty(flag: string, value: string | undefined): string | undefined {
  if (value !== undefined && value.trim() === "") throw new UsageError(`${flag} needs a value`);
  return value;
}

/**
 * Parses moloslave's arguments (without `node` and the script) into a {@link CliCommand}.
 * Throws a {@link UsageError} naming the flag or argument at fault.
 */
export function parseCliArguments(argv: readonly string[]): CliCommand {
  let parsed: ReturnType<typeof parseRunCommandLine>;
  try {
    parsed = parseRunCommandLine(argv, { flags: FLAGS, allowPositionals: true });
  } catch (error) {
    if (!(error instanceof LoadcoreUsageError)) throw error;
    throw new UsageError(error.message);
  }
  const { positionals } = parsed;
  const values = parsed.values as FlagValues<typeof FLAGS>;
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

  const overrides: NonNullable<RunFromRepoOptions["overrides"]> = parsed.options;

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

/** moloslave's own flags; loadcore's run options come from loadcore's table. */
const FLAGS = {
  ref: { type: "string" },
  config: { type: "string" },
  directory: { type: "string" },
  keep: { type: "boolean" },
  "skip-install": { type: "boolean" },
  env: { type: "string", multiple: true },
  "clone-timeout": { type: "string" },
  "install-timeout": { type: "string" },
  "server-url": { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const satisfies Record<string, FlagSpec>;
