import {
  LiveSizing,
  type ProgressInfo,
  readLiveRecord,
  type SizingStop,
  type SizingVerdict,
  sizingOptionsOf,
  type TimelinePoint,
} from "@sizer/loadcore";
import { type AwsClients, runCommand } from "@sizer/ssm-client";
import type { SizingRunOptions } from "../load-runner.js";
import { loaderLiveScript, loaderSizingStopScript } from "./node-scripts.js";

/** Seconds between two reads of the loaders' live records. */
const POLL_SECONDS = 2;
/**
 * Lines a loader sends back per read at most: a line is 1 to 2 kB (the second's histogram), so a read
 * stays under SSM's 24,000-character inline output; one cut short anyway loses only its last line,
 * which the reader leaves for the next read (no newline).
 */
const LINES_PER_READ = 10;
/** A loader whose live record stays this many seconds behind the others' is lost for the decision (a node gone silent). */
const SILENT_SECONDS = 20;

type Progress = (type: string, node: string | undefined, phase: string) => void;

/** A loader node as the global decision follows it. */
export interface FollowedLoader {
  instanceId: string;
  folder: string;
}

/** What the global decision came to: the merged verdict, and the stop when it fired. */
export interface GlobalSizing {
  verdict: SizingVerdict;
  stop: SizingStop | undefined;
}

/**
 * The one sizing decision of a distributed load: while the loaders run (each without a stop of its
 * own, `--sizing-decision external`), one SSM command every few seconds reads what each appended to
 * its live record; loadcore's `LiveSizing` merges the seconds on absolute time and applies loadcore's
 * sizing rule; when it fires, every loader still counted gets the stop (it ends as a sizing stop and
 * writes its results). A loader lost on the way (`lose`) is no longer waited for: the decision goes
 * on with the others.
 */
export class LoaderSizing {
  readonly #loaders: readonly FollowedLoader[];
  readonly #sizing: LiveSizing;
  readonly #read = new Map<string, number>();
  readonly #clients: AwsClients;
  readonly #progress: Progress;
  readonly #onSecond: (point: TimelinePoint, info: ProgressInfo) => void;
  readonly #plannedSeconds: number;
  readonly #totalWorkers: number;
  #stop: SizingStop | undefined;

  constructor(
    loaders: readonly FollowedLoader[],
    context: {
      clients: AwsClients;
      progress: Progress;
      load: SizingRunOptions["load"];
      totalWorkers: number;
      plannedSeconds: number;
      onSecond: (point: TimelinePoint, info: ProgressInfo) => void;
    },
  ) {
    this.#loaders = loaders;
    this.#sizing = new LiveSizing(
      loaders.map((loader) => loader.instanceId),
      sizingOptionsOf({ ...context.load, sizing: true }),
    );
    this.#clients = context.clients;
    this.#progress = context.progress;
    this.#onSecond = context.onSecond;
    this.#plannedSeconds = context.plannedSeconds;
    this.#totalWorkers = context.totalWorkers;
    for (const loader of loaders) this.#read.set(loader.instanceId, 0);
  }

  /** A loader died or failed: the decision goes on without it. */
  lose(instanceId: string, reason: string): void {
    this.#sizing.lose(instanceId, reason);
  }

  /** Follows the loaders until `done` settles (every loader's command ended); the merged verdict. */
  async follow(done: Promise<unknown>, interrupted: () => boolean): Promise<GlobalSizing> {
    let finished = false;
    const settle = () => {
      finished = true;
    };
    done.then(settle, settle);
    while (!finished) {
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, POLL_SECONDS * 1000))]);
      if (finished) break;
      await this.#readRecords();
      for (const instanceId of this.#sizing.behind(SILENT_SECONDS)) {
        const reason = `its live record stopped ${SILENT_SECONDS} s behind the others'`;
        this.#sizing.lose(instanceId, reason);
        this.#progress("loaders", instanceId, `lost for the decision: ${reason}; the others go on`);
      }
      await this.#decide(false);
    }
    // What was appended after the last read (until the last second), then every second left.
    for (let read = 0; read < 30 && (await this.#readRecords()) > 0; read += 1);
    await this.#decide(true);
    const verdict = this.#sizing.verdict(interrupted() ? "interrupted" : "duration");
    return { verdict: this.#described(verdict), stop: this.#stop };
  }

  /** The verdict said as the merge of the loaders', naming the loaders the decision went on without. */
  #described(verdict: SizingVerdict): SizingVerdict {
    const counted = this.#loaders.length - this.#sizing.lost.length;
    const lost = this.#sizing.lost.map(({ source, reason }) => `${source} (${reason})`);
    const without = lost.length === 0 ? "" : `; decided without ${lost.join(", ")}`;
    return {
      ...verdict,
      message: `merged over ${counted} of ${this.#loaders.length} loaders: ${verdict.message}${without}`,
    };
  }

  async #decide(final: boolean): Promise<void> {
    const decision = this.#sizing.decide(final);
    for (const point of decision.seconds) {
      this.#onSecond(point, {
        elapsedSeconds: point.t + 1,
        plannedSeconds: this.#plannedSeconds,
        startedWorkers: point.workers,
        totalWorkers: this.#totalWorkers,
      });
    }
    if (decision.stop === undefined || final) return;
    this.#stop = decision.stop;
    const counted = this.#counted();
    this.#progress(
      "loaders",
      undefined,
      `global stop (merged over ${counted.length} loaders): ${decision.stop.message}; stopping every loader`,
    );
    await this.#send(loaderSizingStopScript(), counted).catch((error: unknown) =>
      this.#progress("loaders", undefined, `could not send the stop: ${(error as Error).message}`),
    );
  }

  #counted(): FollowedLoader[] {
    const lost = new Set(this.#sizing.lost.map((loader) => loader.source));
    return this.#loaders.filter((loader) => !lost.has(loader.instanceId));
  }

  /** One command to every loader still counted: the lines it appended since the last read; how many came. */
  async #readRecords(): Promise<number> {
    const loaders = this.#counted();
    if (loaders.length === 0) return 0;
    const from = Math.min(...loaders.map((loader) => this.#read.get(loader.instanceId) ?? 0));
    let outcomes: Awaited<ReturnType<typeof runCommand>>["outcomes"];
    try {
      outcomes = await this.#send(loaderLiveScript(from, LINES_PER_READ), loaders);
    } catch {
      return 0; // a read that failed is done again at the next poll
    }
    let added = 0;
    for (const outcome of outcomes) {
      if (outcome.status !== "Success") continue;
      const before = this.#read.get(outcome.instanceId) ?? 0;
      try {
        const record = readLiveRecord(outcome.stdout, `${outcome.instanceId}:live.ndjson`);
        this.#sizing.add(outcome.instanceId, record);
        this.#read.set(outcome.instanceId, Math.max(before, from + record.lines));
        added += Math.max(0, from + record.lines - before);
      } catch (error) {
        this.#sizing.lose(outcome.instanceId, `its live record is unreadable: ${(error as Error).message}`);
      }
    }
    return added;
  }

  #send(script: string, loaders: readonly FollowedLoader[]) {
    // Every loader's folder is the same path on its node (the fake gives each instance its own HOME).
    return runCommand({
      ssm: this.#clients.ssm,
      s3: this.#clients.s3,
      targets: { instanceIds: loaders.map((loader) => loader.instanceId) },
      script,
      deadlineMs: 30_000,
      executionTimeoutSeconds: 30,
      poll: { initialDelayMs: 250, maxDelayMs: 1000 },
    }).then((result) => result.outcomes);
  }
}
