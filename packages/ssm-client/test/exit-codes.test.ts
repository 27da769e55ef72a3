// The exit codes sizer-ssm documents are those of the shared table: this test reads the README and
// docs/exit-codes.md and fails when either drifts from the code.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EXIT_CODES, type ExitCodeName } from "@sizer/process-kit";
import { describe, expect, it } from "vitest";
import { INVOCATION_EXIT_CODE, invocationExitCode, SSM_ERROR_EXIT_CODE, ssmExitCode } from "../src/index.js";
import { INVOCATION_STATUSES } from "../src/invocation.js";

const packageDirectory = join(import.meta.dirname, "..");
const readme = readFileSync(join(packageDirectory, "README.md"), "utf8");
const sharedTable = readFileSync(join(packageDirectory, "..", "..", "docs", "exit-codes.md"), "utf8");

function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\||\|$/g, "")
    .split("|")
    .map((cell) => cell.trim());
}

describe("sizer-ssm's exit codes", () => {
  it("are, error code by error code, the README's table", () => {
    const documented = Object.fromEntries(
      readme
        .split("\n")
        .map((line) => /^\|\s*`(ERR_SSM_\w+)`\s*\|\s*(\d+)\s*\|/.exec(line))
        .filter((match) => match !== null)
        .map((match) => [match[1], Number(match[2])]),
    );
    const actual = Object.fromEntries(
      Object.keys(SSM_ERROR_EXIT_CODE).map((code) => [
        code,
        ssmExitCode(code as keyof typeof SSM_ERROR_EXIT_CODE),
      ]),
    );
    expect(documented).toEqual(actual);
  });

  it("of `run`, outcome by outcome, are the README's table", () => {
    const documented: Record<string, [number, string]> = {};
    for (const line of readme.split("\n")) {
      const [outcomes, exit, name] = cells(line);
      if (!line.startsWith("| `") || name === undefined || !/^`\w+`$/.test(name)) continue;
      for (const [, status] of (outcomes ?? "").matchAll(/`(\w+)`/g)) {
        if ((INVOCATION_STATUSES as readonly string[]).includes(status as string))
          documented[status as string] = [Number(exit), name.slice(1, -1)];
      }
    }
    expect(documented).toEqual(
      Object.fromEntries(
        INVOCATION_STATUSES.map((status) => [
          status,
          [invocationExitCode(status), INVOCATION_EXIT_CODE[status]],
        ]),
      ),
    );
  });

  it("each have a row with a sizer-ssm column in docs/exit-codes.md, and no other row says sizer-ssm uses it", () => {
    const lines = sharedTable.split("\n").filter((line) => line.startsWith("|"));
    const header = cells(lines[0] as string);
    const column = header.indexOf("`sizer-ssm`");
    expect(column).toBeGreaterThan(1);
    const described = lines
      .slice(2)
      .map(cells)
      .filter((row) => row[column] !== "—")
      .map((row) => {
        const name = (row[1] as string).replace(/`/g, "") as ExitCodeName;
        expect(EXIT_CODES[name], name).toBe(Number(row[0]));
        return name;
      });
    const used = new Set<ExitCodeName>([
      ...Object.values(SSM_ERROR_EXIT_CODE),
      ...Object.values(INVOCATION_EXIT_CODE),
      "internal",
    ]);
    expect(new Set(described)).toEqual(used);
  });
});
