import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** What a package's built entry exports at run time, and which of those names its README never mentions. */
export interface PublicExports {
  /** The runtime export names of the package's `.` entry as built (`dist/`), sorted. */
  names: string[];
  /** The names the README does not mention as a whole word. */
  undocumented: string[];
}

/**
 * The public API of the package in `packageDirectory` as a user gets it: the runtime export names of
 * the entry its `exports["."]` map points at (the built file, so build first), and those of them its
 * README.md leaves out. An export-snapshot test compares `names` with a list it holds.
 */
export async function publicExports(packageDirectory: string): Promise<PublicExports> {
  const manifest = JSON.parse(readFileSync(join(packageDirectory, "package.json"), "utf8")) as {
    exports: { ".": { import: string } };
  };
  const entry = join(packageDirectory, manifest.exports["."].import);
  const module = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
  const readme = readFileSync(join(packageDirectory, "README.md"), "utf8");
  const names = Object.keys(module).sort();
  return { names, undocumented: names.filter((name) => !new RegExp(`\\b${name}\\b`).test(readme)) };
}
