import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { temporaryFolder } from "@sizer/test-utils";
import { afterAll } from "vitest";

const made: Array<() => void> = [];
// Registered on the root suite of each test file that imports this helper.
afterAll(() => {
  for (const remove of made.splice(0)) remove();
});

/**
 * Writes scenario files in a fresh temporary folder that has no node_modules, so that their
 * `import ... from "@sizer/loadcore"` must resolve to the running engine. The folder is removed
 * when the test file ends.
 */
export function scenarioFolder(files: Record<string, string>): string {
  const { path: folder, remove } = temporaryFolder("loadcore-scenario-");
  made.push(remove);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(folder, name), content);
  return folder;
}

/** A Writable-like sink that keeps what was written. */
export function captureStream(): NodeJS.WritableStream & { text(): string } {
  const chunks: string[] = [];
  const stream = {
    write(chunk: string | Uint8Array) {
      chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
      return true;
    },
    text: () => chunks.join(""),
  };
  return stream as unknown as NodeJS.WritableStream & { text(): string };
}
