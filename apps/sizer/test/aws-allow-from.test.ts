import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseAwsRunArguments } from "../src/aws/aws-arguments.js";
import { describePlan } from "../src/aws/aws-run.js";
import { temporaryFolder } from "./helpers.js";

const folder = temporaryFolder();
afterAll(() => folder.remove());
writeFileSync(join(folder.path, "loadtest.ts"), "export {};\n");

const base = [
  "--image",
  "example/service:1",
  "--port",
  "8080",
  "--scenario",
  "loadtest.ts",
  "--instance-types",
  "t3.micro",
];
const parse = (args: string[]) =>
  parseAwsRunArguments([...base, ...args], { cwd: folder.path, now: new Date() });

describe("sizer aws run --allow-from", () => {
  it("takes IPv4 ranges, repeatable, and says in the plan what it will open", () => {
    const parsed = parse(["--allow-from", "203.0.113.7/32", "--allow-from", "198.51.100.0/24"]);
    if (parsed.help) throw new Error("help");
    expect(parsed.options.allowFrom).toEqual(["203.0.113.7/32", "198.51.100.0/24"]);
    const facts = {
      instanceType: "t3.micro",
      vcpus: 2,
      memoryMiB: 1024,
      networkPerformance: "Up to 5 Gigabit",
      architecture: "x86_64" as const,
    };
    expect(describePlan([{ facts, reuse: undefined }], parsed.options, "run-1")).toContain(
      "create security group sizer-run-1 (inbound: TCP 8080 from 203.0.113.7/32, 198.51.100.0/24)",
    );
    const closed = parse([]);
    if (closed.help) throw new Error("help");
    expect(closed.options.allowFrom).toEqual([]);
    expect(describePlan([{ facts, reuse: undefined }], closed.options, "run-1")).toContain(
      "(no inbound rule)",
    );
  });

  it("refuses a malformed range, and --allow-from with the caller's own --security-group", () => {
    for (const cidr of ["203.0.113.7", "10.0.0.1/8", "::/0", "300.1.1.1/32"])
      expect(() => parse(["--allow-from", cidr]), cidr).toThrow(/--allow-from/);
    expect(() =>
      parse(["--allow-from", "203.0.113.7/32", "--security-group", "sg-0123456789abcdef0"]),
    ).toThrow(/--allow-from opens the port in the security group sizer creates/);
  });
});
