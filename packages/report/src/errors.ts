/** Stable error codes of `@sizer/report`. */
export type ReportErrorCode =
  | "ERR_REPORT_INPUT_NOT_FOUND"
  | "ERR_REPORT_INPUT_INVALID"
  | "ERR_REPORT_INPUT_VERSION"
  | "ERR_REPORT_OPTION_INVALID"
  | "ERR_REPORT_WRITE_FAILED";

/** Base class of every error this package throws; `code` is stable, the message is for people. */
export class ReportError extends Error {
  readonly code: ReportErrorCode;

  constructor(code: ReportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ReportError";
    this.code = code;
  }
}

/** An input file (results JSON, metrics CSV/NDJSON, metadata JSON) is missing, unreadable or malformed. */
export class ReportInputError extends ReportError {
  /** The file that was being read, as given. */
  readonly file: string;

  constructor(
    code: "ERR_REPORT_INPUT_NOT_FOUND" | "ERR_REPORT_INPUT_INVALID" | "ERR_REPORT_INPUT_VERSION",
    file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, `${file}: ${message}`, options);
    this.name = "ReportInputError";
    this.file = file;
  }
}

/** An option given to the library or a CLI flag is invalid. */
export class ReportOptionError extends ReportError {
  /** The option or flag at fault, e.g. `--generated-at` or `generatedAt`. */
  readonly option: string;

  constructor(option: string, message: string) {
    super("ERR_REPORT_OPTION_INVALID", `${option}: ${message}`);
    this.name = "ReportOptionError";
    this.option = option;
  }
}

/** Writing an output file failed. */
export class ReportWriteError extends ReportError {
  /** The path that could not be written. */
  readonly path: string;

  constructor(path: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super("ERR_REPORT_WRITE_FAILED", `cannot write ${path}: ${reason}`, { cause });
    this.name = "ReportWriteError";
    this.path = path;
  }
}
