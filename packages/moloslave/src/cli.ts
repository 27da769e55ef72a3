#!/usr/bin/env node
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { noSuccessMessage, runOutcome } from "@sizer/loadcore";
import { type CliCommand, parseCliArguments, USAGE } from "./cli-arguments.js";
import { type RepoRunStep, runFromRepo } from "./run-from-repo.js";
import { initProject } from "./scaffold.js";

// A closed pipe (`| head`) ends the printing, not the work: results and reports are still written.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});

/** Exit codes by error code; anything not listed is 1. */
const EXIT_CODES: Record<string, number> = {
  ERR_MOLOSLAVE_USAGE: 2,
  ERR_MOLOSLAVE_UNSAFE_ARGUMENT: 2,
  ERR_MOLOSLAVE_DIRECTORY_NOT_EMPTY: 2,
  ERR_LOADCORE_USAGE: 2,
  ERR_MOLOSLAVE_CONFIG_NOT_FOUND: 3,
  ERR_MOLOSLAVE_TEST_NOT_FOUND: 3,
  ERR_LOADCORE_CONFIG: 3,
  ERR_MOLOSLAVE_GIT_NOT_FOUND: 4,
  ERR_MOLOSLAVE_GIT_FAILED: 4,
  ERR_MOLOSLAVE_GIT_TIMEOUT: 4,
  ERR_MOLOSLAVE_REF_NOT_FOUND: 4,

  ERR_MOLOSLAVE_INSTALLER_NOT_FOUND: 5,
  ERR_MOLOSLAVE_INSTALL_FAILED: 5,
  ERR_MOLOSLAVE_INSTALL_TIMEOUT: 5,
  ERR_MOLOSLAVE_FILE_EXISTS: 1,
  ERR_MOLOSLAVE_ABORTED: 130,
};
/** Every scenario run failed: the run measured nothing (as loadcore's CLI). */
const EXIT_NO_SUCCESS = 3;
const EXIT_INTERRUPTED = 130;
const EXIT_INTERNAL = 70;

function say(line: string): void {
  process.stderr.write(`moloslave: ${line}\n`);
}

function describeStep(step: RepoRunStep): string | undefined {
  switch (step.step) {
    case "cloning":
      return `cloning ${step.repo}${step.ref === undefined ? "" : ` at ${step.ref}`} into ${step.directory}`;
    case "cloned":
      return `checked out ${step.commit}${step.shallow ? " (shallow)" : ""}`;
    case "installing":
      return `installing dependencies: ${[step.plan.command, ...step.plan.args].join(" ")} (${step.plan.reason})`;
    case "running":
      return `running test ${step.test} (${step.scenarioFile})`;
    case "released":
      return step.kept ? `kept the clone in ${step.directory}` : `removed ${step.directory}`;
    default:
      return undefined;
  }
}

async function run(command: Extract<CliCommand, { command: "run" }>): Promise<number> {
  const quiet = command.options.overrides?.quiet === true;
  const controller = new AbortController();
  let cloneDirectory: string | undefined;
  const temporary = command.options.directory === undefined && command.options.keep !== true;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      say(`${signal}: stopping (press Ctrl-C again to quit at once)`);
      controller.abort();
      return;
    }
    if (temporary && cloneDirectory !== undefined) {
      try {
        rmSync(cloneDirectory, { recursive: true, force: true, maxRetries: 2 });
      } catch {
        say(`could not remove ${cloneDirectory}; remove it by hand`);
      }
    }
    process.exit(EXIT_INTERRUPTED);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const results = await runFromRepo({
      ...command.options,
      signal: controller.signal,
      onStep: (step) => {
        if (step.step === "cloning") cloneDirectory = step.directory;
        const line = describeStep(step);
        if (line !== undefined && !quiet) say(line);
      },
    });
    if (results.interrupted || controller.signal.aborted) return EXIT_INTERRUPTED;
    const fail = results.options.fail;
    const outcome = runOutcome(results, typeof fail === "number" ? fail : undefined);
    if (outcome === "scenario-picker") {
      say("the test's scenarioPicker failed (the error is above): the run was stopped; fix the picker");
      return 2;
    }
    if (outcome === "fail-threshold") {
      say(`${results.failed} scenario runs failed, at least --fail ${fail}`);
      return 1;
    }
    if (outcome === "exception") {
      say(`stopped at the first failure (exception): ${results.failed} scenario runs failed`);
      return 1;
    }
    // said even under --quiet: a run that measured nothing must not look like a pass
    if (outcome === "no-success") {
      say(noSuccessMessage(results) as string);
      return EXIT_NO_SUCCESS;
    }
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const command = parseCliArguments(argv);
  switch (command.command) {
    case "help":
      process.stdout.write(USAGE);
      return 0;
    case "version": {
      const { version } = createRequire(import.meta.url)("../package.json") as { version: string };
      process.stdout.write(`moloslave ${version}\n`);
      return 0;
    }
    case "init": {
      const result = await initProject({ directory: command.directory, serverUrl: command.serverUrl });
      for (const file of result.files) say(`wrote ${file}`);
      return 0;
    }
    case "run":
      return run(command);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === "string" && /^ERR_(MOLOSLAVE|LOADCORE)_/.test(code)) {
      say((error as Error).message);
      if (code === "ERR_MOLOSLAVE_USAGE") process.stderr.write("Run moloslave --help for the usage.\n");
      process.exitCode = EXIT_CODES[code] ?? 1;
      return;
    }
    if (typeof code === "string" && typeof (error as { syscall?: unknown }).syscall === "string") {
      // the file system or the OS refused something (EACCES, ENOSPC, ENOTDIR...): a message, not a stack
      say((error as Error).message);
      process.exitCode = 1;
      return;
    }
    say(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = EXIT_INTERNAL;
  },
);
