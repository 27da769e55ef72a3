import { describe, expect, it } from "vitest";
import { BenchUsageError } from "../lib/errors.mjs";
import { helpText, parseFlags } from "../lib/flags.mjs";

/** @type {Record<string, import("../lib/flags.mjs").FlagSpec>} */
const specs = {
  rounds: { type: "integer", min: 1, max: 50, default: 3, description: "rounds" },
  "ramp-up": { type: "number", min: 0, max: 600, default: 5, description: "ramp-up" },
  tools: { type: "list", choices: ["autocannon", "loadcore"], default: ["autocannon"], description: "tools" },
  server: { type: "string", choices: ["auto", "node"], default: "auto", description: "server" },
  "no-pin": { type: "boolean", default: false, description: "no pinning" },
};

function usageError(argv) {
  try {
    parseFlags(argv, specs);
  } catch (error) {
    expect(error).toBeInstanceOf(BenchUsageError);
    return error;
  }
  throw new Error(`expected ${argv.join(" ")} to be refused`);
}

describe("parseFlags", () => {
  it("returns the defaults when no flag is given", () => {
    expect(parseFlags([], specs)).toEqual({
      help: false,
      rounds: 3,
      "ramp-up": 5,
      tools: ["autocannon"],
      server: "auto",
      "no-pin": false,
    });
  });

  it("converts and keeps given values, deduplicating lists in order", () => {
    const flags = parseFlags(
      [
        "--rounds",
        "5",
        "--ramp-up=2.5",
        "--tools",
        "loadcore,autocannon,loadcore",
        "--no-pin",
        "--server",
        "node",
      ],
      specs,
    );
    expect(flags).toMatchObject({
      rounds: 5,
      "ramp-up": 2.5,
      tools: ["loadcore", "autocannon"],
      server: "node",
      "no-pin": true,
    });
  });

  it("names the flag and the expectation in every refusal, with exit code 2", () => {
    expect(usageError(["--rounds", "x"]).message).toBe('--rounds expects a whole number, got "x"');
    expect(usageError(["--rounds", "2.5"]).message).toBe('--rounds expects a whole number, got "2.5"');
    expect(usageError(["--rounds", "0"]).message).toBe("--rounds must be between 1 and 50, got 0");
    expect(usageError(["--ramp-up=-1"]).message).toBe("--ramp-up must be between 0 and 600, got -1");
    expect(usageError(["--ramp-up", "-1"]).message).toBe(
      '--ramp-up is followed by "-1", which looks like a flag: write --ramp-up=-1 if it is the value',
    );
    expect(usageError(["--tools", "autocannon,wrk"]).message).toBe(
      '--tools accepts autocannon, loadcore; got "wrk"',
    );
    expect(usageError(["--server", "apache"]).message).toBe('--server accepts auto, node; got "apache"');
    expect(usageError(["--rounds"]).message).toBe("--rounds expects a value");
    expect(usageError(["--bogus"]).message).toBe("unknown flag --bogus (see --help)");
    expect(usageError(["scenario.ts"]).message).toContain('unexpected argument "scenario.ts"');
    expect(usageError(["--rounds", "x"]).exitCode).toBe(2);
  });

  it("recognises --help and lists every flag with its default", () => {
    expect(parseFlags(["-h"], specs).help).toBe(true);
    const text = helpText("node bench/x.mjs [flags]", "Does x.", specs);
    expect(text).toContain("--rounds <integer>");
    expect(text).toContain("(default 3)");
    expect(text).toContain("(default autocannon)");
    expect(text).toContain("--no-pin");
  });
});
