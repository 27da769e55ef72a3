import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { LoadcoreError } from "../errors.js";
import { type StatsInterval, StatsRecorder } from "../stats/stats.js";
import type { ArrivalCounts, ArrivalPlan } from "./arrival-rate.js";
import { type EngineHooks, type EngineSettings, LoadEngine, type WorkerPlan } from "./load-engine.js";
import { getRegistry } from "./registry.js";
import { SelfMonitor } from "./self-check.js";

/** What one process reports each second. */
export interface ProcessReport {
  interval: StatsInterval;
  /** Workers running now. */
  active: number;
  /** The most workers running at once since the previous report. */
  peakActive: number;
  /** Workers started so far. */
  started: number;
  /** p99 event-loop delay of that thread since its previous report, ms (threads only). */
  eventLoopDelayMs?: number;
  /** Workers stopped by a failing setup fixture so far. */
  setupFailures: number;
  /** Arrival-rate model: scenario runs started, late and dropped so far. */
  arrivals?: ArrivalCounts;
  /** The first of those failures. */
  firstSetupFailure?: string;
}

/** One generator process: the main thread itself (`-p 1`) or a worker thread. */
export interface LoadProcess {
  /** Resolves when the process is ready to start (scenario loaded). */
  readonly ready: Promise<void>;
  /**
   * Arrival-rate model: makes the pool's first workers ready before the clock starts; resolves once
   * they are (or the process stopped or ended).
   */
  prepare(plan: ArrivalPlan, variables: Record<string, unknown>): Promise<void>;
  /** Starts its workers (arrival-rate model: its schedule, from `plan.startAt`). */
  start(plans: readonly WorkerPlan[] | ArrivalPlan, variables: Record<string, unknown>): void;
  /** Everything recorded since the previous report. */
  report(): Promise<ProcessReport>;
  /** Stops the workers (after their current step, or now with `force`). */
  stop(force: boolean): void;
  /** Resolves when every worker has ended. */
  readonly done: Promise<void>;
  /** Releases the process (terminates a thread). */
  close(): Promise<void>;
}

/** The workers run in the calling thread (the fastest choice for `-p 1`). */
export class InThreadProcess implements LoadProcess {
  readonly ready = Promise.resolve();
  readonly done: Promise<void>;
  readonly #engine: LoadEngine;
  #resolveStart: ((plans: readonly WorkerPlan[] | ArrivalPlan) => void) | undefined;

  constructor(settings: EngineSettings, hooks: EngineHooks) {
    this.#engine = new LoadEngine(settings, getRegistry(), hooks);
    const plansGiven = new Promise<readonly WorkerPlan[] | ArrivalPlan>((resolve) => {
      this.#resolveStart = resolve;
    });
    this.done = plansGiven.then((plans) => this.#engine.run(plans));
  }

  prepare(plan: ArrivalPlan): Promise<void> {
    return this.#engine.prepare(plan);
  }

  start(plans: readonly WorkerPlan[] | ArrivalPlan): void {
    this.#resolveStart?.(plans);
  }

  report(): Promise<ProcessReport> {
    const engine = this.#engine;
    return Promise.resolve({
      interval: engine.recorder.drain(),
      active: engine.active,
      peakActive: engine.takePeakActive(),
      started: engine.started,
      setupFailures: engine.setupFailures,
      ...(engine.arrivals === undefined ? {} : { arrivals: engine.arrivals }),
      ...(engine.firstSetupFailure === undefined ? {} : { firstSetupFailure: engine.firstSetupFailure }),
    });
  }

  stop(force: boolean): void {
    this.#engine.stop(force);
  }

  async close(): Promise<void> {}
}

/** Messages from a worker thread. */
export type ThreadMessage =
  | { type: "ready" }
  | { type: "prepared" }
  | { type: "failed"; code: string; message: string }
  | { type: "report"; report: ProcessReport }
  | { type: "print"; stream: "stdout" | "stderr"; text: string }
  | { type: "stop-request"; reason: "exception" | "scenario-picker" }
  | { type: "done"; report: ProcessReport };

/** Messages to a worker thread. */
export type ParentMessage =
  | { type: "prepare"; plan: ArrivalPlan; variables: Record<string, unknown> }
  | { type: "start"; plans: readonly WorkerPlan[] | ArrivalPlan; variables: Record<string, unknown> }
  | { type: "report" }
  | { type: "stop"; force: boolean };

/** What a worker thread gets at creation. */
export interface ThreadData {
  scenarioFile: string;
  extensions: readonly string[];
  cwd: string;
  settings: EngineSettings;
}

function threadEntry(): string {
  const url = new URL("./worker-thread.js", import.meta.url);
  const path = fileURLToPath(url);
  if (!existsSync(path)) {
    throw new LoadcoreError(
      "ERR_LOADCORE_NOT_BUILT",
      `--processes > 1 needs the built engine (${path} is missing): run pnpm --filter @sizer/loadcore build`,
    );
  }
  return path;
}

/** The workers run in a worker thread with its own event loop, loading the scenario file itself. */
export class ThreadProcess implements LoadProcess {
  readonly ready: Promise<void>;
  readonly done: Promise<void>;
  readonly #worker: Worker;
  readonly #pendingReports: ((report: ProcessReport) => void)[] = [];
  #prepared: (() => void) | undefined;
  #finalReport: ProcessReport | undefined;
  #finished = false;
  #setupFailures = 0;
  #started = 0;

  constructor(data: ThreadData, hooks: EngineHooks) {
    this.#worker = new Worker(threadEntry(), { workerData: data });
    let resolveReady: () => void = () => {};
    let rejectReady: (error: unknown) => void = () => {};
    this.ready = new Promise<void>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    let resolveDone: () => void = () => {};
    this.done = new Promise<void>((resolve) => {
      resolveDone = resolve;
    });
    const finish = (report: ProcessReport | undefined) => {
      this.#finished = true;
      if (report !== undefined) {
        this.#finalReport = report;
        this.#setupFailures = report.setupFailures;
        this.#started = report.started;
      }
      for (const pending of this.#pendingReports.splice(0)) pending(this.#takeFinal());
      this.#takePrepared();
      resolveDone();
    };
    this.#worker.on("message", (message: ThreadMessage) => {
      switch (message.type) {
        case "ready":
          resolveReady();
          break;
        case "prepared":
          this.#takePrepared();
          break;
        case "failed":
          rejectReady(new LoadcoreError(message.code, message.message));
          finish(undefined);
          break;
        case "report":
          this.#setupFailures = message.report.setupFailures;
          this.#started = message.report.started;
          this.#pendingReports.shift()?.(message.report);
          break;
        case "print":
          if (message.stream === "stdout") hooks.print(message.text);
          else hooks.printError(message.text);
          break;
        case "stop-request":
          hooks.requestStop(message.reason);
          break;
        case "done":
          finish(message.report);
          break;
      }
    });
    this.#worker.on("error", (error) => {
      rejectReady(error);
      hooks.printError(`worker thread failed: ${error instanceof Error ? error.message : String(error)}`);
      finish(undefined);
    });
    this.#worker.on("exit", () => finish(undefined));
  }

  #takeFinal(): ProcessReport {
    const final = this.#finalReport;
    this.#finalReport = undefined;
    if (final !== undefined) return final;
    return {
      interval: emptyInterval(),
      active: 0,
      peakActive: 0,
      // a finished thread still counts the workers it started
      started: this.#started,
      setupFailures: this.#setupFailures,
    };
  }

  #takePrepared(): void {
    const prepared = this.#prepared;
    this.#prepared = undefined;
    prepared?.();
  }

  prepare(plan: ArrivalPlan, variables: Record<string, unknown>): Promise<void> {
    if (this.#finished) return Promise.resolve();
    return new Promise((resolve) => {
      this.#prepared = resolve;
      this.#post({ type: "prepare", plan, variables });
    });
  }

  start(plans: readonly WorkerPlan[] | ArrivalPlan, variables: Record<string, unknown>): void {
    this.#post({ type: "start", plans, variables });
  }

  report(): Promise<ProcessReport> {
    if (this.#finished) return Promise.resolve(this.#takeFinal());
    return new Promise((resolve) => {
      this.#pendingReports.push(resolve);
      this.#post({ type: "report" });
    });
  }

  stop(force: boolean): void {
    this.#post({ type: "stop", force });
  }

  #post(message: ParentMessage): void {
    if (!this.#finished) this.#worker.postMessage(message);
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}

function emptyInterval(): StatsInterval {
  return new StatsRecorder().drain();
}

/** Creates the thread-side monitor (exported for worker-thread.ts). */
export function createThreadMonitor(): SelfMonitor {
  const monitor = new SelfMonitor();
  monitor.start();
  return monitor;
}
