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
 * Workers per process from which the young generation may grow again, up to V8's default maximum (16 MB
 * semi-spaces on Node 20 and 22): fewer scavenges. With 10,000 workers on a 100 ms endpoint that cost 0 to
 * 12% less CPU per request in 9 of 11 paired runs on a loaded machine (no interval excluded 1.0), for 5 to
 * 41 MB more peak RSS (bench/README.md, 2026-12-07). The memory target leaves room for it there (300 MB at
 * 10,000 workers; 176 to 201 MB measured), not at 5,000 (150 MB; 130 to 139 MB measured without it).
 */
export const GROWING_YOUNG_GENERATION_WORKERS = 8000;

/** A user's own old-generation growth flag. */
const HEAP_GROWING_FLAG = /--(?:heap[-_]growing[-_]percent|optimize[-_]for[-_]size)\b/;

/**
 * The V8 flags the `loadcore` command sets on its own process, as `v8.setFlagsFromString` arguments,
 * for a run of `workersPerProcess` workers in each process: none below `LARGE_RUN_WORKERS`.
 *
 * Thousands of workers keep requests alive for a while (5,000 workers on a 100 ms endpoint), so V8's
 * default heap growth let such a run reach about 260 MB RSS:
 * - `--heap-growing-percent=10` lets the old generation grow by 10% over what the last full collection
 *   kept, instead of up to 4x. `--optimize-for-size` did that too (it was used until then), but it also
 *   makes V8 favour small code over fast code: 10 to 18% more CPU per request in four paired runs at
 *   5,000 workers, for the same RSS (bench/README.md).
 * - `--semi-space-growth-factor=1` stops the young generation's growth (at 2 MB semi-spaces, measured:
 *   what start-up left) instead of letting it grow to 16 MB (about 137 MB), below
 *   `GROWING_YOUNG_GENERATION_WORKERS`; from there on the memory target has room for V8's own young
 *   generation, and it saves GC work. The heap-size flags
 *   (`--max-semi-space-size`) are read only when V8 starts; these two are read at each collection, so they
 *   work when set here. They act on the main thread, where `-p 1` runs its workers (the worker threads of
 *   `-p N` keep their defaults).
 * The old generation is not capped: a large run must not die out of memory to save a few MB.
 * A user's own flag of either kind wins: loadcore then leaves that generation alone.
 */
export function cliV8Flags(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
  workersPerProcess: number,
): string[] {
  if (!(workersPerProcess >= LARGE_RUN_WORKERS)) return [];
  const userFlags = [...execArgv, nodeOptions ?? ""];
  const flags: string[] = [];
  if (!userFlags.some((argument) => HEAP_GROWING_FLAG.test(argument)))
    flags.push("--heap-growing-percent=10");
  if (
    workersPerProcess < GROWING_YOUNG_GENERATION_WORKERS &&
    !userFlags.some((argument) => YOUNG_GENERATION_FLAG.test(argument))
  )
    flags.push("--semi-space-growth-factor=1");
  return flags;
}
