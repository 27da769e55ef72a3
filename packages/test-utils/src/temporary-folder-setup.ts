// Vitest global setup: every package's test run gets a temporary folder of its own
// (`.tmp/test-tmp/<package>`), made the TMPDIR of the test workers and of every process they
// start, and removed when the run ends, also when tests failed. Folders a test forgot to remove
// are named first, so leaks stay visible without being left behind.
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export default function setup(): () => void {
  const folder = join(root, ".tmp", "test-tmp", basename(process.cwd()));
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  process.env.TMPDIR = folder;
  return () => {
    const left = readdirSync(folder);
    if (left.length > 0) {
      console.warn(
        `tests left ${left.length} entr${left.length === 1 ? "y" : "ies"} in the temporary folder (removed now): ${left.slice(0, 10).join(", ")}${left.length > 10 ? ", ..." : ""}`,
      );
    }
    rmSync(folder, { recursive: true, force: true });
  };
}
