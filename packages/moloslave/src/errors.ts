import type { ExitCodeName } from "@sizer/loadcore";

/** Every stable error code moloslave raises itself (loadcore's own errors pass through unchanged). */
export type MoloslaveErrorCode =
  | "ERR_MOLOSLAVE_USAGE"
  | "ERR_MOLOSLAVE_UNSAFE_ARGUMENT"
  | "ERR_MOLOSLAVE_GIT_NOT_FOUND"
  | "ERR_MOLOSLAVE_GIT_FAILED"
  | "ERR_MOLOSLAVE_GIT_TIMEOUT"
  | "ERR_MOLOSLAVE_REF_NOT_FOUND"
  | "ERR_MOLOSLAVE_DIRECTORY_NOT_EMPTY"
  | "ERR_MOLOSLAVE_CONFIG_NOT_FOUND"
  | "ERR_MOLOSLAVE_TEST_NOT_FOUND"
  | "ERR_MOLOSLAVE_INSTALLER_NOT_FOUND"
  | "ERR_MOLOSLAVE_INSTALL_FAILED"
  | "ERR_MOLOSLAVE_INSTALL_TIMEOUT"
  | "ERR_MOLOSLAVE_FILE_EXISTS"
  | "ERR_MOLOSLAVE_ABORTED";

/** The base of every error moloslave raises; `code` is stable and safe to branch on. */
export class MoloslaveError extends Error {
  readonly code: MoloslaveErrorCode;

  constructor(code: MoloslaveErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MoloslaveError";
    this.code = code;
  }
}

/** A command-line flag or argument is missing, unknown or malformed. */
export class UsageError extends MoloslaveError {
  constructor(message: string) {
    super("ERR_MOLOSLAVE_USAGE", message);
    this.name = "UsageError";
  }
}

/** A value that would reach git or an installer could be read as an option (it starts with `-`) or names a forbidden transport. */
export class UnsafeArgumentError extends MoloslaveError {
  /** The name of the input that was refused, such as `repo` or `ref`. */
  readonly input: string;
  readonly value: string;

  constructor(input: string, value: string, reason: string) {
    super("ERR_MOLOSLAVE_UNSAFE_ARGUMENT", `${input} ${JSON.stringify(value)} is refused: ${reason}`);
    this.name = "UnsafeArgumentError";
    this.input = input;
    this.value = value;
  }
}

/** A git command failed, timed out or could not be started. */
export class GitError extends MoloslaveError {
  /** The git arguments, without the `git` itself. */
  readonly args: readonly string[];
  /** The tail of what git wrote to stderr, when it ran. */
  readonly stderr: string;

  constructor(
    code: Extract<
      MoloslaveErrorCode,
      | "ERR_MOLOSLAVE_GIT_NOT_FOUND"
      | "ERR_MOLOSLAVE_GIT_FAILED"
      | "ERR_MOLOSLAVE_GIT_TIMEOUT"
      | "ERR_MOLOSLAVE_REF_NOT_FOUND"
    >,
    message: string,
    details: { args: readonly string[]; stderr?: string; cause?: unknown },
  ) {
    super(code, message, { cause: details.cause });
    this.name = "GitError";
    this.args = details.args;
    this.stderr = details.stderr ?? "";
  }
}

/** Installing the repository's dependencies failed, timed out or the package manager is missing. */
export class InstallError extends MoloslaveError {
  /** The install command as an argument array. */
  readonly command: readonly string[];
  /** The tail of the installer's output. */
  readonly output: string;

  constructor(
    code: Extract<
      MoloslaveErrorCode,
      "ERR_MOLOSLAVE_INSTALLER_NOT_FOUND" | "ERR_MOLOSLAVE_INSTALL_FAILED" | "ERR_MOLOSLAVE_INSTALL_TIMEOUT"
    >,
    message: string,
    details: { command: readonly string[]; output?: string; cause?: unknown },
  ) {
    super(code, message, { cause: details.cause });
    this.name = "InstallError";
    this.command = details.command;
    this.output = details.output ?? "";
  }
}

/** The repository has no config file at the expected place. */
export class ConfigNotFoundError extends MoloslaveError {
  readonly path: string;

  /** `checkout` names the repository as the user gave it (`REPO at REF (commit abc1234)`), when the clone is removed. */
  constructor(path: string, configName: string, checkout?: string) {
    super(
      "ERR_MOLOSLAVE_CONFIG_NOT_FOUND",
      checkout === undefined
        ? `the repository has no ${configName} (looked for ${path}); pass --config to name another file`
        : `${checkout} has no ${configName}; pass --config to name another file`,
    );
    this.name = "ConfigNotFoundError";
    this.path = path;
  }
}

/** The named test is not in the config's `tests` section. */
export class TestNotFoundError extends MoloslaveError {
  readonly test: string;
  /** The names the config does define, sorted. */
  readonly available: readonly string[];

  constructor(test: string, available: readonly string[], source: string) {
    super(
      "ERR_MOLOSLAVE_TEST_NOT_FOUND",
      available.length === 0
        ? `test ${JSON.stringify(test)} is not defined: ${source} has no tests`
        : `test ${JSON.stringify(test)} is not defined in ${source}; available tests: ${available.join(", ")}`,
    );
    this.name = "TestNotFoundError";
    this.test = test;
    this.available = available;
  }
}

/** `--directory` names a folder that already holds files, where git cannot clone. */
export class DirectoryNotEmptyError extends MoloslaveError {
  readonly directory: string;

  constructor(directory: string) {
    super(
      "ERR_MOLOSLAVE_DIRECTORY_NOT_EMPTY",
      `--directory ${directory} is not empty; git clones only into a new or empty folder`,
    );
    this.name = "DirectoryNotEmptyError";
    this.directory = directory;
  }
}

/** `moloslave init` found a file it would have overwritten; nothing was written. */
export class FileExistsError extends MoloslaveError {
  readonly path: string;

  constructor(path: string) {
    super("ERR_MOLOSLAVE_FILE_EXISTS", `${path} already exists; moloslave init never overwrites a file`);
    this.name = "FileExistsError";
    this.path = path;
  }
}

/** The run was stopped through its abort signal (Ctrl-C in the CLI) before it could finish. */
export class AbortedError extends MoloslaveError {
  constructor(step: string, options?: { cause?: unknown }) {
    super("ERR_MOLOSLAVE_ABORTED", `interrupted during ${step}`, options);
    this.name = "AbortedError";
  }
}

/** moloslave's error codes by name of the exit-code table all the commands share (loadcore's `EXIT_CODES`). */
const EXIT_CODE_OF: Readonly<Record<MoloslaveErrorCode, ExitCodeName>> = {
  ERR_MOLOSLAVE_USAGE: "usage",
  ERR_MOLOSLAVE_UNSAFE_ARGUMENT: "usage",
  ERR_MOLOSLAVE_DIRECTORY_NOT_EMPTY: "usage",
  ERR_MOLOSLAVE_FILE_EXISTS: "usage",
  ERR_MOLOSLAVE_CONFIG_NOT_FOUND: "scenario",
  ERR_MOLOSLAVE_TEST_NOT_FOUND: "scenario",
  ERR_MOLOSLAVE_GIT_NOT_FOUND: "scenario",
  ERR_MOLOSLAVE_GIT_FAILED: "scenario",
  ERR_MOLOSLAVE_GIT_TIMEOUT: "scenario",
  ERR_MOLOSLAVE_REF_NOT_FOUND: "scenario",
  ERR_MOLOSLAVE_INSTALLER_NOT_FOUND: "scenario",
  ERR_MOLOSLAVE_INSTALL_FAILED: "scenario",
  ERR_MOLOSLAVE_INSTALL_TIMEOUT: "scenario",
  ERR_MOLOSLAVE_ABORTED: "interrupted",
};

/** The name in the exit-code table every sizer command shares (loadcore's `EXIT_CODES`) of a moloslave error code. */
export function moloslaveExitCode(code: MoloslaveErrorCode): ExitCodeName {
  return EXIT_CODE_OF[code];
}
