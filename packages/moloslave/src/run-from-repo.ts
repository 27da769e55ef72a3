import { access, readFile } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import type { Writable } from "node:stream";
import {
  ConfigError,
  type LoadResults,
  type MolotovConfig,
  type RunOptions,
  readMolotovConfig,
  runLoad,
  testToRunOptions,
  unsetScenarioVariables,
} from "@sizer/loadcore";
import { withEnvironment } from "./environment.js";
import { ConfigNotFoundError, TestNotFoundError, UsageError } from "./errors.js";
import { cloneRepository, redactRepo, validateRef, validateRepo } from "./git-clone.js";
import { type InstallPlan, installDependencies } from "./install-dependencies.js";
import type { CommandRunner } from "./run-command.js";
import { createWorkDirectory } from "./work-directory.js";

/** The config file read when `config` is not given, as Molotov's. */
export const DEFAULT_CONFIG_FILE = "molotov.json";

/** Run options a caller may set on top of the test's own (for example `output`, `quiet`, `maxRuns`). */
export type RunOverrides = Partial<
  Omit<RunOptions, "scenarioFile" | "signal" | "stdout" | "stderr" | "cwd" | "env">
>;

/** A step of {@link runFromRepo}, for progress messages. */
export type RepoRunStep =
  | { step: "cloning"; repo: string; ref: string | undefined; directory: string }
  | { step: "cloned"; directory: string; commit: string; shallow: boolean }
  | { step: "installing"; plan: InstallPlan }
  | { step: "installed"; plan: InstallPlan }
  /** `scenarioFile` is relative to the repository's root. */
  | {
      step: "running";
      test: string;
      scenarioFile: string;
      /** Variables the scenario reads without a fallback that the run's environment does not set (SERVER_URL, mostly). */
      unsetVariables: string[];
    }
  | { step: "released"; directory: string; kept: boolean };

/** Options of {@link runFromRepo}. */
export interface RunFromRepoOptions {
  /** An https, http, ssh, git or file URL, an scp-like `user@host:path`, or a local path. Never starts with `-`. */
  repo: string;
  /** The name of the test in the config's `tests` section. */
  test: string;
  /** A branch, a tag or a commit; the default branch when absent. */
  ref?: string;
  /** Clone into this new or empty folder and keep it; a temporary folder otherwise. */
  directory?: string;
  /** Keep the temporary clone after the run. */
  keep?: boolean;
  /** The config file, relative to the repository's root. Default: `molotov.json`. */
  config?: string;
  /** Install the repository's dependencies first (default true). */
  install?: boolean;
  /** Variables added to the run's environment, over the config's `env` (for example `SERVER_URL`). */
  env?: Readonly<Record<string, string>>;
  /** Run options over the test's own. */
  overrides?: RunOverrides;
  /** Deadline of each git command, milliseconds (default 120 000). */
  cloneTimeoutMs?: number;
  /** Deadline of the dependency install, milliseconds (default 600 000). */
  installTimeoutMs?: number;
  /** Aborting stops the clone, the install or the run; the temporary clone is still removed. */
  signal?: AbortSignal;
  /** Where the run's live status and summary go (default `process.stdout`). */
  stdout?: Writable;
  /** Where errors and the installer's output go (default `process.stderr`). */
  stderr?: Writable;
  /** Runs git and the installer (default: the real processes, without a shell). */
  runner?: CommandRunner;
  /** The git executable (default `git`). */
  git?: string;
  /** The caller's folder: a relative `output` (the test's or the overrides') and `live` are written there. Default: `process.cwd()`. */
  cwd?: string;
  /** Where temporary clones are made (default `os.tmpdir()`). */
  temporaryRoot?: string;
  /** The environment git and the installer start from (default `process.env`). */
  processEnv?: NodeJS.ProcessEnv;
  /** Called at each step: cloning, cloned, installing, installed, running, released. */
  onStep?: (step: RepoRunStep) => void;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function testNames(config: MolotovConfig): string[] {
  return Object.keys(config.tests).sort();
}

/** `/srv/repo at v2 (commit abc1234)`: the checkout as the user knows it, not the clone's folder. */
function describeCheckout(repo: string, ref: string | undefined, commit: string): string {
  return `${redactRepo(repo)}${ref === undefined ? "" : ` at ${ref}`} (commit ${commit.slice(0, 7)})`;
}

/** A path inside the clone as the repository knows it (`loadtest.ts`); a path outside stays absolute. */
function repositoryPath(clone: string, path: string): string {
  const inside = relative(clone, path);
  return inside === "" || inside.startsWith("..") || isAbsolute(inside) ? path : inside;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Rewrites the paths into a removed clone that an error's message names (`/tmp/moloslave-x/molotov.json`)
 * as `molotov.json in REPO at REF (commit abc1234)`: by the time the message is read, the folder is gone.
 */
function nameFilesByCheckout(error: unknown, clone: string, checkout: string): void {
  if (!(error instanceof Error) || !error.message.includes(clone)) return;
  const pattern = new RegExp(`${escapeRegExp(clone)}(?:${escapeRegExp(sep)}([^\\s:'",)]+))?`, "g");
  error.message = error.message.replace(pattern, (_match, file: string | undefined) =>
    file === undefined ? `the clone of ${checkout}` : `${file} in ${checkout}`,
  );
}

/**
 * The results file and a live record given by the caller: the caller's paths (relative to its `cwd`),
 * not paths in the clone, which is removed after the run.
 */
function callerPaths(
  options: RunFromRepoOptions,
  output: string | undefined,
): Pick<RunOptions, "output" | "live"> {
  const cwd = options.cwd ?? process.cwd();
  const live = options.overrides?.live;
  return {
    ...(output === undefined ? {} : { output: resolve(cwd, output) }),
    ...(live === undefined ? {} : { live: resolve(cwd, live) }),
  };
}

/**
 * Clones `repo` (at `ref`), reads its `molotov.json`, installs its dependencies and runs the test named
 * `test` through loadcore's {@link runLoad}, with the test's options and the config's `env` applied.
 * Resolves with loadcore's results. The temporary clone is removed afterwards, also on error and on
 * abort, unless `keep` or `directory` is given.
 *
 * Running a repository runs its code (the scenario, and the install scripts of its dependencies):
 * only run repositories you trust.
 */
export async function runFromRepo(options: RunFromRepoOptions): Promise<LoadResults> {
  validateRepo(options.repo);
  if (options.ref !== undefined) validateRef(options.ref);
  if (typeof options.test !== "string" || options.test.trim() === "") {
    throw new UsageError("test is empty: name one of the tests of the repository's molotov.json");
  }
  const configFile = options.config ?? DEFAULT_CONFIG_FILE;
  if (configFile.trim() === "")
    throw new UsageError("--config is empty: name the config file in the repository");

  const work = await createWorkDirectory({
    directory: options.directory,
    keep: options.keep,
    temporaryRoot: options.temporaryRoot,
  });
  const stderr = options.stderr ?? process.stderr;
  let checkout: string | undefined;
  try {
    options.onStep?.({
      step: "cloning",
      repo: redactRepo(options.repo),
      ref: options.ref,
      directory: work.path,
    });
    const clone = await cloneRepository({
      repo: options.repo,
      ref: options.ref,
      directory: work.path,
      timeoutMs: options.cloneTimeoutMs,
      signal: options.signal,
      runner: options.runner,
      git: options.git,
      env: options.processEnv,
    });
    options.onStep?.({ step: "cloned", directory: work.path, commit: clone.commit, shallow: clone.shallow });
    checkout = describeCheckout(options.repo, options.ref, clone.commit);

    const configPath = resolve(work.path, configFile);
    if (!(await exists(configPath))) {
      throw new ConfigNotFoundError(configPath, configFile, work.kept ? undefined : checkout);
    }
    const config = await readMolotovConfig(configPath);
    const shownConfig = isAbsolute(configFile) ? configFile : relative(work.path, configPath);
    if (!Object.hasOwn(config.tests, options.test)) {
      throw new TestNotFoundError(options.test, testNames(config), shownConfig);
    }
    // Paths in the config are relative to the repository's root, as when Molotov's moloslave ran there.
    const testOptions = testToRunOptions(config, options.test, work.path);
    if (testOptions.scenarioFile === undefined) {
      throw new ConfigError(
        `${shownConfig}: molotov.tests.${options.test}.scenario is missing: name the scenario file`,
        {
          source: configPath,
          key: `molotov.tests.${options.test}.scenario`,
        },
      );
    }
    // The clone may be removed after the run: the results file goes where the caller is, not into the clone.
    const output = options.overrides?.output ?? config.tests[options.test]?.output;

    if (options.install !== false) {
      const quiet = options.overrides?.quiet ?? testOptions.quiet ?? false;
      const plan = await installDependencies({
        directory: work.path,
        requirements: config.requirements,
        timeoutMs: options.installTimeoutMs,
        signal: options.signal,
        runner: options.runner,
        env: options.processEnv,
        onOutput: quiet ? undefined : (chunk) => stderr.write(chunk),
        onStart: (started) => options.onStep?.({ step: "installing", plan: started }),
      });
      if (plan !== undefined) options.onStep?.({ step: "installed", plan });
    }

    const env: Record<string, string> = {
      ...(config.env ?? {}),
      ...(testOptions.env ?? {}),
      ...(options.env ?? {}),
    };
    // Relative to the clone (its cwd), so the results name `loadtest.ts`, not a folder removed after the run.
    const scenarioFile = repositoryPath(work.path, testOptions.scenarioFile);
    const runOptions: RunOptions = {
      ...testOptions,
      ...options.overrides,
      scenarioFile,
      ...(testOptions.useExtension === undefined
        ? {}
        : { useExtension: testOptions.useExtension.map((file) => repositoryPath(work.path, file)) }),
      ...callerPaths(options, output),
      env,
      cwd: work.path,
      signal: options.signal,
      stdout: options.stdout,
      stderr,
      command: options.overrides?.command ?? [
        "moloslave",
        ...(options.ref === undefined ? [] : ["--ref", options.ref]),
        redactRepo(options.repo),
        options.test,
      ],
    };
    const unsetVariables = unsetScenarioVariables(
      await readFile(resolve(work.path, scenarioFile), "utf8").catch(() => ""),
      { ...process.env, ...env },
    );
    options.onStep?.({ step: "running", test: options.test, scenarioFile, unsetVariables });
    return await withEnvironment(env, () => runLoad(runOptions));
  } catch (error) {
    if (checkout !== undefined && !work.kept) nameFilesByCheckout(error, work.path, checkout);
    throw error;
  } finally {
    await work.release();
    options.onStep?.({ step: "released", directory: work.path, kept: work.kept });
  }
}
