import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of a file in test/fixtures/. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

/** The repository's demo service folder. */
export const demoServiceDir = fileURLToPath(new URL("../../../examples/demo-service/", import.meta.url));

/** The built CLI. */
export const cliPath = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

/** A fresh temporary folder, removed by the returned function. */
export function temporaryFolder(prefix = "sizer-test-"): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** True while a process exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
