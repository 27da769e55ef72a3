import { fileURLToPath } from "node:url";
import { temporaryFolder as sharedTemporaryFolder } from "@sizer/test-utils";

/** Absolute path of a file in test/fixtures/. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

/** The repository's demo service folder. */
export const demoServiceDir = fileURLToPath(new URL("../../../examples/demo-service/", import.meta.url));

/** The built CLI. */
export const cliPath = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

/** A fresh temporary folder, removed by the returned function (the helper every package's tests share). */
export function temporaryFolder(prefix = "sizer-test-"): { path: string; remove: () => void } {
  return sharedTemporaryFolder(prefix);
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
