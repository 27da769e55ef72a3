import type { Options } from "tsup";

/** The one tsup configuration every package builds with: ESM, types, Node 20. */
export function packageConfig(entry: Record<string, string> | string[], overrides: Options = {}): Options {
  return {
    entry,
    format: ["esm"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    platform: "node",
    splitting: true,
    shims: false,
    ...overrides,
  };
}
