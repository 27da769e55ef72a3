// sizer-report's exit codes are those of the shared table: this test reads the README, --help and
// docs/exit-codes.md and fails when any of them drifts from the code.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EXIT_CODES, type ExitCodeName } from "@sizer/process-kit";
import { exitCodesDocumentedFor, readmeErrorExitCodes } from "@sizer/test-utils";
import { describe, expect, it } from "vitest";
import { REPORT_ERROR_EXIT_CODE } from "../src/exit-codes.js";
import { USAGE } from "../src/run-cli.js";

const readme = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");
const used = new Set<ExitCodeName>(["done", "internal", ...Object.values(REPORT_ERROR_EXIT_CODE)]);

describe("sizer-report's exit codes", () => {
  it("are, error code by error code, the README's table", () => {
    expect(readmeErrorExitCodes(readme, "ERR_REPORT_")).toEqual(
      Object.fromEntries(
        Object.entries(REPORT_ERROR_EXIT_CODE).map(([code, name]) => [code, EXIT_CODES[name]]),
      ),
    );
  });

  it("are each named in --help, and no other", () => {
    const listed = /Exit codes[^:]*:([\s\S]*)$/.exec(USAGE)?.[1] ?? "";
    const numbers = [...listed.matchAll(/(?:^|[ ,\n])(\d+) [a-zA-Z]/g)].map((match) => Number(match[1]));
    expect(new Set(numbers)).toEqual(new Set([...used].map((name) => EXIT_CODES[name])));
  });

  it("each have a row with a sizer-report column in docs/exit-codes.md, and no other row says it uses it", () => {
    const documented = exitCodesDocumentedFor("`sizer-report`");
    expect(new Set(documented.keys())).toEqual(used);
    for (const [name, code] of documented) expect(EXIT_CODES[name as ExitCodeName], name).toBe(code);
  });
});
