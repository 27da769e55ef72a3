import { inspect } from "node:util";
import { DEFAULT_FAKE_CREDENTIALS } from "@sizer/aws-fake";
import { describe, expect, it } from "vitest";
import { fromAwsError } from "../src/errors.js";
import { createAwsClients, runCommand, SsmClientError } from "../src/index.js";
import { FAST_POLL, fakeAws } from "./helpers.js";

/** Everything a user or a log could ever see of an error: message, stack, causes, all fields. */
function everythingShown(error: unknown): string {
  return [
    String(error),
    inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true }),
    JSON.stringify(error, (_key, value) => (typeof value === "bigint" ? String(value) : value)),
  ].join("\n");
}

describe("AWS errors become coded errors", () => {
  it("a wrong secret is ERR_SSM_BAD_CREDENTIALS, and neither key appears anywhere in the error", async () => {
    const wrongSecret = "WRONG/secret+value0000000000000000000000";
    const { clients, instanceIds } = await fakeAws(
      { instances: 1 },
      {
        credentials: {
          accessKeyId: DEFAULT_FAKE_CREDENTIALS.accessKeyId,
          secretAccessKey: wrongSecret,
          sessionToken: "SESSION-TOKEN-SECRET-1",
        },
      },
    );
    const error = await runCommand({
      ...clients,
      targets: { instanceIds },
      script: "true",
      poll: FAST_POLL,
    }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(SsmClientError);
    expect(error).toMatchObject({
      code: "ERR_SSM_BAD_CREDENTIALS",
      awsErrorName: "InvalidSignatureException",
    });
    const shown = everythingShown(error);
    expect(shown).toContain("ERR_SSM_BAD_CREDENTIALS");
    expect(shown).not.toContain(wrongSecret);
    expect(shown).not.toContain("SESSION-TOKEN-SECRET-1");
    expect(shown).not.toContain(DEFAULT_FAKE_CREDENTIALS.secretAccessKey);
  });

  it("results carry no credentials either", async () => {
    const { clients, instanceIds, fake } = await fakeAws({ instances: 1 });
    const result = await runCommand({ ...clients, targets: { instanceIds }, script: "env", poll: FAST_POLL });
    const shown = inspect(result, { depth: Number.POSITIVE_INFINITY }) + JSON.stringify(result);
    expect(shown).not.toContain(fake.credentials.secretAccessKey);
    expect(shown).not.toContain(fake.credentials.accessKeyId);
  });

  it("an unknown access key is ERR_SSM_BAD_CREDENTIALS", async () => {
    const { clients, instanceIds } = await fakeAws(
      { instances: 1 },
      { credentials: { accessKeyId: "AKIANOTKNOWN00000000", secretAccessKey: "whatever-secret-value" } },
    );
    await expect(
      runCommand({ ...clients, targets: { instanceIds }, script: "true", poll: FAST_POLL }),
    ).rejects.toMatchObject({
      code: "ERR_SSM_BAD_CREDENTIALS",
      awsErrorName: "UnrecognizedClientException",
    });
  });

  it("a region AWS does not have is ERR_SSM_BAD_REGION; a malformed one is refused before any call", async () => {
    const { clients, instanceIds } = await fakeAws({ instances: 1 }, { region: "us-nowhere-9" });
    await expect(
      runCommand({ ...clients, targets: { instanceIds }, script: "true", poll: FAST_POLL }),
    ).rejects.toMatchObject({
      code: "ERR_SSM_BAD_REGION",
    });
    expect(() => createAwsClients({ region: "US East" })).toThrow(/not an AWS region name/);
  });

  it("access denied names the IAM action to allow", async () => {
    const { clients, instanceIds } = await fakeAws({
      instances: 1,
      credentials: [{ ...DEFAULT_FAKE_CREDENTIALS, deny: ["ssm:SendCommand"] }],
    });
    const error = (await runCommand({
      ...clients,
      targets: { instanceIds },
      script: "true",
      poll: FAST_POLL,
    }).catch((thrown: unknown) => thrown)) as SsmClientError;
    expect(error).toMatchObject({ code: "ERR_SSM_ACCESS_DENIED", action: "ssm:SendCommand" });
    expect(error.message).toContain("must allow ssm:SendCommand");
  });

  it("maps errors by name even when they did not come through a call", () => {
    const named = (name: string, message = "") => Object.assign(new Error(message), { name });
    expect(
      fromAwsError(
        named("CredentialsProviderError", "Could not load credentials from any providers"),
        "ssm:SendCommand",
      ).code,
    ).toBe("ERR_SSM_NO_CREDENTIALS");
    expect(fromAwsError(named("InsufficientInstanceCapacity"), "ec2:RunInstances").code).toBe(
      "ERR_SSM_CAPACITY",
    );
    expect(fromAwsError(named("VcpuLimitExceeded"), "ec2:RunInstances").code).toBe("ERR_SSM_QUOTA");
    expect(fromAwsError(named("InstanceLimitExceeded"), "ec2:RunInstances").code).toBe("ERR_SSM_QUOTA");
    expect(fromAwsError(named("InvalidInstanceType"), "ec2:DescribeInstanceTypes").code).toBe(
      "ERR_SSM_UNKNOWN_INSTANCE_TYPE",
    );
    expect(fromAwsError(named("ThrottlingException", "Rate exceeded"), "ssm:GetCommandInvocation").code).toBe(
      "ERR_SSM_THROTTLED",
    );
    expect(fromAwsError(named("SomethingElse", "odd"), "ssm:GetParameter")).toMatchObject({
      code: "ERR_SSM_AWS",
      message: "ssm:GetParameter failed: SomethingElse: odd",
    });
  });
});
