import { describe, expect, it } from "vitest";
import { cliV8Flags, LARGE_RUN_WORKERS } from "../src/v8-flags.js";

describe("cliV8Flags", () => {
  it("keeps the heap of a large run small: optimize for size and a young generation that does not grow", () => {
    expect(cliV8Flags([], undefined, 5000)).toEqual(["--optimize-for-size", "--semi-space-growth-factor=1"]);
  });

  it("lets the user's own young-generation flags win, on the command line or in NODE_OPTIONS", () => {
    expect(cliV8Flags(["--max-semi-space-size=16"], undefined, 5000)).toEqual(["--optimize-for-size"]);
    expect(cliV8Flags([], "--max_semi_space_size=8 --enable-source-maps", 5000)).toEqual([
      "--optimize-for-size",
    ]);
    expect(cliV8Flags([], "--semi-space-growth-factor=2", 5000)).toEqual(["--optimize-for-size"]);
  });

  it("sets nothing below LARGE_RUN_WORKERS workers per process, where the flags cost throughput", () => {
    expect(cliV8Flags([], undefined, 50)).toEqual([]);
    expect(cliV8Flags([], undefined, LARGE_RUN_WORKERS - 1)).toEqual([]);
    expect(cliV8Flags([], undefined, LARGE_RUN_WORKERS)).toContain("--optimize-for-size");
  });

  it("ignores unrelated flags", () => {
    expect(cliV8Flags(["--enable-source-maps"], "--max-old-space-size=4096", 5000)).toContain(
      "--semi-space-growth-factor=1",
    );
  });
});
