import { describe, expect, it } from "vitest";
import type { ScenarioDefinition } from "../src/engine/registry.js";
import { ScenarioChooser, seededRandom, workerSeed } from "../src/engine/scenario-choice.js";
import { UnknownScenarioError } from "../src/errors.js";

function definitions(weights: Record<string, number>): Map<string, ScenarioDefinition> {
  return new Map(
    Object.entries(weights).map(([name, weight]) => [name, { name, weight, delay: 0, fn: async () => {} }]),
  );
}

describe("scenario choice", () => {
  it("picks by weight", () => {
    const chooser = new ScenarioChooser(definitions({ light: 1, heavy: 9 }), {});
    const random = seededRandom(123);
    const counts: Record<string, number> = { light: 0, heavy: 0 };
    for (let step = 1; step <= 10_000; step += 1) {
      const name = chooser.pick(0, step, random)?.name ?? "none";
      counts[name] = (counts[name] ?? 0) + 1;
    }
    expect(counts.heavy).toBeGreaterThan(8_700);
    expect(counts.heavy).toBeLessThan(9_300);
  });

  it("gives the same sequence for the same seed and worker, another for another seed", () => {
    const chooser = new ScenarioChooser(definitions({ a: 1, b: 1, c: 1 }), {});
    const sequence = (seed: number) => {
      const random = seededRandom(workerSeed(seed, 4));
      return Array.from({ length: 40 }, (_, index) => chooser.pick(4, index + 1, random)?.name).join("");
    };
    expect(sequence(7)).toBe(sequence(7));
    expect(sequence(7)).not.toBe(sequence(8));
  });

  it("runs every scenario once by name in single-run mode", () => {
    const chooser = new ScenarioChooser(definitions({ b: 1, a: 5, c: 1 }), { singleRun: true });
    const random = seededRandom(1);
    const names = [1, 2, 3, 4].map((step) => chooser.pick(0, step, random)?.name);
    expect(names).toEqual(["a", "b", "c", undefined]);
  });

  it("runs only the named scenario in single mode, and names the registered ones when unknown", () => {
    const chooser = new ScenarioChooser(definitions({ a: 1, b: 1 }), { singleMode: "b" });
    expect(chooser.pick(0, 1, seededRandom(1))?.name).toBe("b");
    expect(() => new ScenarioChooser(definitions({ a: 1, b: 1 }), { singleMode: "zz" })).toThrow(
      UnknownScenarioError,
    );
    expect(() => new ScenarioChooser(definitions({ a: 1, b: 1 }), { singleMode: "zz" })).toThrow(
      /registered: a, b/,
    );
  });

  it("follows a scenario picker and refuses a name it does not know", () => {
    const chooser = new ScenarioChooser(definitions({ a: 1, b: 1 }), {
      picker: (workerId, step) => (step % 2 === 0 ? "a" : workerId === 9 ? "nope" : "b"),
    });
    expect(chooser.pick(0, 1, seededRandom(1))?.name).toBe("b");
    expect(chooser.pick(0, 2, seededRandom(1))?.name).toBe("a");
    expect(() => chooser.pick(9, 1, seededRandom(1))).toThrow(/scenarioPicker: no scenario named "nope"/);
  });
});
