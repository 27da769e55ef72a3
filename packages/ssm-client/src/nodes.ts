import { hostname, userInfo } from "node:os";
import {
  type _InstanceType,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  type Instance,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { DescribeInstanceInformationCommand, GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { type Clock, systemClock } from "./clock.js";
import { AbortedError, fromAwsError, SsmClientError, UsageError } from "./errors.js";

/** The tags sizer puts on everything it creates, so that listing and cleanup need no local state. */
export const SIZER_TAGS = {
  runId: "sizer:run-id",
  role: "sizer:role",
  creator: "sizer:creator",
  expiresAt: "sizer:expires-at",
} as const;

/** The AWS managed policy an instance role needs for the SSM agent to register. */
export const SSM_MANAGED_POLICY = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";

/** The public SSM parameter holding the latest Amazon Linux 2023 AMI for an architecture. */
export function amazonLinuxParameter(architecture: "x86_64" | "arm64"): string {
  return `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${architecture}`;
}

/** An instance type's facts, from DescribeInstanceTypes. */
export interface InstanceTypeFacts {
  instanceType: string;
  vcpus: number;
  memoryMiB: number;
  /** AWS's words, such as `Up to 5 Gigabit`. */
  networkPerformance: string;
  /** Baseline bandwidth of the first network card, when AWS gives it. */
  baselineBandwidthGbps?: number;
  architecture: "x86_64" | "arm64";
}

/** One of sizer's instances. */
export interface SizerNode {
  instanceId: string;
  state: string;
  instanceType: string;
  imageId?: string;
  privateIpAddress?: string;
  publicIpAddress?: string;
  launchTime?: Date;
  instanceProfileArn?: string;
  /** The security groups the instance is in. */
  securityGroupIds?: string[];
  tags: Record<string, string>;
}

async function aws<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw fromAwsError(error, action);
  }
}

const INSTANCE_TYPE_NAME = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;

/** Whether `text` has the shape of an EC2 instance type's name (`t3.micro`, `c7g.2xlarge`); AWS says whether it exists. */
export function isInstanceTypeName(text: string): boolean {
  return INSTANCE_TYPE_NAME.test(text);
}

/** Reads an instance type's vCPUs, memory, network and architecture from DescribeInstanceTypes. */
export async function describeInstanceType(ec2: EC2Client, instanceType: string): Promise<InstanceTypeFacts> {
  if (!isInstanceTypeName(instanceType)) {
    throw new UsageError(
      `instance type ${JSON.stringify(instanceType)} is not an instance type name such as t3.micro`,
    );
  }
  const output = await aws("ec2:DescribeInstanceTypes", () =>
    ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [instanceType as _InstanceType] })),
  );
  const info = output.InstanceTypes?.[0];
  if (info === undefined) {
    throw new SsmClientError(
      "ERR_SSM_UNKNOWN_INSTANCE_TYPE",
      `instance type ${instanceType} is not offered in this region`,
    );
  }
  const architectures = info.ProcessorInfo?.SupportedArchitectures ?? [];
  const architecture = architectures.includes("x86_64")
    ? "x86_64"
    : architectures.includes("arm64")
      ? "arm64"
      : undefined;
  if (architecture === undefined) {
    throw new SsmClientError(
      "ERR_SSM_UNKNOWN_INSTANCE_TYPE",
      `instance type ${instanceType} supports neither x86_64 nor arm64 (${architectures.join(", ") || "none listed"})`,
    );
  }
  const facts: InstanceTypeFacts = {
    instanceType,
    vcpus: info.VCpuInfo?.DefaultVCpus ?? 0,
    memoryMiB: info.MemoryInfo?.SizeInMiB ?? 0,
    networkPerformance: info.NetworkInfo?.NetworkPerformance ?? "",
    architecture,
  };
  const bandwidth = info.NetworkInfo?.NetworkCards?.[0]?.BaselineBandwidthInGbps;
  if (bandwidth !== undefined) facts.baselineBandwidthGbps = bandwidth;
  return facts;
}

/** The latest Amazon Linux 2023 AMI id for an architecture, from its public SSM parameter. */
export async function latestAmazonLinuxAmi(
  ssm: SSMClient,
  architecture: "x86_64" | "arm64",
): Promise<string> {
  const output = await aws("ssm:GetParameter", () =>
    ssm.send(new GetParameterCommand({ Name: amazonLinuxParameter(architecture) })),
  );
  const imageId = output.Parameter?.Value;
  if (imageId === undefined || !imageId.startsWith("ami-")) {
    throw new SsmClientError(
      "ERR_SSM_AWS",
      `the parameter ${amazonLinuxParameter(architecture)} holds no AMI id`,
    );
  }
  return imageId;
}

function toNode(instance: Instance): SizerNode {
  const node: SizerNode = {
    instanceId: instance.InstanceId ?? "",
    state: instance.State?.Name ?? "unknown",
    instanceType: instance.InstanceType ?? "",
    tags: Object.fromEntries((instance.Tags ?? []).map((tag) => [tag.Key ?? "", tag.Value ?? ""])),
  };
  if (instance.ImageId !== undefined) node.imageId = instance.ImageId;
  if (instance.PrivateIpAddress) node.privateIpAddress = instance.PrivateIpAddress;
  if (instance.PublicIpAddress) node.publicIpAddress = instance.PublicIpAddress;
  if (instance.LaunchTime !== undefined) node.launchTime = instance.LaunchTime;
  if (instance.IamInstanceProfile?.Arn) node.instanceProfileArn = instance.IamInstanceProfile.Arn;
  const groups = (instance.SecurityGroups ?? []).flatMap((group) => (group.GroupId ? [group.GroupId] : []));
  if (groups.length > 0) node.securityGroupIds = groups;
  return node;
}

/** Which of sizer's instances to list. */
export interface NodeFilter {
  runId?: string;
  role?: string;
  instanceType?: string;
  /** Instance states (default: every state but `terminated`). */
  states?: string[];
}

/** Lists sizer's instances (those tagged with a run id), narrowed by run, role, type and state. */
export async function listNodes(ec2: EC2Client, filter: NodeFilter = {}): Promise<SizerNode[]> {
  const filters = [
    filter.runId === undefined
      ? { Name: "tag-key", Values: [SIZER_TAGS.runId] }
      : { Name: `tag:${SIZER_TAGS.runId}`, Values: [filter.runId] },
    {
      Name: "instance-state-name",
      Values: filter.states ?? ["pending", "running", "shutting-down", "stopping", "stopped"],
    },
  ];
  if (filter.role !== undefined) filters.push({ Name: `tag:${SIZER_TAGS.role}`, Values: [filter.role] });
  if (filter.instanceType !== undefined)
    filters.push({ Name: "instance-type", Values: [filter.instanceType] });
  const nodes: SizerNode[] = [];
  let nextToken: string | undefined;
  do {
    const output = await aws("ec2:DescribeInstances", () =>
      ec2.send(new DescribeInstancesCommand({ Filters: filters, MaxResults: 1000, NextToken: nextToken })),
    );
    for (const reservation of output.Reservations ?? []) {
      for (const instance of reservation.Instances ?? []) nodes.push(toNode(instance));
    }
    nextToken = output.NextToken;
  } while (nextToken);
  return nodes;
}

/** A running (or starting) instance of sizer's with this role, and type when given, to reuse instead of launching. */
export async function findReusableNode(
  ec2: EC2Client,
  filter: { role: string; instanceType?: string; runId?: string },
): Promise<SizerNode | undefined> {
  const nodes = await listNodes(ec2, { ...filter, states: ["pending", "running"] });
  return nodes.find((node) => node.state === "running") ?? nodes[0];
}

/** Options of {@link nodeUserData}. */
export interface UserDataOptions {
  /** Minutes after boot when the node shuts itself down, which terminates it (default 120). */
  maxLifetimeMinutes?: number;
  /** Install and start Docker (default true). */
  installDocker?: boolean;
}

function checkLifetime(minutes: number | undefined): number {
  const lifetime = minutes ?? 120;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > 10_080) {
    throw new UsageError(
      `maxLifetimeMinutes must be a whole number of minutes from 1 to 10080 (7 days), got ${String(minutes)}`,
    );
  }
  return lifetime;
}

/**
 * The node's boot script: first the maximum lifetime (`shutdown -h +N`; launched with
 * `InstanceInitiatedShutdownBehavior=terminate`, the shutdown terminates the node, so a forgotten
 * node never bills for days), then Docker installed and started.
 */
export function nodeUserData(options: UserDataOptions = {}): string {
  const lifetime = checkLifetime(options.maxLifetimeMinutes);
  const lines = [
    "#!/bin/bash",
    "# sizer node: a maximum lifetime first, so that the node ends even if the rest fails",
    `shutdown -h +${lifetime} "sizer: maximum lifetime of ${lifetime} minutes reached"`,
  ];
  if (options.installDocker ?? true) {
    lines.push("dnf install -y docker", "systemctl enable --now docker");
  }
  return `${lines.join("\n")}\n`;
}

/** Options of {@link launchNode}. */
export interface LaunchNodeOptions {
  ec2: EC2Client;
  ssm: SSMClient;
  instanceType: string;
  /** An instance profile whose role has AmazonSSMManagedInstanceCore. */
  instanceProfile: string;
  runId: string;
  /** What the node is for, such as `service` (tagged `sizer:role`). */
  role: string;
  /** Who launched it (default `user@host`). */
  creator?: string;
  subnetId?: string;
  /** Security groups; default one that sizer creates (no inbound rule) and tags with the run. */
  securityGroupIds?: string[];
  maxLifetimeMinutes?: number;
  installDocker?: boolean;
  clock?: Clock;
}

/** A node just launched, with what was chosen for it. */
export interface LaunchedNode extends SizerNode {
  imageId: string;
  typeFacts: InstanceTypeFacts;
  securityGroupIds: string[];
  /** The security group sizer created for it, if it did. */
  createdSecurityGroupId?: string;
}

const TAG_VALUE = /^[\p{L}\p{N}\s_.:/=+\-@]{1,256}$/u;

function checkTagValue(name: string, value: string): void {
  if (!TAG_VALUE.test(value)) {
    throw new UsageError(
      `${name} ${JSON.stringify(value)} must be 1 to 256 letters, digits, spaces or _ . : / = + - @`,
    );
  }
}

/** The default creator tag: who and where. */
export function defaultCreator(): string {
  let user = "unknown";
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (containers): keep "unknown".
  }
  return `${user}@${hostname()}`.replace(/[^\p{L}\p{N}\s_.:/=+\-@]/gu, "_").slice(0, 256);
}

async function sizerSecurityGroup(
  ec2: EC2Client,
  runId: string,
  tags: { Key: string; Value: string }[],
): Promise<string> {
  const existing = await aws("ec2:DescribeSecurityGroups", () =>
    ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: `tag:${SIZER_TAGS.runId}`, Values: [runId] },
          { Name: `tag:${SIZER_TAGS.role}`, Values: ["security-group"] },
        ],
      }),
    ),
  );
  const found = existing.SecurityGroups?.[0]?.GroupId;
  if (found !== undefined) return found;
  const created = await aws("ec2:CreateSecurityGroup", () =>
    ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: `sizer-${runId}`.slice(0, 255),
        Description: "sizer node: no inbound rules; the SSM agent needs only outbound HTTPS",
        TagSpecifications: [
          {
            ResourceType: "security-group",
            Tags: [
              ...tags.filter((tag) => tag.Key !== SIZER_TAGS.role),
              { Key: SIZER_TAGS.role, Value: "security-group" },
            ],
          },
        ],
      }),
    ),
  );
  return created.GroupId ?? "";
}

/**
 * Launches one node: the latest Amazon Linux 2023 AMI for the type's architecture, the given
 * instance profile, IMDSv2 only, a maximum lifetime, Docker; the instance, its volume and the
 * security group sizer creates when none is given are all tagged with the run, role and creator.
 */
export async function launchNode(options: LaunchNodeOptions): Promise<LaunchedNode> {
  checkTagValue("runId", options.runId);
  checkTagValue("role", options.role);
  const creator = options.creator ?? defaultCreator();
  checkTagValue("creator", creator);
  if (options.instanceProfile === "" || !/^[\w+=,.@-]{1,128}$/.test(options.instanceProfile)) {
    throw new UsageError(
      `instanceProfile ${JSON.stringify(options.instanceProfile)} must name an instance profile whose role has ${SSM_MANAGED_POLICY}`,
    );
  }
  const lifetime = checkLifetime(options.maxLifetimeMinutes);
  const clock = options.clock ?? systemClock;
  const typeFacts = await describeInstanceType(options.ec2, options.instanceType);
  const imageId = await latestAmazonLinuxAmi(options.ssm, typeFacts.architecture);
  const expiresAt = new Date(clock.now() + lifetime * 60_000).toISOString();
  const tags = [
    { Key: SIZER_TAGS.runId, Value: options.runId },
    { Key: SIZER_TAGS.role, Value: options.role },
    { Key: SIZER_TAGS.creator, Value: creator },
    { Key: SIZER_TAGS.expiresAt, Value: expiresAt },
    { Key: "Name", Value: `sizer-${options.runId}-${options.role}`.slice(0, 256) },
  ];
  let createdSecurityGroupId: string | undefined;
  let securityGroupIds = options.securityGroupIds ?? [];
  if (securityGroupIds.length === 0) {
    createdSecurityGroupId = await sizerSecurityGroup(options.ec2, options.runId, tags);
    securityGroupIds = [createdSecurityGroupId];
  }
  const userData = nodeUserData({
    maxLifetimeMinutes: lifetime,
    ...(options.installDocker === undefined ? {} : { installDocker: options.installDocker }),
  });
  const output = await aws("ec2:RunInstances", () =>
    options.ec2.send(
      new RunInstancesCommand({
        MinCount: 1,
        MaxCount: 1,
        ImageId: imageId,
        InstanceType: options.instanceType as _InstanceType,
        IamInstanceProfile: { Name: options.instanceProfile },
        SecurityGroupIds: securityGroupIds,
        ...(options.subnetId === undefined ? {} : { SubnetId: options.subnetId }),
        UserData: Buffer.from(userData, "utf8").toString("base64"),
        InstanceInitiatedShutdownBehavior: "terminate",
        MetadataOptions: { HttpTokens: "required" },
        TagSpecifications: [
          { ResourceType: "instance", Tags: tags },
          { ResourceType: "volume", Tags: tags },
        ],
      }),
    ),
  );
  const instance = output.Instances?.[0];
  if (instance?.InstanceId === undefined)
    throw new SsmClientError("ERR_SSM_AWS", "RunInstances returned no instance");
  const launched: LaunchedNode = { ...toNode(instance), imageId, typeFacts, securityGroupIds };
  if (createdSecurityGroupId !== undefined) launched.createdSecurityGroupId = createdSecurityGroupId;
  return launched;
}

/** Options of {@link waitForNodeOnline}. */
export interface WaitOnlineOptions {
  ssm: SSMClient;
  ec2: EC2Client;
  instanceId: string;
  /** How long to wait for the agent (default 300,000 ms). */
  timeoutMs?: number;
  /** Between two looks (default 10,000 ms). */
  pollMs?: number;
  /**
   * The first wait between two looks, doubled after each look up to `pollMs` (default `pollMs`):
   * an agent that is almost online is seen soon, one that takes minutes is not asked more often.
   */
  firstPollMs?: number;
  signal?: AbortSignal;
  clock?: Clock;
}

/**
 * Waits until the node's SSM agent is `Online` (the gate for Run Command, rather than EC2's
 * status checks). On timeout the error says what is missing: no instance profile, or a profile
 * whose role lacks AmazonSSMManagedInstanceCore, or no outbound HTTPS.
 */
export async function waitForNodeOnline(
  options: WaitOnlineOptions,
): Promise<{ pingStatus: string; agentVersion?: string }> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? 300_000;
  const pollMs = options.pollMs ?? 10_000;
  let waitMs = Math.min(options.firstPollMs ?? pollMs, pollMs);
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    if (options.signal?.aborted)
      throw new AbortedError(`waiting for ${options.instanceId}`, options.signal.reason);
    const output = await aws("ssm:DescribeInstanceInformation", () =>
      options.ssm.send(
        new DescribeInstanceInformationCommand({
          Filters: [{ Key: "InstanceIds", Values: [options.instanceId] }],
          MaxResults: 5,
        }),
      ),
    );
    const information = output.InstanceInformationList?.[0];
    if (information?.PingStatus === "Online") {
      const online: { pingStatus: string; agentVersion?: string } = { pingStatus: "Online" };
      if (information.AgentVersion !== undefined) online.agentVersion = information.AgentVersion;
      return online;
    }
    const described = await aws("ec2:DescribeInstances", () =>
      options.ec2.send(new DescribeInstancesCommand({ InstanceIds: [options.instanceId] })),
    );
    const instance = described.Reservations?.[0]?.Instances?.[0];
    const state = instance?.State?.Name ?? "unknown";
    if (state === "terminated" || state === "shutting-down" || state === "stopped" || state === "stopping") {
      throw new SsmClientError(
        "ERR_SSM_INSTANCE_NOT_FOUND",
        `${options.instanceId} is ${state}; its agent will not come online`,
      );
    }
    if (clock.now() >= deadline) {
      if (instance?.IamInstanceProfile?.Arn === undefined) {
        throw new SsmClientError(
          "ERR_SSM_NO_INSTANCE_PROFILE",
          `${options.instanceId} has no instance profile, so its SSM agent cannot register; launch it with a profile whose role has ${SSM_MANAGED_POLICY}`,
        );
      }
      throw new SsmClientError(
        "ERR_SSM_AGENT_NOT_ONLINE",
        `the SSM agent of ${options.instanceId} (${state}) was not online after ${Math.round(timeoutMs / 1000)} s (ping status: ${information?.PingStatus ?? "not registered"}); its instance profile ${instance.IamInstanceProfile.Arn.split("/").pop()} must have ${SSM_MANAGED_POLICY}, and the subnet needs outbound HTTPS to SSM`,
      );
    }
    try {
      await clock.sleep(Math.min(waitMs, Math.max(0, deadline - clock.now())), options.signal);
    } catch (error) {
      throw new AbortedError(`waiting for ${options.instanceId}`, error);
    }
    waitMs = Math.min(waitMs * 2, pollMs);
  }
}

/** Terminates instances by id. */
export async function terminateNodes(
  ec2: EC2Client,
  instanceIds: readonly string[],
): Promise<{ instanceId: string; state: string }[]> {
  if (instanceIds.length === 0) return [];
  const output = await aws("ec2:TerminateInstances", () =>
    ec2.send(new TerminateInstancesCommand({ InstanceIds: [...instanceIds] })),
  );
  return (output.TerminatingInstances ?? []).map((change) => ({
    instanceId: change.InstanceId ?? "",
    state: change.CurrentState?.Name ?? "unknown",
  }));
}

/** Options of {@link cleanupNodes}. */
export interface CleanupOptions {
  ec2: EC2Client;
  /** Only this run's nodes (default: every node sizer tagged). */
  runId?: string;
  /** List what would be terminated without terminating anything. */
  dryRun?: boolean;
}

/** A security group sizer created, and whether cleanup deleted it. */
export interface SizerSecurityGroup {
  groupId: string;
  runId: string;
  deleted: boolean;
  /** Why it is still there (for instance, instances still shutting down use it: run cleanup again later). */
  reason?: string;
}

/** What cleanup found and did. */
export interface CleanupResult {
  nodes: SizerNode[];
  securityGroups: SizerSecurityGroup[];
  /** False for a dry run, or when there was nothing to terminate. */
  terminated: boolean;
}

/**
 * Terminates every instance sizer tagged (or one run's), found by tags alone, then deletes the
 * security groups sizer created for those runs once no instance uses them; `dryRun` only lists.
 */
export async function cleanupNodes(options: CleanupOptions): Promise<CleanupResult> {
  const nodes = await listNodes(options.ec2, {
    ...(options.runId === undefined ? {} : { runId: options.runId }),
    states: ["pending", "running", "stopping", "stopped"],
  });
  const groups = await aws("ec2:DescribeSecurityGroups", () =>
    options.ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          options.runId === undefined
            ? { Name: "tag-key", Values: [SIZER_TAGS.runId] }
            : { Name: `tag:${SIZER_TAGS.runId}`, Values: [options.runId] },
          { Name: `tag:${SIZER_TAGS.role}`, Values: ["security-group"] },
        ],
      }),
    ),
  );
  const securityGroups: SizerSecurityGroup[] = (groups.SecurityGroups ?? []).map((group) => ({
    groupId: group.GroupId ?? "",
    runId: group.Tags?.find((tag) => tag.Key === SIZER_TAGS.runId)?.Value ?? "",
    deleted: false,
  }));
  if (options.dryRun === true) return { nodes, securityGroups, terminated: false };
  if (nodes.length > 0)
    await terminateNodes(
      options.ec2,
      nodes.map((node) => node.instanceId),
    );
  for (const group of securityGroups) {
    try {
      await options.ec2.send(new DeleteSecurityGroupCommand({ GroupId: group.groupId }));
      group.deleted = true;
    } catch (error) {
      if ((error as { name?: string }).name !== "DependencyViolation")
        throw fromAwsError(error, "ec2:DeleteSecurityGroup");
      group.reason = "still in use by instances that are shutting down; run cleanup again in a few minutes";
    }
  }
  return { nodes, securityGroups, terminated: nodes.length > 0 };
}
