import { type RampRate, RUN_DEFAULTS } from "../options/run-options.js";
import { cpuTimeReader } from "./self-check.js";

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
  /** Epoch ms of the run's start (offset 0 of the schedule); 0 while the pool is being prepared. */
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
  /** The workers of this process made ready (setup fixtures run) before the schedule's clock starts. */
  preAllocatedWorkers: number;
  /** A run still waiting for a free worker this long after its time is dropped, ms (the request timeout). */
  staleAfterMs: number;
  /** The run's planned length, seconds: a run due after it is never counted dropped, even when the stop comes late. */
  durationSeconds?: number;
}

/** Counts of the runs of an arrival-rate schedule, cumulative. */
export interface ArrivalCounts {
  /** Runs started (on time or late). */
  started: number;
  /** Runs started more than 1 ms late for want of a worker: every worker of the pool was busy. */
  late: number;
  /** Runs that never started: no free worker within `staleAfterMs`, or still waiting when the run ended. */
  dropped: number;
}

/** The scheduler's side of the worker pool. */
export interface ArrivalPool<Worker> {
  /** An idle worker, or undefined when every worker is busy (or still running its setup). */
  idle(): Worker | undefined;
  /**
   * Adds a worker to the pool. Once its setup is done it is idle and calls
   * {@link ArrivalScheduler.dispatch} (at once, from within this call, when it has no setup to wait for).
   */
  add(): void;
  /**
   * Starts one scenario run on `worker`: `intendedAt` is when it should have started and `now` when it
   * does (both `performance.now()` ms). Once the run is over, the pool calls {@link ArrivalScheduler.ended}
   * with that `now` (the worker idle again, or gone).
   */
  start(worker: Worker, intendedAt: number, now: number): void;
}

/** Seams of {@link ArrivalScheduler}: real by default. */
export interface ArrivalSchedulerOptions {
  /** A monotonic ms clock, `performance.now` by default. */
  clock?: () => number;
  /**
   * The share of one core (1 = a whole core) the generator used since the previous call (the first call
   * starts the count); by default its CPU time ({@link cpuTimeReader}) over the clock's time.
   */
  cpuShare?: () => number;
  /**
   * The share of its time the event loop was busy since the previous call (the first call starts the
   * count); by default from `performance.eventLoopUtilization()`.
   */
  loopBusyShare?: () => number;
}

/**
 * A run that waited for a worker longer than this counts as late: timer granularity, not a busy pool.
 * The wait counts from its time, or from when the pool was found exhausted by runs the target holds
 * ({@link POOL_GROWTH_HELD_SHARE}) when that is later: a run due during a pause of the generator (a GC,
 * a slow callback) is late for the generator's CPU, which its latency and the self-check show, not for
 * want of a worker, and so is one that waits for the runs started with it after the pause.
 */
const ON_TIME_MS = 1;
/** The pool grows at most by its own size in this many ms (at most doubling), or by {@link POOL_GROWTH_MIN_STEP}. */
export const POOL_GROWTH_INTERVAL_MS = 10;
/** A small pool may grow by this many workers in a growth interval. */
export const POOL_GROWTH_MIN_STEP = 8;
/**
 * A pool that is exhausted while the generator used more than this share of a core (over the growth
 * interval before) does not grow: the runs are waiting for the generator's CPU, not for workers, and
 * more workers would only open more connections and fall further behind (at the start, before the
 * code was warm, that cascade took a 1,000-worker pool to its maximum in a second against a 1 ms
 * service). Its CPU time over the whole growth interval: on a machine busy with other work, the loop
 * waits for a core most of the time it is busy, which its utilisation counts as busy. The loop's share
 * over its last 10 ms ({@link POOL_GROWTH_LOOP_LIMIT}) is checked too, for the stalls this average smooths.
 */
export const POOL_GROWTH_CPU_LIMIT = 0.9;

/**
 * Nor does a pool whose event loop was busy more than this share of its last window
 * ({@link POOL_GROWTH_INTERVAL_MS}, sampled as runs are dispatched): with no idle time left, the loop
 * reads the answers of the runs in flight late, so they look held by the target while they wait for the
 * generator, and more workers only add connections to it. The CPU share above is read over the whole
 * growth interval, which can be a hundred calm milliseconds around a stall: against nginx at 35,000 and
 * 50,000 runs/s, pools that passed it doubled after each stall to 1,000 workers, whose connections cost
 * more a request than the 60 to 200 the rate needed (a closed loop of 1,000 workers does about half the
 * requests a second of one of 50).
 */
export const POOL_GROWTH_LOOP_LIMIT = 0.9;

/**
 * Nor does a pool whose timer fired later than this since the last growth (ms): the generator does not
 * keep time, because its CPU is busy or because a busy machine gives it a core late; either way the
 * runs in flight look slow for the generator's sake, and more workers would add connections to it.
 */
export const POOL_GROWTH_LAG_LIMIT_MS = 10;
/**
 * After either sign (busy CPU, late timer), the pool does not grow for this long (ms): a generator that
 * stalls keeps time between its stalls, and growing in each calm interval took the pool to its maximum.
 */
export const POOL_GROWTH_HOLD_MS = 200;
/**
 * A pool whose runs in flight are young grows by at most {@link POOL_GROWTH_MIN_STEP} workers a growth
 * interval, not by its size: it doubles only once they are, on average, at least this share as old as
 * runs started on schedule would be (half the runs in flight times the arrival interval). After a pause
 * of the generator (a GC, a late timer, a core given late), the runs due meanwhile all start in one turn
 * and exhaust the pool at once; they end as soon as the generator reads their answers, so the pool that
 * was enough before the pause is about enough after it. Doubling there opened hundreds of connections
 * (the pool of a 3,500 runs/s run against a 0.1 ms service reached its 1,000 workers in its first second),
 * and opening them made the next pause.
 */
export const POOL_GROWTH_HELD_SHARE = 0.5;
/**
 * ...once the pool holds the runs of this many ms at the current rate, what the defaults pre-allocate
 * ({@link RUN_DEFAULTS.preAllocatedSeconds}): a smaller pool (a small `--pre-allocated-workers`) grows as
 * before after a pause. From 50 ms of runs instead (250 workers at 5,000 runs/s), the pool doubled from
 * its 100 pre-allocated workers to its 1,000 on a busy machine, as it did before the step.
 */
export const POOL_GROWTH_FREE_MS = RUN_DEFAULTS.preAllocatedSeconds * 1000;

function loopBusyShareOf(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const share = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return share;
  };
}

function cpuShareOf(clock: () => number): () => number {
  const readCpu = cpuTimeReader();
  let lastCpu = readCpu();
  let lastTime = clock();
  return () => {
    const cpu = readCpu();
    const time = clock();
    const share = time > lastTime ? (cpu - lastCpu) / (time - lastTime) : 0;
    lastCpu = cpu;
    lastTime = time;
    return share;
  };
}

/**
 * Starts scenario runs on schedule, whether or not earlier ones finished. A run that finds every worker
 * busy waits for the next free one (and its latency then counts the wait, see `Session`): it is counted
 * late, and dropped once it waited `staleAfterMs` or the run ends first. Nothing is skipped uncounted.
 *
 * The pool starts with `preAllocatedWorkers`, made ready before the clock starts ({@link preAllocate},
 * then {@link begin}). It grows when runs are due and no worker is idle, at a bounded pace: at most
 * doubling in each {@link POOL_GROWTH_INTERVAL_MS} (by {@link POOL_GROWTH_MIN_STEP} while the runs in
 * flight are young, {@link POOL_GROWTH_HELD_SHARE}), only while the generator has CPU and loop time
 * to spare ({@link POOL_GROWTH_CPU_LIMIT}, {@link POOL_GROWTH_LOOP_LIMIT}) and keeps time ({@link POOL_GROWTH_LAG_LIMIT_MS}), up to `maxWorkers`.
 */
export class ArrivalScheduler<Worker> {
  readonly #plan: ArrivalPlan;
  readonly #pool: ArrivalPool<Worker>;
  readonly #clock: () => number;
  readonly #cpuShare: () => number;
  readonly #loopBusyShare: () => number;
  /** When the loop's busy share was last read, and the share of the last window of at least 1 ms. */
  #loopReadAt = Number.NEGATIVE_INFINITY;
  #loopBusy = 0;
  /** `performance.now()` of the schedule's offset 0, once begun. */
  #origin = Number.NaN;
  /** This process's next run, counted in its own share (global index `next * processes + processIndex`). */
  #next = 0;
  /** Its time, cached: `#timeOf` costs a division (a square root during a ramp). */
  #nextAt = Number.NaN;
  #timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (`performance.now()` ms). */
  #timerAt = Number.POSITIVE_INFINITY;
  readonly #onTimer = () => {
    const lag = this.#clock() - this.#timerAt;
    if (lag > this.#timerLag) this.#timerLag = lag;
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    this.dispatch();
  };
  #stopped = false;
  #dispatching = false;
  #dispatchAgain = false;
  /** The pool was found exhausted with runs due, and they have not all started since. */
  #backlog = false;
  /** When it was (`performance.now()` ms). */
  #backlogSince = 0;
  /** Workers added to the pool (ready, busy, or still in their setup). */
  #size = 0;
  /** When the growth budget is next refilled, and what is left of it (workers). */
  #refillAt = Number.NEGATIVE_INFINITY;
  #growthBudget = 0;
  /** Workers added in this growth interval while the runs in flight were young. */
  #youngGrowth = 0;
  /** How late the timer fired at worst since the last refill, ms: how far the generator lags. */
  #timerLag = 0;
  /** No growth before this time: the generator was CPU-bound or lagging shortly before. */
  #holdUntil = Number.NEGATIVE_INFINITY;
  /** Runs started and not ended, and the sum of their start times (ms): their mean age in O(1). */
  #inFlight = 0;
  #inFlightStartSum = 0;
  /** The time of the last run of the plan (its duration), or infinity. */
  #endAt = Number.POSITIVE_INFINITY;
  readonly counts: ArrivalCounts = { started: 0, late: 0, dropped: 0 };

  constructor(plan: ArrivalPlan, pool: ArrivalPool<Worker>, options: ArrivalSchedulerOptions = {}) {
    this.#plan = plan;
    this.#pool = pool;
    this.#clock = options.clock ?? (() => performance.now());
    this.#cpuShare = options.cpuShare ?? cpuShareOf(this.#clock);
    this.#loopBusyShare = options.loopBusyShare ?? loopBusyShareOf();
  }

  /** Workers added to the pool so far. */
  get size(): number {
    return this.#size;
  }

  /** True once {@link begin} started the schedule. */
  get begun(): boolean {
    return !Number.isNaN(this.#origin);
  }

  /** Adds the plan's `preAllocatedWorkers` (at most `maxWorkers`) to the pool, before the clock starts. */
  preAllocate(): void {
    const count = Math.min(this.#plan.preAllocatedWorkers, this.#plan.maxWorkers) - this.#size;
    this.#add(count);
  }

  /** Starts the schedule: offset 0 is `origin`, a time of the clock (usually now, or just past). */
  begin(origin: number): void {
    if (this.#stopped || !Number.isNaN(this.#origin)) return;
    this.#origin = origin;
    if (this.#plan.durationSeconds !== undefined) this.#endAt = origin + this.#plan.durationSeconds * 1000;
    this.#nextAt = this.#timeOf(this.#next);
    this.#cpuShare();
    this.#readLoop(this.#clock());
    this.dispatch();
  }

  #timeOf(next: number): number {
    const plan = this.#plan;
    return (
      this.#origin + arrivalOffset(next * plan.processes + plan.processIndex, plan.rate, plan.rampUp) * 1000
    );
  }

  /**
   * A run started at `startedAt` (the `now` given to {@link ArrivalPool.start}) is over: its worker is idle
   * again (or gone), so the runs due may start on it.
   */
  ended(startedAt: number): void {
    this.#inFlight -= 1;
    // back to zero with the last run: no rounding error carried over
    this.#inFlightStartSum = this.#inFlight > 0 ? this.#inFlightStartSum - startedAt : 0;
    this.dispatch();
  }

  /** Starts every run that is due and has a worker; arms a timer for the next one. */
  dispatch(): void {
    if (this.#stopped || Number.isNaN(this.#origin)) return;
    // a worker added or freed while dispatching calls back: the loop below picks it up
    if (this.#dispatching) {
      this.#dispatchAgain = true;
      return;
    }
    this.#dispatching = true;
    try {
      do {
        this.#dispatchAgain = false;
        this.#dispatchDue();
      } while (this.#dispatchAgain && !this.#stopped);
    } finally {
      this.#dispatching = false;
    }
  }

  #dispatchDue(): void {
    const now = this.#clock();
    if (now - this.#loopReadAt >= POOL_GROWTH_INTERVAL_MS) this.#readLoop(now);
    const staleAfterMs = this.#plan.staleAfterMs;
    for (;;) {
      const intendedAt = this.#nextAt;
      // the schedule ends with the planned duration, whenever the stop comes
      if (intendedAt > this.#endAt) {
        this.#backlog = false;
        return;
      }
      if (intendedAt > now) {
        this.#backlog = false;
        this.#arm(intendedAt, now);
        return;
      }
      if (now - intendedAt > staleAfterMs) {
        this.counts.dropped += 1;
        this.#advance();
        continue;
      }
      const worker = this.#pool.idle();
      if (worker === undefined) {
        const heldAt = this.#heldByTargetAt();
        if (!this.#backlog) {
          this.#backlog = true;
          // young runs hold the pool (a pause of the generator left runs due at once): the runs waiting
          // are late for the pause, not for want of a worker, until the target holds the workers
          this.#backlogSince = Math.max(now, heldAt);
        }
        if (this.#grow(now, heldAt)) continue;
        // a worker that ends its run calls dispatch again
        return;
      }
      this.#advance();
      this.counts.started += 1;
      if (this.#backlog && now - Math.max(intendedAt, this.#backlogSince) > ON_TIME_MS) this.counts.late += 1;
      this.#inFlight += 1;
      this.#inFlightStartSum += now;
      this.#pool.start(worker, intendedAt, now);
    }
  }

  /**
   * The loop's busy share of its last window: the one ending now, or the one before when this one is
   * shorter than 1 ms (too short to tell).
   */
  #readLoop(now: number): number {
    const share = this.#loopBusyShare();
    if (now - this.#loopReadAt >= 1) this.#loopBusy = share;
    this.#loopReadAt = now;
    return this.#loopBusy;
  }

  #advance(): void {
    this.#next += 1;
    this.#nextAt = this.#timeOf(this.#next);
  }

  /**
   * Adds workers for the runs due, if the pool may grow now; true when it grew. Each growth interval
   * allows as many new workers as the pool had at its start, at least {@link POOL_GROWTH_MIN_STEP}
   * (none while the generator's CPU was busy or its timer late since the interval before), used as runs
   * find the pool exhausted.
   */
  #grow(now: number, heldAt: number): boolean {
    const plan = this.#plan;
    if (this.#size >= plan.maxWorkers) return false;
    if (now >= this.#refillAt) {
      const cpu = this.#size > 0 ? this.#cpuShare() : 0;
      const loopBusy = this.#readLoop(now);
      if (
        cpu > POOL_GROWTH_CPU_LIMIT ||
        loopBusy > POOL_GROWTH_LOOP_LIMIT ||
        this.#timerLag > POOL_GROWTH_LAG_LIMIT_MS
      )
        this.#holdUntil = now + POOL_GROWTH_HOLD_MS;
      this.#timerLag = 0;
      this.#refillAt = now + POOL_GROWTH_INTERVAL_MS;
      this.#growthBudget = now < this.#holdUntil ? 0 : Math.max(POOL_GROWTH_MIN_STEP, this.#size);
      this.#youngGrowth = 0;
    }
    // a pool smaller than the runs of POOL_GROWTH_FREE_MS grows as it needs, young runs or not
    const young = heldAt > now && this.#size * this.#arrivalInterval() >= POOL_GROWTH_FREE_MS;
    const allowed = young
      ? Math.min(this.#growthBudget, POOL_GROWTH_MIN_STEP - this.#youngGrowth)
      : this.#growthBudget;
    if (allowed <= 0) {
      // a worker that ends its run calls dispatch; if none does, this timer looks again
      this.#arm(young ? Math.min(heldAt, this.#refillAt) : this.#refillAt, now);
      return false;
    }
    // the runs due by now and not started: no more (headroom added at each growth compounded into a
    // pool far bigger than the runs ever in flight, when the generator kept pausing)
    const due = arrivalsBy((now - this.#origin) / 1000, plan.rate, plan.rampUp);
    const waiting = Math.max(1, Math.floor((due - plan.processIndex) / plan.processes) + 1 - this.#next);
    const count = Math.min(plan.maxWorkers - this.#size, allowed, waiting);
    this.#growthBudget -= count;
    if (young) this.#youngGrowth += count;
    this.#add(count);
    return true;
  }

  /**
   * When the runs in flight will be old enough that the target, not a pause of the generator, holds the
   * workers ({@link POOL_GROWTH_HELD_SHARE}): a time of the clock, -infinity when no run is in flight.
   */
  #heldByTargetAt(): number {
    if (this.#inFlight <= 0) return Number.NEGATIVE_INFINITY;
    const meanStart = this.#inFlightStartSum / this.#inFlight;
    return meanStart + (POOL_GROWTH_HELD_SHARE * this.#inFlight * this.#arrivalInterval()) / 2;
  }

  /** This process's time between its next run and the one after, ms. */
  #arrivalInterval(): number {
    return this.#timeOf(this.#next + 1) - this.#nextAt;
  }

  #add(count: number): void {
    for (let added = 0; added < count; added += 1) {
      this.#size += 1;
      this.#pool.add();
    }
  }

  /** Arms the timer to fire at `at` (`performance.now()` ms), unless it already fires earlier. */
  #arm(at: number, now: number): void {
    if (this.#timer !== undefined) {
      if (this.#timerAt <= at) return;
      clearTimeout(this.#timer);
    }
    this.#timerAt = at;
    this.#timer = setTimeout(this.#onTimer, Math.max(0, Math.floor(at - now)));
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
    if (Number.isNaN(this.#origin)) return;
    const now = this.#clock();
    const end =
      this.#plan.durationSeconds === undefined
        ? now
        : Math.min(now, this.#origin + this.#plan.durationSeconds * 1000);
    while (this.#backlog && this.#nextAt < end) {
      this.counts.dropped += 1;
      this.#advance();
    }
  }
}
