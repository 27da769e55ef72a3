import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { afterEach, describe, expect, it } from "vitest";

const cli = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "cli.js");
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

function start(args: string[]): {
  child: ChildProcess;
  environment: Promise<Record<string, string>>;
  exit: Promise<number | null>;
  stderr: () => string;
} {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const environment = new Promise<Record<string, string>>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes("# aws-fake:")) {
        resolve(
          Object.fromEntries(
            [...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((match) => [match[1], match[2]]),
          ),
        );
      }
    });
    child.on("close", () => reject(new Error(`aws-fake ended: ${stderr}`)));
  });
  const exit = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { child, environment, exit, stderr: () => stderr };
}

describe("the aws-fake bin", () => {
  it("prints the environment for the SDK, serves the pre-registered instances, and stops on SIGTERM", async () => {
    const fake = start(["--instances", "3", "--faults", '{"invocationRaceMs":100}']);
    const environment = await fake.environment;
    expect(environment.AWS_ENDPOINT_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const ec2 = new EC2Client({
      endpoint: environment.AWS_ENDPOINT_URL,
      region: environment.AWS_REGION,
      credentials: {
        accessKeyId: environment.AWS_ACCESS_KEY_ID ?? "",
        secretAccessKey: environment.AWS_SECRET_ACCESS_KEY ?? "",
      },
    });
    const described = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: "tag:sizer:role", Values: ["service"] }] }),
    );
    expect(described.Reservations).toHaveLength(3);
    fake.child.kill("SIGTERM");
    expect(await fake.exit).toBe(0);
  });

  it("refuses a bad fault plan with exit 2, naming the member", async () => {
    const fake = start(["--faults", '{"throttle":{"SendCommand":{"every":-1}}}']);
    fake.environment.catch(() => undefined);
    expect(await fake.exit).toBe(2);
    expect(fake.stderr()).toContain("faults.throttle.SendCommand.every");
  });
});
