import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Writes scenario files in a fresh temporary folder that has no node_modules, so that their
 * `import ... from "@sizer/loadcore"` must resolve to the running engine.
 */
export function scenarioFolder(files: Record<string, string>): string {
  const folder = mkdtempSync(join(tmpdir(), "loadcore-scenario-"));
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
