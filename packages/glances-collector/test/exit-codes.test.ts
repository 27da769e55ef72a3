// glances-collector's exit codes are those of the shared table: this test reads the README, --help
// and docs/exit-codes.md and fails when any of them drifts from the code.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EXIT_CODES, type ExitCodeName } from "@sizer/process-kit";
import { exitCodesDocumentedFor, readmeErrorExitCodes } from "@sizer/test-utils";
import { describe, expect, it } from "vitest";
import { COLLECTOR_ERROR_EXIT_CODE } from "../src/exit-codes.js";

const packageDirectory = join(import.meta.dirname, "..");
const readme = readFileSync(join(packageDirectory, "README.md"), "utf8");
const used = new Set<ExitCodeName>(["done", "internal", ...Object.values(COLLECTOR_ERROR_EXIT_CODE)]);

describe("glances-collector's exit codes", () => {
  it("are, error code by error code, the README's table", () => {
    expect(readmeErrorExitCodes(readme, "ERR_COLLECTOR_")).toEqual(
      Object.fromEntries(
        Object.entries(COLLECTOR_ERROR_EXIT_CODE).map(([code, name]) => [code, EXIT_CODES[name]]),
      ),
    );
  });

  it("are each named in --help, and no other", () => {
    const help = execFileSync(process.execPath, [join(packageDirectory, "dist", "cli.js"), "--help"], {
      encoding: "utf8",
    });
    const listed = /Exit codes[^:]*:([\s\S]*)$/.exec(help)?.[1] ?? "";
    const numbers = [...listed.matchAll(/(?:^|[ ,\n])(\d+) [a-zA-Z]/g)].map((match) => Number(match[1]));
    expect(new Set(numbers)).toEqual(new Set([...used].map((name) => EXIT_CODES[name])));
  });

  it("each have a row with a glances-collector column in docs/exit-codes.md, and no other row says it uses it", () => {
    const documented = exitCodesDocumentedFor("`glances-collector`");
    expect(new Set(documented.keys())).toEqual(used);
    for (const [name, code] of documented) expect(EXIT_CODES[name as ExitCodeName], name).toBe(code);
  });
});
