import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import {
  type ArrivalPlan,
  ArrivalScheduler,
  POOL_GROWTH_CPU_LIMIT,
  POOL_GROWTH_FREE_MS,
  POOL_GROWTH_HOLD_MS,
  POOL_GROWTH_INTERVAL_MS,
  POOL_GROWTH_LAG_LIMIT_MS,
  POOL_GROWTH_LOOP_LIMIT,
  POOL_GROWTH_MIN_STEP,
} from "../src/engine/arrival-rate.js";

/** A pool whose workers are numbers; a run holds its worker until the test ends it. */
class FakePool {
  readonly idleWorkers: number[] = [];
  /** The busy workers, and when their run started. */
  readonly busy = new Map<number, number>();
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
    this.busy.set(worker, now);
    this.runs.push({ worker, intendedAt, now });
  }

  /** Ends the runs of every busy worker, one after the other: they are idle again. */
  finishAll(): void {
    const finished = [...this.busy];
    this.busy.clear();
    for (const [worker, startedAt] of finished) {
      this.idleWorkers.push(worker);
      this.scheduler?.ended(startedAt);
    }
  }
}

const schedulers: ArrivalScheduler<number>[] = [];

afterEach(() => {
  for (const scheduler of schedulers.splice(0)) scheduler.stop();
});

/**
 * 1000 runs/s (one a ms) on a fake clock; `cpu` is the share of a core the generator used, `loop` the
 * share of its time its event loop was busy.
 */
function schedule(plan: Partial<ArrivalPlan>, cpu = 0.2, loop = 0.2) {
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
    { clock: () => now, cpuShare: () => cpu, loopBusyShare: () => loop },
  );
  pool.scheduler = scheduler;
  schedulers.push(scheduler);
  return {
    pool,
    scheduler,
    /** Moves the clock to `ms` after offset 0, without dispatching. */
    setClock(ms: number) {
      now = 1000 + ms;
    },
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

  it("grows at most doubling in a growth interval, counting the runs that waited as late", () => {
    const { pool, scheduler, begin, at } = schedule({ preAllocatedWorkers: 16 });
    begin();
    for (let ms = 1; ms < 16; ms += 1) at(ms);
    expect(scheduler.counts.started).toBe(16);
    // a run each ms, each holding its worker: at 100 ms, 85 runs wait; the pool doubles at once
    at(100);
    expect(pool.size).toBe(32);
    expect(scheduler.counts.started).toBe(32);
    at(100 + POOL_GROWTH_INTERVAL_MS / 2);
    expect(pool.size).toBe(32);
    at(100 + POOL_GROWTH_INTERVAL_MS);
    expect(pool.size).toBe(64);
    // the 16 started at 100 ms waited for no worker (the pool grew at once), the 32 after it did
    expect(scheduler.counts.late).toBe(32);
    // workers freed serve the 47 waiting runs, late but for the 2 due in the last ms
    pool.finishAll();
    expect(scheduler.counts).toEqual({ started: 111, late: 32 + 45, dropped: 0 });
  });

  it(`grows a small pool by up to ${POOL_GROWTH_MIN_STEP} workers at once`, () => {
    const { pool, scheduler, begin, at } = schedule({ preAllocatedWorkers: 1 });
    begin();
    at(50);
    expect(pool.size).toBe(1 + POOL_GROWTH_MIN_STEP);
    expect(scheduler.counts).toEqual({ started: 1 + POOL_GROWTH_MIN_STEP, late: 0, dropped: 0 });
  });

  it.each([
    ["CPU is busy: the runs wait for it, not for workers", POOL_GROWTH_CPU_LIMIT + 0.05, 0.2],
    ["event loop is busy: the answers in flight wait to be read", 0.2, POOL_GROWTH_LOOP_LIMIT + 0.05],
  ])("does not grow while the generator's %s", (_, cpu, loop) => {
    const { pool, scheduler, begin, at } = schedule({ preAllocatedWorkers: 2 }, cpu, loop);
    begin();
    for (let ms = 1; ms <= 10 * POOL_GROWTH_INTERVAL_MS; ms += 1) at(ms);
    expect(pool.size).toBe(2);
    expect(scheduler.counts.started).toBe(2);
    pool.finishAll();
    expect(scheduler.counts).toEqual({ started: 4, late: 2, dropped: 0 });
    pool.finishAll();
    expect(pool.size).toBe(2);
  });

  it("does not grow while the generator lags: its timer fired late, the machine kept it waiting", async () => {
    const { pool, scheduler, begin, at, setClock } = schedule({ preAllocatedWorkers: 2 });
    begin();
    at(1);
    // the timer armed for run 2 fires (real time), but the clock says it comes far too late
    setClock(2 + POOL_GROWTH_LAG_LIMIT_MS + 5);
    await sleep(20);
    expect(pool.size).toBe(2);
    expect(scheduler.counts.started).toBe(2);
    // nor in the next growth intervals, though the timer is on time again: not before the hold ends
    at(50);
    expect(pool.size).toBe(2);
    at(2 + POOL_GROWTH_LAG_LIMIT_MS + 5 + POOL_GROWTH_HOLD_MS);
    expect(pool.size).toBe(2 + POOL_GROWTH_MIN_STEP);
  });

  it("grows an empty pool at the first run, and never past maxWorkers", () => {
    const { pool, scheduler, begin, at } = schedule({ preAllocatedWorkers: 0, maxWorkers: 5 });
    begin();
    expect(pool.size).toBe(1);
    expect(scheduler.counts.started).toBe(1);
    for (let ms = 1; ms <= 20; ms += 1) at(ms);
    expect(pool.size).toBe(5);
    expect(scheduler.counts.started).toBe(5);
  });

  it(`grows by ${POOL_GROWTH_MIN_STEP} only after a pause of the generator, and counts none of its runs late`, () => {
    // 64 workers: more than the runs of POOL_GROWTH_FREE_MS at 1000 runs/s
    const { pool, scheduler, begin, at, setClock } = schedule({ preAllocatedWorkers: 64 });
    begin();
    pool.finishAll();
    // a 100 ms pause: runs 1 to 100 are due at once; the 64 idle workers take 64, and their runs are
    // young: the pool grows by the small step, not by its size
    at(100);
    expect(pool.size).toBe(64 + POOL_GROWTH_MIN_STEP);
    expect(scheduler.counts.started).toBe(1 + 64 + POOL_GROWTH_MIN_STEP);
    // their runs end 0.8 ms later and the 28 others start on them: late for the pause (their latency
    // counts it), not for want of a worker
    setClock(100.8);
    pool.finishAll();
    expect(pool.size).toBe(64 + POOL_GROWTH_MIN_STEP);
    expect(scheduler.counts).toEqual({ started: 101, late: 0, dropped: 0 });
  });

  it(`grows a pool under the runs of ${POOL_GROWTH_FREE_MS} ms by its size after a pause, young runs or not`, () => {
    // 10,000 runs/s: 16 workers hold the runs of 1.6 ms
    const { pool, scheduler, begin, at } = schedule({
      preAllocatedWorkers: 16,
      rate: { from: 10_000, to: 10_000 },
    });
    begin();
    pool.finishAll();
    at(40);
    expect(pool.size).toBe(32);
    expect(scheduler.counts.started).toBe(1 + 32);
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
