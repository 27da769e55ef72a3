/**
 * Errors of the benchmark scripts. Each has a stable `code` and the exit code the scripts use for it,
 * so a user mistake ends with one clear line instead of a stack trace.
 */
export class BenchError extends Error {
  /**
   * @param {string} message what went wrong, naming the input or tool concerned
   * @param {{ code: string, exitCode: number, cause?: unknown }} details
   */
  constructor(message, { code, exitCode, cause }) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "BenchError";
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** A flag is unknown, missing its value or out of range (exit code 2). */
export class BenchUsageError extends BenchError {
  /** @param {string} message */
  constructor(message) {
    super(message, { code: "ERR_BENCH_USAGE", exitCode: 2 });
    this.name = "BenchUsageError";
  }
}

/** Something the benchmark needs is absent, such as loadcore's built CLI (exit code 3). */
export class BenchPrerequisiteError extends BenchError {
  /** @param {string} message @param {unknown} [cause] */
  constructor(message, cause) {
    super(message, { code: "ERR_BENCH_PREREQUISITE", exitCode: 3, cause });
    this.name = "BenchPrerequisiteError";
  }
}

/** The target server could not be started or did not answer (exit code 4). */
export class BenchServerError extends BenchError {
  /** @param {string} message @param {unknown} [cause] */
  constructor(message, cause) {
    super(message, { code: "ERR_BENCH_SERVER", exitCode: 4, cause });
    this.name = "BenchServerError";
  }
}

/** A load generator run failed or produced no usable result (exit code 1 at the end of the benchmark). */
export class BenchRunError extends BenchError {
  /** @param {string} message @param {unknown} [cause] */
  constructor(message, cause) {
    super(message, { code: "ERR_BENCH_RUN", exitCode: 1, cause });
    this.name = "BenchRunError";
  }
}
