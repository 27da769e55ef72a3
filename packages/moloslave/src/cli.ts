#!/usr/bin/env node
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import {
  EXIT_CODES,
  LoadcoreError,
  loadcoreExitCode,
  noSuccessMessage,
  OUTCOME_EXIT_CODE,
  runOutcome,
} from "@sizer/loadcore";
import { type CliCommand, parseCliArguments, USAGE } from "./cli-arguments.js";
import { MoloslaveError, moloslaveExitCode, UsageError } from "./errors.js";
import { type RepoRunStep, runFromRepo } from "./run-from-repo.js";
import { initProject } from "./scaffold.js";

// A closed pipe (`| head`) ends the printing, not the work: results and reports are still written.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});

/** The exit code of an error: moloslave's and loadcore's through the shared table, else undefined. */
function exitCodeOf(error: unknown): number | undefined {
  if (error instanceof MoloslaveError) return EXIT_CODES[moloslaveExitCode(error.code)];
  if (error instanceof LoadcoreError) {
    const name = loadcoreExitCode(error.code);
    return name === undefined ? undefined : EXIT_CODES[name];
  }
  return undefined;
}

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
    process.exit(EXIT_CODES.interrupted);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const results = await runFromRepo({
      ...command.options,
      signal: controller.signal,
      onStep: (step) => {
        if (step.step === "cloning") cloneDirectory = step.directory;
        // said even under --quiet: without it every request fails as "Invalid URL"
        if (step.step === "running")
          for (const name of step.unsetVariables)
            say(
              `${name} is not set, and the scenario reads it (process.env.${name}): its requests will fail as "Invalid URL"; set it in the test's env or with --env ${name}=...`,
            );
        const line = describeStep(step);
        if (line !== undefined && !quiet) say(line);
      },
    });
    if (results.interrupted || controller.signal.aborted) return EXIT_CODES.interrupted;
    const fail = results.options.fail;
    const outcome = runOutcome(results, typeof fail === "number" ? fail : undefined);
    if (outcome === "scenario-picker") {
      say("the test's scenarioPicker failed (the error is above): the run was stopped; fix the picker");
    } else if (outcome === "fail-threshold") {
      say(`${results.failed} scenario runs failed, at least --fail ${fail}`);
    } else if (outcome === "exception") {
      say(`stopped at the first failure (exception): ${results.failed} scenario runs failed`);
    } else if (outcome === "no-success") {
      // said even under --quiet: a run that measured nothing must not look like a pass
      say(noSuccessMessage(results) as string);
    }
    return EXIT_CODES[OUTCOME_EXIT_CODE[outcome]];
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
    const exitCode = exitCodeOf(error);
    if (exitCode !== undefined) {
      say((error as Error).message);
      if (error instanceof UsageError) process.stderr.write("Run moloslave --help for the usage.\n");
      process.exitCode = exitCode;
      return;
    }
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === "string" && typeof (error as { syscall?: unknown }).syscall === "string") {
      // the file system or the OS refused something (EACCES, ENOSPC, ENOTDIR...): a message, not a stack
      say((error as Error).message);
      process.exitCode = EXIT_CODES.files;
      return;
    }
    say(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = EXIT_CODES.internal;
  },
);
