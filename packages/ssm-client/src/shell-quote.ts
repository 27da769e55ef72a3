import { UsageError } from "./errors.js";

/**
 * Quotes one value for a POSIX shell so that the remote shell receives it verbatim: wrapped in
 * single quotes, each `'` written as `'\''`. Every value ssm-client puts into a command (paths,
 * environment values, image names, test names) goes through this one function. NUL cannot be
 * passed to a shell at all, so it is refused.
 */
export function shellQuote(value: string): string {
  if (value.includes("\u0000"))
    throw new UsageError(`a shell value cannot contain a NUL character: ${JSON.stringify(value)}`);
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

const ENVIRONMENT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `export NAME='value'` lines for a script, names checked, values quoted. */
export function exportLines(environment: Readonly<Record<string, string>>): string[] {
  return Object.entries(environment).map(([name, value]) => {
    if (!ENVIRONMENT_NAME.test(name)) {
      throw new UsageError(
        `environment variable name ${JSON.stringify(name)} is not valid (letters, digits and _, not starting with a digit)`,
      );
    }
    return `export ${name}=${shellQuote(value)}`;
  });
}

/** A shell command line from a program and its arguments, each quoted. */
export function shellCommand(program: string, ...args: string[]): string {
  return [program, ...args].map(shellQuote).join(" ");
}
