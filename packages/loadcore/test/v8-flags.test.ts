import { describe, expect, it } from "vitest";
import { cliV8Flags, GROWING_YOUNG_GENERATION_WORKERS, LARGE_RUN_WORKERS } from "../src/engine/v8-flags.js";

describe("cliV8Flags", () => {
  it("keeps the heap of a large run small: a slow-growing old generation and a young one that does not grow", () => {
    expect(cliV8Flags([], undefined, 5000)).toEqual([
      "--heap-growing-percent=10",
      "--semi-space-growth-factor=1",
    ]);
  });

  it("lets the user's own young-generation flags win, on the command line or in NODE_OPTIONS", () => {
    expect(cliV8Flags(["--max-semi-space-size=16"], undefined, 5000)).toEqual(["--heap-growing-percent=10"]);
    expect(cliV8Flags([], "--max_semi_space_size=8 --enable-source-maps", 5000)).toEqual([
      "--heap-growing-percent=10",
    ]);
    expect(cliV8Flags([], "--semi-space-growth-factor=2", 5000)).toEqual(["--heap-growing-percent=10"]);
  });

  it("lets the user's own old-generation growth flag win", () => {
    expect(cliV8Flags(["--heap-growing-percent=50"], undefined, 5000)).toEqual([
      "--semi-space-growth-factor=1",
    ]);
    expect(cliV8Flags([], "--optimize-for-size", 5000)).toEqual(["--semi-space-growth-factor=1"]);
  });

  it("sets nothing below LARGE_RUN_WORKERS workers per process, where the flags cost throughput", () => {
    expect(cliV8Flags([], undefined, 50)).toEqual([]);
    expect(cliV8Flags([], undefined, LARGE_RUN_WORKERS - 1)).toEqual([]);
    expect(cliV8Flags([], undefined, LARGE_RUN_WORKERS)).toContain("--heap-growing-percent=10");
  });

  it("lets the young generation grow from GROWING_YOUNG_GENERATION_WORKERS workers per process, where memory allows", () => {
    expect(cliV8Flags([], undefined, GROWING_YOUNG_GENERATION_WORKERS - 1)).toContain(
      "--semi-space-growth-factor=1",
    );
    expect(cliV8Flags([], undefined, GROWING_YOUNG_GENERATION_WORKERS)).toEqual([
      "--heap-growing-percent=10",
    ]);
    expect(cliV8Flags([], undefined, 10_000)).toEqual(["--heap-growing-percent=10"]);
  });

  it("ignores unrelated flags", () => {
    expect(cliV8Flags(["--enable-source-maps"], "--max-old-space-size=4096", 5000)).toEqual([
      "--heap-growing-percent=10",
      "--semi-space-growth-factor=1",
    ]);
  });
});
