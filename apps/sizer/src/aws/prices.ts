import { readFileSync } from "node:fs";
import { isInstanceTypeName } from "@sizer/ssm-client";
import { SizerUsageError } from "../errors.js";

function positivePrice(text: string): number | undefined {
  if (!/^\d+(\.\d+)?$/.test(text.trim())) return undefined;
  const price = Number(text);
  return price > 0 ? price : undefined;
}

/**
 * Reads `--prices FILE`: each instance type's hourly price in US dollars, as a JSON object
 * (`{ "t3.micro": 0.0104 }`) or as CSV lines `TYPE,USD_PER_HOUR` (a header line and `#` comments are
 * skipped). The file may price more types than the run sizes.
 *
 * @throws {SizerUsageError} naming `--prices`, the file and the entry at fault.
 */
export function readPricesFile(path: string): Record<string, number> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new SizerUsageError(
      "--prices",
      `--prices ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  const fail = (what: string) => new SizerUsageError("--prices", `--prices ${path}: ${what}`);
  const entries: Array<[string, string]> = [];
  if (/^\s*[[{]/.test(text)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw fail(`not valid JSON (${(error as Error).message})`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
      throw fail('expected an object such as { "t3.micro": 0.0104 }');
    for (const [type, value] of Object.entries(parsed))
      entries.push([type, typeof value === "number" ? String(value) : JSON.stringify(value)]);
  } else {
    for (const [index, raw] of text.split(/\r?\n/).entries()) {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) continue;
      const [type = "", price = "", ...rest] = line.split(",").map((cell) => cell.trim());
      if (index === 0 && positivePrice(price) === undefined && !isInstanceTypeName(type)) continue;
      if (rest.length > 0) throw fail(`line ${index + 1}: expected TYPE,USD_PER_HOUR, got '${line}'`);
      entries.push([type, price]);
    }
  }
  const prices: Record<string, number> = {};
  for (const [type, text] of entries) {
    if (!isInstanceTypeName(type)) throw fail(`'${type}' is not an instance type such as t3.micro`);
    const price = positivePrice(text);
    if (price === undefined)
      throw fail(`${type}: the price must be a positive number of dollars an hour, got ${text}`);
    if (type in prices) throw fail(`${type} is priced twice`);
    prices[type] = price;
  }
  if (Object.keys(prices).length === 0) throw fail("it prices no instance type");
  return prices;
}
