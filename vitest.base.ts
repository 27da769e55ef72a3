import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, type ViteUserConfig } from "vitest/config";

const root = dirname(fileURLToPath(import.meta.url));

/**
 * The one vitest configuration every package tests with. Besides the console output, each run
 * writes a JSON report to `.tmp/test-results/<package>.json`, which `npm test` sums up, and runs
 * with a temporary folder of its own, removed at the end (packages/test-utils).
 */
export function packageTestConfig(
  packageDir: string,
  overrides: ViteUserConfig["test"] = {},
): ViteUserConfig {
  return defineConfig({
    test: {
      testTimeout: 60_000,
      hookTimeout: 60_000,
      pool: "forks",
      passWithNoTests: true,
      // A stylesheet imported with `?raw` is its text, as tsup.base.ts inlines it (vitest empties CSS otherwise).
      css: { include: [/\?raw$/] },
      globalSetup: [join(root, "packages", "test-utils", "src", "temporary-folder-setup.ts")],
      reporters: [
        "default",
        ["json", { outputFile: join(root, ".tmp", "test-results", `${basename(packageDir)}.json`) }],
      ],
      ...overrides,
    },
  });
}
