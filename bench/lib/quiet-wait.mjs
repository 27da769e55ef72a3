import { startCpuAccounting } from "./cpu-accounting.mjs";

/**
 * On a shared machine, waits for a quiet moment before a run: samples the CPU used by other processes
 * over `windowMs` windows until one stays below `limitCores`, or `maxSeconds` have passed. The server is
 * idle between runs, so its (tiny) CPU time is subtracted like ours.
 *
 * @param {{ serverPid: number | undefined, limitCores: number, maxSeconds: number, windowMs?: number,
 *   sleep?: (ms: number) => Promise<void> }} options
 * @returns {Promise<{ quiet: boolean, waitedSeconds: number, otherCores: number }>} the last window's figure
 */
export async function waitForQuiet({
  serverPid,
  limitCores,
  maxSeconds,
  windowMs = 1000,
  sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}) {
  const started = performance.now();
  let otherCores = Number.POSITIVE_INFINITY;
  while (true) {
    const accounting = startCpuAccounting({ serverPid });
    await sleep(windowMs);
    otherCores = accounting.stop().otherCores;
    const waitedSeconds = Math.round((performance.now() - started) / 100) / 10;
    if (otherCores < limitCores) return { quiet: true, waitedSeconds, otherCores };
    if (waitedSeconds >= maxSeconds) return { quiet: false, waitedSeconds, otherCores };
  }
}
