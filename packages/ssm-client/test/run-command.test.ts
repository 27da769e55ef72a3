import { CancelCommandCommand } from "@aws-sdk/client-ssm";
import { describe, expect, it } from "vitest";
import {
  AbortedError,
  type CommandOutcome,
  CommandTimeoutError,
  runCommand,
  SsmClientError,
  worstStatus,
} from "../src/index.js";
import { invocationStatus } from "../src/invocation.js";
import { FAST_POLL, fakeAws } from "./helpers.js";

describe("runCommand", () => {
  it("runs a script on several instances and returns each one's status, exit code, stdout and stderr", async () => {
    const { clients, instanceIds } = await fakeAws({ instances: 2 });
    const streamed: CommandOutcome[] = [];
    const result = await runCommand({
      ...clients,
      targets: { instanceIds },
      script: 'echo "out on $AWS_FAKE_INSTANCE_ID"\necho oops >&2\nexit 0',
      poll: FAST_POLL,
      onOutcome: (outcome) => streamed.push(outcome),
    });
    expect(result.outcomes.map((outcome) => outcome.instanceId)).toEqual(instanceIds);
    for (const outcome of result.outcomes) {
      expect(outcome).toMatchObject({
        status: "Success",
        exitCode: 0,
        stdout: `out on ${outcome.instanceId}\n`,
        stderr: "oops\n",
        stdoutTruncated: false,
      });
    }
    expect(streamed).toHaveLength(2);
  });

  it("targets instances by tags", async () => {
    const { clients, instanceIds } = await fakeAws({ instances: 3 });
    const result = await runCommand({
      ...clients,
      targets: { tags: { "sizer:role": "service" } },
      script: "echo tagged",
      poll: FAST_POLL,
    });
    expect(result.outcomes.map((outcome) => outcome.instanceId).sort()).toEqual([...instanceIds].sort());
    expect(result.outcomes.every((outcome) => outcome.stdout === "tagged\n")).toBe(true);
  });

  it("runs on more than 50 instances: ids in batches of 50, tags through every page of invocations", async () => {
    const { fake, clients, instanceIds } = await fakeAws({ instances: 55 });
    const byIds = await runCommand({
      ...clients,
      targets: { instanceIds },
      script: "echo batch",
      poll: FAST_POLL,
    });
    expect(byIds.commandIds).toHaveLength(2);
    expect(byIds.outcomes.map((outcome) => outcome.instanceId)).toEqual(instanceIds);
    const byTags = await runCommand({
      ...clients,
      targets: { tags: { "sizer:role": "service" } },
      script: "echo paged",
      poll: FAST_POLL,
    });
    expect(byTags.outcomes.map((outcome) => outcome.instanceId).sort()).toEqual([...instanceIds].sort());
    expect(byTags.outcomes.every((outcome) => outcome.stdout === "paged\n")).toBe(true);
    expect(fake.calls.get("ListCommandInvocations")).toBeGreaterThanOrEqual(2);
  });

  it("gives up on an invocation that never appears after raceRetries answers", async () => {
    const { clients, instanceIds } = await fakeAws({ instances: 1, faults: { invocationRaceMs: 60_000 } });
    await expect(
      runCommand({
        ...clients,
        targets: { instanceIds },
        script: "true",
        poll: { ...FAST_POLL, raceRetries: 3 },
      }),
    ).rejects.toMatchObject({ code: "ERR_SSM_INVOCATION_NOT_FOUND" });
  });

  it("says so when no online instance has the tags", async () => {
    const { clients } = await fakeAws({ instances: 1 });
    await expect(
      runCommand({
        ...clients,
        targets: { tags: { "sizer:role": "nobody" } },
        script: "true",
        poll: FAST_POLL,
      }),
    ).rejects.toMatchObject({ code: "ERR_SSM_NO_TARGETS" });
  });

  it("waits out the InvocationDoesNotExist race right after sending", async () => {
    const { fake, clients, instanceIds } = await fakeAws({
      instances: 1,
      faults: { invocationRaceMs: 1500 },
    });
    const result = await runCommand({
      ...clients,
      targets: { instanceIds },
      script: "echo raced",
      poll: { ...FAST_POLL, raceRetries: 1000 },
    });
    expect(result.outcomes[0]).toMatchObject({ status: "Success", stdout: "raced\n" });
    expect(fake.ssm.racesAnswered).toBeGreaterThan(0);
    expect(result.stats.races).toBe(fake.ssm.racesAnswered);
  });

  it("reports a failing script as Failed with its exit code", async () => {
    const { clients, instanceIds } = await fakeAws({ instances: 1 });
    const result = await runCommand({
      ...clients,
      targets: { instanceIds },
      script: "echo partial\nexit 3",
      poll: FAST_POLL,
    });
    expect(result.outcomes[0]).toMatchObject({ status: "Failed", exitCode: 3, stdout: "partial\n" });
  });

  it("reports a script that outlives its execution timeout as ExecutionTimedOut", async () => {
    const { clients, instanceIds } = await fakeAws({ instances: 1 });
    const result = await runCommand({
      ...clients,
      targets: { instanceIds },
      script: "sleep 20",
      executionTimeoutSeconds: 1,
      poll: FAST_POLL,
    });
    expect(result.outcomes[0]).toMatchObject({ status: "ExecutionTimedOut", exitCode: null });
  });

  it("reports a command cancelled by someone else as Cancelled", async () => {
    const { fake, clients, instanceIds } = await fakeAws({ instances: 1 });
    const running = runCommand({ ...clients, targets: { instanceIds }, script: "sleep 20", poll: FAST_POLL });
    await expect.poll(() => fake.ssm.commands.size).toBe(1);
    const commandId = [...fake.ssm.commands.keys()][0] as string;
    await clients.ssm.send(new CancelCommandCommand({ CommandId: commandId }));
    expect((await running).outcomes[0]?.status).toBe("Cancelled");
  });

  it("reports an instance that disappears mid-command as Undeliverable", async () => {
    const { clients, instanceIds } = await fakeAws({
      instances: 1,
      faults: { vanishMidCommand: { afterMs: 200 } },
    });
    const result = await runCommand({
      ...clients,
      targets: { instanceIds },
      script: "sleep 20",
      poll: FAST_POLL,
    });
    expect(result.outcomes[0]).toMatchObject({ status: "Undeliverable", exitCode: null });
  });

  it("keeps waiting while the agent is unreachable (Delayed) and gets the result once it is back", async () => {
    const { fake, clients, instanceIds } = await fakeAws({ instances: 1, faults: { deliveryDelayMs: 1000 } });
    const instance = fake.fleet.instances.get(instanceIds[0] as string);
    if (instance === undefined) throw new Error("no instance");
    const running = runCommand({
      ...clients,
      targets: { instanceIds },
      script: "echo delivered",
      poll: FAST_POLL,
    });
    await expect.poll(() => fake.ssm.commands.size).toBe(1);
    instance.agentOnline = false;
    const invocation = [...fake.ssm.commands.values()][0]?.invocations.get(instance.instanceId);
    await expect.poll(() => invocation?.status, { timeout: 10_000 }).toBe("Delayed");
    instance.agentOnline = true;
    expect((await running).outcomes[0]).toMatchObject({ status: "Success", stdout: "delivered\n" });
  });

  it("cancels the command when the overall deadline passes", async () => {
    const { fake, clients, instanceIds } = await fakeAws({ instances: 1 });
    const error = await runCommand({
      ...clients,
      targets: { instanceIds },
      script: "sleep 20",
      deadlineMs: 500,
      poll: FAST_POLL,
    }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(CommandTimeoutError);
    expect(error).toMatchObject({ code: "ERR_SSM_COMMAND_TIMEOUT", pendingInstanceIds: instanceIds });
    const invocation = [...fake.ssm.commands.values()][0]?.invocations.get(instanceIds[0] as string);
    await expect.poll(() => invocation?.status).toBe("Cancelled");
  });

  it("cancels the command when the signal aborts", async () => {
    const { fake, clients, instanceIds } = await fakeAws({ instances: 1 });
    const controller = new AbortController();
    const running = runCommand({
      ...clients,
      targets: { instanceIds },
      script: "sleep 20",
      signal: controller.signal,
      poll: FAST_POLL,
    }).catch((thrown: unknown) => thrown);
    await expect.poll(() => fake.ssm.commands.size).toBe(1);
    controller.abort();
    const error = await running;
    expect(error).toBeInstanceOf(AbortedError);
    const invocation = [...fake.ssm.commands.values()][0]?.invocations.get(instanceIds[0] as string);
    await expect.poll(() => invocation?.status).toBe("Cancelled");
  });

  it("survives throttling that outlasts the SDK's retries", async () => {
    const { fake, clients, instanceIds } = await fakeAws(
      {
        instances: 3,
        faults: { throttle: { GetCommandInvocation: { every: 2 }, SendCommand: { every: 2 } } },
      },
      { maxAttempts: 1, retryMode: "standard" },
    );
    const first = await runCommand({
      ...clients,
      targets: { instanceIds },
      script: "echo one",
      poll: FAST_POLL,
    });
    const second = await runCommand({
      ...clients,
      targets: { instanceIds },
      script: "echo two",
      poll: FAST_POLL,
    });
    expect(first.outcomes.map((outcome) => outcome.stdout)).toEqual(["one\n", "one\n", "one\n"]);
    expect(second.outcomes.map((outcome) => outcome.stdout)).toEqual(["two\n", "two\n", "two\n"]);
    expect(first.stats.throttled + second.stats.throttled).toBeGreaterThan(0);
    expect(fake.throttler.refused.get("SendCommand")).toBe(1);
  });

  it("marks output cut at 24,000 characters as truncated when there is no output bucket", async () => {
    const { clients, instanceIds } = await fakeAws({ instances: 1 });
    const result = await runCommand({
      ...clients,
      targets: { instanceIds },
      script: "i=0; while [ $i -lt 3000 ]; do printf '%09d\\n' $i; i=$((i+1)); done",
      poll: FAST_POLL,
    });
    expect(result.outcomes[0]).toMatchObject({ stdoutTruncated: true, outputSource: "inline" });
    expect(result.outcomes[0]?.stdout).toHaveLength(24_000);
  });

  it("reads the whole output from the output bucket when the inline copy is cut", async () => {
    const { clients, instanceIds } = await fakeAws({ instances: 1, buckets: ["sizer-outputs"] });
    const result = await runCommand({
      ...clients,
      targets: { instanceIds },
      script:
        "i=0; while [ $i -lt 3000 ]; do printf '%09d\\n' $i; i=$((i+1)); done; i=0; while [ $i -lt 1000 ]; do echo err-line-$i >&2; i=$((i+1)); done",
      outputBucket: "sizer-outputs",
      poll: FAST_POLL,
    });
    const outcome = result.outcomes[0];
    expect(outcome).toMatchObject({ stdoutTruncated: false, stderrTruncated: false, outputSource: "s3" });
    expect(outcome?.stdout).toHaveLength(30_000);
    expect(outcome?.stdout.endsWith("000002999\n")).toBe(true);
    expect(outcome?.stderr.split("\n")).toHaveLength(1001);
  });

  it("refuses an instance that is not managed by SSM with a coded error", async () => {
    const { fake, clients, instanceIds } = await fakeAws({ instances: 1 });
    const instance = fake.fleet.instances.get(instanceIds[0] as string);
    if (instance) instance.agentOnline = false;
    const error = await runCommand({
      ...clients,
      targets: { instanceIds },
      script: "true",
      poll: FAST_POLL,
    }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(SsmClientError);
    expect(error).toMatchObject({ code: "ERR_SSM_NOT_MANAGED", action: "ssm:SendCommand" });
    expect((error as Error).message).toContain("AmazonSSMManagedInstanceCore");
  });

  it("validates its options before calling AWS", async () => {
    const { fake, clients } = await fakeAws({ instances: 1 });
    for (const [options, message] of [
      [{ targets: { instanceIds: ["i-123"] }, script: "true" }, "instance id"],
      [{ targets: { instanceIds: [] }, script: "true" }, "at least one"],
      [{ targets: { tags: {} }, script: "true" }, "1 to 4 tags"],
      [{ targets: { instanceIds: ["i-0123456789abcdef0"] }, script: "  " }, "script"],
      [
        { targets: { instanceIds: ["i-0123456789abcdef0"] }, script: "true", executionTimeoutSeconds: 0 },
        "executionTimeoutSeconds",
      ],
      [
        { targets: { instanceIds: ["i-0123456789abcdef0"] }, script: "true", outputBucket: "Bad_Bucket" },
        "outputBucket",
      ],
      [
        {
          targets: { instanceIds: ["i-0123456789abcdef0"] },
          script: "true",
          deadlineMs: 30 * 24 * 3600 * 1000,
        },
        "deadlineMs",
      ],
    ] as const) {
      await expect(runCommand({ ...clients, ...options })).rejects.toMatchObject({
        code: "ERR_SSM_USAGE",
        message: expect.stringContaining(message),
      });
    }
    expect(fake.calls.size).toBe(0);
  });
});

describe("invocation statuses", () => {
  it("maps every SSM status and status detail to one terminal status, or none while in flight", () => {
    expect(invocationStatus("Pending", "Pending")).toBeUndefined();
    expect(invocationStatus("InProgress", "InProgress")).toBeUndefined();
    expect(invocationStatus("Delayed", "Delayed")).toBeUndefined();
    expect(invocationStatus("Cancelling", "Cancelling")).toBeUndefined();
    expect(invocationStatus("Success", "Success")).toBe("Success");
    expect(invocationStatus("Failed", "Failed")).toBe("Failed");
    expect(invocationStatus("Cancelled", "Cancelled")).toBe("Cancelled");
    expect(invocationStatus("TimedOut", "Execution Timed Out")).toBe("ExecutionTimedOut");
    expect(invocationStatus("TimedOut", "Delivery Timed Out")).toBe("DeliveryTimedOut");
    expect(invocationStatus("TimedOut", "")).toBe("TimedOut");
    expect(invocationStatus("Failed", "Undeliverable")).toBe("Undeliverable");
    expect(invocationStatus("Failed", "Terminated")).toBe("Terminated");
  });

  it("ranks the worst status of a run", () => {
    expect(worstStatus([])).toBe("Success");
    expect(worstStatus(["Success", "Failed", "Success"])).toBe("Failed");
    expect(worstStatus(["Failed", "Undeliverable"])).toBe("Undeliverable");
  });
});
