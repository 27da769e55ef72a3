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

/** The `format` of `command.json`. */
export const RUN_RECORD_FORMAT = "sizer-run";
/** The `command.json` version this package writes and the newest it reads. */
export const RUN_RECORD_FORMAT_VERSION = 1;

/** `command.json`: how the run was made, so it can be repeated and trusted (docs/formats.md section 4). */
export interface RunRecord {
  format: typeof RUN_RECORD_FORMAT;
  formatVersion: typeof RUN_RECORD_FORMAT_VERSION;
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
  /**
   * `--model auto` that sized twice: which of the two runs this folder holds, whether its report is the
   * verdict, and where the other run is (a folder relative to this one). The arrival-rate run, the
   * verdict, is at the top of the output folder; the workers run whose advice it followed is kept
   * whole in its `workers-model/` subfolder.
   */
  modelAuto?: ModelAutoRecord;
}

/** The `modelAuto` block of `command.json` (see {@link RunRecord}). */
export interface ModelAutoRecord {
  /** The model of this folder's run. */
  model: "workers" | "arrival-rate";
  /** True for the run whose report is the verdict: the arrival-rate run. */
  verdict: boolean;
  /** The other run's folder, relative to this one: `workers-model` or `..`. */
  otherRun: string;
  /** The workers run's advice that the arrival-rate run followed, and the flags it added. */
  advice: { message: string; flags: string[] };
}

/** Writes `command.json` into the output folder. */
export async function writeRunRecord(outDir: string, record: RunRecord): Promise<string> {
  const file = join(outDir, "command.json");
  const stamped = { ...record, format: RUN_RECORD_FORMAT, formatVersion: RUN_RECORD_FORMAT_VERSION };
  await writeFile(file, `${JSON.stringify(stamped, null, 2)}\n`);
  return file;
}

/** A `command.json` that cannot be read: not an object, another format, a newer version, a field of the wrong type. */
export class RunRecordFormatError extends Error {
  /** The field at fault, when there is one. */
  readonly field: string | undefined;

  constructor(source: string, detail: string, field?: string) {
    super(`${source}: ${detail}`);
    this.name = "RunRecordFormatError";
    this.field = field;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Validates a parsed `command.json` (docs/formats.md section 4): the one reader of the format, what
 * `sizer report DIR` reads. Lenient as every format of docs/formats.md: every field may be absent (a
 * run that failed early wrote fewer), unknown keys are kept; a field of the wrong type, another
 * format or a newer version is refused.
 *
 * @throws {RunRecordFormatError} naming `source` and the field at fault.
 */
export function parseRunRecord(value: unknown, source = "command.json"): Partial<RunRecord> {
  const fail = (field: string, expected: string): never => {
    throw new RunRecordFormatError(source, `${field}: expected ${expected}`, field);
  };
  if (!isObject(value)) return fail("the record", "a JSON object");
  if (value.format !== undefined && value.format !== RUN_RECORD_FORMAT)
    fail("format", `"${RUN_RECORD_FORMAT}"`);
  const version = value.formatVersion;
  if (version !== undefined && !(typeof version === "number" && Number.isInteger(version) && version >= 1))
    fail("formatVersion", "a whole number >= 1");
  if (typeof version === "number" && version > RUN_RECORD_FORMAT_VERSION) {
    throw new RunRecordFormatError(
      source,
      `formatVersion ${version} is newer than this sizer reads (up to ${RUN_RECORD_FORMAT_VERSION}); upgrade sizer`,
      "formatVersion",
    );
  }
  if (
    value.argv !== undefined &&
    !(Array.isArray(value.argv) && value.argv.every((part) => typeof part === "string"))
  )
    fail("argv", "an array of strings");
  for (const key of ["cwd", "startedAt", "endedAt", "status", "collector"]) {
    if (value[key] !== undefined && typeof value[key] !== "string") fail(key, "a string");
  }
  if (value.error !== undefined) {
    const error = value.error;
    if (!isObject(error) || typeof error.code !== "string" || typeof error.message !== "string")
      fail("error", "{ code, message }");
  }
  for (const key of ["service", "host", "serviceExit", "cpuPlan"]) {
    if (value[key] !== undefined && !isObject(value[key])) fail(key, "an object");
  }
  if (isObject(value.service)) {
    for (const key of ["description", "url"]) {
      const text = value.service[key];
      if (text !== undefined && typeof text !== "string") fail(`service.${key}`, "a string");
    }
  }
  if (value.versions !== undefined) {
    const versions = value.versions;
    if (!isObject(versions) || Object.values(versions).some((text) => typeof text !== "string"))
      fail("versions", "an object of strings");
  }
  return value as Partial<RunRecord>;
}
