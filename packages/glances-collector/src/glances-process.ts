import { execFile } from "node:child_process";
import { GlancesFailedError, GlancesNotFoundError } from "./errors.js";

/** Runs `<command> -V` and returns the Glances version (`3.3.1.1`). */
export function glancesVersion(command: string, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, ["-V"], { timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (code === "ENOENT" || code === "EACCES") {
        reject(new GlancesNotFoundError(command, { cause: error }));
        return;
      }
      const text = `${stdout}\n${stderr}`;
      const start = text.indexOf("Glances v");
      if (start === -1) {
        reject(
          new GlancesFailedError(
            `"${command} -V" did not print a Glances version: ${text.trim().slice(0, 200)}`,
            { cause: error },
          ),
        );
        return;
      }
      let end = start + 9;
      while (end < text.length && text[end] !== " " && text[end] !== "\n") end++;
      resolve(text.slice(start + 9, end));
    });
  });
}
