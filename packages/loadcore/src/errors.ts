/**
 * The base of every error @sizer/loadcore throws on purpose. `code` is stable (`ERR_LOADCORE_*`):
 * match on it, not on the message.
 */
export class LoadcoreError extends Error {
  /** A stable machine-readable code, `ERR_LOADCORE_*`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A command-line flag or a `RunOptions` field has a wrong value. */
export class UsageError extends LoadcoreError {
  /** The flag or option at fault, e.g. `--workers`. */
  readonly input: string | undefined;

  constructor(message: string, options: { input?: string; cause?: unknown } = {}) {
    super("ERR_LOADCORE_USAGE", message, options);
    this.input = options.input;
  }
}

/** A Molotov-style config file (`molotov.json`) is missing, unreadable or invalid. */
export class ConfigError extends LoadcoreError {
  /** The config file. */
  readonly source: string;
  /** The dotted path of the key at fault, when there is one (`molotov.tests.smoke.workers`). */
  readonly key: string | undefined;

  constructor(message: string, options: { source: string; key?: string; cause?: unknown }) {
    super("ERR_LOADCORE_CONFIG", message, options);
    this.source = options.source;
    this.key = options.key;
  }
}

/** The scenario file (or an extension) does not exist. */
export class ScenarioNotFoundError extends LoadcoreError {
  readonly file: string;

  constructor(file: string, what = "scenario file") {
    super("ERR_LOADCORE_SCENARIO_NOT_FOUND", `${what} not found: ${file}`);
    this.file = file;
  }
}

/** The scenario file (or an extension) failed to load: syntax error, a throwing import... */
export class ScenarioLoadError extends LoadcoreError {
  readonly file: string;
  /** `file:line:column` of a syntax error when known. */
  readonly location: string | undefined;

  constructor(message: string, options: { file: string; location?: string; cause?: unknown }) {
    super("ERR_LOADCORE_SCENARIO_LOAD", message, options);
    this.file = options.file;
    this.location = options.location;
  }
}

/** A scenario or fixture registration is invalid (duplicate name, bad weight, a second `setup()`...). */
export class RegistrationError extends LoadcoreError {
  constructor(message: string) {
    super("ERR_LOADCORE_REGISTRATION", message);
  }
}

/** The scenario file registered no scenario. */
export class NoScenarioError extends LoadcoreError {
  readonly file: string;

  constructor(file: string) {
    super(
      "ERR_LOADCORE_NO_SCENARIO",
      `no scenario registered by ${file}: call scenario(async (session) => { ... }) in it (a scenario with a weight of 0 is ignored)`,
    );
    this.file = file;
  }
}

/** `--single-mode NAME` or a scenario picker named a scenario that is not registered. */
export class UnknownScenarioError extends LoadcoreError {
  readonly scenarioName: string;
  readonly available: readonly string[];

  constructor(scenarioName: string, available: readonly string[], input = "--single-mode") {
    super(
      "ERR_LOADCORE_UNKNOWN_SCENARIO",
      `${input}: no scenario named "${scenarioName}"; registered: ${available.join(", ") || "none"}`,
    );
    this.scenarioName = scenarioName;
    this.available = available;
  }
}

/** `globalSetup` threw: the run did not start. */
export class FixtureError extends LoadcoreError {
  /** The fixture that failed, e.g. `globalSetup`. */
  readonly fixture: string;

  constructor(fixture: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super("ERR_LOADCORE_FIXTURE", `${fixture} failed: ${reason}`, { cause });
    this.fixture = fixture;
  }
}

/** A response had a status the scenario did not expect (`expect: 200`, `expectStatus`). */
export class ResponseStatusError extends LoadcoreError {
  readonly status: number;
  readonly expected: readonly number[];
  readonly method: string;
  readonly url: string;

  constructor(options: { status: number; expected: readonly number[]; method: string; url: string }) {
    super(
      "ERR_LOADCORE_STATUS",
      `${options.method} ${options.url} answered ${options.status}, expected ${options.expected.join(" or ")}`,
    );
    this.status = options.status;
    this.expected = options.expected;
    this.method = options.method;
    this.url = options.url;
  }
}

/** The results file given to `--output` could not be written. */
export class OutputError extends LoadcoreError {
  readonly file: string;

  constructor(file: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super("ERR_LOADCORE_OUTPUT", `cannot write the results to ${file}: ${reason}`, { cause });
    this.file = file;
  }
}
