import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Options } from "tsup";

type EsbuildPlugin = NonNullable<Options["esbuildPlugins"]>[number];

/**
 * `import text from "./file.css?raw"`: the file's text as a string, inlined at build time. Vite, and
 * so vitest running the sources, reads the same suffix the same way; `src/raw-text.d.ts` types it.
 */
const rawText: EsbuildPlugin = {
  name: "raw-text",
  setup(build) {
    // The path keeps its suffix, so that tsup's own CSS plugin (`/\.css$/`) does not load it.
    build.onResolve({ filter: /\?raw$/ }, (args) => ({
      path: join(args.resolveDir, args.path),
      namespace: "raw-text",
    }));
    build.onLoad({ filter: /\?raw$/, namespace: "raw-text" }, async (args) => {
      const file = args.path.slice(0, -"?raw".length);
      return { contents: await readFile(file, "utf8"), loader: "text", watchFiles: [file] };
    });
  },
};

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
    esbuildPlugins: [rawText],
    ...overrides,
  };
}
