import { CommandLineError } from "./errors.js";

/** A command line split into words, or the first character that only a shell could handle. */
export interface SplitCommandLine {
  /** The words, quotes and backslashes removed, as a POSIX shell would split a simple command. */
  argv: string[];
  /**
   * The first character outside single quotes that needs a shell (`|`, `$`, a glob, `VAR=` in front
   * of the command: `=`), or undefined. When set, `argv` is incomplete: run the line with `sh -c` or
   * refuse it.
   */
  shellSyntax: string | undefined;
}

/** Characters that a shell gives a meaning to when they are not quoted. */
const SHELL_SYNTAX = new Set("|&;<>()$`*?[]{}~#");

/**
 * Splits a command line into words the way a POSIX shell does for a simple command: whitespace,
 * `'…'` (everything literal), `"…"` (backslash escapes only `"`, `\`, `$` and backtick) and a
 * backslash outside quotes. It never runs a shell. What only a shell could do (pipes, `;`, `&`,
 * redirections, `$VAR` even inside double quotes, backticks, globs, `~`, `#`, a leading `VAR=value`)
 * is reported in {@link SplitCommandLine.shellSyntax}, for the caller to run through `sh -c` or refuse.
 *
 * @throws {CommandLineError} when the line names no command, ends with a lone backslash or leaves a quote open.
 */
export function splitCommandLine(commandLine: string): SplitCommandLine {
  const words: string[] = [];
  let current = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  let shellSyntax: string | undefined;
  for (let index = 0; index < commandLine.length; index += 1) {
    const character = commandLine[index] as string;
    if (quote === "'") {
      if (character === "'") quote = undefined;
      else current += character;
      continue;
    }
    if (quote === '"') {
      if (character === '"') quote = undefined;
      else if (character === "\\" && '"\\$`'.includes(commandLine[index + 1] ?? "_")) {
        index += 1;
        current += commandLine[index];
      } else {
        if (character === "$" || character === "`") shellSyntax ??= character;
        current += character;
      }
      continue;
    }
    if (character === "'" || character === '"') {
      quote = character;
      inWord = true;
    } else if (character === "\\") {
      if (index + 1 >= commandLine.length) throw new CommandLineError("lone-backslash", commandLine);
      index += 1;
      current += commandLine[index];
      inWord = true;
    } else if (/\s/.test(character)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      if (SHELL_SYNTAX.has(character)) shellSyntax ??= character;
      current += character;
      inWord = true;
    }
  }
  if (quote !== undefined) throw new CommandLineError("unclosed-quote", commandLine, quote);
  if (inWord) words.push(current);
  if (words.length === 0) throw new CommandLineError("empty", commandLine);
  // `FOO=bar node server.js` sets a variable: a shell feature.
  if (words[0]?.includes("=")) shellSyntax ??= "=";
  return { argv: words, shellSyntax };
}
