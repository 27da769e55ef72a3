import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  SendCommandCommand,
} from "@aws-sdk/client-ssm";
import { afterEach, describe, expect, it } from "vitest";
import { type AwsFake, type AwsFakeOptions, managedInstances, startAwsFake } from "../src/index.js";
import { clientsFor, invocationResult } from "./helpers.js";

let fake: AwsFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function started(options: AwsFakeOptions) {
  fake = await startAwsFake(options);
  const ids = managedInstances(fake).map((instance) => instance.instanceId);
  return { fake, ids, ...clientsFor(fake) };
}

function send(ssm: ReturnType<typeof clientsFor>["ssm"], instanceIds: string[], lines: string[], extra = {}) {
  return ssm
    .send(
      new SendCommandCommand({
        DocumentName: "AWS-RunShellScript",
        InstanceIds: instanceIds,
        Parameters: { commands: lines },
        ...extra,
      }),
    )
    .then((output) => output.Command?.CommandId as string);
}

describe("Run Command on the fake", () => {
  it("runs the script with sh in each instance's own working folder", async () => {
    const { ids, ssm } = await started({ instances: 2 });
    const [first, second] = ids as [string, string];
    const commandId = await send(
      ssm,
      [first],
      ["echo mine > note.txt", "cat note.txt", "echo to-stderr >&2"],
    );
    const result = await invocationResult(ssm, commandId, first);
    expect(result).toMatchObject({
      Status: "Success",
      ResponseCode: 0,
      StandardOutputContent: "mine\n",
      StandardErrorContent: "to-stderr\n",
    });
    const other = await send(ssm, [second], ["test -e note.txt && echo shared || echo separate"]);
    expect((await invocationResult(ssm, other, second)).StandardOutputContent).toBe("separate\n");
  });

  it("reports a non-zero exit as Failed with the exit code", async () => {
    const { ids, ssm } = await started({ instances: 1 });
    const commandId = await send(ssm, ids, ["echo before", "exit 7"]);
    expect(await invocationResult(ssm, commandId, ids[0] as string)).toMatchObject({
      Status: "Failed",
      StatusDetails: "Failed",
      ResponseCode: 7,
      StandardOutputContent: "before\n",
    });
  });

  it("refuses an instance whose agent is not online with InvalidInstanceId", async () => {
    const { ids, ssm, fake } = await started({ instances: 1 });
    const instance = fake.fleet.instances.get(ids[0] as string);
    if (instance) instance.agentOnline = false;
    const error = (await send(ssm, ids, ["true"]).catch((thrown) => thrown)) as Error;
    expect(error.name).toBe("InvalidInstanceId");
  });

  it("selects instances by tag target", async () => {
    const { ids, ssm } = await started({ instances: 3 });
    const output = await ssm.send(
      new SendCommandCommand({
        DocumentName: "AWS-RunShellScript",
        Targets: [{ Key: "tag:sizer:role", Values: ["service"] }],
        Parameters: { commands: ["echo tagged"] },
      }),
    );
    expect(output.Command?.TargetCount).toBe(3);
    for (const id of ids) {
      expect(
        (await invocationResult(ssm, output.Command?.CommandId as string, id)).StandardOutputContent,
      ).toBe("tagged\n");
    }
  });

  it("hides a new invocation for the scripted time (the race after SendCommand)", async () => {
    const { ids, ssm, fake } = await started({ instances: 1, faults: { invocationRaceMs: 4000 } });
    const instanceId = ids[0] as string;
    const commandId = await send(ssm, ids, ["true"]);
    const listed = await ssm.send(new ListCommandInvocationsCommand({ CommandId: commandId }));
    expect(listed.CommandInvocations).toEqual([]);
    const get = () =>
      ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
    await expect(get()).rejects.toMatchObject({ name: "InvocationDoesNotExist" });
    await expect(get()).rejects.toMatchObject({ name: "InvocationDoesNotExist" });
    expect(fake.ssm.racesAnswered).toBeGreaterThanOrEqual(2);
    expect((await invocationResult(ssm, commandId, instanceId)).Status).toBe("Success");
    const details = await ssm.send(
      new ListCommandInvocationsCommand({ CommandId: commandId, Details: true }),
    );
    expect(details.CommandInvocations?.[0]?.CommandPlugins?.[0]).toMatchObject({
      Name: "aws:runShellScript",
      ResponseCode: 0,
    });
  });

  it("throttles the chosen operation, and the SDK's own retry gets through", async () => {
    const { ids, fake } = await started({
      instances: 1,
      faults: { throttle: { DescribeInstances: { every: 2 } } },
    });
    const single = clientsFor(fake, { maxAttempts: 1 });
    await single.ec2.send(new DescribeInstancesCommand({}));
    await expect(single.ec2.send(new DescribeInstancesCommand({}))).rejects.toMatchObject({
      name: "RequestLimitExceeded",
    });
    const retrying = clientsFor(fake, { maxAttempts: 3 });
    await retrying.ec2.send(new DescribeInstancesCommand({}));
    const retried = await retrying.ec2.send(new DescribeInstancesCommand({}));
    expect(retried.$metadata.attempts).toBe(2);
    expect(fake.throttler.refused.get("DescribeInstances")).toBe(2);
    expect(ids).toHaveLength(1);
  });

  it("truncates inline output at 24,000 characters and keeps the whole of it in S3 when asked", async () => {
    const { ids, ssm, s3 } = await started({ instances: 1, buckets: ["outputs"] });
    const instanceId = ids[0] as string;
    const script = ["i=0; while [ $i -lt 3000 ]; do printf '%09d\\n' $i; i=$((i+1)); done"];
    const inline = await invocationResult(ssm, await send(ssm, ids, script), instanceId);
    expect(inline.StandardOutputContent).toHaveLength(24_000);
    expect(inline.StandardOutputUrl).toBe("");
    const withBucket = await invocationResult(
      ssm,
      await send(ssm, ids, script, { OutputS3BucketName: "outputs", OutputS3KeyPrefix: "runs" }),
      instanceId,
    );
    expect(withBucket.StandardOutputContent).toHaveLength(24_000);
    const url = new URL(withBucket.StandardOutputUrl as string);
    const [, bucket, ...key] = url.pathname.split("/");
    expect(bucket).toBe("outputs");
    const object = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: key.map(decodeURIComponent).join("/") }),
    );
    const whole = await object.Body?.transformToString();
    expect(whole).toHaveLength(30_000);
    expect(whole?.endsWith("000002999\n")).toBe(true);
  });

  it("times a script out after its executionTimeout", async () => {
    const { ids, ssm } = await started({ instances: 1 });
    const commandId = await send(ssm, ids, ["echo started", "sleep 30"], {
      Parameters: { commands: ["echo started", "sleep 30"], executionTimeout: ["1"] },
    });
    expect(await invocationResult(ssm, commandId, ids[0] as string)).toMatchObject({
      Status: "TimedOut",
      StatusDetails: "Execution Timed Out",
    });
  });

  it("cancels a running command and kills its script", async () => {
    const { ids, ssm } = await started({ instances: 1 });
    const commandId = await send(ssm, ids, ["sleep 30"]);
    await ssm.send(new CancelCommandCommand({ CommandId: commandId }));
    expect((await invocationResult(ssm, commandId, ids[0] as string)).Status).toBe("Cancelled");
  });

  it("ends the invocation when its instance disappears mid-command", async () => {
    const { ids, ssm, ec2 } = await started({ instances: 2, faults: { vanishMidCommand: { afterMs: 200 } } });
    const [first, second] = ids as [string, string];
    const commandId = await send(ssm, [first], ["sleep 30"]);
    expect(await invocationResult(ssm, commandId, first)).toMatchObject({
      Status: "Failed",
      StatusDetails: "Undeliverable",
    });
    const state = async () =>
      (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [first] }))).Reservations?.[0]
        ?.Instances?.[0]?.State?.Name;
    await expect.poll(state).toBe("terminated");
    // Only the first instance to run a command vanishes.
    const next = await send(ssm, [second], ["echo still-here"]);
    expect((await invocationResult(ssm, next, second)).StandardOutputContent).toBe("still-here\n");
  });
});
