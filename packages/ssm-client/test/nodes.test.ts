import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  cleanupNodes,
  describeInstanceType,
  findReusableNode,
  launchNode,
  listNodes,
  runCommand,
  waitForNodeOnline,
} from "../src/index.js";
import { nodeUserData, SIZER_TAGS } from "../src/nodes.js";
import { FAST_POLL, fakeAws } from "./helpers.js";

const launchDefaults = {
  instanceProfile: "sizer-ssm",
  runId: "run-1",
  role: "service",
  creator: "tester@ci",
};

describe("instance types", () => {
  it("reads vCPUs, memory, network and architecture from DescribeInstanceTypes", async () => {
    const { clients } = await fakeAws();
    expect(await describeInstanceType(clients.ec2, "t3.micro")).toEqual({
      instanceType: "t3.micro",
      vcpus: 2,
      memoryMiB: 1024,
      networkPerformance: "Up to 5 Gigabit",
      baselineBandwidthGbps: 0.064,
      architecture: "x86_64",
    });
    expect((await describeInstanceType(clients.ec2, "c7g.large")).architecture).toBe("arm64");
  });

  it("says an unknown type is unknown", async () => {
    const { clients } = await fakeAws();
    await expect(describeInstanceType(clients.ec2, "t9.gigantic")).rejects.toMatchObject({
      code: "ERR_SSM_UNKNOWN_INSTANCE_TYPE",
      message: expect.stringContaining("t9.gigantic"),
    });
    await expect(describeInstanceType(clients.ec2, "not a type")).rejects.toMatchObject({
      code: "ERR_SSM_USAGE",
    });
  });
});

describe("launching a node", () => {
  it("launches with the AMI of the type's architecture, tags everything, waits for the agent and runs a command", async () => {
    const { fake, clients } = await fakeAws();
    const node = await launchNode({
      ...clients,
      ...launchDefaults,
      instanceType: "t4g.small",
      maxLifetimeMinutes: 45,
    });
    expect(node.imageId).toBe("ami-0a1b2c3d4e5f60002");
    expect(node.typeFacts).toMatchObject({ architecture: "arm64", vcpus: 2, memoryMiB: 2048 });
    expect(node.tags).toMatchObject({
      [SIZER_TAGS.runId]: "run-1",
      [SIZER_TAGS.role]: "service",
      [SIZER_TAGS.creator]: "tester@ci",
    });
    const expiresAt = Date.parse(node.tags[SIZER_TAGS.expiresAt] ?? "");
    expect(expiresAt - Date.now()).toBeGreaterThan(40 * 60_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(45 * 60_000);

    const group = fake.fleet.securityGroups.get(node.createdSecurityGroupId ?? "");
    expect(group?.tags.get(SIZER_TAGS.runId)).toBe("run-1");
    expect(group?.tags.get(SIZER_TAGS.role)).toBe("security-group");
    const instance = fake.fleet.instances.get(node.instanceId);
    expect(instance?.shutdownBehavior).toBe("terminate");
    expect(instance?.userData).toBe(nodeUserData({ maxLifetimeMinutes: 45 }));
    expect(instance?.userData).toContain("shutdown -h +45");

    expect(await waitForNodeOnline({ ...clients, instanceId: node.instanceId, pollMs: 20 })).toMatchObject({
      pingStatus: "Online",
    });
    const result = await runCommand({
      ...clients,
      targets: { instanceIds: [node.instanceId] },
      script: "echo up",
      poll: FAST_POLL,
    });
    expect(result.outcomes[0]?.stdout).toBe("up\n");
  });

  it("reuses the run's security group and finds a node to reuse by its tags", async () => {
    const { clients } = await fakeAws();
    const first = await launchNode({ ...clients, ...launchDefaults, instanceType: "t3.micro" });
    const second = await launchNode({
      ...clients,
      ...launchDefaults,
      role: "load",
      instanceType: "t3.micro",
    });
    expect(second.securityGroupIds).toEqual(first.securityGroupIds);
    await expect
      .poll(async () => (await findReusableNode(clients.ec2, { role: "service" }))?.state)
      .toBe("running");
    expect((await findReusableNode(clients.ec2, { role: "service" }))?.instanceId).toBe(first.instanceId);
    expect(
      await findReusableNode(clients.ec2, { role: "service", instanceType: "c6i.large" }),
    ).toBeUndefined();
    expect(await findReusableNode(clients.ec2, { role: "database" })).toBeUndefined();
  });

  it("writes user data that a shell accepts and that sets the maximum lifetime before anything else", () => {
    const script = nodeUserData();
    const lines = script.split("\n");
    expect(lines[0]).toBe("#!/bin/bash");
    expect(lines.findIndex((line) => line.startsWith("shutdown -h +120"))).toBeLessThan(
      lines.findIndex((line) => line.includes("docker")),
    );
    const folder = mkdtempSync(join(tmpdir(), "user-data-"));
    try {
      writeFileSync(join(folder, "user-data.sh"), script);
      expect(spawnSync("bash", ["-n", join(folder, "user-data.sh")]).status).toBe(0);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
    expect(() => nodeUserData({ maxLifetimeMinutes: 0 })).toThrow(/maxLifetimeMinutes/);
    expect(nodeUserData({ installDocker: false })).not.toContain("docker");
  });

  it("says which managed policy a node needs when its agent never comes online", async () => {
    const { clients } = await fakeAws();
    const node = await launchNode({
      ...clients,
      ...launchDefaults,
      instanceProfile: "no-ssm",
      instanceType: "t3.micro",
    });
    await expect(
      waitForNodeOnline({ ...clients, instanceId: node.instanceId, timeoutMs: 400, pollMs: 50 }),
    ).rejects.toMatchObject({
      code: "ERR_SSM_AGENT_NOT_ONLINE",
      message: expect.stringContaining("AmazonSSMManagedInstanceCore"),
    });
  });

  it("says so when the agent never comes online even with the right profile", async () => {
    const { clients } = await fakeAws({ faults: { agentNeverOnline: true } });
    const node = await launchNode({ ...clients, ...launchDefaults, instanceType: "t3.micro" });
    await expect(
      waitForNodeOnline({ ...clients, instanceId: node.instanceId, timeoutMs: 400, pollMs: 50 }),
    ).rejects.toMatchObject({
      code: "ERR_SSM_AGENT_NOT_ONLINE",
      message: expect.stringContaining("sizer-ssm"),
    });
  });

  it("looks again soon at first, then less often: firstPollMs doubled up to pollMs", async () => {
    const { clients } = await fakeAws({ faults: { agentNeverOnline: true } });
    const node = await launchNode({ ...clients, ...launchDefaults, instanceType: "t3.micro" });
    let now = Date.now();
    const waits: number[] = [];
    const clock = {
      now: () => now,
      sleep: async (ms: number) => {
        waits.push(ms);
        now += ms;
      },
    };
    await expect(
      waitForNodeOnline({
        ...clients,
        instanceId: node.instanceId,
        timeoutMs: 10_000,
        pollMs: 2000,
        firstPollMs: 250,
        clock,
      }),
    ).rejects.toMatchObject({ code: "ERR_SSM_AGENT_NOT_ONLINE" });
    expect(waits).toEqual([250, 500, 1000, 2000, 2000, 2000, 2000, 250]);
  });

  it("says an instance without a profile cannot register", async () => {
    const { fake, clients } = await fakeAws();
    const bare = fake.fleet.add({
      instanceType: "t3.micro",
      imageId: "ami-0a1b2c3d4e5f60001",
      architecture: "x86_64",
      state: "running",
    });
    await expect(
      waitForNodeOnline({ ...clients, instanceId: bare.instanceId, timeoutMs: 200, pollMs: 50 }),
    ).rejects.toMatchObject({
      code: "ERR_SSM_NO_INSTANCE_PROFILE",
      message: expect.stringContaining("AmazonSSMManagedInstanceCore"),
    });
  });

  it("maps launch failures: unknown profile, capacity", async () => {
    const { clients } = await fakeAws({ faults: { capacityErrors: 5 } });
    await expect(
      launchNode({
        ...clients,
        ...launchDefaults,
        instanceProfile: "missing-profile",
        instanceType: "t3.micro",
      }),
    ).rejects.toMatchObject({ code: "ERR_SSM_NO_INSTANCE_PROFILE", action: "ec2:RunInstances" });
    await expect(
      launchNode({ ...clients, ...launchDefaults, instanceType: "t3.micro" }),
    ).rejects.toMatchObject({
      code: "ERR_SSM_CAPACITY",
      action: "ec2:RunInstances",
    });
  });
});

describe("listing and cleanup", () => {
  it("deletes the security groups sizer created once their instances are gone, and says when it cannot yet", async () => {
    const { fake, clients } = await fakeAws({ terminateDelayMs: 60_000 });
    const node = await launchNode({
      ...clients,
      ...launchDefaults,
      runId: "run-3",
      instanceType: "t3.micro",
    });
    const groupId = node.createdSecurityGroupId as string;
    const dry = await cleanupNodes({ ec2: clients.ec2, runId: "run-3", dryRun: true });
    expect(dry.securityGroups).toEqual([{ groupId, runId: "run-3", deleted: false }]);
    const first = await cleanupNodes({ ec2: clients.ec2, runId: "run-3" });
    expect(first.securityGroups[0]).toMatchObject({
      groupId,
      deleted: false,
      reason: expect.stringContaining("again"),
    });
    expect(fake.fleet.securityGroups.has(groupId)).toBe(true);
    const instance = fake.fleet.instances.get(node.instanceId);
    if (instance) instance.state = "terminated"; // as AWS finishes the shutdown
    const second = await cleanupNodes({ ec2: clients.ec2, runId: "run-3" });
    expect(second).toMatchObject({
      nodes: [],
      terminated: false,
      securityGroups: [{ groupId, deleted: true }],
    });
    expect(fake.fleet.securityGroups.has(groupId)).toBe(false);
  });

  it("lists and terminates only what sizer tagged, and a dry run changes nothing", async () => {
    const { fake, clients } = await fakeAws({ instances: 2 });
    const untagged = fake.fleet.add({
      instanceType: "t3.micro",
      imageId: "ami-0a1b2c3d4e5f60001",
      architecture: "x86_64",
      state: "running",
    });
    const launched = await launchNode({
      ...clients,
      ...launchDefaults,
      runId: "run-2",
      instanceType: "t3.micro",
    });
    expect((await listNodes(clients.ec2)).map((node) => node.instanceId)).toHaveLength(3);
    expect((await listNodes(clients.ec2, { runId: "run-2" })).map((node) => node.instanceId)).toEqual([
      launched.instanceId,
    ]);

    const dry = await cleanupNodes({ ec2: clients.ec2, dryRun: true });
    expect(dry).toMatchObject({ terminated: false });
    expect(dry.nodes).toHaveLength(3);
    expect([...fake.fleet.instances.values()].every((instance) => instance.state !== "terminated")).toBe(
      true,
    );

    const onlyRun = await cleanupNodes({ ec2: clients.ec2, runId: "run-2" });
    expect(onlyRun.nodes.map((node) => node.instanceId)).toEqual([launched.instanceId]);
    expect(fake.fleet.instances.get(launched.instanceId)?.state).toBe("shutting-down");

    await cleanupNodes({ ec2: clients.ec2 });
    expect((await listNodes(clients.ec2)).every((node) => node.state === "shutting-down")).toBe(true);
    await expect.poll(() => listNodes(clients.ec2)).toEqual([]);
    expect(fake.fleet.instances.get(untagged.instanceId)?.state).toBe("running");
  });
});
