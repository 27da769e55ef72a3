import { SizerUsageError } from "./errors.js";

/** How a `--service-cmd` string is run. */
export interface ServiceCommand {
  /** The program and its arguments. With `shell`, `["sh", "-c", <the user's string>]`. */
  argv: string[];
  /** True when the string uses shell syntax (pipes, redirections, `&&`, `$VAR`...) and runs through `sh -c`. */
  shell: boolean;
}

const SHELL_SYNTAX = new Set([
  "|",
  "&",
  ";",
  "<",
  ">",
  "(",
  ")",
  "$",
  "`",
  "*",
  "?",
  "[",
  "]",
  "{",
  "}",
  "~",
  "#",
]);

/**
 * Splits a `--service-cmd` string into argv the way a POSIX shell would for simple commands
 * (whitespace, single and double quotes, backslash escapes), without running a shell. When the
 * string uses real shell syntax outside quotes, it is run as `sh -c <string>`: only the user's own
 * string, never with other values spliced in.
 */
export function parseServiceCommand(text: string): ServiceCommand {
  const trimmed = text.trim();
  if (trimmed === "")
    throw new SizerUsageError(
      "--service-cmd",
      '--service-cmd is empty: give the command that starts the service, e.g. --service-cmd "node server.js"',
    );
  const argv: string[] = [];
  let current = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let index = 0; index < trimmed.length; index += 1) {
    const character = trimmed[index] as string;
    if (quote === "'") {
      if (character === "'") quote = undefined;
      else current += character;
      continue;
    }
    if (quote === '"') {
      if (character === '"') quote = undefined;
      else if (
        character === "\\" &&
        index + 1 < trimmed.length &&
        '"\\$`'.includes(trimmed[index + 1] as string)
      ) {
        index += 1;
        current += trimmed[index];
      } else if (character === "$" || character === "`") {
        return { argv: ["sh", "-c", trimmed], shell: true };
      } else current += character;
      continue;
    }
    if (character === "'" || character === '"') {
      quote = character;
      inWord = true;
    } else if (character === "\\") {
      if (index + 1 >= trimmed.length)
        throw new SizerUsageError("--service-cmd", "--service-cmd ends with a lone backslash");
      index += 1;
      current += trimmed[index];
      inWord = true;
    } else if (/\s/.test(character)) {
      if (inWord) argv.push(current);
      current = "";
      inWord = false;
    } else if (SHELL_SYNTAX.has(character)) {
      return { argv: ["sh", "-c", trimmed], shell: true };
    } else {
      current += character;
      inWord = true;
    }
  }
  if (quote)
    throw new SizerUsageError("--service-cmd", `--service-cmd has an unclosed ${quote} quote: ${text}`);
  if (inWord) argv.push(current);
  // `FOO=bar node server.js` sets a variable: a shell feature.
  if (argv[0]?.includes("=")) return { argv: ["sh", "-c", trimmed], shell: true };
  return { argv, shell: false };
}
