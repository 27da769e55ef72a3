import { existsSync, statSync } from "node:fs";
import { dirname, extname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createJiti } from "jiti";
import { LoadcoreError, ScenarioLoadError, ScenarioNotFoundError, UsageError } from "../errors.js";

/** File extensions a scenario (or an extension) may have. */
export const SCENARIO_EXTENSIONS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"] as const;

/**
 * The entry of the running engine, so that a scenario's `import ... from "@sizer/loadcore"` resolves to
 * it even where the scenario's folder has no node_modules. Bundled, this module sits next to it in `dist/`;
 * run from source by the tests, it sits in `src/engine/`, one folder below `src/index.ts`.
 */
export function engineEntry(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const directory of [here, dirname(here)]) {
    for (const candidate of ["index.js", "index.ts", "index.mjs"]) {
      const path = join(directory, candidate);
      if (existsSync(path)) return path;
    }
  }
  throw new Error(`@sizer/loadcore: cannot find the engine's entry next to ${here} or above it`);
}

function locationOf(error: unknown, file: string): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const loc = (error as { loc?: { line?: number; column?: number } }).loc;
  if (loc?.line !== undefined) return `${file}:${loc.line}:${(loc.column ?? 0) + 1}`;
  const match = /\((\d+):(\d+)\)/.exec(error.message);
  if (match?.[1] !== undefined && match[2] !== undefined)
    return `${file}:${match[1]}:${Number(match[2]) + 1}`;
  const stackLine = error.stack?.split("\n").find((line) => line.includes(file));
  const stackMatch = stackLine === undefined ? null : /:(\d+):(\d+)\)?\s*$/.exec(stackLine);
  if (stackMatch?.[1] !== undefined && stackMatch[2] !== undefined)
    return `${file}:${stackMatch[1]}:${stackMatch[2]}`;
  return undefined;
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}

/**
 * Loads a scenario file (TypeScript or JavaScript, no build step) with jiti. Its registrations land in
 * the running engine's registry.
 *
 * @param what how to name the file in errors ("scenario file", "extension").
 */
export async function loadScenarioFile(
  file: string,
  options: { cwd?: string; what?: string } = {},
): Promise<string> {
  const cwd = options.cwd ?? process.cwd();
  const what = options.what ?? "scenario file";
  const absolute = resolve(cwd, file);
  if (!existsSync(absolute)) throw new ScenarioNotFoundError(file, what);
  if (!statSync(absolute).isFile()) throw new UsageError(`${what} ${file} is not a file`, { input: what });
  const extension = extname(absolute);
  if (!(SCENARIO_EXTENSIONS as readonly string[]).includes(extension)) {
    throw new UsageError(
      `${what} ${file}: expected a TypeScript or JavaScript file (${SCENARIO_EXTENSIONS.join(", ")})`,
      { input: what },
    );
  }
  const jiti = createJiti(import.meta.url, {
    alias: { "@sizer/loadcore": engineEntry() },
    moduleCache: false,
    interopDefault: true,
  });
  try {
    await jiti.import(absolute);
  } catch (error) {
    if (error instanceof LoadcoreError) throw error;
    const shown = relative(cwd, absolute) || absolute;
    const location = locationOf(error, absolute);
    const reason = error instanceof Error ? firstLine(error.message) : String(error);
    const isSyntax =
      error instanceof SyntaxError || /SyntaxError|Unexpected token|Expected/.test(String(error));
    const prefix = isSyntax ? "syntax error in" : "cannot load";
    throw new ScenarioLoadError(
      `${prefix} ${what} ${location === undefined ? shown : location.replace(absolute, shown)}: ${reason}`,
      { file: absolute, ...(location === undefined ? {} : { location }), cause: error },
    );
  }
  return absolute;
}
