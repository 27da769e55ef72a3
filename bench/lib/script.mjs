import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { BenchError } from "./errors.mjs";
import { repositoryRoot } from "./load-tools.mjs";

/**
 * Runs a benchmark script's main function and turns its outcome into an exit code: a BenchError
 * prints one line naming the problem and exits with the error's code; anything else is a bug and
 * shows its stack.
 *
 * @param {string} name the script's name, prefixed to error lines
 * @param {(argv: string[]) => Promise<number>} main
 */
export function runScript(name, main) {
  main(process.argv.slice(2)).then(
    (exitCode) => {
      process.exitCode = exitCode;
    },
    (error) => {
      if (error instanceof BenchError) {
        console.error(`${name}: ${error.message}`);
        process.exitCode = error.exitCode;
        return;
      }
      console.error(error);
      process.exitCode = 1;
    },
  );
}

/**
 * Makes Ctrl+C (or SIGTERM) run a cleanup, such as stopping the server, before exiting with 130.
 * Returns the cleanup, safe to call again on the normal path.
 *
 * @param {() => Promise<void>} cleanup
 */
export function onInterrupt(cleanup) {
  let done = false;
  const once = async () => {
    if (done) return;
    done = true;
    await cleanup();
  };
  const handler = (/** @type {NodeJS.Signals} */ signal) => {
    console.error(`\ninterrupted (${signal}): stopping the server`);
    once().finally(() => process.exit(130));
  };
  process.once("SIGINT", handler);
  process.once("SIGTERM", handler);
  return once;
}

/**
 * Writes a results record as JSON, by default to bench/results/<benchmark>-<date>.json (gitignored),
 * and returns the path to show.
 *
 * @param {string} benchmark
 * @param {Date} startedAt
 * @param {string | undefined} chosenPath the --output flag
 * @param {unknown} record
 */
export function writeResults(benchmark, startedAt, chosenPath, record) {
  const stamp = startedAt
    .toISOString()
    .replace(/:/g, "-")
    .replace(/\.\d+Z$/, "Z");
  const path = chosenPath ?? join(repositoryRoot, "bench", "results", `${benchmark}-${stamp}.json`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`);
  return relative(process.cwd(), path) || path;
}
