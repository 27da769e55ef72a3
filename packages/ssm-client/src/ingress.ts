import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import { fromAwsError, SsmClientError, UsageError } from "./errors.js";
import { SIZER_TAGS } from "./nodes.js";

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/**
 * Checks an IPv4 range such as `203.0.113.7/32`: four octets of 0 to 255, a prefix of 0 to 32, and no
 * address bit set beyond the prefix (`10.0.0.1/8` is refused: AWS would widen it silently).
 *
 * @throws {UsageError} `ERR_SSM_USAGE` naming `source` and the value.
 */
export function checkCidr(cidr: string, source: string): void {
  const match = IPV4_CIDR.exec(cidr);
  const octets = match?.slice(1, 5).map(Number) ?? [];
  const prefix = Number(match?.[5]);
  if (match === null || octets.some((octet) => octet > 255) || prefix > 32)
    throw new UsageError(`${source} ${JSON.stringify(cidr)} is not an IPv4 range such as 203.0.113.7/32`);
  const address = octets.reduce((value, octet) => value * 256 + octet, 0);
  const hostBits = 2 ** (32 - prefix);
  if (address % hostBits !== 0)
    throw new UsageError(
      `${source} ${JSON.stringify(cidr)} has address bits beyond its /${prefix} prefix; write the range's first address`,
    );
}

/** What {@link allowIngress} opens. */
export interface AllowIngressOptions {
  ec2: EC2Client;
  /** A security group sizer created (sizer never changes a group it was given). */
  groupId: string;
  /** The TCP port. */
  port: number;
  /** Who may connect, an IPv4 range (checked with {@link checkCidr}). */
  cidr: string;
  /** Shown in the console beside the rule. */
  description?: string;
}

/**
 * Lets `cidr` reach TCP `port` through the security group `groupId`. Idempotent: a rule that already
 * exists (a reused node's group) is success. Returns whether a rule was added.
 *
 * @throws {UsageError} for a malformed port or range; AWS errors as {@link fromAwsError} maps them.
 */
export async function allowIngress(options: AllowIngressOptions): Promise<boolean> {
  checkCidr(options.cidr, "cidr");
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65_535)
    throw new UsageError(`port ${options.port} is not a TCP port (1 to 65535)`);
  try {
    await options.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: options.groupId,
        IpPermissions: [
          {
            IpProtocol: "tcp",
            FromPort: options.port,
            ToPort: options.port,
            IpRanges: [
              {
                CidrIp: options.cidr,
                ...(options.description === undefined ? {} : { Description: options.description }),
              },
            ],
          },
        ],
      }),
    );
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === "InvalidPermission.Duplicate") return false;
    throw fromAwsError(error, "ec2:AuthorizeSecurityGroupIngress");
  }
}

/** What {@link openNodePort} opens. */
export interface OpenNodePortOptions {
  ec2: EC2Client;
  instanceId: string;
  port: number;
  /** IPv4 ranges that may connect. */
  cidrs: readonly string[];
}

/**
 * Opens TCP `port` of a node to each range, in the security groups sizer created for it (tagged
 * `sizer:role=security-group`); sizer never changes a group it did not create. Returns the groups changed.
 *
 * @throws {UsageError} `ERR_SSM_USAGE` when the node is in none of sizer's groups (it was launched with
 *   the caller's own groups: open the port there), or for a malformed range or port.
 */
export async function openNodePort(options: OpenNodePortOptions): Promise<string[]> {
  for (const cidr of options.cidrs) checkCidr(cidr, "cidr");
  let groupIds: string[];
  try {
    const described = await options.ec2.send(
      new DescribeInstancesCommand({ InstanceIds: [options.instanceId] }),
    );
    const instance = described.Reservations?.[0]?.Instances?.[0];
    if (instance === undefined)
      throw new SsmClientError("ERR_SSM_INSTANCE_NOT_FOUND", `instance ${options.instanceId} does not exist`);
    groupIds = (instance.SecurityGroups ?? []).flatMap((group) => (group.GroupId ? [group.GroupId] : []));
  } catch (error) {
    throw fromAwsError(error, "ec2:DescribeInstances");
  }
  let sizerGroups: string[] = [];
  if (groupIds.length > 0) {
    try {
      const groups = await options.ec2.send(
        new DescribeSecurityGroupsCommand({
          GroupIds: groupIds,
          Filters: [{ Name: `tag:${SIZER_TAGS.role}`, Values: ["security-group"] }],
        }),
      );
      sizerGroups = (groups.SecurityGroups ?? []).flatMap((group) => (group.GroupId ? [group.GroupId] : []));
    } catch (error) {
      throw fromAwsError(error, "ec2:DescribeSecurityGroups");
    }
  }
  if (sizerGroups.length === 0)
    throw new UsageError(
      `instance ${options.instanceId} is in none of the security groups sizer creates (${groupIds.join(", ") || "none"}): sizer does not change groups it did not create; open port ${options.port} to ${options.cidrs.join(", ")} in them yourself`,
    );
  for (const groupId of sizerGroups)
    for (const cidr of options.cidrs)
      await allowIngress({
        ec2: options.ec2,
        groupId,
        port: options.port,
        cidr,
        description: "sizer: the load to the service",
      });
  return sizerGroups;
}
