#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { setFlagsFromString } from "node:v8";
import { HELP, parseCliArguments } from "./cli/cli-arguments.js";
import { runLoad } from "./engine/runner.js";
import { capYoungGeneration, cliV8Flags, youngGenerationCap } from "./engine/v8-flags.js";
import { LoadcoreError } from "./errors.js";
import { readMolotovConfig, testToRunOptions } from "./options/molotov-config.js";
import { RUN_DEFAULTS, type RunOptions, unsetScenarioVariables } from "./options/run-options.js";
import { describeErrors, explainNoSuccess, noSuccessMessage } from "./results/failure-explanation.js";
import { runMergeCommand } from "./results/merge-command.js";
import { EXIT_CODES, loadcoreExitCode, OUTCOME_EXIT_CODE, runOutcome } from "./results/run-outcome.js";
import { VERSION } from "./version.js";

// A closed pipe (`| head`) ends the printing, not the work: results and reports are still written.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});

/** Says before the run which variables the scenario reads and nobody set (SERVER_URL, mostly). */
function warnUnsetVariables(options: Partial<RunOptions>): void {
  let source: string;
  try {
    source = readFileSync(resolve(options.cwd ?? process.cwd(), options.scenarioFile as string), "utf8");
  } catch {
    return; // the run names a missing or unreadable scenario file itself
  }
  for (const name of unsetScenarioVariables(source, { ...process.env, ...options.env })) {
    process.stderr.write(
      `loadcore: ${name} is not set, and the scenario reads it (process.env.${name}): its requests will fail as "Invalid URL"; set it, e.g. ${name}=http://127.0.0.1:8080 loadcore ...\n`,
    );
  }
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === "merge") return runMergeCommand(argv.slice(1));
  const request = parseCliArguments(argv);
  if (request.help) {
    process.stdout.write(`${HELP}\n`);
    return EXIT_CODES.done;
  }
  if (request.version) {
    process.stdout.write(`${VERSION}\n`);
    return EXIT_CODES.done;
  }
  let options: Partial<RunOptions> = {};
  // paths given on the command line are relative to the shell's folder, not to the config's
  if (request.options.output !== undefined) request.options.output = resolve(request.options.output);
  if (request.options.live !== undefined) request.options.live = resolve(request.options.live);
  if (request.options.useExtension !== undefined) {
    request.options.useExtension = request.options.useExtension.map((file) => resolve(file));
  }
  if (request.config !== undefined) {
    const configPath = resolve(request.config);
    const config = await readMolotovConfig(configPath);
    // the config's env gives defaults: a variable set in the caller's environment keeps its value
    options = testToRunOptions(config, request.positional ?? "test", dirname(configPath), {
      environment: process.env,
    });
    options = { ...options, ...request.options };
    if (options.scenarioFile === undefined)
      options.scenarioFile = resolve(dirname(configPath), "loadtest.ts");
  } else {
    options = { ...request.options, scenarioFile: request.positional ?? "loadtest.ts" };
  }
  // The CLI owns its process, so it may set process-wide V8 flags that keep a run with thousands of
  // workers small (see cliV8Flags), before the scenario is loaded; library users decide for their own.
  const workersPerProcess =
    options.workers ?? (options.sizing === true ? RUN_DEFAULTS.sizingWorkers : RUN_DEFAULTS.workers);
  const processes = options.processes ?? RUN_DEFAULTS.processes;
  for (const flag of cliV8Flags(process.execArgv, process.env.NODE_OPTIONS, workersPerProcess, processes)) {
    setFlagsFromString(flag);
  }
  const youngGenerationCapBytes = youngGenerationCap(
    process.execArgv,
    process.env.NODE_OPTIONS,
    workersPerProcess,
  );
  if (youngGenerationCapBytes !== undefined && processes === 1) capYoungGeneration(youngGenerationCapBytes);
  warnUnsetVariables(options);
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts > 1) {
      process.stderr.write(`\n${signal} again: exiting now\n`);
      process.exit(EXIT_CODES.interrupted);
    }
    process.stderr.write(
      `\n${signal}: stopping (teardowns, summary and results still written; again to force)\n`,
    );
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const results = await runLoad({
    ...options,
    scenarioFile: options.scenarioFile as string,
    signal: controller.signal,
    command: ["loadcore", ...argv],
  });
  const outcome = runOutcome(results, options.fail);
  if (outcome === "scenario-picker") {
    process.stderr.write(
      "loadcore: the scenario file's scenarioPicker failed (the error is above): the run was stopped; fix the picker\n",
    );
  } else if (outcome === "fail-threshold" || outcome === "exception") {
    const failed = `${results.failed.toLocaleString("en-US")} scenario run${results.failed === 1 ? "" : "s"} failed`;
    const noSuccess = results.ok === 0 && results.failed > 0 ? `; ${explainNoSuccess(results)}` : "";
    process.stderr.write(
      results.options.endReason === "exception"
        ? `loadcore: stopped at the first failure (-x/--exception): ${failed} (${describeErrors(results)})${noSuccess}\n`
        : `${failed} (--fail ${options.fail})${noSuccess}\n`,
    );
  } else if (outcome === "no-success") {
    process.stderr.write(`loadcore: ${noSuccessMessage(results)}\n`);
  }
  return EXIT_CODES[OUTCOME_EXIT_CODE[outcome]];
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // pending keep-alive timers and stdin must not hold the process
    setTimeout(() => process.exit(code), 100).unref();
  },
  (error: unknown) => {
    const name = error instanceof LoadcoreError ? loadcoreExitCode(error.code) : undefined;
    if (name !== undefined) {
      process.stderr.write(`loadcore: ${(error as Error).message}\n`);
      process.exit(EXIT_CODES[name]);
    }
    process.stderr.write(
      `loadcore: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(EXIT_CODES.internal);
  },
);
