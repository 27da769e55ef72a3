/**
 * The exit codes of the `sizer` command, in one table (also in the README).
 * A sizing that found the capacity, or found it above the load it could apply, exits 0.
 */
export const exitCodes = {
  /** The run finished and the report was written. */
  ok: 0,
  /** An unexpected internal error (a bug: please report it with the output). */
  internal: 1,
  /** Bad usage: an unknown flag, a missing or bad value (an `--out` that is a file or not empty too). */
  usage: 2,
  /**
   * The service could not be started or reached: bad command, not ready in time, `--url` unreachable, no
   * Docker engine, missing image; or nothing was measured: no scenario run succeeded (the report is written).
   */
  service: 3,
  /** The service died while the load was running; a partial report was written. */
  serviceDied: 4,
  /** The scenario could not be loaded or run (missing file, syntax error, no scenario, bad molotov.json). */
  scenario: 5,
  /** `sizer report DIR`: the folder does not hold a readable saved run. */
  outputFolder: 6,
  /** The resources could not be recorded (`--collector glances` without Glances, no permission...). */
  collector: 7,
  /** Interrupted by Ctrl-C or SIGTERM; a partial report was written. */
  interrupted: 130,
} as const;

const byCode: Record<string, number> = {
  ERR_SIZER_USAGE: exitCodes.usage,
  ERR_SIZER_SERVICE_START: exitCodes.service,
  ERR_SIZER_SERVICE_NOT_READY: exitCodes.service,
  ERR_SIZER_URL_UNREACHABLE: exitCodes.service,
  ERR_SIZER_DOCKER_UNAVAILABLE: exitCodes.service,
  ERR_SIZER_IMAGE_NOT_FOUND: exitCodes.service,
  ERR_SIZER_DOCKER_RUN: exitCodes.service,
  ERR_SIZER_NO_SUCCESS: exitCodes.service,
  ERR_SIZER_SERVICE_EXITED: exitCodes.serviceDied,
  ERR_SIZER_SCENARIO: exitCodes.scenario,
  ERR_SIZER_OUTPUT_FOLDER: exitCodes.outputFolder,
  ERR_SIZER_COLLECTOR: exitCodes.collector,
  ERR_SIZER_INTERRUPTED: exitCodes.interrupted,
};

/** The exit code for an error `code` (`ERR_SIZER_*`); unknown codes are internal errors. */
export function exitCodeFor(code: string | undefined): number {
  return (code === undefined ? undefined : byCode[code]) ?? exitCodes.internal;
}
