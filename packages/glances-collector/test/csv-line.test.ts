import { describe, expect, it } from "vitest";
import { quoteCsvCell, splitCsvLine } from "../src/csv-line.js";

describe("CSV lines", () => {
  it("splits plain and quoted cells", () => {
    expect(splitCsvLine("a,b,,c")).toEqual(["a", "b", "", "c"]);
    expect(splitCsvLine('a,"b,c",d')).toEqual(["a", "b,c", "d"]);
    expect(splitCsvLine('"x ""y""",2,')).toEqual(['x "y"', "2", ""]);
    expect(splitCsvLine('1,"rw,relatime"')).toEqual(["1", "rw,relatime"]);
    expect(splitCsvLine('"",')).toEqual(["", ""]);
  });

  it("quotes only when needed, and round-trips", () => {
    expect(quoteCsvCell("plain")).toBe("plain");
    const cells = ["a,b", 'say "hi"', "x"];
    expect(splitCsvLine(cells.map(quoteCsvCell).join(","))).toEqual(cells);
  });
});
