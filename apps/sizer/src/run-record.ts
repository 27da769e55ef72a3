import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { cpus, hostname, platform, release, totalmem } from "node:os";
import { join } from "node:path";
import { VERSION } from "./version.js";

const require = createRequire(import.meta.url);

/** The versions of node, sizer and the packages it composes. */
export function versions(): Record<string, string> {
  const found: Record<string, string> = { node: process.version, sizer: VERSION };
  for (const name of ["@sizer/loadcore", "@sizer/glances-collector", "@sizer/report", "@sizer/moloslave"]) {
    try {
      const manifest = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")) as {
        version?: string;
      };
      if (manifest.version) found[name] = manifest.version;
    } catch {
      found[name] = "unknown";
    }
  }
  return found;
}

/** The machine sizer ran on. */
export function hostFacts(): {
  hostname: string;
  platform: string;
  release: string;
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
} {
  const list = cpus();
  return {
    hostname: hostname(),
    platform: platform(),
    release: release(),
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? "unknown",
    memoryBytes: totalmem(),
  };
}

/** `command.json`: how the run was made, so it can be repeated and trusted. */
export interface RunRecord {
  format: "sizer-run";
  formatVersion: 1;
  /** The command line exactly as given. */
  argv: string[];
  cwd: string;
  startedAt: string;
  endedAt?: string;
  /** complete, interrupted, service-died, failed. */
  status: "running" | "complete" | "interrupted" | "service-died" | "failed";
  error?: { code: string; message: string };
  /**
   * How the service ended when it died during the run (status `service-died`): its exit code, or
   * the signal that ended it (both null when unknown, e.g. a `--pid` that is gone), and when, in
   * seconds since the run's start (results.json's `startedAt`).
   */
  serviceExit?: { code: number | null; signal: string | null; atSeconds: number | null };
  service?: {
    kind: string;
    description: string;
    url: string;
    pid?: number | undefined;
    containers?: string[];
  };
  scenario: unknown;
  load: unknown;
  cpuPlan?: unknown;
  collector: string;
  versions: Record<string, string>;
  host: ReturnType<typeof hostFacts>;
}

/** Writes `command.json` into the output folder. */
export async function writeRunRecord(outDir: string, record: RunRecord): Promise<string> {
  const file = join(outDir, "command.json");
  await writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}
