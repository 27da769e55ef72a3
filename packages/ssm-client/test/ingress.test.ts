import { CreateSecurityGroupCommand, DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import {
  allowIngress,
  checkCidr,
  launchNode,
  listNodes,
  openNodePort,
  SsmClientError,
} from "../src/index.js";
import { fakeAws } from "./helpers.js";

describe("checkCidr", () => {
  it("takes IPv4 ranges and refuses the rest, naming the input", () => {
    for (const cidr of ["203.0.113.7/32", "10.0.0.0/8", "0.0.0.0/0", "192.168.1.0/24"])
      expect(() => checkCidr(cidr, "--allow-from")).not.toThrow();
    for (const cidr of [
      "203.0.113.7",
      "300.0.0.1/32",
      "10.0.0.0/33",
      "10.0.0.1/8",
      "::1/128",
      "a.b.c.d/8",
      "",
    ])
      expect(() => checkCidr(cidr, "--allow-from"), cidr).toThrow(/--allow-from/);
  });
});

describe("allowIngress", () => {
  it("opens one TCP port to one range in a group, once, and says when the rule was already there", async () => {
    const { clients } = await fakeAws();
    const node = await launchNode({
      ...clients,
      instanceType: "t3.micro",
      instanceProfile: "sizer-ssm",
      runId: "run-ingress",
      role: "service",
      creator: "tester@ci",
    });
    const groupId = node.createdSecurityGroupId as string;
    expect(groupId).toMatch(/^sg-/);
    const rule = { ec2: clients.ec2, groupId, port: 8080, cidr: "203.0.113.7/32", description: "sizer load" };
    expect(await allowIngress(rule)).toBe(true);
    expect(await allowIngress(rule)).toBe(false);
    const described = await clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
    expect(described.SecurityGroups?.[0]?.IpPermissions).toEqual([
      expect.objectContaining({
        IpProtocol: "tcp",
        FromPort: 8080,
        ToPort: 8080,
        IpRanges: [{ CidrIp: "203.0.113.7/32", Description: "sizer load" }],
      }),
    ]);
  });

  it("refuses a bad port or range before any call, and names AWS's refusal of an unknown group", async () => {
    const { clients } = await fakeAws();
    await expect(
      allowIngress({ ec2: clients.ec2, groupId: "sg-1", port: 0, cidr: "10.0.0.0/8" }),
    ).rejects.toMatchObject({ code: "ERR_SSM_USAGE" });
    await expect(
      allowIngress({ ec2: clients.ec2, groupId: "sg-1", port: 80, cidr: "10.0.0.1/8" }),
    ).rejects.toMatchObject({ code: "ERR_SSM_USAGE" });
    const unknown = allowIngress({
      ec2: clients.ec2,
      groupId: "sg-0000000000000000",
      port: 80,
      cidr: "10.0.0.0/8",
    });
    await expect(unknown).rejects.toBeInstanceOf(SsmClientError);
    await expect(unknown).rejects.toThrow(
      /AuthorizeSecurityGroupIngress.*sg-0000000000000000|sg-0000000000000000/,
    );
  });
});

describe("openNodePort", () => {
  const launchDefaults = { instanceProfile: "sizer-ssm", role: "service", creator: "tester@ci" };

  it("opens the port in the group sizer created for the node, reused or not, and lists the node's groups", async () => {
    const { clients } = await fakeAws();
    const node = await launchNode({
      ...clients,
      ...launchDefaults,
      instanceType: "t3.micro",
      runId: "run-open",
    });
    const opened = await openNodePort({
      ec2: clients.ec2,
      instanceId: node.instanceId,
      port: 8080,
      cidrs: ["203.0.113.7/32", "198.51.100.0/24"],
    });
    expect(opened).toEqual([node.createdSecurityGroupId]);
    // a second run reusing the node: the rules are there already, and that is fine
    expect(
      await openNodePort({
        ec2: clients.ec2,
        instanceId: node.instanceId,
        port: 8080,
        cidrs: ["203.0.113.7/32"],
      }),
    ).toEqual(opened);
    const described = await clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: opened }));
    expect(
      described.SecurityGroups?.[0]?.IpPermissions?.flatMap((rule) =>
        rule.IpRanges?.map((range) => range.CidrIp),
      ),
    ).toEqual(["203.0.113.7/32", "198.51.100.0/24"]);
    const [listed] = await listNodes(clients.ec2, { runId: "run-open" });
    expect(listed?.securityGroupIds).toEqual(opened);
  });

  it("never changes a group it did not create: a node in the caller's own group is refused, naming it", async () => {
    const { clients } = await fakeAws();
    const own = await clients.ec2.send(
      new CreateSecurityGroupCommand({ GroupName: "team-web", Description: "the team's own group" }),
    );
    const node = await launchNode({
      ...clients,
      ...launchDefaults,
      instanceType: "t3.micro",
      runId: "run-own",
      securityGroupIds: [own.GroupId as string],
    });
    await expect(
      openNodePort({ ec2: clients.ec2, instanceId: node.instanceId, port: 8080, cidrs: ["203.0.113.7/32"] }),
    ).rejects.toMatchObject({
      code: "ERR_SSM_USAGE",
      message: expect.stringContaining(own.GroupId as string),
    });
    const described = await clients.ec2.send(
      new DescribeSecurityGroupsCommand({ GroupIds: [own.GroupId as string] }),
    );
    expect(described.SecurityGroups?.[0]?.IpPermissions ?? []).toEqual([]);
  });
});
