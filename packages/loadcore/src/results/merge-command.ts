import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { OutputError, UsageError } from "../errors.js";
import { type MergeInput, mergeResults } from "./merge.js";
import { type LoadResults, parseResults, ResultsFormatError } from "./results.js";
import { EXIT_CODES } from "./run-outcome.js";

/** `loadcore merge --help`. */
export const MERGE_HELP = `Usage: loadcore merge FILE... [-o, --output merged.json]

Merges the results JSON files of loaders that ran at the same time against the same target into one
results file, exactly: each latency percentile is that of one histogram of every request of every file
(files written by loadcore 0.2 or later carry their histograms). Counts, status codes and error classes
are summed; the per-second timelines are aligned on absolute time (startedAt + t); the self-check
names each saturated loader, and "loaders" keeps each file's own figures. A merged file can be merged
again.

  -o, --output FILE   write the merged results JSON to FILE (default: standard output)
  -h, --help          this help

Exit codes (docs/exit-codes.md): 0 done, 2 bad usage (no FILE, an unknown flag, a FILE that cannot be
read, an --output that cannot be written), 6 a FILE that is not a results file or has no histograms.`;

/** What `loadcore merge` was asked: the files and where to write. */
export interface MergeCommand {
  help: boolean;
  files: string[];
  output: string | undefined;
}

/** Parses `loadcore merge`'s arguments (after `merge`). @throws {UsageError} naming the flag. */
export function parseMergeArguments(argv: readonly string[]): MergeCommand {
  const command: MergeCommand = { help: false, files: [], output: undefined };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] as string;
    if (argument === "-h" || argument === "--help") command.help = true;
    else if (argument === "-o" || argument === "--output" || argument.startsWith("--output=")) {
      if (command.output !== undefined)
        throw new UsageError(`${argument}: given twice`, { input: "--output" });
      const value = argument.startsWith("--output=") ? argument.slice("--output=".length) : argv[++index];
      if (value === undefined || value === "") {
        throw new UsageError("--output: expected a file path", { input: "--output" });
      }
      command.output = value;
    } else if (argument.startsWith("-") && argument !== "-") {
      throw new UsageError(`merge: unknown flag ${argument} (see loadcore merge --help)`, {
        input: argument,
      });
    } else command.files.push(argument);
  }
  if (!command.help && command.files.length === 0) {
    throw new UsageError("merge: expected at least one results FILE (see loadcore merge --help)", {
      input: "FILE",
    });
  }
  return command;
}

/**
 * Reads and validates one results file through the one reader, `parseResults`; `source` (the name
 * the user gave, by default `file`) is what messages and `loaders[].source` say.
 */
export async function readMergeInput(file: string, source = file): Promise<MergeInput> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UsageError(`merge: cannot read the results file ${source} (${reason})`, {
      input: source,
      cause: error,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ResultsFormatError(`not valid JSON (${reason})`, { source, cause: error });
  }
  return { source, results: parseResults(parsed, source) };
}

/**
 * Reads the files, merges them ({@link mergeResults}) and writes the merged results to `output`
 * (resolved against `cwd`), or returns its JSON text when `output` is undefined.
 */
export async function mergeResultsFiles(
  files: readonly string[],
  options: { output?: string; cwd?: string; command?: readonly string[] } = {},
): Promise<{ results: LoadResults; text: string }> {
  const cwd = options.cwd ?? process.cwd();
  const inputs = await Promise.all(files.map((file) => readMergeInput(resolve(cwd, file), file)));
  const results = mergeResults(inputs, options.command === undefined ? {} : { command: options.command });
  const text = `${JSON.stringify(results, null, 2)}\n`;
  if (options.output !== undefined) {
    const path = resolve(cwd, options.output);
    try {
      await writeFile(path, text);
    } catch (error) {
      throw new OutputError(path, error);
    }
  }
  return { results, text };
}

/** One line per merge for the terminal: what was merged and the exact latency figures. */
export function describeMerge(results: LoadResults, output: string | undefined): string {
  const latency = results.latency;
  const lines = [
    `merged ${results.loaders?.length ?? 0} loader(s): ${results.requests} requests, ${results.ok} ok, ${results.failed} failed scenario runs over ${results.durationSeconds} s; latency p50 ${latency.p50} ms, p99 ${latency.p99} ms, max ${latency.max} ms${output === undefined ? "" : ` -> ${output}`}`,
  ];
  if (results.selfCheck.saturated) lines.push(`warning: ${results.selfCheck.message}`);
  return lines.join("\n");
}

/**
 * `loadcore merge FILE... [--output FILE]`: returns the exit code (0), writes the merged JSON to
 * `output` or to stdout, and a one-line account to stderr. Throws the loadcore errors the CLI maps.
 */
export async function runMergeCommand(
  argv: readonly string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process,
): Promise<number> {
  const command = parseMergeArguments(argv);
  if (command.help) {
    io.stdout.write(`${MERGE_HELP}\n`);
    return EXIT_CODES.done;
  }
  const { results, text } = await mergeResultsFiles(command.files, {
    ...(command.output === undefined ? {} : { output: command.output }),
    command: ["loadcore", "merge", ...argv],
  });
  if (command.output === undefined) io.stdout.write(text);
  io.stderr.write(`${describeMerge(results, command.output)}\n`);
  return EXIT_CODES.done;
}
