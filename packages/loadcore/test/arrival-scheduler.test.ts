import { afterEach, describe, expect, it } from "vitest";
import {
  type ArrivalPlan,
  ArrivalScheduler,
  POOL_GROWTH_BUSY_LIMIT,
  POOL_GROWTH_INTERVAL_MS,
} from "../src/engine/arrival-rate.js";

/** A pool whose workers are numbers; a run holds its worker until the test ends it. */
class FakePool {
  readonly idleWorkers: number[] = [];
  readonly busy = new Set<number>();
  readonly runs: { worker: number; intendedAt: number; now: number }[] = [];
  size = 0;
  scheduler: ArrivalScheduler<number> | undefined;

  idle(): number | undefined {
    return this.idleWorkers.pop();
  }

  add(): void {
    this.idleWorkers.push(this.size);
    this.size += 1;
    this.scheduler?.dispatch();
  }

  start(worker: number, intendedAt: number, now: number): void {
    this.busy.add(worker);
    this.runs.push({ worker, intendedAt, now });
  }

  /** Ends the runs of every busy worker: they are idle again. */
  finishAll(): void {
    for (const worker of this.busy) this.idleWorkers.push(worker);
    this.busy.clear();
    this.scheduler?.dispatch();
  }
}

const schedulers: ArrivalScheduler<number>[] = [];

afterEach(() => {
  for (const scheduler of schedulers.splice(0)) scheduler.stop();
});

/** 1000 runs/s (one a ms) on a fake clock; `busy` is the event loop's utilization the scheduler sees. */
function schedule(plan: Partial<ArrivalPlan>, busy = 0.2) {
  let now = 1000;
  const pool = new FakePool();
  const scheduler = new ArrivalScheduler<number>(
    {
      startAt: 0,
      rate: { from: 1000, to: 1000 },
      rampUp: 0,
      processes: 1,
      processIndex: 0,
      maxWorkers: 1000,
      preAllocatedWorkers: 4,
      staleAfterMs: 30_000,
      ...plan,
    },
    pool,
    { clock: () => now, loopUtilization: () => busy },
  );
  pool.scheduler = scheduler;
  schedulers.push(scheduler);
  return {
    pool,
    scheduler,
    /** Moves the clock to `ms` after offset 0 and dispatches, as the timer would. */
    at(ms: number) {
      now = 1000 + ms;
      scheduler.dispatch();
    },
    begin() {
      scheduler.preAllocate();
      scheduler.begin(1000);
    },
  };
}

describe("the arrival-rate scheduler's pool", () => {
  it("makes the pre-allocated workers before the clock starts, and starts no run before it", () => {
    const { pool, scheduler, begin } = schedule({ preAllocatedWorkers: 4 });
    scheduler.preAllocate();
    expect(pool.size).toBe(4);
    expect(pool.runs).toHaveLength(0);
    begin();
    expect(pool.size).toBe(4);
    expect(pool.runs).toEqual([{ worker: 3, intendedAt: 1000, now: 1000 }]);
  });

  it("reuses idle workers and does not grow while they keep up", () => {
    const { pool, scheduler, begin, at } = schedule({ preAllocatedWorkers: 2 });
    begin();
    for (let ms = 1; ms <= 200; ms += 1) {
      at(ms);
      pool.finishAll();
    }
    expect(pool.size).toBe(2);
    expect(scheduler.counts).toEqual({ started: 201, late: 0, dropped: 0 });
  });

  it("grows at most once a growth interval and at most doubling, counting the runs that waited as late", () => {
    const { pool, scheduler, begin, at } = schedule({ preAllocatedWorkers: 2 });
    begin();
    at(1);
    // runs 0 and 1 hold both workers; runs 2 to 5 wait: the pool may not grow before one interval
    at(5);
    expect(pool.size).toBe(2);
    expect(scheduler.counts.started).toBe(2);
    at(POOL_GROWTH_INTERVAL_MS);
    // 9 runs wait: at most doubling, 2 more, both started at once
    expect(pool.size).toBe(4);
    expect(scheduler.counts.started).toBe(4);
    at(POOL_GROWTH_INTERVAL_MS + 5);
    expect(pool.size).toBe(4);
    at(2 * POOL_GROWTH_INTERVAL_MS);
    expect(pool.size).toBe(8);
    expect(scheduler.counts.late).toBe(6);
    // workers freed serve the waiting runs first, late, then the schedule catches up
    pool.finishAll();
    pool.finishAll();
    expect(scheduler.counts.started).toBe(2 * POOL_GROWTH_INTERVAL_MS + 1);
    expect(scheduler.counts.dropped).toBe(0);
  });

  it("does not grow while the event loop is busy: the runs wait for the generator's CPU, not for workers", () => {
    const { pool, scheduler, begin, at } = schedule(
      { preAllocatedWorkers: 2 },
      POOL_GROWTH_BUSY_LIMIT + 0.05,
    );
    begin();
    for (let ms = 1; ms <= 10 * POOL_GROWTH_INTERVAL_MS; ms += 1) at(ms);
    expect(pool.size).toBe(2);
    expect(scheduler.counts.started).toBe(2);
    pool.finishAll();
    expect(scheduler.counts).toEqual({ started: 4, late: 2, dropped: 0 });
  });

  it("grows an empty pool at the first run, and never past maxWorkers", () => {
    const { pool, scheduler, begin, at } = schedule({ preAllocatedWorkers: 0, maxWorkers: 5 });
    begin();
    expect(pool.size).toBe(1);
    expect(scheduler.counts.started).toBe(1);
    for (let ms = 1; ms <= 20 * POOL_GROWTH_INTERVAL_MS; ms += 1) at(ms);
    expect(pool.size).toBe(5);
    expect(scheduler.counts.started).toBe(5);
  });

  it("does not count as late the runs due during a pause of the generator that find a worker at once", () => {
    const { pool, scheduler, begin, at } = schedule({ preAllocatedWorkers: 2 });
    begin();
    pool.finishAll();
    // a 10 ms pause: runs 1 to 10 are all due at once, 2 workers are idle, 2 more are added
    at(POOL_GROWTH_INTERVAL_MS);
    expect(pool.size).toBe(4);
    pool.finishAll();
    pool.finishAll();
    // their latency counts the pause (from their time), but no run waited for a worker
    expect(scheduler.counts).toEqual({ started: 11, late: 0, dropped: 0 });
    expect(pool.runs.at(-1)).toEqual({ worker: expect.any(Number), intendedAt: 1010, now: 1010 });
  });

  it("starts no run past the planned duration, however late the stop comes", () => {
    const { pool, scheduler, begin, at } = schedule({ preAllocatedWorkers: 2, durationSeconds: 0.01 });
    begin();
    for (let ms = 1; ms <= 30; ms += 1) {
      at(ms);
      pool.finishAll();
    }
    // runs 0 to 10: the last one is due at the end (10 ms)
    expect(scheduler.counts).toEqual({ started: 11, late: 0, dropped: 0 });
  });

  it("pre-allocates at most maxWorkers", () => {
    const { pool, scheduler } = schedule({ preAllocatedWorkers: 50, maxWorkers: 5 });
    scheduler.preAllocate();
    expect(pool.size).toBe(5);
  });

  it("counts as dropped the runs still waiting for a worker when it stops", () => {
    const { scheduler, begin, at } = schedule({ preAllocatedWorkers: 1, maxWorkers: 1 });
    begin();
    at(9.5);
    scheduler.stop();
    // runs 1 to 9 waited for the one busy worker
    expect(scheduler.counts).toEqual({ started: 1, late: 0, dropped: 9 });
  });
});
