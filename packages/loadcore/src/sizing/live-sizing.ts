import type { LiveRecord, LiveSecond } from "../results/live-record.js";
import { mergedPoint, type SecondSum } from "../results/merge.js";
import { LatencyHistogram } from "../stats/histogram.js";
import type { TimelinePoint } from "../stats/stats.js";
import { SizingController, type SizingOptions, type SizingStop, type SizingVerdict } from "./sizing.js";

/** One loader as {@link LiveSizing} follows it. */
interface Follower {
  startTime: number | undefined;
  /** Its closed seconds by merged index (its own `t` shifted onto the merged clock). */
  seconds: Map<number, LiveSecond>;
  ended: boolean;
  lost: string | undefined;
}

/** What {@link LiveSizing.decide} found since its last call. */
export interface LiveDecision {
  /** The merged seconds fed to the sizing rule, in order. */
  seconds: TimelinePoint[];
  /** The stop, when the rule fired on one of them (once). */
  stop?: SizingStop;
}

/**
 * The sizing decision of several loaders that run one load together, taken on their merged seconds:
 * loadcore's own rule ({@link SizingController}) fed with the seconds of every loader summed on
 * absolute time (the timeline rule of `mergeResults`: each second placed at its start, rounded to
 * the whole second after the earliest loader's start), exact percentiles from the merged histograms.
 * A merged second is judged once every loader still counted has closed it; a lost loader is no
 * longer waited for, and the decision goes on with the others. Pure: the caller brings the loaders'
 * live records (`readLiveRecord`) and stops them when {@link decide} says so.
 */
export class LiveSizing {
  readonly #controller: SizingController;
  readonly #followers = new Map<string, Follower>();
  #start: number | undefined;
  #next = 0;
  #stopped = false;

  constructor(sources: readonly string[], options: Partial<SizingOptions>) {
    this.#controller = new SizingController(options);
    for (const source of sources) {
      this.#followers.set(source, {
        startTime: undefined,
        seconds: new Map(),
        ended: false,
        lost: undefined,
      });
    }
  }

  /** New lines of one loader's live record (lines seen before may come again: they count once). */
  add(source: string, record: LiveRecord): void {
    const follower = this.#follower(source);
    if (record.header !== undefined) follower.startTime = Date.parse(record.header.startedAt);
    for (const second of record.seconds) {
      follower.startTime ??= second.point.time - second.point.t * 1000;
      follower.seconds.set(second.point.t, second);
      if (second.final) follower.ended = true;
    }
  }

  /** The loader is gone (dead, or its record unreadable): the decision goes on without it. */
  lose(source: string, reason: string): void {
    const follower = this.#follower(source);
    follower.lost ??= reason;
  }

  /**
   * The loaders still counted whose record is `seconds` or more behind the most advanced one's (by
   * merged second), and that did not end: a node gone silent, whose command may never end. The caller
   * decides whether to {@link lose} them.
   */
  behind(seconds: number): string[] {
    if (this.#start === undefined) return [];
    const counted = [...this.#followers].filter(([, follower]) => follower.lost === undefined);
    const lasts = counted.map(([source, follower]) => ({
      source,
      follower,
      last: this.#lastIndex(follower),
    }));
    const ahead = Math.max(...lasts.map((entry) => entry.last));
    return lasts
      .filter(({ follower, last }) => !follower.ended && ahead - last >= seconds)
      .map(({ source }) => source);
  }

  /** The loaders lost so far, with why. */
  get lost(): { source: string; reason: string }[] {
    return [...this.#followers].flatMap(([source, follower]) =>
      follower.lost === undefined ? [] : [{ source, reason: follower.lost }],
    );
  }

  /**
   * Feeds the sizing rule every merged second that all loaders still counted have closed; with
   * `final`, every second seen (the loaders have ended). A second holding a loader's last, partial
   * second is not judged (as a single run does not judge its own), nor any after it.
   */
  decide(final = false): LiveDecision {
    const decision: LiveDecision = { seconds: [] };
    const counted = [...this.#followers.values()].filter((follower) => follower.lost === undefined);
    if (counted.some((follower) => follower.startTime === undefined && !final)) return decision;
    const starts = counted.flatMap((follower) =>
      follower.startTime === undefined ? [] : [follower.startTime],
    );
    if (starts.length === 0) return decision;
    this.#start ??= Math.min(...starts);
    while (!this.#stopped) {
      const index = this.#next;
      const points: LiveSecond[] = [];
      let ready = true;
      for (const follower of counted) {
        const second = this.#secondAt(follower, index);
        if (second !== undefined) points.push(second);
        else if (this.#lastIndex(follower) < index && !follower.ended && !final) ready = false;
      }
      if (!ready || points.length === 0) break;
      this.#next += 1;
      if (points.some((second) => second.final)) {
        this.#stopped = true;
        break;
      }
      const sum: SecondSum = {
        points: points.map((second) => second.point),
        latency: new LatencyHistogram(),
        serviceTime: undefined,
      };
      for (const second of points) sum.latency.merge(second.latency);
      const point = mergedPoint(sum, index, this.#start + index * 1000);
      decision.seconds.push(point);
      const fullLoad = points.length === counted.length && points.every((second) => second.fullLoad);
      const stop = this.#controller.observe(point, fullLoad, sum.latency.serialize());
      if (stop !== undefined) {
        this.#stopped = true;
        decision.stop = stop;
      }
    }
    return decision;
  }

  /** The merged verdict (the `sizing` of the merged results), for a run that ended for `endReason` if no stop fired. */
  verdict(endReason: "duration" | "interrupted" | "max-runs" | "exception" = "duration"): SizingVerdict {
    return this.#controller.verdict(endReason);
  }

  #follower(source: string): Follower {
    const follower = this.#followers.get(source);
    if (follower === undefined) throw new RangeError(`no loader ${JSON.stringify(source)} in this sizing`);
    return follower;
  }

  #offset(follower: Follower): number {
    return Math.round(((follower.startTime ?? 0) - (this.#start ?? 0)) / 1000);
  }

  #secondAt(follower: Follower, index: number): LiveSecond | undefined {
    return follower.seconds.get(index - this.#offset(follower));
  }

  #lastIndex(follower: Follower): number {
    let last = -1;
    for (const t of follower.seconds.keys()) last = Math.max(last, t);
    return last < 0 ? -1 : last + this.#offset(follower);
  }
}
