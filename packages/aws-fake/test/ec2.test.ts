import {
  type _InstanceType,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { DescribeInstanceInformationCommand, GetParameterCommand } from "@aws-sdk/client-ssm";
import { afterEach, describe, expect, it } from "vitest";
import { FAKE_AMI_PARAMETERS } from "../src/fleet.js";
import { type AwsFake, type AwsFakeOptions, startAwsFake } from "../src/index.js";
import { clientsFor } from "./helpers.js";

let fake: AwsFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function started(options: AwsFakeOptions = {}) {
  fake = await startAwsFake(options);
  return { fake, ...clientsFor(fake) };
}

const X86_AMI =
  FAKE_AMI_PARAMETERS["/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"]?.imageId;

function launch(overrides: Record<string, unknown> = {}) {
  return new RunInstancesCommand({
    MinCount: 1,
    MaxCount: 1,
    ImageId: X86_AMI,
    InstanceType: "t3.micro",
    IamInstanceProfile: { Name: "sizer-ssm" },
    UserData: Buffer.from("#!/bin/bash\necho hi\n").toString("base64"),
    TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "sizer:run-id", Value: "r1" }] }],
    ...overrides,
  });
}

describe("EC2 on the fake", () => {
  it("gives instances the configured public address, and none by default", async () => {
    const withAddress = await started({ publicIpAddress: "127.0.0.1" });
    const launched = await withAddress.ec2.send(launch());
    const instanceId = launched.Instances?.[0]?.InstanceId as string;
    const described = await withAddress.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const instance = described.Reservations?.[0]?.Instances?.[0];
    expect(instance?.PublicIpAddress).toBe("127.0.0.1");
    expect(instance?.PrivateIpAddress).toMatch(/^10\.0\./);
    await withAddress.fake.close();
    const plain = await started();
    const other = await plain.ec2.send(launch());
    expect(other.Instances?.[0]?.PublicIpAddress).toBeUndefined();
  });

  it("launches an instance that becomes running and registers with SSM when its profile allows", async () => {
    const { ec2, ssm, fake } = await started();
    const reservation = await ec2.send(launch());
    const instanceId = reservation.Instances?.[0]?.InstanceId as string;
    expect(reservation.Instances?.[0]).toMatchObject({
      State: { Name: "pending", Code: 0 },
      InstanceType: "t3.micro",
    });
    expect(fake.fleet.instances.get(instanceId)?.userData).toBe("#!/bin/bash\necho hi\n");
    await expect
      .poll(async () => {
        const information = await ssm.send(
          new DescribeInstanceInformationCommand({ Filters: [{ Key: "InstanceIds", Values: [instanceId] }] }),
        );
        return information.InstanceInformationList?.[0]?.PingStatus;
      })
      .toBe("Online");
    const described = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: "tag:sizer:run-id", Values: ["r1"] }] }),
    );
    expect(described.Reservations?.[0]?.Instances?.[0]).toMatchObject({
      InstanceId: instanceId,
      State: { Name: "running", Code: 16 },
      Tags: [{ Key: "sizer:run-id", Value: "r1" }],
    });
    const terminated = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    expect(terminated.TerminatingInstances?.[0]).toMatchObject({
      CurrentState: { Name: "shutting-down" },
      PreviousState: { Name: "running" },
    });
  });

  it("is idempotent on the ClientToken the SDK adds", async () => {
    const { ec2, fake } = await started();
    await ec2.send(launch({ ClientToken: "same-token" }));
    await ec2.send(launch({ ClientToken: "same-token" }));
    expect(fake.fleet.instances.size).toBe(1);
  });

  it("refuses what AWS refuses: unknown type, architecture mismatch, bad user data, unknown profile", async () => {
    const { ec2 } = await started();
    await expect(ec2.send(launch({ InstanceType: "t9.huge" }))).rejects.toMatchObject({
      name: "InvalidParameterValue",
      message: expect.stringContaining("t9.huge"),
    });
    await expect(ec2.send(launch({ InstanceType: "c7g.large" }))).rejects.toMatchObject({
      name: "InvalidParameterValue",
      message: expect.stringContaining("architecture"),
    });
    await expect(ec2.send(launch({ UserData: "#!/bin/bash not base64" }))).rejects.toMatchObject({
      message: "Invalid BASE64 encoding of user data.",
    });
    await expect(ec2.send(launch({ IamInstanceProfile: { Name: "nope" } }))).rejects.toMatchObject({
      message: expect.stringContaining("iamInstanceProfile.name"),
    });
    await expect(
      ec2.send(new DescribeInstancesCommand({ InstanceIds: ["i-0123456789abcdef0"] })),
    ).rejects.toMatchObject({
      name: "InvalidInstanceID.NotFound",
    });
  });

  it("keeps an instance whose profile lacks AmazonSSMManagedInstanceCore out of SSM", async () => {
    const { ec2, ssm } = await started({ agentDelayMs: 10 });
    const without = await ec2.send(launch({ IamInstanceProfile: { Name: "no-ssm" } }));
    const withPolicy = await ec2.send(launch());
    const registered = async () =>
      (await ssm.send(new DescribeInstanceInformationCommand({}))).InstanceInformationList?.map(
        (information) => information.InstanceId,
      );
    // Both launched together: once the one with the policy is online, the other had the same time.
    await expect.poll(registered).toEqual([withPolicy.Instances?.[0]?.InstanceId]);
    expect(await registered()).not.toContain(without.Instances?.[0]?.InstanceId);
    await expect(ssm.send(new DescribeInstanceInformationCommand({ MaxResults: 2 }))).rejects.toMatchObject({
      name: "ValidationException",
    });
  });

  it("answers the scripted capacity errors, then launches (the SDK retries the 500)", async () => {
    const { fake } = await started({ faults: { capacityErrors: 1 } });
    const once = clientsFor(fake, { maxAttempts: 1 });
    await expect(once.ec2.send(launch())).rejects.toMatchObject({
      name: "InsufficientInstanceCapacity",
      $metadata: { httpStatusCode: 500 },
    });
    expect((await once.ec2.send(launch())).Instances).toHaveLength(1);
  });

  it("describes instance types and resolves the Amazon Linux 2023 parameters", async () => {
    const { ec2, ssm } = await started();
    const types = await ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ["c7g.large"] }));
    expect(types.InstanceTypes?.[0]).toMatchObject({
      VCpuInfo: { DefaultVCpus: 2 },
      MemoryInfo: { SizeInMiB: 4096 },
      ProcessorInfo: { SupportedArchitectures: ["arm64"] },
      NetworkInfo: { NetworkPerformance: "Up to 12.5 Gigabit" },
    });
    await expect(
      ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ["x1.nothing" as _InstanceType] })),
    ).rejects.toMatchObject({
      name: "InvalidInstanceType",
    });
    const parameter = await ssm.send(
      new GetParameterCommand({
        Name: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
      }),
    );
    expect(parameter.Parameter?.Value).toMatch(/^ami-/);
    await expect(ssm.send(new GetParameterCommand({ Name: "/no/such" }))).rejects.toMatchObject({
      name: "ParameterNotFound",
    });
  });
});
