import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseAwsRunArguments } from "../src/aws/aws-arguments.js";
import { readPricesFile } from "../src/aws/prices.js";
import { temporaryFolder } from "./helpers.js";

const folder = temporaryFolder();
afterAll(() => folder.remove());

function file(name: string, text: string): string {
  const path = join(folder.path, name);
  writeFileSync(path, text);
  return path;
}

describe("--prices FILE", () => {
  it("reads a JSON object or CSV lines (header and comments skipped) of hourly prices", () => {
    expect(readPricesFile(file("p.json", '{ "t3.micro": 0.0104, "c7g.large": 0.0725 }'))).toEqual({
      "t3.micro": 0.0104,
      "c7g.large": 0.0725,
    });
    expect(
      readPricesFile(
        file(
          "p.csv",
          "instance_type,usd_per_hour\n# eu-west-1, on demand\nt3.micro,0.0114\r\nc6i.large, 0.096\n",
        ),
      ),
    ).toEqual({ "t3.micro": 0.0114, "c6i.large": 0.096 });
  });

  it("refuses a file it cannot use, naming --prices, the file and the entry", () => {
    const cases: Array<[string, string, RegExp]> = [
      ["bad.json", '{ "t3.micro": "cheap" }', /t3\.micro: the price must be a positive number/],
      ["zero.json", '{ "t3.micro": 0 }', /t3\.micro/],
      ["array.json", "[1, 2]", /expected an object/],
      ["broken.json", '{ "t3.micro": ', /not valid JSON/],
      ["type.csv", "t3.micro,0.01\nbig one,0.2\n", /'big one' is not an instance type/],
      ["twice.csv", "t3.micro,0.01\nt3.micro,0.02\n", /priced twice/],
      ["extra.csv", "t3.micro,0.01,eu-west-1\n", /line 1: expected TYPE,USD_PER_HOUR/],
      ["empty.csv", "# nothing\n", /prices no instance type/],
    ];
    for (const [name, text, message] of cases) {
      const path = file(name, text);
      expect(() => readPricesFile(path), name).toThrow(message);
      expect(() => readPricesFile(path), name).toThrow(`--prices ${path}`);
    }
    expect(() => readPricesFile(join(folder.path, "missing.json"))).toThrow(/cannot read it \(ENOENT\)/);
  });
});

describe("sizer aws run --prices", () => {
  const base = ["--image", "example/service:1", "--port", "8080", "--scenario", "loadtest.ts"];

  it("prices the types sized from the file, --price winning over it", () => {
    const path = file("run.json", '{ "t3.micro": 0.0104, "c6i.large": 0.085, "m7i.large": 0.1 }');
    file("loadtest.ts", "export {};\n");
    const parsed = parseAwsRunArguments(
      [...base, "--instance-types", "t3.micro,c6i.large", "--prices", path, "--price", "c6i.large=0.09"],
      { cwd: folder.path, now: new Date("2026-12-07T19:00:00Z") },
    );
    expect(parsed.help).toBe(false);
    if (!parsed.help) expect(parsed.options.prices).toEqual({ "t3.micro": 0.0104, "c6i.large": 0.09 });
  });

  it("refuses a --prices file it cannot read before anything starts", () => {
    expect(() =>
      parseAwsRunArguments([...base, "--instance-types", "t3.micro", "--prices", "nowhere.json"], {
        cwd: folder.path,
        now: new Date(),
      }),
    ).toThrow(/--prices .*nowhere\.json: cannot read it/);
  });
});
