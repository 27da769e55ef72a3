import type { RampRate } from "../options/run-options.js";

/**
 * When the scenario run of index `index` (0-based, whole run) should start, in seconds after the run's
 * start: `ramp.from` runs per second growing linearly to `ramp.to` over `rampUpSeconds`, then `ramp.to`
 * held. The runs started by time t are `from * t + (to - from) * t² / (2 * rampUp)` during the ramp; this
 * is its inverse, written so that it holds for a flat or a falling ramp too.
 */
export function arrivalOffset(index: number, ramp: RampRate, rampUpSeconds: number): number {
  const { from, to } = ramp;
  if (from === to || rampUpSeconds <= 0) return index / to;
  const duringRamp = ((from + to) / 2) * rampUpSeconds;
  if (index <= duringRamp) {
    const slope = (to - from) / rampUpSeconds;
    return (2 * index) / (from + Math.sqrt(Math.max(0, from * from + 2 * slope * index)));
  }
  return rampUpSeconds + (index - duringRamp) / to;
}

/**
 * How many scenario runs the schedule starts in its first `seconds` (a real number, all processes): the
 * integral of the rate, `from * t + (to - from) * t² / (2 * rampUp)` during the ramp, then `to` per second.
 */
export function arrivalsBy(seconds: number, ramp: RampRate, rampUpSeconds: number): number {
  const { from, to } = ramp;
  if (seconds <= 0) return 0;
  if (from === to || rampUpSeconds <= 0) return to * seconds;
  const during = Math.min(seconds, rampUpSeconds);
  const ramped = from * during + ((to - from) * during * during) / (2 * rampUpSeconds);
  return ramped + to * Math.max(0, seconds - rampUpSeconds);
}

/** The target rate of second `t` (from t to t + 1 s after the start): the runs the schedule starts in it. */
export function targetRateOf(t: number, ramp: RampRate, rampUpSeconds: number): number {
  return arrivalsBy(t + 1, ramp, rampUpSeconds) - arrivalsBy(t, ramp, rampUpSeconds);
}

/** What one process needs to start its share of an arrival-rate run (plain data, sent to threads). */
export interface ArrivalPlan {
  /** Epoch ms of the run's start (offset 0 of the schedule). */
  startAt: number;
  /** Scenario runs per second of the whole run (all processes). */
  rate: RampRate;
  /** Length of the ramp from `rate.from` to `rate.to`, seconds (0 for a constant rate). */
  rampUp: number;
  /** Processes sharing the schedule: this one starts runs `processIndex`, `processIndex + processes`... */
  processes: number;
  processIndex: number;
  /** The most workers of this process. */
  maxWorkers: number;
  /** A run still waiting for a free worker this long after its time is dropped, ms (the request timeout). */
  staleAfterMs: number;
  /** The run's planned length, seconds: a run due after it is never counted dropped, even when the stop comes late. */
  durationSeconds?: number;
}

/** Counts of the runs of an arrival-rate schedule, cumulative. */
export interface ArrivalCounts {
  /** Runs started (on time or late). */
  started: number;
  /** Runs started after their time because every worker of the pool was busy. */
  late: number;
  /** Runs that never started: no free worker within `staleAfterMs`, or still waiting when the run ended. */
  dropped: number;
}

/** The scheduler's side of the worker pool. */
export interface ArrivalPool<Worker> {
  /** A free worker (an idle one, or a new one while the pool may grow), or undefined when exhausted. */
  take(): Worker | undefined;
  /** Starts one scenario run on `worker`; `intendedAt` is when it should have started (`performance.now()` ms). */
  start(worker: Worker, intendedAt: number): void;
}

/** Within this many ms of its time a run counts as on time: timer granularity, not a busy pool. */
const ON_TIME_MS = 1;

/**
 * Starts scenario runs on schedule, whether or not earlier ones finished. A run that finds every worker
 * busy waits for the next free one (and its latency then counts the wait, see `Session`): it is counted
 * late, and dropped once it waited `staleAfterMs` or the run ends first. Nothing is skipped uncounted.
 */
export class ArrivalScheduler<Worker> {
  readonly #plan: ArrivalPlan;
  readonly #pool: ArrivalPool<Worker>;
  readonly #clock: () => number;
  /** `performance.now()` of the schedule's offset 0. */
  readonly #origin: number;
  /** This process's next run, counted in its own share (global index `next * processes + processIndex`). */
  #next = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** The pool was found exhausted with runs due, and they have not all started since. */
  #backlog = false;
  readonly counts: ArrivalCounts = { started: 0, late: 0, dropped: 0 };

  constructor(plan: ArrivalPlan, pool: ArrivalPool<Worker>, clock: () => number = () => performance.now()) {
    this.#plan = plan;
    this.#pool = pool;
    this.#clock = clock;
    this.#origin = clock() + (plan.startAt - Date.now());
  }

  #timeOf(next: number): number {
    const plan = this.#plan;
    return (
      this.#origin + arrivalOffset(next * plan.processes + plan.processIndex, plan.rate, plan.rampUp) * 1000
    );
  }

  /** Starts every run that is due and has a worker; arms a timer for the next one. */
  dispatch(): void {
    if (this.#stopped) return;
    const now = this.#clock();
    for (;;) {
      const intendedAt = this.#timeOf(this.#next);
      if (intendedAt > now) {
        this.#backlog = false;
        this.#arm(intendedAt - now);
        return;
      }
      if (now - intendedAt > this.#plan.staleAfterMs) {
        this.counts.dropped += 1;
        this.#next += 1;
        continue;
      }
      const worker = this.#pool.take();
      if (worker === undefined) {
        // a worker that ends its run calls dispatch again
        this.#backlog = true;
        return;
      }
      this.#next += 1;
      this.counts.started += 1;
      if (this.#backlog && now - intendedAt > ON_TIME_MS) this.counts.late += 1;
      this.#pool.start(worker, intendedAt);
    }
  }

  #arm(delayMs: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.dispatch();
      },
      Math.max(0, Math.floor(delayMs)),
    );
  }

  /** A run given to a worker that ended before running it (its setup failed): dropped, not started. */
  unstarted(): void {
    this.counts.started -= 1;
    this.counts.dropped += 1;
  }

  /**
   * Stops starting runs: those due and still waiting for a worker are counted dropped. Without a
   * backlog, a run due this very moment only waits for its timer: it falls after the end, not dropped.
   */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const now = this.#clock();
    const end =
      this.#plan.durationSeconds === undefined
        ? now
        : Math.min(now, this.#origin + this.#plan.durationSeconds * 1000);
    while (this.#backlog && this.#timeOf(this.#next) < end) {
      this.counts.dropped += 1;
      this.#next += 1;
    }
  }
}
