import { availableParallelism, cpus, release, totalmem } from "node:os";
import { findExecutable, probe } from "./processes.mjs";

/**
 * What a results table needs to say about where it was measured: CPU model, CPU count, memory,
 * kernel and Node version, plus the target server's version when it is nginx.
 */
export async function describeMachine() {
  const nginx = findNginx();
  return {
    cpuModel: cpus()[0]?.model ?? "unknown",
    cpus: availableParallelism(),
    memoryGigabytes: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    nginx: nginx ? (await probe(nginx, ["-v"]))?.replace(/^nginx version: nginx\//, "") : undefined,
  };
}

/** Finds nginx on the PATH or in /usr/sbin (often missing from a non-root PATH). */
export function findNginx() {
  return findExecutable("nginx") ?? findExecutable("nginx", "/usr/sbin:/usr/local/sbin");
}
