/** Stable codes of every error this package throws. */
export type CollectorErrorCode =
  | "ERR_COLLECTOR_INVALID_OPTION"
  | "ERR_COLLECTOR_PID_NOT_FOUND"
  | "ERR_COLLECTOR_CONTAINER_NOT_FOUND"
  | "ERR_COLLECTOR_PERMISSION"
  | "ERR_COLLECTOR_FILE_NOT_FOUND"
  | "ERR_COLLECTOR_FORMAT"
  | "ERR_COLLECTOR_UNSUPPORTED_VERSION"
  | "ERR_COLLECTOR_GLANCES_NOT_FOUND"
  | "ERR_COLLECTOR_GLANCES_FAILED"
  | "ERR_COLLECTOR_HTTP"
  | "ERR_COLLECTOR_STATE";

/** Base class of the errors thrown by `@sizer/glances-collector`; `code` is stable, `message` is for humans. */
export class CollectorError extends Error {
  readonly code: CollectorErrorCode;

  constructor(code: CollectorErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CollectorError";
    this.code = code;
  }
}

/** An option or flag has a value the collector cannot use; `option` names it. */
export class InvalidOptionError extends CollectorError {
  readonly option: string;

  constructor(option: string, message: string) {
    super("ERR_COLLECTOR_INVALID_OPTION", message);
    this.name = "InvalidOptionError";
    this.option = option;
  }
}

/** The process to watch does not exist (or is not visible in this pid namespace). */
export class PidNotFoundError extends CollectorError {
  readonly pid: number;

  constructor(pid: number) {
    super("ERR_COLLECTOR_PID_NOT_FOUND", `pid ${pid} not found: no /proc/${pid}`);
    this.name = "PidNotFoundError";
    this.pid = pid;
  }
}

/** A container id or cgroup path given by the user matches no cgroup on this host. */
export class ContainerNotFoundError extends CollectorError {
  readonly container: string;

  constructor(container: string, message: string) {
    super("ERR_COLLECTOR_CONTAINER_NOT_FOUND", message);
    this.name = "ContainerNotFoundError";
    this.container = container;
  }
}

/** A file exists but this process may not read or write it. */
export class PermissionError extends CollectorError {
  readonly path: string;

  constructor(path: string, options?: { cause?: unknown }) {
    super("ERR_COLLECTOR_PERMISSION", `permission denied: ${path}`, options);
    this.name = "PermissionError";
    this.path = path;
  }
}

/** An input file is missing. */
export class FileNotFoundError extends CollectorError {
  readonly path: string;

  constructor(path: string, options?: { cause?: unknown }) {
    super("ERR_COLLECTOR_FILE_NOT_FOUND", `file not found: ${path}`, options);
    this.name = "FileNotFoundError";
    this.path = path;
  }
}

/** A file or a server answer is not in the expected format; `source` names the file or URL. */
export class FormatError extends CollectorError {
  readonly source: string;
  /** What is wrong, without the source's name (the message is `<source>: <detail>`). */
  readonly detail: string;

  constructor(source: string, message: string, options?: { cause?: unknown }) {
    super("ERR_COLLECTOR_FORMAT", `${source}: ${message}`, options);
    this.name = "FormatError";
    this.source = source;
    this.detail = message;
  }
}

/** A metrics file declares a format version newer than this reader knows. */
export class UnsupportedVersionError extends CollectorError {
  readonly source: string;
  readonly version: number;
  /** What is wrong, without the source's name (the message is `<source>: <detail>`). */
  readonly detail: string;

  constructor(source: string, version: number, supported: number) {
    const detail = `sizer-metrics formatVersion ${version} is newer than this reader (knows up to ${supported}); upgrade @sizer/glances-collector`;
    super("ERR_COLLECTOR_UNSUPPORTED_VERSION", `${source}: ${detail}`);
    this.name = "UnsupportedVersionError";
    this.source = source;
    this.version = version;
    this.detail = detail;
  }
}

/** The `glances` executable could not be started. */
export class GlancesNotFoundError extends CollectorError {
  readonly command: string;

  constructor(command: string, options?: { cause?: unknown }) {
    super(
      "ERR_COLLECTOR_GLANCES_NOT_FOUND",
      `cannot run "${command}": is Glances installed (apt install glances, pip install glances)?`,
      options,
    );
    this.name = "GlancesNotFoundError";
    this.command = command;
  }
}

/** Glances started but exited early or never wrote its CSV. */
export class GlancesFailedError extends CollectorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_COLLECTOR_GLANCES_FAILED", message, options);
    this.name = "GlancesFailedError";
  }
}

/** A Glances REST server could not be reached or answered with an error status. */
export class HttpError extends CollectorError {
  readonly url: string;
  readonly status: number | undefined;

  constructor(url: string, message: string, status?: number, options?: { cause?: unknown }) {
    super("ERR_COLLECTOR_HTTP", `${url}: ${message}`, options);
    this.name = "HttpError";
    this.url = url;
    this.status = status;
  }
}

/** A method was called in the wrong state, e.g. iterating a collector twice. */
export class CollectorStateError extends CollectorError {
  constructor(message: string) {
    super("ERR_COLLECTOR_STATE", message);
    this.name = "CollectorStateError";
  }
}

/** Maps a file system error to a coded error naming the path, or returns it unchanged. */
export function fileError(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return new FileNotFoundError(path, { cause: error });
  if (code === "EACCES" || code === "EPERM") return new PermissionError(path, { cause: error });
  return error;
}
