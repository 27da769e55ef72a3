import { closeSync, openSync, readSync } from "node:fs";

/** One buffer reused for every /proc and cgroup read: these files are small and read every interval. */
let buffer = Buffer.allocUnsafe(64 * 1024);

/**
 * Reads a whole small kernel file (`/proc`, `/sys`) as text, or `undefined` when it does not exist.
 * Synchronous on purpose: open + read + close on a reused buffer costs a few microseconds, where
 * the promise-based `readFile` costs ten times more CPU per file, and the native collector reads
 * hundreds of files per interval. Any error but "does not exist" throws.
 */
export function readKernelFile(path: string): string | undefined {
  let descriptor: number;
  try {
    descriptor = openSync(path, "r");
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  try {
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        const larger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(larger, 0, 0, length);
        buffer = larger;
      }
      const read = readSync(descriptor, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    return buffer.toString("latin1", 0, length);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  } finally {
    closeSync(descriptor);
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  // ESRCH: the process exited between open and read.
  return code === "ENOENT" || code === "ESRCH" || code === "ENOTDIR";
}

/** Whether an error is a permission refusal. */
export function isPermissionError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "EACCES" || code === "EPERM";
}
