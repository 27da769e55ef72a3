/**
 * Something with a deadline in a {@link RequestDeadlines}: an in-flight request. The links are
 * intrusive (fields of the request itself), so arming, re-arming and clearing a deadline allocate
 * nothing and cost O(1) whatever the number of requests in flight.
 */
export abstract class DeadlineEntry {
  /** When the entry expires, in the clock's milliseconds. */
  deadline = 0;
  /** The lane the entry is queued in, or undefined when it has no deadline armed. */
  lane: DeadlineLane | undefined = undefined;
  previousEntry: DeadlineEntry | undefined = undefined;
  nextEntry: DeadlineEntry | undefined = undefined;

  /** Called once when the deadline passes, with the clock reading that found it passed (the entry is already off its lane). */
  abstract expire(now: number): void;
}

/**
 * The entries that share one timeout value, in deadline order: an entry is always appended with
 * `now + timeoutMs`, so the lane is a FIFO whose head expires first.
 */
export class DeadlineLane {
  readonly timeoutMs: number;
  head: DeadlineEntry | undefined = undefined;
  tail: DeadlineEntry | undefined = undefined;

  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
  }
}

/** Options of {@link RequestDeadlines} (seams for tests; production defaults). */
export interface RequestDeadlinesOptions {
  /** Monotonic milliseconds (default `performance.now`). */
  now?: () => number;
}

/**
 * The per-request timeouts of one process (or worker thread): one lane per distinct timeout value and a
 * single timer aimed at the earliest head, instead of a timer per request. A request that ends before its
 * deadline (the usual case) only unlinks itself; the timer then fires once, finds a later head and is
 * aimed again, so with short requests it fires about once per timeout period.
 */
export class RequestDeadlines {
  readonly #lanes = new Map<number, DeadlineLane>();
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (clock ms), Infinity when none is armed. */
  #timerAt = Number.POSITIVE_INFINITY;
  readonly #onTimer = () => this.#expireDue();

  constructor(options: RequestDeadlinesOptions = {}) {
    this.#now = options.now ?? (() => performance.now());
  }

  /** The current clock reading, ms. */
  now(): number {
    return this.#now();
  }

  /**
   * Arms `entry` to expire `timeoutMs` after `now`. A timeout that is not a positive finite number arms
   * nothing (no timeout). The entry must not be armed already.
   */
  arm(entry: DeadlineEntry, timeoutMs: number, now: number): void {
    if (!(timeoutMs > 0 && timeoutMs < Number.POSITIVE_INFINITY)) return;
    let lane = this.#lanes.get(timeoutMs);
    if (lane === undefined) {
      lane = new DeadlineLane(timeoutMs);
      this.#lanes.set(timeoutMs, lane);
    }
    this.#append(entry, lane, now + timeoutMs);
  }

  /** Moves an armed entry's deadline to its timeout after `now` (activity on the request). */
  rearm(entry: DeadlineEntry, now: number): void {
    const lane = entry.lane;
    if (lane === undefined) return;
    if (lane.tail !== entry) {
      this.clear(entry);
      this.#append(entry, lane, now + lane.timeoutMs);
    } else {
      // already last: its new deadline is still the latest of its lane
      entry.deadline = now + lane.timeoutMs;
    }
  }

  #append(entry: DeadlineEntry, lane: DeadlineLane, deadline: number): void {
    entry.deadline = deadline;
    entry.lane = lane;
    entry.nextEntry = undefined;
    entry.previousEntry = lane.tail;
    if (lane.tail === undefined) {
      lane.head = entry;
      this.#aim(deadline);
    } else {
      lane.tail.nextEntry = entry;
    }
    lane.tail = entry;
  }

  /** Disarms an entry (its request ended); nothing happens if it is not armed. */
  clear(entry: DeadlineEntry): void {
    const lane = entry.lane;
    if (lane === undefined) return;
    const previous = entry.previousEntry;
    const next = entry.nextEntry;
    if (previous === undefined) lane.head = next;
    else previous.nextEntry = next;
    if (next === undefined) lane.tail = previous;
    else next.previousEntry = previous;
    entry.lane = undefined;
    entry.previousEntry = undefined;
    entry.nextEntry = undefined;
  }

  /** Entries armed now, every lane (for tests and diagnostics: O(n)). */
  get size(): number {
    let count = 0;
    for (const lane of this.#lanes.values()) {
      for (let entry = lane.head; entry !== undefined; entry = entry.nextEntry) count += 1;
    }
    return count;
  }

  /** Stops the timer; armed entries stay armed but no longer expire (the process is ending). */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #aim(at: number): void {
    if (at >= this.#timerAt) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(this.#onTimer, Math.max(1, Math.ceil(at - this.#now())));
    // pending requests keep the loop alive by themselves; an idle deadline timer must not
    this.#timer.unref();
  }

  #expireDue(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = this.#now();
    // earliest deadline first across lanes (there are few lanes: usually one per process)
    for (;;) {
      let due: DeadlineEntry | undefined;
      for (const lane of this.#lanes.values()) {
        const head = lane.head;
        if (head !== undefined && head.deadline <= now && (due === undefined || head.deadline < due.deadline))
          due = head;
      }
      if (due === undefined) break;
      this.clear(due);
      due.expire(now);
    }
    let earliest = Number.POSITIVE_INFINITY;
    for (const [timeoutMs, lane] of this.#lanes) {
      const head = lane.head;
      if (head === undefined) {
        // lanes of per-request timeouts would pile up otherwise
        if (this.#lanes.size > 8) this.#lanes.delete(timeoutMs);
      } else if (head.deadline < earliest) {
        earliest = head.deadline;
      }
    }
    if (earliest < Number.POSITIVE_INFINITY) this.#aim(earliest);
  }
}
