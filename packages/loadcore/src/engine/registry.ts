import { RegistrationError } from "../errors.js";
import type { HttpResponse, RequestDescription, Session, SessionOptions } from "../http/session.js";

/** A scenario: one user journey, run again and again by every worker with its own session. */
export type ScenarioFunction = (session: Session) => Promise<void> | void;

/** Options of {@link scenario}, as Molotov's `@scenario(weight, delay, name)`. */
export interface ScenarioOptions {
  /** Relative chance to be picked (default 1). A weight of 0 does not register the scenario. */
  weight?: number;
  /** Seconds to sleep after each successful run of this scenario, on top of `--delay`. */
  delay?: number;
  /** Name in the statistics and for `--single-mode`; the function's name by default. */
  name?: string;
}

/** A registered scenario. */
export interface ScenarioDefinition {
  readonly name: string;
  readonly weight: number;
  readonly delay: number;
  readonly fn: ScenarioFunction;
}

/** The options a fixture sees: the run's resolved options (plain data). */
export type FixtureRunOptions = Readonly<Record<string, unknown>>;

/** The arguments of an event listener: the event's name, then what it carries. */
export type LoadEventArgs =
  | [event: "sending_request", info: { session: Session; request: RequestDescription }]
  | [
      event: "response_received",
      info: { session: Session; response: HttpResponse; request: RequestDescription },
    ]
  | [event: "current_workers", info: { workers: number }]
  | [event: "scenario_start", info: { scenario: ScenarioDefinition; workerId: number }]
  | [event: "scenario_success", info: { scenario: ScenarioDefinition; workerId: number }]
  | [event: "scenario_failure", info: { scenario: ScenarioDefinition; error: unknown; workerId: number }];

/** The name of an event. */
export type LoadEventName = LoadEventArgs[0];

/** An event listener registered with {@link events}; it is awaited inline, so keep it quick. */
export type EventListener = (...args: LoadEventArgs) => void | Promise<void>;

/** The fixtures of a scenario file, as Molotov's. */
export interface Fixtures {
  globalSetup?: (options: FixtureRunOptions) => void | Promise<void>;
  globalTeardown?: () => void | Promise<void>;
  setup?: (
    workerId: number,
    options: FixtureRunOptions,
    // biome-ignore lint/suspicious/noConfusingVoidType: a setup fixture may return nothing
  ) => SessionOptions | undefined | void | Promise<SessionOptions | undefined | void>;
  teardown?: (workerId: number) => void | Promise<void>;
  setupSession?: (workerId: number, session: Session) => void | Promise<void>;
  teardownSession?: (workerId: number, session: Session) => void | Promise<void>;
  scenarioPicker?: (workerId: number, step: number) => string;
}

/** Everything a scenario file registers. */
export interface Registry {
  scenarios: Map<string, ScenarioDefinition>;
  fixtures: Fixtures;
  listeners: EventListener[];
  variables: Map<string, unknown>;
  anonymousCount: number;
}

const REGISTRY_KEY = Symbol.for("@sizer/loadcore.registry");

/**
 * The registry lives on `globalThis` under a `Symbol.for` key, so that a second copy of this
 * module (a scenario importing another copy of @sizer/loadcore) registers in the same place.
 */
export function getRegistry(): Registry {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
  let registry = holder[REGISTRY_KEY];
  if (registry === undefined) {
    registry = { scenarios: new Map(), fixtures: {}, listeners: [], variables: new Map(), anonymousCount: 0 };
    holder[REGISTRY_KEY] = registry;
  }
  return registry;
}

/** Forgets every scenario, fixture, listener and variable (before loading another scenario file). */
export function resetRegistry(): void {
  const registry = getRegistry();
  registry.scenarios.clear();
  registry.fixtures = {};
  registry.listeners = [];
  registry.variables.clear();
  registry.anonymousCount = 0;
}

/**
 * Registers a scenario (Molotov's `@scenario`). Returns the function, so it can also be exported.
 *
 * @example
 * scenario({ weight: 40 }, async function addRecord(session) {
 *   const response = await session.post(`${SERVER}/records`, { json: { a: 1 }, expect: 201 });
 * });
 */
export function scenario<F extends ScenarioFunction>(fn: F): F;
export function scenario<F extends ScenarioFunction>(options: ScenarioOptions, fn: F): F;
export function scenario<F extends ScenarioFunction>(first: ScenarioOptions | F, second?: F): F {
  const fn = typeof first === "function" ? first : second;
  const options: ScenarioOptions = typeof first === "function" ? {} : (first ?? {});
  if (typeof fn !== "function") throw new RegistrationError("scenario(): expected a function");
  const weight = options.weight ?? 1;
  const delay = options.delay ?? 0;
  if (!Number.isFinite(weight) || weight < 0) {
    throw new RegistrationError(`scenario(): weight must be a number >= 0, got ${String(options.weight)}`);
  }
  if (!Number.isFinite(delay) || delay < 0) {
    throw new RegistrationError(
      `scenario(): delay must be a number of seconds >= 0, got ${String(options.delay)}`,
    );
  }
  const registry = getRegistry();
  let name = options.name ?? fn.name;
  if (name === "" || name === undefined) {
    registry.anonymousCount += 1;
    name = `scenario_${registry.anonymousCount}`;
  }
  if (weight === 0) return fn;
  if (registry.scenarios.has(name)) {
    throw new RegistrationError(
      `scenario(): a scenario named "${name}" is already registered; give it a name`,
    );
  }
  registry.scenarios.set(name, { name, weight, delay, fn });
  return fn;
}

function registerFixture<K extends keyof Fixtures>(
  kind: K,
  fn: NonNullable<Fixtures[K]>,
): NonNullable<Fixtures[K]> {
  if (typeof fn !== "function") throw new RegistrationError(`${kind}(): expected a function`);
  const registry = getRegistry();
  if (registry.fixtures[kind] !== undefined) {
    throw new RegistrationError(`${kind}(): only one ${kind} fixture may be registered`);
  }
  registry.fixtures[kind] = fn;
  return fn;
}

/** Runs once before the load starts (in the main thread). If it throws, the run does not start. */
export function globalSetup(fn: NonNullable<Fixtures["globalSetup"]>) {
  return registerFixture("globalSetup", fn);
}

/** Runs once after every worker has finished. */
export function globalTeardown(fn: NonNullable<Fixtures["globalTeardown"]>) {
  return registerFixture("globalTeardown", fn);
}

/** Runs once per worker before its session exists; may return session options (`headers`, `timeout`...). */
export function setup(fn: NonNullable<Fixtures["setup"]>) {
  return registerFixture("setup", fn);
}

/** Runs once per worker when it ends. Its errors are printed, not counted. */
export function teardown(fn: NonNullable<Fixtures["teardown"]>) {
  return registerFixture("teardown", fn);
}

/** Runs once per worker right after its session is created. If it throws, that worker stops. */
export function setupSession(fn: NonNullable<Fixtures["setupSession"]>) {
  return registerFixture("setupSession", fn);
}

/** Runs once per worker before its session is closed. */
export function teardownSession(fn: NonNullable<Fixtures["teardownSession"]>) {
  return registerFixture("teardownSession", fn);
}

/** Replaces the weighted random choice: returns the name of the scenario to run for a worker's step. */
export function scenarioPicker(fn: NonNullable<Fixtures["scenarioPicker"]>) {
  return registerFixture("scenarioPicker", fn);
}

/**
 * Listens to every event: `sending_request`, `response_received`, `current_workers`,
 * `scenario_start`, `scenario_success`, `scenario_failure`. Several listeners may be registered.
 */
export function events(listener: EventListener): EventListener {
  if (typeof listener !== "function") throw new RegistrationError("events(): expected a function");
  getRegistry().listeners.push(listener);
  return listener;
}

/** Stores a value shared by every worker of this process (Molotov's `set_var`). */
export function setVar(name: string, value: unknown): void {
  getRegistry().variables.set(name, value);
}

/**
 * Reads a value stored with {@link setVar}; when it is missing and `factory` is given, stores and
 * returns `factory()` (Molotov's `get_var`).
 */
export function getVar<T = unknown>(name: string, factory?: () => T): T | undefined {
  const variables = getRegistry().variables;
  if (!variables.has(name) && factory !== undefined) variables.set(name, factory());
  return variables.get(name) as T | undefined;
}
