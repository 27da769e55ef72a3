/** Base class of every error sizer raises on purpose; `code` is stable and maps to an exit code. */
export class SizerError extends Error {
  /** A stable machine-readable code, `ERR_SIZER_*`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A flag or argument of the command line is missing, unknown or has a bad value. */
export class SizerUsageError extends SizerError {
  /** The flag or argument at fault, e.g. `--workers`. */
  readonly input: string;

  constructor(input: string, message: string) {
    super("ERR_SIZER_USAGE", message);
    this.input = input;
  }
}

/** The service could not be started, or did not become ready in time. */
export class ServiceStartError extends SizerError {
  /** The last lines the service printed, when it printed anything. */
  readonly output: string;

  constructor(
    code: "ERR_SIZER_SERVICE_START" | "ERR_SIZER_SERVICE_NOT_READY",
    message: string,
    output = "",
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.output = output;
  }
}

/** The service exited while the load was running. */
export class ServiceExitedError extends SizerError {
  /** The exit code, or null when it was killed by a signal. */
  readonly exitCode: number | null;
  /** The signal that ended it, when any. */
  readonly signal: string | null;
  /** The last lines the service printed. */
  readonly output: string;

  constructor(message: string, details: { exitCode: number | null; signal: string | null; output: string }) {
    super("ERR_SIZER_SERVICE_EXITED", message);
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.output = details.output;
  }
}

/**
 * The load ran but no scenario run succeeded (every answer an error, or every request failed):
 * nothing was measured. The results and the report are written all the same.
 */
export class NoSuccessError extends SizerError {
  /** Scenario runs that failed (all of them). */
  readonly failed: number;
  /** Answers by HTTP status code, as in the results. */
  readonly statusCodes: Readonly<Record<string, number>>;
  /** Failed scenario runs by error class, as in the results. */
  readonly errors: Readonly<Record<string, number | undefined>>;

  constructor(
    message: string,
    details: {
      failed: number;
      statusCodes: Readonly<Record<string, number>>;
      errors: Readonly<Record<string, number | undefined>>;
    },
  ) {
    super("ERR_SIZER_NO_SUCCESS", message);
    this.failed = details.failed;
    this.statusCodes = details.statusCodes;
    this.errors = details.errors;
  }
}

/** The `--url` given does not answer. */
export class UrlUnreachableError extends SizerError {
  /** The URL that did not answer. */
  readonly url: string;

  constructor(url: string, message: string, options?: { cause?: unknown }) {
    super("ERR_SIZER_URL_UNREACHABLE", message, options);
    this.url = url;
  }
}

/** No Docker engine answers, or the image cannot be found or started. */
export class DockerError extends SizerError {
  constructor(
    code: "ERR_SIZER_DOCKER_UNAVAILABLE" | "ERR_SIZER_IMAGE_NOT_FOUND" | "ERR_SIZER_DOCKER_RUN",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** The scenario could not be loaded or run (a loadcore usage, config or scenario error). */
export class ScenarioError extends SizerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_SIZER_SCENARIO", message, options);
  }
}

/** The resources cannot be recorded (Glances missing, the pid gone, no permission...). */
export class CollectorStartError extends SizerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_SIZER_COLLECTOR", message, options);
  }
}

/** The report could not be built; results.json is saved and `sizer report DIR` can retry. */
export class ReportBuildError extends SizerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_SIZER_REPORT", message, options);
  }
}

/** A saved output folder cannot be read back (`sizer report DIR`). */
export class OutputFolderError extends SizerError {
  /** The folder or file at fault. */
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super("ERR_SIZER_OUTPUT_FOLDER", message, options);
    this.path = path;
  }
}

/** The run was interrupted (Ctrl-C, SIGTERM or an abort signal); a partial report was written. */
export class InterruptedError extends SizerError {
  constructor(message: string) {
    super("ERR_SIZER_INTERRUPTED", message);
  }
}
