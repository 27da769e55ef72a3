import { CommandLineError, type SplitCommandLine, splitCommandLine } from "@sizer/process-kit";
import { SizerUsageError } from "./errors.js";

/** How a `--service-cmd` string is run. */
export interface ServiceCommand {
  /** The program and its arguments. With `shell`, `["sh", "-c", <the user's string>]`. */
  argv: string[];
  /** True when the string uses shell syntax (pipes, redirections, `&&`, `$VAR`...) and runs through `sh -c`. */
  shell: boolean;
}

/**
 * Splits a `--service-cmd` string into argv the way a POSIX shell would for simple commands
 * (whitespace, single and double quotes, backslash escapes: process-kit's {@link splitCommandLine}),
 * without running a shell. When the string uses real shell syntax outside quotes, it is run as
 * `sh -c <string>`: only the user's own string, never with other values spliced in.
 */
export function parseServiceCommand(text: string): ServiceCommand {
  const trimmed = text.trim();
  if (trimmed === "")
    throw new SizerUsageError(
      "--service-cmd",
      '--service-cmd is empty: give the command that starts the service, e.g. --service-cmd "node server.js"',
    );
  let split: SplitCommandLine;
  try {
    split = splitCommandLine(trimmed);
  } catch (error) {
    if (!(error instanceof CommandLineError)) throw error;
    if (error.problem === "lone-backslash")
      throw new SizerUsageError("--service-cmd", "--service-cmd ends with a lone backslash");
    throw new SizerUsageError("--service-cmd", `--service-cmd has an unclosed ${error.quote} quote: ${text}`);
  }
  if (split.shellSyntax !== undefined) return { argv: ["sh", "-c", trimmed], shell: true };
  return { argv: split.argv, shell: false };
}
