#!/usr/bin/env node
import { parseArgs } from "node:util";
import { OUTCOME_EXIT_CODE, runOutcome } from "@sizer/loadcore";
import { ServiceExitedError, SizerError, SizerUsageError } from "./errors.js";
import { exitCodeFor, exitCodes } from "./exit-codes.js";
import { MAIN_HELP, RUN_HELP } from "./help.js";
import { rebuildReport } from "./rebuild-report.js";
import { parseRunArguments, plotlyBundle } from "./run-arguments.js";
import { runSizer } from "./run-sizer.js";
import { VERSION } from "./version.js";

// A closed pipe (`| head`) ends the printing, not the work: results and reports are still written.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});

function printError(error: unknown): number {
  if (!(error instanceof SizerError)) {
    process.stderr.write(`sizer: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    return exitCodes.internal;
  }
  process.stderr.write(`sizer: ${(error as Error).message}\n`);
  const output = (error as { output?: unknown }).output;
  if (typeof output === "string" && output.trim() !== "") {
    process.stderr.write(`--- the service's last output ---\n${output}\n---\n`);
  }
  return exitCodeFor(error.code);
}

async function run(args: string[]): Promise<number> {
  const parsed = parseRunArguments(args, { cwd: process.cwd(), now: new Date() });
  if (parsed.help) {
    process.stdout.write(RUN_HELP);
    return exitCodes.done;
  }
  const controller = new AbortController();
  // A service given by --url runs on its own: sizer never stops it.
  const external = parsed.options.service.kind === "url";
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts > 1) {
      process.stderr.write(
        `\nsizer: second interrupt, exiting now${external ? "" : " (the service is killed)"}\n`,
      );
      process.exit(exitCodes.interrupted);
    }
    process.stderr.write(
      `\nsizer: ${signal}: stopping the load${external ? "" : " and the service"}, writing a partial report (again to force)\n`,
    );
    controller.abort(new Error(signal));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const result = await runSizer({
      ...parsed.options,
      argv: ["sizer", "run", ...args],
      signal: controller.signal,
      // The docker CLI to use; a stand-in in tests, where no Docker engine runs.
      ...(process.env.SIZER_DOCKER ? { docker: process.env.SIZER_DOCKER } : {}),
    });
    if (result.error) {
      process.stderr.write(`sizer: ${result.error.message}\n`);
      const output = result.error instanceof ServiceExitedError ? result.error.output : "";
      if (output.trim() !== "") process.stderr.write(`--- the service's last output ---\n${output}\n---\n`);
      // --quiet hides the verdict, which says where the files went.
      if (parsed.options.output === "quiet")
        process.stderr.write(`sizer: the results and the report are in ${result.outDir}\n`);
      return exitCodeFor(result.error.code);
    }
    if (result.status === "interrupted") return exitCodes.interrupted;
    // -f/--fail N and -x/--exception, loadcore's, mean what they mean there: exit 1 when crossed.
    const outcome = runOutcome(result.results, parsed.options.load.fail);
    if (outcome === "fail-threshold" || outcome === "exception") {
      process.stderr.write(
        `sizer: ${result.results.failed} scenario runs failed (${outcome === "exception" ? "-x/--exception stopped the run" : `--fail ${parsed.options.load.fail}`}); the report is in ${result.outDir}\n`,
      );
      return exitCodes[OUTCOME_EXIT_CODE[outcome]];
    }
    return exitCodes.done;
  } catch (error) {
    if (controller.signal.aborted && (error as { code?: string }).code === undefined)
      return exitCodes.interrupted;
    return printError(error);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function parseReportArgs(args: string[]) {
  return parseArgs({
    args,
    options: { title: { type: "string" }, plotly: { type: "string" } },
    strict: true,
    allowPositionals: true,
  });
}

async function report(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(
      "Usage: sizer report DIR [--title TEXT] [--plotly basic|full]\n\nRebuilds report.html, summary.md and summary.json of a saved 'sizer run' output folder.\n",
    );
    return exitCodes.done;
  }
  let parsed: ReturnType<typeof parseReportArgs>;
  try {
    parsed = parseReportArgs(args);
  } catch (error) {
    const message = (error as Error).message
      .replace(/^TypeError \[[A-Z_]+\]: /, "")
      .replace(/\. To specify a positional argument.*$/s, "");
    const flag = /'(-[^'\s]+)/.exec(message)?.[1] ?? "arguments";
    throw new SizerUsageError(flag, `${message} for 'sizer report'; see 'sizer report --help'`);
  }
  const { title, plotly: plotlyText } = parsed.values;
  const plotly = plotlyText === undefined ? undefined : plotlyBundle("plotly", plotlyText);
  if (parsed.positionals.length !== 1)
    throw new SizerUsageError("DIR", "'sizer report' needs exactly one folder: sizer report DIR");
  const rebuilt = await rebuildReport(parsed.positionals[0] as string, {
    ...(title === undefined ? {} : { title }),
    ...(plotly === undefined ? {} : { plotly }),
  });
  process.stdout.write(
    `${rebuilt.partial ? "PARTIAL RUN: " : ""}${rebuilt.analysis.headline}\n  report: ${rebuilt.files.html}\n`,
  );
  return exitCodes.done;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "--help" || command === "-h" || command === "help") {
      process.stdout.write(MAIN_HELP);
      return command === undefined ? exitCodes.usage : exitCodes.done;
    }
    if (command === "--version" || command === "-V") {
      process.stdout.write(`${VERSION}\n`);
      return exitCodes.done;
    }
    if (command === "run") return await run(rest);
    if (command === "report") return await report(rest);
    if (command === "aws") {
      // Loaded on demand: the AWS SDK takes about a second to load, which no other command needs.
      const { awsCommand } = await import("./aws/aws-command.js");
      return await awsCommand(rest);
    }
    process.stderr.write(
      `sizer: unknown command '${command}'; use 'sizer run', 'sizer report DIR' or 'sizer aws run' (see sizer --help)\n`,
    );
    return exitCodes.usage;
  } catch (error) {
    return printError(error);
  }
}

process.exitCode = await main(process.argv.slice(2));
