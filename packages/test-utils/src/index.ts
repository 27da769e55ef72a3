import { describe, it, type TestFunction, type TestOptions } from "vitest";
import { missingReason, type SystemPartName } from "./system-parts.mjs";

export type { SystemPart, SystemPartName } from "./system-parts.mjs";
export { installCommand, missingParts, missingReason, SYSTEM_PARTS } from "./system-parts.mjs";

/**
 * Why the tests that need these system parts must be skipped here, or undefined when they can run.
 * Under CI (`CI=true`) nothing is skipped: a missing part fails the tests that need it.
 */
export function skipReason(...parts: SystemPartName[]): string | undefined {
  if (process.env.CI) return undefined;
  const reasons = parts.flatMap((part) => {
    const reason = missingReason(part);
    return reason === undefined ? [] : [`needs ${part}: ${reason}`];
  });
  return reasons.length === 0 ? undefined : reasons.join("; ");
}

/**
 * `describe` for tests that need system parts: when one is missing (outside CI) the block is
 * skipped, and its title says which part and why, so the summary lists it by name.
 */
export function describeWith(
  parts: SystemPartName | SystemPartName[],
  title: string,
  body: () => void,
): void {
  const reason = skipReason(...(Array.isArray(parts) ? parts : [parts]));
  if (reason === undefined) describe(title, body);
  else describe.skip(`${title} [skipped: ${reason}]`, body);
}

/**
 * `it` for one test that needs system parts, with vitest's arguments after the title
 * (`fn, timeout` or `options, fn`); skipped by name with the reason like `describeWith`.
 */
export function itWith(
  parts: SystemPartName | SystemPartName[],
  title: string,
  ...rest: [TestFunction, number?] | [TestOptions, TestFunction]
): void {
  const reason = skipReason(...(Array.isArray(parts) ? parts : [parts]));
  const test = (reason === undefined ? it : it.skip) as (name: string, ...args: unknown[]) => void;
  test(reason === undefined ? title : `${title} [skipped: ${reason}]`, ...rest);
}
export { exitCodesDocumentedFor, markdownCells, readmeErrorExitCodes } from "./exit-code-table.js";
export { freePort } from "./free-port.mjs";
export { type LoopbackServer, readBody, startLoopbackServer } from "./loopback-server.js";
export { buildNodeImage, type NodeImageOptions } from "./node-image.mjs";
export { processAlive } from "./process-alive.js";
export { type PublicExports, publicExports } from "./public-exports.js";
export { type CliRun, type CliRunOptions, runCli, startCli } from "./run-cli.js";
export { temporaryFolder } from "./temporary-folder.js";
