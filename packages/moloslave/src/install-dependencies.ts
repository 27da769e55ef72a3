import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { CommandLineError, type SplitCommandLine, splitCommandLine } from "@sizer/process-kit";
import { AbortedError, InstallError, UnsafeArgumentError } from "./errors.js";
import { type CommandRunner, runCommand } from "./run-command.js";

/** The install command moloslave chose, and why. */
export interface InstallPlan {
  /** The program to run, such as `npm`. */
  command: string;
  /** Its arguments, such as `["ci", "--no-audit", "--no-fund"]`. */
  args: string[];
  /** Why this command: the lockfile found, `requirements`, or no lockfile. */
  reason: string;
}

/** Options of {@link planInstall} and {@link installDependencies}. */
export interface InstallOptions {
  /** The folder holding `package.json` (the config file's folder). */
  directory: string;
  /** The config's `requirements`: the install command to run instead of the lockfile's. */
  requirements?: string | readonly string[];
  /** Deadline of the install, in milliseconds. Default: 600 000. */
  timeoutMs?: number;
  /** Stops the installer when it aborts. */
  signal?: AbortSignal;
  /** Runs the installer. Default: {@link runCommand}. */
  runner?: CommandRunner;
  /** The environment the installer starts from. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Receives the installer's output as it arrives. */
  onOutput?: (chunk: string) => void;
  /** Called with the plan just before the installer starts. */
  onStart?: (plan: InstallPlan) => void;
}

/** Default deadline of a dependency install. */
export const DEFAULT_INSTALL_TIMEOUT_MS = 600_000;

const LOCKFILES: ReadonlyArray<{ file: string; command: string; args: string[] }> = [
  { file: "pnpm-lock.yaml", command: "pnpm", args: ["install", "--frozen-lockfile"] },
  { file: "yarn.lock", command: "yarn", args: ["install", "--frozen-lockfile"] },
  { file: "package-lock.json", command: "npm", args: ["ci", "--no-audit", "--no-fund"] },
  { file: "npm-shrinkwrap.json", command: "npm", args: ["ci", "--no-audit", "--no-fund"] },
];

const DEPENDENCY_FIELDS = ["dependencies", "devDependencies", "optionalDependencies"] as const;

/**
 * Splits a command line into an argument array the way a shell would for plain words and quotes
 * (`'…'`, `"…"`, backslash; the rules of {@link splitCommandLine}), and refuses what only a shell
 * could do (pipes, `;`, `&`, `$`, redirections, globs, `~`, `#`, a leading `VAR=value`), since
 * moloslave never runs a shell.
 */
export function parseCommandLine(commandLine: string, input = "requirements"): string[] {
  let split: SplitCommandLine;
  try {
    split = splitCommandLine(commandLine);
  } catch (error) {
    if (error instanceof CommandLineError) {
      const reason =
        error.problem === "empty"
          ? "it names no command"
          : error.problem === "lone-backslash"
            ? "it ends with a lone backslash"
            : `the quote ${error.quote} is not closed`;
      throw new UnsafeArgumentError(input, commandLine, reason);
    }
    throw error;
  }
  if (split.shellSyntax !== undefined) {
    throw new UnsafeArgumentError(
      input,
      commandLine,
      `${split.shellSyntax} needs a shell; moloslave runs the command without one`,
    );
  }
  return split.argv;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Decides how to install the dependencies of the package in `directory`: the `requirements` command when
 * given; otherwise nothing when there is no `package.json` or it declares no dependencies; otherwise the
 * command its lockfile calls for (`pnpm install --frozen-lockfile`, `yarn install --frozen-lockfile`,
 * `npm ci`), or `npm install` without a lockfile.
 */
export async function planInstall(
  options: Pick<InstallOptions, "directory" | "requirements">,
): Promise<InstallPlan | undefined> {
  if (options.requirements !== undefined) {
    const words =
      typeof options.requirements === "string"
        ? parseCommandLine(options.requirements)
        : [...options.requirements];
    const [command, ...args] = words;
    if (args.length === 0 && command?.endsWith(".txt")) {
      throw new UnsafeArgumentError(
        "requirements",
        command,
        'it names a Python requirements file; moloslave runs an install command here, such as "npm ci"',
      );
    }
    if (command === undefined || command === "") {
      throw new UnsafeArgumentError("requirements", String(options.requirements), "it names no command");
    }
    if (command.startsWith("-")) {
      throw new UnsafeArgumentError(
        "requirements",
        String(options.requirements),
        "the command starts with '-'",
      );
    }
    return { command, args, reason: "requirements" };
  }

  let manifest: unknown;
  try {
    manifest = JSON.parse(await readFile(join(options.directory, "package.json"), "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new InstallError(
      "ERR_MOLOSLAVE_INSTALL_FAILED",
      `the repository's package.json cannot be read: ${(error as Error).message}`,
      { command: [], cause: error },
    );
  }
  const declaresDependencies = DEPENDENCY_FIELDS.some((field) => {
    const value = (manifest as Record<string, unknown> | null)?.[field];
    return typeof value === "object" && value !== null && Object.keys(value).length > 0;
  });
  if (!declaresDependencies) return undefined;

  for (const lockfile of LOCKFILES) {
    if (await exists(join(options.directory, lockfile.file))) {
      return { command: lockfile.command, args: [...lockfile.args], reason: lockfile.file };
    }
  }
  return { command: "npm", args: ["install", "--no-audit", "--no-fund"], reason: "no lockfile" };
}

/**
 * The installer's environment: the caller's, without the variables of a package manager that runs
 * moloslave itself, and without npm's update check (a request nobody asked for).
 */
function installerEnvironment(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(base)) {
    if (/^npm_(package|lifecycle)_/i.test(name) || name === "INIT_CWD") continue;
    environment[name] = value;
  }
  environment.npm_config_update_notifier = "false";
  return environment;
}

/**
 * Installs the dependencies of the package in `directory` as {@link planInstall} decides, without a shell
 * and within a deadline. Resolves with the plan that ran, or undefined when there was nothing to install.
 */
export async function installDependencies(options: InstallOptions): Promise<InstallPlan | undefined> {
  const plan = await planInstall(options);
  if (plan === undefined) return undefined;
  const runner = options.runner ?? runCommand;
  const timeoutMs = options.timeoutMs ?? DEFAULT_INSTALL_TIMEOUT_MS;
  const commandLine = [plan.command, ...plan.args];
  options.onStart?.(plan);
  let result: Awaited<ReturnType<CommandRunner>>;
  try {
    result = await runner(plan.command, plan.args, {
      cwd: options.directory,
      env: installerEnvironment(options.env ?? process.env),
      timeoutMs,
      signal: options.signal,
      onOutput: options.onOutput,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new InstallError(
        "ERR_MOLOSLAVE_INSTALLER_NOT_FOUND",
        `${plan.command} is not installed, and the repository needs it (${plan.reason})`,
        { command: commandLine, cause: error },
      );
    }
    throw new InstallError(
      "ERR_MOLOSLAVE_INSTALL_FAILED",
      `could not run ${plan.command}: ${(error as Error).message}`,
      {
        command: commandLine,
        cause: error,
      },
    );
  }
  const output = `${result.stdout}\n${result.stderr}`.trim();
  if (result.aborted) throw new AbortedError("the dependency install");
  if (result.timedOut) {
    throw new InstallError(
      "ERR_MOLOSLAVE_INSTALL_TIMEOUT",
      `${commandLine.join(" ")} did not finish within ${timeoutMs / 1000} s (install timeout)`,
      { command: commandLine, output },
    );
  }
  if (result.exitCode !== 0) {
    const tail = output.split("\n").slice(-15).join("\n");
    throw new InstallError(
      "ERR_MOLOSLAVE_INSTALL_FAILED",
      `${commandLine.join(" ")} failed (exit ${result.exitCode ?? result.signal})${tail ? `:\n${tail}` : ""}`,
      { command: commandLine, output },
    );
  }
  return plan;
}
