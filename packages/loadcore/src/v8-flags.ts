/** A user's own young-generation flags (command line or NODE_OPTIONS, `-` or `_` spelling). */
const YOUNG_GENERATION_FLAG =
  /--(?:(?:max|min)[-_]semi[-_]space[-_]size|semi[-_]space[-_]growth[-_]factor)\b/;

/**
 * Workers per process from which the `loadcore` command trades speed for memory. Below it the heap stays
 * small anyway, and the flags below cost throughput: with a 1 MB young generation, 50 closed-loop workers
 * spent 9% of the CPU in GC instead of 4% (CPU profiles, bench/README.md).
 */
export const LARGE_RUN_WORKERS = 1000;

/**
 * The V8 flags the `loadcore` command sets on its own process, as `v8.setFlagsFromString` arguments,
 * for a run of `workersPerProcess` workers in each process: none below `LARGE_RUN_WORKERS`.
 *
 * Thousands of workers keep requests alive for a while (5,000 workers on a 100 ms endpoint), so V8's
 * default heap growth let such a run reach about 260 MB RSS:
 * - `--optimize-for-size` makes the old generation grow and shrink for size (about 158 MB);
 * - `--semi-space-growth-factor=1` keeps the young generation at its initial 1 MB semi-space instead of
 *   letting it grow to 16 MB (about 137 MB). The heap-size flags (`--max-semi-space-size`) are read only
 *   when V8 starts; this one is read at each growth, so it works when set here. It acts on the main
 *   thread, where `-p 1` runs its workers (the worker threads of `-p N` keep their defaults).
 * The old generation is not capped: a large run must not die out of memory to save a few MB.
 * When the user gave a semi-space flag of their own, theirs wins and loadcore adds only `--optimize-for-size`.
 */
export function cliV8Flags(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
  workersPerProcess: number,
): string[] {
  if (!(workersPerProcess >= LARGE_RUN_WORKERS)) return [];
  const flags = ["--optimize-for-size"];
  const userSized = [...execArgv, nodeOptions ?? ""].some((argument) => YOUNG_GENERATION_FLAG.test(argument));
  if (!userSized) flags.push("--semi-space-growth-factor=1");
  return flags;
}
