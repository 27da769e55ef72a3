import { readFile } from "node:fs/promises";
import { ReportInputError } from "../errors.js";

/**
 * Reads an input file as UTF-8 text; `kind` names the input in the error (`results`, `metrics`).
 *
 * @throws {ReportInputError} `ERR_REPORT_INPUT_NOT_FOUND` naming the file ("no such file" when it does not exist).
 */
export async function readInputText(path: string, kind: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
    throw new ReportInputError(
      "ERR_REPORT_INPUT_NOT_FOUND",
      path,
      `cannot read the ${kind} file: ${reason}`,
      {
        cause: error,
      },
    );
  }
}
