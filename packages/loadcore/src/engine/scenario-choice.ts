import { UnknownScenarioError } from "../errors.js";
import type { Fixtures, ScenarioDefinition } from "./registry.js";

/** A small seedable PRNG (mulberry32): 4 bytes of state per worker. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Mixes the run's seed with a worker id, so each worker has its own reproducible sequence. */
export function workerSeed(seed: number, workerId: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(workerId + 1, 0xc2b2ae35)) >>> 0;
}

/**
 * Picks the scenario of each step: weighted random over the scenarios sorted by name (as Molotov),
 * a registered `scenarioPicker`, `--single-mode` or `--single-run` (each scenario once, by name).
 */
export class ScenarioChooser {
  readonly #sorted: ScenarioDefinition[];
  readonly #byName: Map<string, ScenarioDefinition>;
  readonly #cumulative: number[];
  readonly #total: number;
  readonly #picker: Fixtures["scenarioPicker"];
  readonly #single: ScenarioDefinition | undefined;
  readonly #singleRun: boolean;

  constructor(
    scenarios: ReadonlyMap<string, ScenarioDefinition>,
    options: { picker?: Fixtures["scenarioPicker"]; singleMode?: string | undefined; singleRun?: boolean },
  ) {
    this.#byName = new Map(scenarios);
    this.#sorted = [...scenarios.values()].sort((left, right) => (left.name < right.name ? -1 : 1));
    let running = 0;
    this.#cumulative = this.#sorted.map((definition) => {
      running += definition.weight;
      return running;
    });
    this.#total = running;
    this.#picker = options.picker;
    this.#singleRun = options.singleRun === true;
    if (options.singleMode !== undefined) {
      const single = scenarios.get(options.singleMode);
      if (single === undefined) throw new UnknownScenarioError(options.singleMode, this.names());
      this.#single = single;
    }
  }

  /** Registered names, sorted. */
  names(): string[] {
    return this.#sorted.map((definition) => definition.name);
  }

  /**
   * The scenario of a worker's step (1-based), or undefined when the worker is done
   * (`--single-run` after the last scenario).
   */
  pick(workerId: number, step: number, random: () => number): ScenarioDefinition | undefined {
    if (this.#single !== undefined) return this.#single;
    if (this.#singleRun) return this.#sorted[step - 1];
    if (this.#picker !== undefined) {
      const name = this.#picker(workerId, step);
      const chosen = this.#byName.get(name);
      if (chosen === undefined) throw new UnknownScenarioError(String(name), this.names(), "scenarioPicker");
      return chosen;
    }
    const sorted = this.#sorted;
    if (sorted.length === 1) return sorted[0];
    const draw = random() * this.#total;
    const cumulative = this.#cumulative;
    for (let index = 0; index < cumulative.length; index += 1) {
      if (draw < (cumulative[index] as number)) return sorted[index];
    }
    return sorted[sorted.length - 1];
  }
}
