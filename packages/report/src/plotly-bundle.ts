import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { ReportOptionError } from "./errors.js";

/**
 * Which plotly.js bundle a report inlines: `basic` (scatter, bar, pie: all the report draws;
 * about 1.2 MB) or `full` (every trace type; about 4.8 MB, and seconds more to evaluate).
 */
export type PlotlyBundle = "basic" | "full";

/** The bundles, in the order the CLI lists them. */
export const PLOTLY_BUNDLES: readonly PlotlyBundle[] = ["basic", "full"];

/** The bundle a report inlines when none is chosen. */
export const DEFAULT_PLOTLY_BUNDLE: PlotlyBundle = "basic";

const PACKAGES: Record<PlotlyBundle, string> = {
  basic: "plotly.js-basic-dist-min",
  full: "plotly.js-dist-min",
};

/** A plotly.js source ready to inline: its text, its CSP hash and what it is. */
export interface PlotlyScript {
  source: string;
  /** The CSP source expression of the script, `'sha256-…'`. */
  hash: string;
  /** The npm package it came from, or `custom` for a `plotlySource`. */
  name: string;
  /** The plotly.js version: the package's, or read from a custom source's banner (`null` if none). */
  version: string | null;
}

const loaded = new Map<PlotlyBundle, PlotlyScript>();

/** The CSP hash source expression of an inline script. */
export function cspHash(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

/** Checks a bundle name from an option or a flag. */
export function parsePlotlyBundle(value: unknown, option = "plotlyBundle"): PlotlyBundle {
  if (typeof value === "string" && (PLOTLY_BUNDLES as readonly string[]).includes(value)) {
    return value as PlotlyBundle;
  }
  throw new ReportOptionError(
    option,
    `expected ${PLOTLY_BUNDLES.join(" or ")}, got ${JSON.stringify(typeof value === "string" ? value : String(value))}`,
  );
}

/**
 * The plotly.js script to inline: `source` when given (checked not to close its script element),
 * else the installed package of `bundle`, read once per process.
 */
export function loadPlotlyScript(
  bundle: PlotlyBundle = DEFAULT_PLOTLY_BUNDLE,
  source?: string,
): PlotlyScript {
  if (source !== undefined) {
    if (/<\/script/i.test(source)) throw new ReportOptionError("plotlySource", "must not contain </script");
    const banner = /plotly\.js[^\n]*?\bv(\d+\.\d+\.\d+[\w.-]*)/.exec(source.slice(0, 500));
    return { source, hash: cspHash(source), name: "custom", version: banner?.[1] ?? null };
  }
  const known = loaded.get(bundle);
  if (known) return known;
  const name = PACKAGES[bundle];
  const require = createRequire(import.meta.url);
  const packageJson = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")) as {
    version: string;
  };
  const text = readFileSync(require.resolve(name), "utf8");
  const script = { source: text, hash: cspHash(text), name, version: packageJson.version };
  loaded.set(bundle, script);
  return script;
}
