import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { temporaryFolder } from "@sizer/test-utils";
import { describe, expect, it, onTestFinished } from "vitest";
import { ConfigError } from "../src/errors.js";
import { parseMolotovConfig, readMolotovConfig, testToRunOptions } from "../src/options/molotov-config.js";

const molotovExample = {
  molotov: {
    env: { SERVER_URL: "http://127.0.0.1:8080" },
    requirements: "requirements.txt",
    tests: {
      big: {
        console: true,
        duration: 10,
        exception: true,
        processes: 10,
        scenario: "example.ts",
        workers: 100,
      },
      fail: { exception: true, max_runs: 1, scenario: "example3.ts" },
      scenario_two_once: {
        console: true,
        exception: true,
        max_runs: 1,
        scenario: "example.ts",
        single_mode: "scenario_two",
      },
      test: {
        console: true,
        duration: 1,
        exception: true,
        verbose: 1,
        console_update: 0,
        scenario: "example.ts",
      },
    },
  },
};

describe("Molotov config", () => {
  it("reads Molotov's own example config", () => {
    const config = parseMolotovConfig(molotovExample, "molotov.json");
    expect(Object.keys(config.tests)).toEqual(["big", "fail", "scenario_two_once", "test"]);
    expect(config.env).toEqual({ SERVER_URL: "http://127.0.0.1:8080" });
    expect(config.requirements).toBe("requirements.txt");
  });

  it("maps a test to run options with paths resolved against the config's folder", () => {
    const config = parseMolotovConfig(molotovExample, "molotov.json");
    expect(testToRunOptions(config, "big", "/repo")).toEqual({
      cwd: "/repo",
      env: { SERVER_URL: "http://127.0.0.1:8080" },
      scenarioFile: "/repo/example.ts",
      workers: 100,
      processes: 10,
      duration: 10,
      exception: true,
    });
    expect(testToRunOptions(config, "scenario_two_once", "/repo")).toMatchObject({
      maxRuns: 1,
      singleMode: "scenario_two",
    });
    expect(testToRunOptions(config, "test", "/repo")).toMatchObject({ verbose: 1, consoleUpdate: 0 });
  });

  it("lets the caller's environment win over the config's env, which only fills in unset variables", () => {
    const config = parseMolotovConfig(
      {
        molotov: {
          env: { SERVER_URL: "http://127.0.0.1:8124", TOKEN: "from-config" },
          tests: { short: { scenario: "loadtest.ts" } },
        },
      },
      "molotov.json",
    );
    const environment = { SERVER_URL: "http://127.0.0.1:8123", HOME: "/home/user" };
    expect(testToRunOptions(config, "short", "/repo", { environment }).env).toEqual({ TOKEN: "from-config" });
    expect(
      testToRunOptions(config, "short", "/repo", { environment: { ...environment, TOKEN: "mine" } }).env,
    ).toBeUndefined();
    expect(testToRunOptions(config, "short", "/repo").env).toEqual({
      SERVER_URL: "http://127.0.0.1:8124",
      TOKEN: "from-config",
    });
  });

  it("leaves a flag off when the config says false (Molotov's moloslave turned it on)", () => {
    const config = parseMolotovConfig(
      {
        molotov: {
          tests: { t: { scenario: "a.ts", exception: false, sizing: false, quiet: false, verbose: false } },
        },
      },
      "c.json",
    );
    const options = testToRunOptions(config, "t", "/x");
    expect(options.exception).toBeUndefined();
    expect(options.sizing).toBeUndefined();
    expect(options.quiet).toBeUndefined();
    expect(options.verbose).toBeUndefined();
  });

  it("takes loadcore's own insecure key (https targets with a self-signed certificate)", () => {
    const on = parseMolotovConfig(
      { molotov: { tests: { t: { scenario: "a.ts", insecure: true } } } },
      "c.json",
    );
    expect(testToRunOptions(on, "t", "/x").insecure).toBe(true);
    const off = parseMolotovConfig(
      { molotov: { tests: { t: { scenario: "a.ts", insecure: false } } } },
      "c.json",
    );
    expect(testToRunOptions(off, "t", "/x").insecure).toBeUndefined();
    expect(() =>
      parseMolotovConfig({ molotov: { tests: { t: { scenario: "a.ts", insecure: "yes" } } } }, "c.json"),
    ).toThrow(/insecure/);
  });

  it("refuses unknown keys, naming them", () => {
    const unknownTestKey = { molotov: { tests: { smoke: { scenario: "a.ts", wokers: 3 } } } };
    expect(() => parseMolotovConfig(unknownTestKey, "c.json")).toThrow(ConfigError);
    expect(() => parseMolotovConfig(unknownTestKey, "c.json")).toThrow(
      /unknown option molotov\.tests\.smoke\.wokers/,
    );
    expect(() => parseMolotovConfig({ molotov: { tests: {}, extra: 1 } }, "c.json")).toThrow(
      /unknown key molotov\.extra/,
    );
    expect(() => parseMolotovConfig({ tests: {} }, "c.json")).toThrow(/unknown top-level key "tests"/);
  });

  it("refuses wrong types, naming the key and the value", () => {
    const wrong = (test: Record<string, unknown>) => () =>
      parseMolotovConfig({ molotov: { tests: { t: test } } }, "c.json");
    expect(wrong({ workers: "10" })).toThrow(/molotov\.tests\.t\.workers must be an integer, got "10"/);
    expect(wrong({ workers: 1.5 })).toThrow(/must be an integer/);
    expect(wrong({ exception: "yes" })).toThrow(/molotov\.tests\.t\.exception must be a boolean/);
    expect(wrong({ duration: null })).toThrow(/must be a number, got null/);
    expect(() => parseMolotovConfig({ molotov: { env: { A: 1 }, tests: {} } }, "c.json")).toThrow(
      /molotov\.env\.A must be a string/,
    );
    expect(() => parseMolotovConfig({ molotov: {} }, "c.json")).toThrow(/molotov\.tests is missing/);
  });

  it("refuses Molotov options loadcore does not support, unless false", () => {
    expect(() => parseMolotovConfig({ molotov: { tests: { t: { statsd: true } } } }, "c.json")).toThrow(
      /not supported/,
    );
    expect(parseMolotovConfig({ molotov: { tests: { t: { statsd: false } } } }, "c.json").tests.t).toEqual(
      {},
    );
  });

  it("lists the available tests for an unknown test name", () => {
    const config = parseMolotovConfig(molotovExample, "molotov.json");
    expect(() => testToRunOptions(config, "smoke", "/repo")).toThrow(
      /no test named "smoke".*available: big, fail, scenario_two_once, test/,
    );
  });

  it("reads a file, with clear errors for a missing file and bad JSON", async () => {
    const { path: folder, remove } = temporaryFolder("loadcore-config-");
    onTestFinished(remove);
    const good = join(folder, "molotov.json");
    writeFileSync(good, JSON.stringify(molotovExample));
    expect(Object.keys((await readMolotovConfig(good)).tests)).toContain("big");
    await expect(readMolotovConfig(join(folder, "missing.json"))).rejects.toThrow(/file not found/);
    const bad = join(folder, "bad.json");
    writeFileSync(bad, "{ molotov: ");
    await expect(readMolotovConfig(bad)).rejects.toThrow(/bad\.json: invalid JSON/);
  });
});
