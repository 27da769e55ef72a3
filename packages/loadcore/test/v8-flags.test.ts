import { setFlagsFromString } from "node:v8";
import { describe, expect, it } from "vitest";
import {
  CAPPED_YOUNG_GENERATION_BYTES,
  CAPPED_YOUNG_GENERATION_WORKERS,
  capYoungGeneration,
  cliV8Flags,
  LARGE_RUN_WORKERS,
  youngGenerationBytes,
  youngGenerationCap,
} from "../src/engine/v8-flags.js";

describe("cliV8Flags", () => {
  it("keeps the old generation of a large run small", () => {
    expect(cliV8Flags([], undefined, 5000)).toEqual(["--heap-growing-percent=10"]);
    expect(cliV8Flags(["--enable-source-maps"], "--max-old-space-size=4096", 5000)).toEqual([
      "--heap-growing-percent=10",
    ]);
  });

  it("lets the user's own old-generation growth flag win", () => {
    expect(cliV8Flags(["--heap-growing-percent=50"], undefined, 5000)).toEqual([]);
    expect(cliV8Flags([], "--optimize-for-size", 5000)).toEqual([]);
  });

  it("with worker threads, holds the young generation where -p 1 would cap it (the cap watches the main thread)", () => {
    expect(cliV8Flags([], undefined, 5000, 2)).toEqual([
      "--heap-growing-percent=10",
      "--semi-space-growth-factor=1",
    ]);
    expect(cliV8Flags([], undefined, 2000, 2)).toEqual(["--heap-growing-percent=10"]);
    expect(cliV8Flags([], undefined, 10_000, 4)).toEqual(["--heap-growing-percent=10"]);
    expect(cliV8Flags([], "--max-semi-space-size=8", 5000, 2)).toEqual(["--heap-growing-percent=10"]);
    expect(cliV8Flags(["--optimize-for-size"], undefined, 5000, 2)).toEqual(["--semi-space-growth-factor=1"]);
  });

  it("sets nothing below LARGE_RUN_WORKERS workers per process, where the flags cost throughput", () => {
    expect(cliV8Flags([], undefined, 50)).toEqual([]);
    expect(cliV8Flags([], undefined, LARGE_RUN_WORKERS - 1)).toEqual([]);
    expect(cliV8Flags([], undefined, LARGE_RUN_WORKERS)).toEqual(["--heap-growing-percent=10"]);
  });
});

describe("youngGenerationCap", () => {
  const { from, below } = CAPPED_YOUNG_GENERATION_WORKERS;

  it("caps the young generation only where the memory target binds", () => {
    expect(youngGenerationCap([], undefined, 50)).toBeUndefined();
    expect(youngGenerationCap([], undefined, from - 1)).toBeUndefined();
    expect(youngGenerationCap([], undefined, from)).toBe(CAPPED_YOUNG_GENERATION_BYTES);
    expect(youngGenerationCap([], undefined, 5000)).toBe(CAPPED_YOUNG_GENERATION_BYTES);
    expect(youngGenerationCap([], undefined, below - 1)).toBe(CAPPED_YOUNG_GENERATION_BYTES);
    expect(youngGenerationCap([], undefined, below)).toBeUndefined();
    expect(youngGenerationCap([], undefined, 10_000)).toBeUndefined();
  });

  it("lets the user's own young-generation flags win, on the command line or in NODE_OPTIONS", () => {
    expect(youngGenerationCap(["--max-semi-space-size=16"], undefined, 5000)).toBeUndefined();
    expect(youngGenerationCap([], "--max_semi_space_size=8 --enable-source-maps", 5000)).toBeUndefined();
    expect(youngGenerationCap([], "--semi-space-growth-factor=2", 5000)).toBeUndefined();
    expect(youngGenerationCap([], "--max-old-space-size=4096", 5000)).toBe(CAPPED_YOUNG_GENERATION_BYTES);
  });
});

describe("capYoungGeneration", () => {
  it("stops the young generation's growth once it reached the cap", async () => {
    const capBytes = youngGenerationBytes();
    const stop = capYoungGeneration(capBytes);
    try {
      // objects that survive several scavenges: enough to grow an uncapped young generation to V8's maximum
      const survivors: object[] = [];
      for (let round = 0; round < 200; round += 1) {
        for (let index = 0; index < 5000; index += 1) survivors.push({ round, index, list: [index] });
        if (survivors.length > 300_000) survivors.splice(0, 100_000);
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(youngGenerationBytes()).toBe(capBytes);
    } finally {
      stop();
      // V8's default, so that the other tests of this worker see their usual heap
      setFlagsFromString("--semi-space-growth-factor=2");
    }
  });
});
