import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AwsFake } from "@sizer/aws-fake";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeAws } from "./helpers.js";

const cli = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "cli.js");
let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "sizer-ssm-cli-"));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** An environment with nothing of the machine's AWS setup: no profile files, no instance metadata. */
function isolated(extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: home,
    AWS_CONFIG_FILE: join(home, "no-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, "no-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    ...extra,
  };
}

function fakeEnvironment(fake: AwsFake, overrides: Record<string, string> = {}): Record<string, string> {
  return isolated({
    AWS_ENDPOINT_URL: fake.endpoint,
    AWS_REGION: fake.region,
    AWS_ACCESS_KEY_ID: fake.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: fake.credentials.secretAccessKey,
    ...overrides,
  });
}

function sizerSsm(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("sizer-ssm run", () => {
  it("streams each instance's outcome and exits with the worst one (8: the script failed)", async () => {
    const { fake, instanceIds } = await fakeAws({ instances: 2 });
    const [good, bad] = instanceIds as [string, string];
    const script = `if [ "$AWS_FAKE_INSTANCE_ID" = ${bad} ]; then echo broken >&2; exit 3; fi; echo fine`;
    const result = await sizerSsm(
      ["run", "--tag", "sizer:role=service", "--command", script],
      fakeEnvironment(fake),
    );
    expect(result.code).toBe(8);
    expect(result.stdout).toContain(`== ${good} Success (exit 0)\nfine\n`);
    expect(result.stdout).toContain(`== ${bad} Failed (exit 3)\n-- stderr\nbroken\n`);
    expect(result.stderr).toContain("worst outcome Failed");
    expect(result.stderr).not.toContain("NodeVersionSupportWarning");

    const ok = await sizerSsm(
      ["run", "--instance-id", good, "--command", "echo fine", "--json"],
      fakeEnvironment(fake),
    );
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout.trim())).toMatchObject({
      instanceId: good,
      status: "Success",
      stdout: "fine\n",
    });
  });

  it("runs a script file, and exits 10 (deadline) when the execution timeout ends it", async () => {
    const { fake, instanceIds } = await fakeAws({ instances: 1 });
    const script = join(home, "slow.sh");
    writeFileSync(script, "echo starting\nsleep 30\n");
    const result = await sizerSsm(
      ["run", "--instance-id", instanceIds[0] as string, "--script", script, "--execution-timeout", "1"],
      fakeEnvironment(fake),
    );
    expect(result.code).toBe(10);
    expect(result.stdout).toContain("ExecutionTimedOut");
  });

  it("finds SSM through AWS_ENDPOINT_URL_SSM alone", async () => {
    const { fake, instanceIds } = await fakeAws({ instances: 1 });
    const environment = fakeEnvironment(fake, { AWS_ENDPOINT_URL_SSM: fake.endpoint });
    delete environment.AWS_ENDPOINT_URL;
    const result = await sizerSsm(
      ["run", "--instance-id", instanceIds[0] as string, "--command", "echo via-ssm-variable"],
      environment,
    );
    expect(result.stdout).toContain("via-ssm-variable");
    expect(result.code).toBe(0);
  });
});

describe("sizer-ssm errors", () => {
  it("refuses bad usage with exit 2 and a message naming the flag, no stack trace", async () => {
    for (const [args, message] of [
      [["run", "--command", "true"], "needs targets"],
      [["run", "--instance-id", "i-0123456789abcdef0"], "--command TEXT or --script FILE"],
      [
        ["run", "--instance-id", "i-0123456789abcdef0", "--command", "true", "--timeout", "soon"],
        "--timeout",
      ],
      [["run", "--instance-id", "i-0123456789abcdef0", "--script", "/no/such/script.sh"], "no such file"],
      [["nodes", "--dry-run"], "--dry-run does not apply to nodes"],
      [["launch"], "unknown command"],
      [["run", "--instance-id", "nope", "--command", "true"], "not an instance id"],
      [["run", "--tag", "role", "--command", "true"], '--tag "role" must be KEY=VALUE'],
      [["put", "--instance-id", "i-0123456789abcdef0", "local.txt"], "put takes LOCAL REMOTE"],
      [["nodes", "extra"], 'nodes takes no positional arguments, not "extra"'],
    ] as const) {
      const result = await sizerSsm([...args], isolated({ AWS_REGION: "us-east-1" }));
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("a wrong secret exits 12 (cloudAccess), says so, and never prints the secret", async () => {
    const { fake, instanceIds } = await fakeAws({ instances: 1 });
    const secret = "WRONG/secret+value0000000000000000000000";
    const result = await sizerSsm(
      ["run", "--instance-id", instanceIds[0] as string, "--command", "true"],
      fakeEnvironment(fake, { AWS_SECRET_ACCESS_KEY: secret, AWS_SESSION_TOKEN: "SESSION-TOKEN-VALUE-42" }),
    );
    expect(result.code).toBe(12);
    expect(result.stderr).toContain("ERR_SSM_BAD_CREDENTIALS");
    expect(result.stdout + result.stderr).not.toContain(secret);
    expect(result.stdout + result.stderr).not.toContain("SESSION-TOKEN-VALUE-42");
  });

  it("no credentials at all exits 12 (cloudAccess) and says where credentials come from", async () => {
    const { fake } = await fakeAws({ instances: 1 });
    const result = await sizerSsm(
      ["nodes"],
      isolated({ AWS_ENDPOINT_URL: fake.endpoint, AWS_REGION: "us-east-1" }),
    );
    expect(result.code).toBe(12);
    expect(result.stderr).toContain("ERR_SSM_NO_CREDENTIALS");
    expect(result.stderr).toContain("AWS_PROFILE");
  });
});

describe("sizer-ssm files and nodes", () => {
  it("puts and gets a file byte for byte", async () => {
    const { fake, instanceIds } = await fakeAws({ instances: 1, buckets: ["transfer"] });
    const local = join(home, "payload.bin");
    const back = join(home, "payload.back");
    writeFileSync(local, randomBytes(200_000));
    const instanceId = instanceIds[0] as string;
    const put = await sizerSsm(
      ["put", "--instance-id", instanceId, local, "remote/payload.bin"],
      fakeEnvironment(fake),
    );
    expect(put.stderr).toContain("via chunks");
    expect(put.code).toBe(0);
    const get = await sizerSsm(
      ["get", "--instance-id", instanceId, "--bucket", "transfer", "remote/payload.bin", back, "--json"],
      fakeEnvironment(fake),
    );
    expect(get.code).toBe(0);
    expect(JSON.parse(get.stdout)).toMatchObject({ bytes: 200_000, via: "s3" });
    expect(readFileSync(back).equals(readFileSync(local))).toBe(true);
  });

  it("lists sizer's nodes and cleans them up, a dry run first", async () => {
    const { fake, instanceIds } = await fakeAws({ instances: 2 });
    const listed = await sizerSsm(["nodes", "--json"], fakeEnvironment(fake));
    expect(listed.code).toBe(0);
    expect(
      listed.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line).instanceId)
        .sort(),
    ).toEqual([...instanceIds].sort());
    const dry = await sizerSsm(["cleanup", "--dry-run"], fakeEnvironment(fake));
    expect(dry.stderr).toContain("would terminate 2 node(s)");
    expect([...fake.fleet.instances.values()].map((instance) => instance.state)).toEqual([
      "running",
      "running",
    ]);
    const real = await sizerSsm(["cleanup"], fakeEnvironment(fake));
    expect(real.code).toBe(0);
    expect([...fake.fleet.instances.values()].every((instance) => instance.state !== "running")).toBe(true);
    await expect
      .poll(() => [...fake.fleet.instances.values()].map((instance) => instance.state))
      .toEqual(["terminated", "terminated"]);
  });
});
