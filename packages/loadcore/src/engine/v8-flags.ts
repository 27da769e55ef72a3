import { PerformanceObserver } from "node:perf_hooks";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";

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
 * The workers per process between which the `loadcore` command caps the young generation at
 * {@link CAPPED_YOUNG_GENERATION_BYTES}, where the memory target binds (5,000 workers under 150 MB RSS).
 * Below, V8's own maximum (16 MB semi-spaces on Node 20 and 22) fits; from the upper bound on, the target
 * (10,000 workers under 300 MB) has room for it too.
 */
export const CAPPED_YOUNG_GENERATION_WORKERS = { from: 4000, below: 8000 } as const;

/**
 * The young generation's cap (both semi-spaces, V8's `new_space`) from
 * `CAPPED_YOUNG_GENERATION_WORKERS.from` workers per process: 4 MB semi-spaces. A young generation that
 * holds more than the ~100 ms a request lives lets its objects die there instead of being copied twice and
 * promoted. At 5,000 workers on a 100 ms endpoint, two builds side by side on one core: 0.90x the CPU per
 * request of the 4 MB young generation the command kept until then (`--semi-space-growth-factor=1` from
 * start-up's 2 MB semi-spaces), for 8 to 12 MB more peak RSS; a 16 MB cap cost as much CPU (1.02x, 95%
 * interval 0.94x to 1.11x) for 10 more MB, over the target in the concurrency sweep (153 to 162 MB).
 * bench/README.md, 2026-12-07.
 */
export const CAPPED_YOUNG_GENERATION_BYTES = 8 * 1024 * 1024;

/** A user's own old-generation growth flag. */
const HEAP_GROWING_FLAG = /--(?:heap[-_]growing[-_]percent|optimize[-_]for[-_]size)\b/;

/**
 * The V8 flags the `loadcore` command sets on its own process, as `v8.setFlagsFromString` arguments,
 * for a run of `workersPerProcess` workers in each process: none below `LARGE_RUN_WORKERS`.
 *
 * Thousands of workers keep requests alive for a while (5,000 workers on a 100 ms endpoint), so V8's
 * default heap growth let such a run reach about 260 MB RSS: `--heap-growing-percent=10` lets the old
 * generation grow by 10% over what the last full collection kept, instead of up to 4x.
 * `--optimize-for-size` did that too (it was used until then), but it also makes V8 favour small code over
 * fast code: 10 to 18% more CPU per request in four paired runs at 5,000 workers, for the same RSS
 * (bench/README.md). The flag is read at each collection, so it works when set at run time.
 * The old generation is not capped: a large run must not die out of memory to save a few MB.
 * The young generation's size is {@link youngGenerationCap}'s (`-p 1`: {@link capYoungGeneration}
 * applies it; with worker threads, where the young generation would be capped, it does not grow at all).
 * A user's own flag of either kind wins: loadcore then leaves that generation alone.
 */
export function cliV8Flags(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
  workersPerProcess: number,
  processes = 1,
): string[] {
  if (!(workersPerProcess >= LARGE_RUN_WORKERS)) return [];
  const userFlags = [...execArgv, nodeOptions ?? ""];
  const flags: string[] = [];
  if (!userFlags.some((argument) => HEAP_GROWING_FLAG.test(argument)))
    flags.push("--heap-growing-percent=10");
  // The cap watches the main thread's heap only, where -p 1 runs its workers; the flag is process-wide,
  // so with worker threads the young generations stay at start-up's size, as before the cap.
  if (processes > 1 && youngGenerationCap(execArgv, nodeOptions, workersPerProcess) !== undefined)
    flags.push("--semi-space-growth-factor=1");
  return flags;
}

/**
 * The cap the `loadcore` command puts on its young generation (bytes, both semi-spaces) for a run of
 * `workersPerProcess` workers in each process, or undefined to leave V8's own maximum: a cap only within
 * `CAPPED_YOUNG_GENERATION_WORKERS`, and none when the user set a young-generation flag of their own.
 */
export function youngGenerationCap(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
  workersPerProcess: number,
): number | undefined {
  const { from, below } = CAPPED_YOUNG_GENERATION_WORKERS;
  if (!(workersPerProcess >= from && workersPerProcess < below)) return undefined;
  if ([...execArgv, nodeOptions ?? ""].some((argument) => YOUNG_GENERATION_FLAG.test(argument)))
    return undefined;
  return CAPPED_YOUNG_GENERATION_BYTES;
}

/** The young generation's size now (both semi-spaces), bytes. */
export function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_size ?? 0;
}

/**
 * Lets V8 grow the young generation as it does by default until it reaches `capBytes`, then stops its
 * growth (`--semi-space-growth-factor=1`, read at each collection). The maximum semi-space size itself
 * is read only when V8 starts, so the cap is applied as the young generation grows: after each
 * collection. Returns a function that stops watching.
 */
export function capYoungGeneration(capBytes: number): () => void {
  const observer = new PerformanceObserver(() => stopAtCap());
  const stopAtCap = () => {
    if (youngGenerationBytes() < capBytes) return;
    setFlagsFromString("--semi-space-growth-factor=1");
    observer.disconnect();
  };
  observer.observe({ entryTypes: ["gc"] });
  stopAtCap();
  return () => observer.disconnect();
}
