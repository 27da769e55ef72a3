// Vitest global setup: every package's test run gets a temporary folder of its own
// (`<tmp>/sizer-test-run-<package>-<pid>`, outside the workspace so that git, npm and pnpm run in it
// see no enclosing repository or workspace), made the TMPDIR of the test workers and of every
// process they start, and removed when the run ends, also when tests failed. The folders of earlier
// runs that were killed before their end are removed too. Entries a test forgot to remove are
// named first, so leaks stay visible without being left behind.
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

const PREFIX = "sizer-test-run-";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

export default function setup(): () => void {
  const parent = tmpdir();
  for (const name of readdirSync(parent)) {
    const pid = Number(/^sizer-test-run-.+-(\d+)$/.exec(name)?.[1]);
    if (name.startsWith(PREFIX) && Number.isInteger(pid) && !alive(pid)) {
      rmSync(join(parent, name), { recursive: true, force: true });
    }
  }
  const folder = join(parent, `${PREFIX}${basename(process.cwd())}-${process.pid}`);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  process.env.TMPDIR = folder;
  return () => {
    const left = readdirSync(folder).filter((name) => name !== "jiti");
    if (left.length > 0) {
      console.warn(
        `tests left ${left.length} entr${left.length === 1 ? "y" : "ies"} in the temporary folder (removed now): ${left.slice(0, 10).join(", ")}${left.length > 10 ? ", ..." : ""}`,
      );
    }
    rmSync(folder, { recursive: true, force: true });
  };
}
