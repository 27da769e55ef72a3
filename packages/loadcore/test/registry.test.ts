import { afterEach, describe, expect, it } from "vitest";
import {
  events,
  getRegistry,
  getVar,
  resetRegistry,
  scenario,
  scenarioPicker,
  setup,
  setVar,
} from "../src/engine/registry.js";
import { RegistrationError } from "../src/errors.js";

afterEach(() => resetRegistry());

describe("scenario registration", () => {
  it("registers by function name, weight and delay, and returns the function", () => {
    const fn = async function browse() {};
    expect(scenario({ weight: 3, delay: 0.5 }, fn)).toBe(fn);
    const definition = getRegistry().scenarios.get("browse");
    expect(definition).toMatchObject({ name: "browse", weight: 3, delay: 0.5 });
  });

  it("names anonymous scenarios and prefers the name option", () => {
    scenario(async () => {});
    scenario({ name: "checkout" }, async () => {});
    expect([...getRegistry().scenarios.keys()]).toEqual(["scenario_1", "checkout"]);
  });

  it("ignores a weight of 0 as Molotov does, refuses negative weights and duplicates", () => {
    scenario({ weight: 0, name: "off" }, async () => {});
    expect(getRegistry().scenarios.has("off")).toBe(false);
    expect(() => scenario({ weight: -1 }, async () => {})).toThrow(RegistrationError);
    scenario({ name: "same" }, async () => {});
    expect(() => scenario({ name: "same" }, async () => {})).toThrow(/already registered/);
  });

  it("allows one fixture of each kind but several event listeners", () => {
    setup(() => undefined);
    expect(() => setup(() => undefined)).toThrow(/only one setup/);
    scenarioPicker(() => "x");
    events(() => {});
    events(() => {});
    expect(getRegistry().listeners).toHaveLength(2);
  });

  it("shares variables, with a factory for missing ones", () => {
    setVar("token", "abc");
    expect(getVar("token")).toBe("abc");
    expect(getVar("missing")).toBeUndefined();
    expect(getVar("made", () => 42)).toBe(42);
    expect(getVar("made", () => 7)).toBe(42);
  });

  it("keeps the registry on globalThis so a second copy of the module registers in the same place", () => {
    const key = Symbol.for("@sizer/loadcore.registry");
    expect((globalThis as unknown as Record<symbol, unknown>)[key]).toBe(getRegistry());
  });
});
