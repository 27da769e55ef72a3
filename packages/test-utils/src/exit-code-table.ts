import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** The cells of one row of a Markdown table. */
export function markdownCells(line: string): string[] {
  return line
    .trim()
    .replace(/^\||\|$/g, "")
    .split("|")
    .map((cell) => cell.trim());
}

/**
 * What docs/exit-codes.md, the one exit-code table, says of `command` (e.g. "`sizer-report`"):
 * each name whose row has something other than "—" in the command's column, with its code.
 */
export function exitCodesDocumentedFor(command: string): Map<string, number> {
  const lines = readFileSync(join(root, "docs", "exit-codes.md"), "utf8")
    .split("\n")
    .filter((line) => line.startsWith("|"));
  const column = markdownCells(lines[0] ?? "").indexOf(command);
  if (column < 2) throw new Error(`docs/exit-codes.md has no column ${command}`);
  return new Map(
    lines
      .slice(2)
      .map(markdownCells)
      .filter((row) => row[column] !== "—")
      .map((row) => [(row[1] ?? "").replace(/`/g, ""), Number(row[0])]),
  );
}

/** The rows `| \`CODE\` | N | ...` of a README's table of error codes, by code. */
export function readmeErrorExitCodes(readme: string, prefix: string): Record<string, number> {
  return Object.fromEntries(
    readme
      .split("\n")
      .map((line) => new RegExp(`^\\|\\s*\`(${prefix}\\w+)\`\\s*\\|\\s*(\\d+)\\s*\\|`).exec(line))
      .filter((match) => match !== null)
      .map((match) => [match[1], Number(match[2])]),
  );
}
