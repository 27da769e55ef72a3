import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT_CODES } from "../dist/index.js";

const root = join(import.meta.dirname, "..", "..", "..");

describe("EXIT_CODES", () => {
  it("is the table of docs/exit-codes.md, row for row", () => {
    const rows = readFileSync(join(root, "docs", "exit-codes.md"), "utf8")
      .split("\n")
      .map((line) => /^\|\s*(\d+)\s*\|\s*`(\w+)`\s*\|/.exec(line))
      .filter((match) => match !== null)
      .map((match) => [match[2], Number(match[1])]);
    expect(rows).toEqual(Object.entries(EXIT_CODES));
  });

  it("gives each name its own number", () => {
    const numbers = Object.values(EXIT_CODES);
    expect(new Set(numbers).size).toBe(numbers.length);
  });
});
