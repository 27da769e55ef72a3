import { readFile } from "node:fs/promises";

/** Reads a whole small file as text, or `undefined` when it does not exist (any other error throws). */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "latin1");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ESRCH" || code === "ENOTDIR") return undefined;
    throw error;
  }
}

/** Whether an error is a permission refusal. */
export function isPermissionError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "EACCES" || code === "EPERM";
}
