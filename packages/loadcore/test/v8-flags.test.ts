import { describe, expect, it } from "vitest";
import { cliV8Flags } from "../src/v8-flags.js";

describe("cliV8Flags", () => {
  it("keeps the heap small by default: optimize for size and a young generation that does not grow", () => {
    expect(cliV8Flags([], undefined)).toEqual(["--optimize-for-size", "--semi-space-growth-factor=1"]);
  });

  it("lets the user's own young-generation flags win, on the command line or in NODE_OPTIONS", () => {
    expect(cliV8Flags(["--max-semi-space-size=16"], undefined)).toEqual(["--optimize-for-size"]);
    expect(cliV8Flags([], "--max_semi_space_size=8 --enable-source-maps")).toEqual(["--optimize-for-size"]);
    expect(cliV8Flags([], "--semi-space-growth-factor=2")).toEqual(["--optimize-for-size"]);
  });

  it("ignores unrelated flags", () => {
    expect(cliV8Flags(["--enable-source-maps"], "--max-old-space-size=4096")).toContain(
      "--semi-space-growth-factor=1",
    );
  });
});
