import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { classifyError } from "../http/error-class.js";
import { HttpPools } from "../http/http-pools.js";
import { RequestDeadlines } from "../http/request-deadlines.js";
import {
  RUN_LAG,
  Session,
  type SessionContext,
  type SessionOptions,
  type SessionRuntime,
} from "../http/session.js";
import { StatsRecorder } from "../stats/stats.js";
import { type ArrivalCounts, type ArrivalPlan, ArrivalScheduler } from "./arrival-rate.js";
import type { Registry, ScenarioDefinition } from "./registry.js";
import { ScenarioChooser, seededRandom, workerSeed } from "./scenario-choice.js";
import { warmUpHttp } from "./warm-up.js";

/** When a worker starts: its run-wide id and epoch ms start time (ramp-up). */
export interface WorkerPlan {
  id: number;
  startAt: number;
}

/** What a process's engine needs to know of the run (plain data, sent to worker threads). */
export interface EngineSettings {
  processIndex: number;
  delay: number;
  maxRuns: number | undefined;
  exception: boolean;
  verbose: number;
  quiet: boolean;
  singleRun: boolean;
  singleMode: string | undefined;
  timeout: number;
  /** Accept any TLS certificate (`--insecure`). */
  insecure: boolean;
  seed: number;
  /** The resolved options as fixtures and `getContext` see them. */
  description: Record<string, unknown>;
}

/** Output and control hooks of an engine. */
export interface EngineHooks {
  /** A line for stdout (session.print, -vv request lines). */
  print(text: string): void;
  /** A line for stderr (failures with -v, fixture errors). */
  printError(text: string): void;
  /** `--exception`: a failure asks the whole run to stop. */
  requestStop(reason: "exception" | "scenario-picker"): void;
}

/** One worker of an arrival-rate pool, ready: between runs it waits in the idle stack. */
interface PoolWorker {
  readonly workerId: number;
  readonly session: Session;
  readonly context: SessionContext;
  readonly random: () => number;
  /** Ends the worker: its teardown fixtures run (`error`: its run failed unexpectedly). */
  end(error?: unknown): void;
}

const YIELD_EVERY_STEPS = 64;
/**
 * Workers started in one turn of the event loop. Starting thousands at once (each opens a connection)
 * kept the loop busy for a second or more, so the first answers and the first timeouts waited for the
 * last worker to start; between batches, answers are read and deadlines fire.
 */
const START_BATCH = 100;
const UNVERBOSE_FAILURE_LINES = 5;

/**
 * The workers of one process (or worker thread): async loops on one event loop, sharing one
 * `StatsRecorder` and one set of keep-alive pools.
 */
export class LoadEngine {
  readonly recorder = new StatsRecorder();
  readonly #settings: EngineSettings;
  readonly #registry: Registry;
  readonly #hooks: EngineHooks;
  readonly #chooser: ScenarioChooser;
  readonly #runtime: SessionRuntime;
  readonly #pools: HttpPools;
  readonly #sleepers = new Set<() => void>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopping = false;
  #printedFailures = new Set<string>();
  #currentWorkersTimer: NodeJS.Timeout | undefined;
  /** Workers currently running their loop. */
  active = 0;
  /** The most workers running at once since the last `takePeakActive()`. */
  #peakActive = 0;
  /** Workers that started (ramp-up reached them). */
  started = 0;
  /** Workers stopped by a failing `setup` or `setupSession` fixture. */
  setupFailures = 0;
  /** The first of those failures, for the error message when no scenario ran at all. */
  firstSetupFailure: string | undefined;
  #lastFixtureError: string | undefined;
  #scheduler: ArrivalScheduler<PoolWorker> | undefined;
  /** Arrival-rate model: the workers of the pool that wait for a run. */
  readonly #idle: PoolWorker[] = [];
  /** ... each worker's whole life (setup to teardown), and those still in their setup. */
  readonly #poolWorkers: Promise<void>[] = [];
  readonly #joining: Promise<void>[] = [];
  #poolSize = 0;
  #preparation: Promise<void> | undefined;

  constructor(settings: EngineSettings, registry: Registry, hooks: EngineHooks) {
    this.#settings = settings;
    this.#registry = registry;
    this.#hooks = hooks;
    this.#chooser = new ScenarioChooser(registry.scenarios, {
      picker: registry.fixtures.scenarioPicker,
      singleMode: settings.singleMode,
      singleRun: settings.singleRun,
    });
    this.#pools = new HttpPools({
      connectTimeoutMs: settings.timeout * 1000,
      rejectUnauthorized: !settings.insecure,
    });
    this.#runtime = {
      pools: this.#pools,
      recorder: this.recorder,
      listeners: registry.listeners,
      timeoutMs: settings.timeout * 1000,
      deadlines: new RequestDeadlines(),
      verbose: settings.verbose,
      print: (text) => hooks.print(text),
      discarding: false,
    };
  }

  /**
   * The most workers that ran at once since the previous call (or the start): the load of a second
   * whose workers stopped before its end.
   */
  takePeakActive(): number {
    const peak = Math.max(this.#peakActive, this.active);
    this.#peakActive = this.active;
    return peak;
  }

  /** True once `stop` was called. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Arrival-rate model: the scenario runs started, late and dropped so far; undefined in the workers model. */
  get arrivals(): ArrivalCounts | undefined {
    return this.#scheduler === undefined ? undefined : { ...this.#scheduler.counts };
  }

  /**
   * Runs the workers of `plans` (workers model), or starts scenario runs on the schedule of an
   * {@link ArrivalPlan} (arrival-rate model); resolves when every worker has ended (teardowns done,
   * sockets closed).
   */
  async run(plans: readonly WorkerPlan[] | ArrivalPlan): Promise<void> {
    if (this.#registry.listeners.length > 0) {
      this.#currentWorkersTimer = setInterval(() => {
        void this.#emit("current_workers", { workers: this.active }).catch(() => {});
      }, 1000);
      this.#currentWorkersTimer.unref();
    }
    try {
      if (!Array.isArray(plans)) {
        await this.#runArrivals(plans as ArrivalPlan);
        return;
      }
      const workers: Promise<void>[] = [];
      for (let index = 0; index < plans.length && !this.#stopping; index += 1) {
        if (index > 0 && index % START_BATCH === 0) await yieldToEventLoop();
        const worker = this.#runWorker(plans[index] as WorkerPlan);
        // its failure is the Promise.all's below; until every worker started, it must not count as unhandled
        worker.catch(() => {});
        workers.push(worker);
      }
      await Promise.all(workers);
    } finally {
      if (this.#currentWorkersTimer !== undefined) clearInterval(this.#currentWorkersTimer);
      if (this.#runtime.discarding) await this.#pools.destroy();
      else await this.#pools.close();
      // after the close: a request still in flight then keeps its timeout
      this.#runtime.deadlines.stop();
    }
  }

  /**
   * Stops every worker after its current step (unstarted workers never start). With `force`,
   * in-flight requests are cancelled and the steps they belong to are not counted.
   */
  stop(force = false): void {
    this.#stopping = true;
    if (this.#scheduler !== undefined) {
      this.#scheduler.stop();
      for (const worker of this.#idle.splice(0)) worker.end();
    }
    for (const wake of this.#sleepers) wake();
    this.#sleepers.clear();
    if (force && !this.#runtime.discarding) {
      this.#runtime.discarding = true;
      void this.#pools.destroy();
    }
  }

  #sleep(milliseconds: number): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#timers.delete(timer);
        this.#sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, milliseconds);
      this.#timers.add(timer);
      this.#sleepers.add(wake);
    });
  }

  async #emit(...args: Parameters<Registry["listeners"][number]>): Promise<void> {
    for (const listener of this.#registry.listeners) await listener(...args);
  }

  #describeError(error: unknown, verbose: number): string {
    if (error instanceof Error)
      return verbose >= 2 && error.stack !== undefined ? error.stack : error.message;
    return String(error);
  }

  #reportFailure(workerId: number, definition: ScenarioDefinition, error: unknown): void {
    const settings = this.#settings;
    if (settings.quiet) return;
    const text = this.#describeError(error, settings.verbose);
    if (settings.verbose >= 1) {
      this.#hooks.printError(`[W:${workerId}] ${definition.name} failed: ${text}`);
      return;
    }
    const key = `${definition.name}\u0000${text}`;
    if (this.#printedFailures.size >= UNVERBOSE_FAILURE_LINES || this.#printedFailures.has(key)) return;
    this.#printedFailures.add(key);
    const more = this.#printedFailures.size === UNVERBOSE_FAILURE_LINES ? " (-v prints every failure)" : "";
    this.#hooks.printError(`${definition.name} failed: ${text}${more}`);
  }

  async #runFixture(name: string, workerId: number, action: () => unknown): Promise<boolean> {
    try {
      await action();
      return true;
    } catch (error) {
      this.#lastFixtureError = `${name} failed: ${error instanceof Error ? error.message : String(error)}`;
      this.#hooks.printError(
        `[W:${workerId}] ${name} failed: ${this.#describeError(error, this.#settings.verbose)}`,
      );
      return false;
    }
  }

  #countSetupFailure(fixture: string): void {
    this.setupFailures += 1;
    this.firstSetupFailure ??= this.#lastFixtureError ?? `${fixture} failed`;
  }

  async #runWorker(plan: WorkerPlan): Promise<void> {
    const wait = plan.startAt - Date.now();
    if (wait > 0) await this.#sleep(wait);
    if (this.#stopping) return;
    await this.#worker(plan.id, (session, context) => this.#loop(plan.id, session, context));
  }

  /**
   * Arrival-rate model: warms the HTTP code up ({@link warmUpHttp}) and makes the pool's first workers
   * ready (their setup fixtures run) before the schedule's clock starts; resolves once each is ready or
   * has failed its setup, or the run stopped.
   * `run` then starts the schedule; it prepares the pool itself when this was not called.
   */
  prepare(plan: ArrivalPlan): Promise<void> {
    this.#preparation ??= this.#prepare(plan);
    return this.#preparation;
  }

  async #prepare(plan: ArrivalPlan): Promise<void> {
    await warmUpHttp();
    const scheduler = new ArrivalScheduler<PoolWorker>(plan, {
      idle: () => this.#idle.pop(),
      add: () => this.#addPoolWorker(plan),
      start: (worker, intendedAt, now) => this.#runPooled(worker, intendedAt, now),
    });
    this.#scheduler = scheduler;
    scheduler.preAllocate();
    // a setup that hangs must not hold a stop: it is waited for again with the teardowns
    const stopped = new Promise<void>((resolve) => this.#sleepers.add(resolve));
    while (this.#joining.length > 0 && !this.#stopping)
      await Promise.race([Promise.all(this.#joining.splice(0)), stopped]);
  }

  /** The arrival-rate model: the prepared pool, fed by the scheduler from `plan.startAt`. */
  async #runArrivals(plan: ArrivalPlan): Promise<void> {
    await this.prepare(plan);
    const wait = plan.startAt - Date.now();
    if (wait > 0) await this.#sleep(wait);
    if (!this.#stopping) this.#scheduler?.begin(performance.now() + (plan.startAt - Date.now()));
    // the pool grows while the scheduler runs: wait until it stopped and every worker ended
    while (!this.#stopping || this.#poolWorkers.length > 0) {
      if (this.#poolWorkers.length === 0) {
        await this.#sleep(100);
        continue;
      }
      await Promise.all(this.#poolWorkers.splice(0));
    }
  }

  /** A new worker of the pool: once its setup is done, it joins the idle ones and waits for runs. */
  #addPoolWorker(plan: ArrivalPlan): void {
    const workerId = plan.processIndex + this.#poolSize * plan.processes;
    this.#poolSize += 1;
    let joined: () => void = () => {};
    // waited for by `prepare` only: a worker the pool grows by joins the idle ones when it is ready
    if (this.#scheduler === undefined || !this.#scheduler.begun)
      this.#joining.push(
        new Promise<void>((resolve) => {
          joined = resolve;
        }),
      );
    const ended = this.#worker(workerId, (session, context) => {
      joined();
      return this.#serve(workerId, session, context);
    }).finally(joined);
    ended.catch(() => {});
    this.#poolWorkers.push(ended);
  }

  /** One worker of the pool: idle until the scheduler starts a run on it, until told to end. */
  #serve(workerId: number, session: Session, context: SessionContext): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const worker: PoolWorker = {
        workerId,
        session,
        context,
        random: seededRandom(workerSeed(this.#settings.seed, workerId)),
        end: (error) => (error === undefined ? resolve() : reject(error)),
      };
      this.#idle.push(worker);
      this.#scheduler?.dispatch();
    });
  }

  /** One scenario run on a worker of the pool; the worker is idle again after it, or ends. */
  async #runPooled(worker: PoolWorker, intendedAt: number, now: number): Promise<void> {
    try {
      const { session, context } = worker;
      context.step += 1;
      session[RUN_LAG] = now - intendedAt;
      const outcome = await this.#step(worker.workerId, session, context, worker.random);
      if (outcome === undefined || this.#stopping) worker.end();
      else this.#idle.push(worker);
    } catch (error) {
      worker.end(error);
    }
    this.#scheduler?.ended(now);
  }

  async #worker(
    workerId: number,
    work: (session: Session, context: SessionContext) => Promise<void>,
  ): Promise<void> {
    this.started += 1;
    this.active += 1;
    if (this.active > this.#peakActive) this.#peakActive = this.active;
    const settings = this.#settings;
    const fixtures = this.#registry.fixtures;
    let sessionOptions: SessionOptions | undefined;
    try {
      if (fixtures.setup !== undefined) {
        const setupFixture = fixtures.setup;
        const ok = await this.#runFixture("setup", workerId, async () => {
          sessionOptions = (await setupFixture(workerId, settings.description)) ?? undefined;
        });
        if (!ok) {
          this.#countSetupFailure("setup");
          return;
        }
      }
      const context: SessionContext = {
        workerId,
        processIndex: settings.processIndex,
        step: 0,
        options: settings.description,
      };
      const session = new Session(this.#runtime, context, sessionOptions);
      let sessionReady = true;
      if (fixtures.setupSession !== undefined) {
        const setupSessionFixture = fixtures.setupSession;
        sessionReady = await this.#runFixture("setupSession", workerId, () =>
          setupSessionFixture(workerId, session),
        );
      }
      if (sessionReady) await work(session, context);
      else this.#countSetupFailure("setupSession");
      if (fixtures.teardownSession !== undefined) {
        const teardownSessionFixture = fixtures.teardownSession;
        await this.#runFixture("teardownSession", workerId, () => teardownSessionFixture(workerId, session));
      }
    } finally {
      if (fixtures.teardown !== undefined) {
        const teardownFixture = fixtures.teardown;
        await this.#runFixture("teardown", workerId, () => teardownFixture(workerId));
      }
      this.active -= 1;
    }
  }

  /**
   * The workers model's closed loop. It runs each step inline rather than through `#step` (the
   * arrival-rate pool's): one async frame, one promise and one result object less per scenario run, memory
   * that lives as long as the request and that every scavenge copies at thousands of workers.
   */
  async #loop(workerId: number, session: Session, context: SessionContext): Promise<void> {
    const settings = this.#settings;
    const recorder = this.recorder;
    const runtime = this.#runtime;
    const random = seededRandom(workerSeed(settings.seed, workerId));
    const maxRuns = settings.maxRuns ?? Number.POSITIVE_INFINITY;
    const globalDelayMs = settings.delay * 1000;
    let stepsWithoutYield = 0;
    for (let step = 1; step <= maxRuns && !this.#stopping; step += 1) {
      context.step = step;
      const definition = this.#pick(workerId, step, random);
      if (definition === undefined) return;
      const start = performance.now();
      let failure: unknown;
      let failed = false;
      try {
        await this.#runScenario(definition, session, workerId);
      } catch (error) {
        failed = true;
        failure = error;
      }
      if (runtime.discarding) return;
      if (failed) {
        if (!(await this.#recordFailure(workerId, definition, performance.now() - start, failure))) return;
      } else {
        recorder.recordScenario(definition.name, performance.now() - start);
      }
      const delayMs = failed ? globalDelayMs : globalDelayMs + definition.delay * 1000;
      if (delayMs > 0) {
        stepsWithoutYield = 0;
        await this.#sleep(delayMs);
      } else {
        stepsWithoutYield += 1;
        if (stepsWithoutYield >= YIELD_EVERY_STEPS) {
          stepsWithoutYield = 0;
          await yieldToEventLoop();
        }
      }
    }
  }

  /** One scenario run, recorded; undefined when the worker must end (no scenario left, a stop asked). */
  async #step(
    workerId: number,
    session: Session,
    context: SessionContext,
    random: () => number,
  ): Promise<{ definition: ScenarioDefinition; failed: boolean } | undefined> {
    const definition = this.#pick(workerId, context.step, random);
    if (definition === undefined) return undefined;
    const start = performance.now();
    let failure: unknown;
    let failed = false;
    try {
      await this.#runScenario(definition, session, workerId);
    } catch (error) {
      failed = true;
      failure = error;
    }
    if (this.#runtime.discarding) return undefined;
    if (failed) {
      if (!(await this.#recordFailure(workerId, definition, performance.now() - start, failure)))
        return undefined;
    } else {
      this.recorder.recordScenario(definition.name, performance.now() - start);
    }
    return { definition, failed };
  }

  /** The scenario a step runs; undefined when the worker must end (none left, or the picker failed). */
  #pick(workerId: number, step: number, random: () => number): ScenarioDefinition | undefined {
    try {
      return this.#chooser.pick(workerId, step, random);
    } catch (error) {
      // The scenario file's own picker failed: a mistake in the scenario, not a failure of the target.
      this.#hooks.printError(`[W:${workerId}] ${this.#describeError(error, this.#settings.verbose)}`);
      this.#hooks.requestStop("scenario-picker");
      return undefined;
    }
  }

  /** The scenario's own promise, or, with event listeners, one that emits its start and success around it. */
  #runScenario(definition: ScenarioDefinition, session: Session, workerId: number): unknown {
    if (this.#registry.listeners.length === 0) return definition.fn(session);
    return this.#runScenarioWithEvents(definition, session, workerId);
  }

  async #runScenarioWithEvents(
    definition: ScenarioDefinition,
    session: Session,
    workerId: number,
  ): Promise<void> {
    await this.#emit("scenario_start", { scenario: definition, workerId });
    await definition.fn(session);
    await this.#emit("scenario_success", { scenario: definition, workerId });
  }

  /** Records a failed scenario run and says it; false when the run must stop (`--exception`). */
  async #recordFailure(
    workerId: number,
    definition: ScenarioDefinition,
    durationMs: number,
    failure: unknown,
  ): Promise<boolean> {
    this.recorder.recordScenario(definition.name, durationMs, classifyError(failure));
    if (this.#registry.listeners.length > 0) {
      await this.#emit("scenario_failure", { scenario: definition, error: failure, workerId }).catch(
        () => {},
      );
    }
    this.#reportFailure(workerId, definition, failure);
    if (this.#settings.exception) {
      this.#hooks.requestStop("exception");
      return false;
    }
    return true;
  }
}
