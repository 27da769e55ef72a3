import { randomBytes } from "node:crypto";
import type { FaultPlan, Throttler } from "./faults.js";
import {
  FAKE_AMI_PARAMETERS,
  FAKE_INSTANCE_TYPES,
  type FakeInstance,
  type Fleet,
  STATE_CODES,
} from "./fleet.js";
import { FAKE_ACCOUNT_ID } from "./ssm-service.js";
import { AwsError, ec2Error, ec2Response, type WireResponse, type XmlValue } from "./wire.js";

/** Reads numbered Query members (`Prefix.1`, `Prefix.2`, ...) until one is missing. */
function numbered<T>(prefix: string, read: (member: string) => T | undefined): T[] {
  const items: T[] = [];
  for (let index = 1; ; index++) {
    const item = read(`${prefix}.${index}`);
    if (item === undefined) return items;
    items.push(item);
  }
}

function values(params: URLSearchParams, prefix: string): string[] {
  return numbered(prefix, (member) => params.get(member) ?? undefined);
}

function tags(params: URLSearchParams, prefix: string): Record<string, string> {
  const entries = numbered(prefix, (member) => {
    const key = params.get(`${member}.Key`);
    return key === null ? undefined : ([key, params.get(`${member}.Value`) ?? ""] as const);
  });
  return Object.fromEntries(entries);
}

function filters(params: URLSearchParams): { name: string; values: string[] }[] {
  return numbered("Filter", (member) => {
    const name = params.get(`${member}.Name`);
    return name === null ? undefined : { name, values: values(params, `${member}.Value`) };
  });
}

function tagSet(map: Map<string, string>): XmlValue {
  return [...map].map(([key, value]) => ({ key, value }));
}

function matchesTagFilter(
  map: Map<string, string>,
  filter: { name: string; values: string[] },
): boolean | undefined {
  if (filter.name.startsWith("tag:"))
    return filter.values.includes(map.get(filter.name.slice(4)) ?? "\u0000");
  if (filter.name === "tag-key") return filter.values.some((key) => map.has(key));
  return undefined;
}

/** EC2 over the Query protocol with XML answers: instances, instance types, tags, security groups. */
/** What RunInstances launches: the image, the instance type and how many, checked against each other. */
interface LaunchImage {
  imageId: string;
  instanceType: string;
  architecture: "x86_64" | "arm64";
  count: number;
}

/** The rest of a RunInstances request that every launched instance gets. */
interface LaunchSettings {
  profile: string | undefined;
  userData: string | undefined;
  groupIds: string[];
}

/** RunInstances' image, instance type and count, refused as EC2 refuses them (the count capped at 20 here). */
function checkedLaunchImage(params: URLSearchParams): LaunchImage {
  const instanceType = params.get("InstanceType") ?? "m1.small";
  const type = FAKE_INSTANCE_TYPES.find((candidate) => candidate.instanceType === instanceType);
  const imageId = params.get("ImageId") ?? "";
  const image = Object.values(FAKE_AMI_PARAMETERS).find((candidate) => candidate.imageId === imageId);
  const count = Number(params.get("MaxCount") ?? "1");
  if (image === undefined)
    throw new AwsError("InvalidAMIID.NotFound", `The image id '[${imageId}]' does not exist`);
  if (type === undefined)
    throw new AwsError("InvalidParameterValue", `Invalid value '${instanceType}' for InstanceType.`);
  if (type.architecture !== image.architecture) {
    throw new AwsError(
      "InvalidParameterValue",
      `The architecture '${type.architecture}' of the specified instance type does not match the architecture '${image.architecture}' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again.`,
    );
  }
  if (!Number.isInteger(count) || count < 1 || count > 20) {
    throw new AwsError("InvalidParameterValue", "MaxCount must be a whole number from 1 to 20 in aws-fake.");
  }
  return { imageId, instanceType, architecture: type.architecture, count };
}

/** The decoded `UserData`: valid base64 of at most 16 KiB, as EC2 requires. */
function checkedUserData(params: URLSearchParams): string | undefined {
  const rawUserData = params.get("UserData");
  if (rawUserData === null) return undefined;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(rawUserData) || rawUserData.length % 4 !== 0) {
    throw new AwsError("InvalidParameterValue", "Invalid BASE64 encoding of user data.");
  }
  const userData = Buffer.from(rawUserData, "base64").toString("utf8");
  if (Buffer.byteLength(userData) > 16 * 1024) {
    throw new AwsError("InvalidParameterValue", "User data is limited to 16384 bytes");
  }
  return userData;
}

/** The tags of the request's `instance` tag specifications, merged. */
function instanceLaunchTags(params: URLSearchParams): Record<string, string> {
  const launchTags: Record<string, string> = {};
  for (const specification of numbered("TagSpecification", (member) =>
    params.get(`${member}.ResourceType`) === null
      ? undefined
      : { resourceType: params.get(`${member}.ResourceType`), tags: tags(params, `${member}.Tag`) },
  )) {
    if (specification.resourceType === "instance") Object.assign(launchTags, specification.tags);
  }
  return launchTags;
}

export class Ec2Service {
  readonly #fleet: Fleet;
  readonly #faults: FaultPlan;
  readonly #throttler: Throttler;
  readonly #region: string;
  readonly #timing: { launchDelayMs: number; agentDelayMs: number };
  readonly #clientTokens = new Map<string, string[]>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #capacityErrorsLeft: number;

  constructor(options: {
    fleet: Fleet;
    faults: FaultPlan;
    throttler: Throttler;
    region: string;
    launchDelayMs: number;
    agentDelayMs: number;
  }) {
    this.#fleet = options.fleet;
    this.#faults = options.faults;
    this.#throttler = options.throttler;
    this.#region = options.region;
    this.#timing = { launchDelayMs: options.launchDelayMs, agentDelayMs: options.agentDelayMs };
    this.#capacityErrorsLeft = options.faults.capacityErrors ?? 0;
  }

  /** Answers one Query call (`Action=<operation>` in a form body). */
  handle(body: Buffer): WireResponse {
    const params = new URLSearchParams(body.toString("utf8"));
    const action = params.get("Action") ?? "";
    try {
      this.#throttler.check("ec2", action);
      switch (action) {
        case "RunInstances":
          return ec2Response(action, this.#runInstances(params));
        case "DescribeInstances":
          return ec2Response(action, this.#describeInstances(params));
        case "TerminateInstances":
          return ec2Response(action, this.#terminateInstances(params));
        case "DescribeInstanceTypes":
          return ec2Response(action, this.#describeInstanceTypes(params));
        case "CreateTags":
          return ec2Response(action, this.#createTags(params));
        case "CreateSecurityGroup":
          return ec2Response(action, this.#createSecurityGroup(params));
        case "DescribeSecurityGroups":
          return ec2Response(action, this.#describeSecurityGroups(params));
        case "AuthorizeSecurityGroupIngress":
          return ec2Response(action, this.#authorizeIngress(params));
        case "DeleteSecurityGroup":
          return ec2Response(action, this.#deleteSecurityGroup(params));
        default:
          throw new AwsError("InvalidAction", `The action ${action} is not valid for this web service.`);
      }
    } catch (error) {
      if (error instanceof AwsError) return ec2Error(error);
      throw error;
    }
  }

  /** Stops the launch timers. */
  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #later(delay: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      action();
    }, delay);
    this.#timers.add(timer);
  }

  #instanceXml(instance: FakeInstance): XmlValue {
    return {
      instanceId: instance.instanceId,
      imageId: instance.imageId,
      instanceState: { code: STATE_CODES[instance.state], name: instance.state },
      privateDnsName: `ip-${instance.privateIpAddress.replaceAll(".", "-")}.ec2.internal`,
      dnsName: "",
      instanceType: instance.instanceType,
      launchTime: instance.launchTime.toISOString(),
      placement: { availabilityZone: `${this.#region}a` },
      subnetId: instance.subnetId,
      vpcId: "vpc-0fa4e00000000000d",
      privateIpAddress: instance.privateIpAddress,
      ipAddress: instance.publicIpAddress,
      groupSet: instance.securityGroupIds.map((groupId) => ({
        groupId,
        groupName: this.#fleet.securityGroups.get(groupId)?.groupName ?? "default",
      })),
      architecture: instance.architecture,
      iamInstanceProfile:
        instance.instanceProfile === undefined
          ? undefined
          : {
              arn: `arn:aws:iam::${FAKE_ACCOUNT_ID}:instance-profile/${instance.instanceProfile}`,
              id: "AIPAFAKE0000000000000",
            },
      tagSet: instance.tags.size === 0 ? undefined : tagSet(instance.tags),
    };
  }

  /** The security groups of a RunInstances request, each of which must exist. */
  #checkedSecurityGroups(params: URLSearchParams): string[] {
    const groupIds = values(params, "SecurityGroupId");
    for (const groupId of groupIds) {
      if (!this.#fleet.securityGroups.has(groupId)) {
        throw new AwsError("InvalidGroup.NotFound", `The security group '${groupId}' does not exist`);
      }
    }
    return groupIds;
  }

  /** The instance profile of a RunInstances request (by name or ARN), which must exist. */
  #checkedInstanceProfile(params: URLSearchParams): string | undefined {
    const profile =
      params.get("IamInstanceProfile.Name") ?? params.get("IamInstanceProfile.Arn")?.split("/").pop();
    if (profile !== undefined && !this.#fleet.instanceProfiles.has(profile)) {
      throw new AwsError(
        "InvalidParameterValue",
        `Value (${profile}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name`,
      );
    }
    return profile;
  }

  /** A launched instance boots after the launch delay, and its agent comes online after the agent delay (if it can register). */
  #boot(instance: FakeInstance): void {
    this.#later(this.#timing.launchDelayMs, () => {
      if (instance.state !== "pending") return;
      instance.state = "running";
      if (this.#faults.agentNeverOnline === true || !this.#fleet.canRegister(instance)) return;
      this.#later(this.#timing.agentDelayMs, () => {
        if (instance.state !== "running") return;
        instance.agentOnline = true;
        instance.lastPing = new Date();
      });
    });
  }

  /** Adds `count` pending instances to the fleet and boots them; a planned capacity fault refuses first. */
  #launch(image: LaunchImage, settings: LaunchSettings, params: URLSearchParams): FakeInstance[] {
    if (this.#capacityErrorsLeft > 0) {
      this.#capacityErrorsLeft -= 1;
      throw new AwsError(
        "InsufficientInstanceCapacity",
        `We currently do not have sufficient ${image.instanceType} capacity in the Availability Zone you requested (${this.#region}a). Our system will be working on provisioning additional capacity. You can currently get ${image.instanceType} capacity by not specifying an Availability Zone in your request or choosing ${this.#region}b, ${this.#region}c.`,
        500,
      );
    }
    const launchTags = instanceLaunchTags(params);
    const shutdownBehavior =
      params.get("InstanceInitiatedShutdownBehavior") === "terminate" ? "terminate" : "stop";
    const instances: FakeInstance[] = [];
    for (let index = 0; index < image.count; index++) {
      const instance = this.#fleet.add({
        instanceType: image.instanceType,
        imageId: image.imageId,
        architecture: image.architecture,
        tags: launchTags,
        securityGroupIds: settings.groupIds,
        shutdownBehavior,
        ...(settings.profile === undefined ? {} : { instanceProfile: settings.profile }),
        ...(params.get("SubnetId") === null ? {} : { subnetId: params.get("SubnetId") as string }),
        ...(settings.userData === undefined ? {} : { userData: settings.userData }),
      });
      instances.push(instance);
      this.#boot(instance);
    }
    return instances;
  }

  /**
   * RunInstances: a request repeating a known `ClientToken` answers the instances it launched then
   * (its image, type and count are not checked again); any other launches new ones.
   */
  #runInstances(params: URLSearchParams): { [name: string]: XmlValue } {
    const clientToken = params.get("ClientToken");
    const previous = clientToken === null ? undefined : this.#clientTokens.get(clientToken);
    const image = previous === undefined ? checkedLaunchImage(params) : undefined;
    const settings: LaunchSettings = {
      profile: this.#checkedInstanceProfile(params),
      userData: checkedUserData(params),
      groupIds: this.#checkedSecurityGroups(params),
    };
    let instances: FakeInstance[];
    if (image === undefined) {
      // a repeated ClientToken: the instances it launched the first time
      instances = (previous ?? []).map((instanceId) => this.#fleet.instances.get(instanceId) as FakeInstance);
    } else {
      instances = this.#launch(image, settings, params);
      if (clientToken !== null)
        this.#clientTokens.set(
          clientToken,
          instances.map((instance) => instance.instanceId),
        );
    }
    return {
      reservationId: `r-${randomBytes(9).toString("hex").slice(0, 17)}`,
      ownerId: FAKE_ACCOUNT_ID,
      groupSet: [],
      instancesSet: instances.map((instance) => this.#instanceXml(instance)),
    };
  }

  #describeInstances(params: URLSearchParams): { [name: string]: XmlValue } {
    const instanceIds = values(params, "InstanceId");
    if (instanceIds.length > 0 && params.has("MaxResults")) {
      throw new AwsError(
        "InvalidParameterCombination",
        "The parameter instancesSet cannot be used with the parameter maxResults",
      );
    }
    for (const instanceId of instanceIds) {
      if (!/^i-[0-9a-f]{8,17}$/.test(instanceId))
        throw new AwsError("InvalidInstanceID.Malformed", `Invalid id: "${instanceId}"`);
      if (!this.#fleet.instances.has(instanceId)) {
        throw new AwsError("InvalidInstanceID.NotFound", `The instance ID '${instanceId}' does not exist`);
      }
    }
    let found = [...this.#fleet.instances.values()];
    if (instanceIds.length > 0) found = found.filter((instance) => instanceIds.includes(instance.instanceId));
    for (const filter of filters(params)) {
      found = found.filter((instance) => {
        const byTag = matchesTagFilter(instance.tags, filter);
        if (byTag !== undefined) return byTag;
        if (filter.name === "instance-state-name") return filter.values.includes(instance.state);
        if (filter.name === "instance-id") return filter.values.includes(instance.instanceId);
        if (filter.name === "instance-type") return filter.values.includes(instance.instanceType);
        throw new AwsError("InvalidParameterValue", `The filter '${filter.name}' is invalid`);
      });
    }
    const maxResults = params.has("MaxResults") ? Number(params.get("MaxResults")) : 1000;
    if (!Number.isInteger(maxResults) || maxResults < 5 || maxResults > 1000) {
      throw new AwsError(
        "InvalidParameterValue",
        `Value ( ${params.get("MaxResults")} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`,
      );
    }
    const start = Number(params.get("NextToken") ?? "0");
    const page = found.slice(start, start + maxResults);
    return {
      reservationSet: page.map((instance) => ({
        reservationId: `r-${instance.instanceId.slice(2)}`,
        ownerId: FAKE_ACCOUNT_ID,
        groupSet: [],
        instancesSet: [this.#instanceXml(instance)],
      })),
      nextToken: start + maxResults < found.length ? String(start + maxResults) : undefined,
    };
  }

  #terminateInstances(params: URLSearchParams): { [name: string]: XmlValue } {
    const instanceIds = values(params, "InstanceId");
    const missing = instanceIds.filter((instanceId) => !this.#fleet.instances.has(instanceId));
    if (missing.length > 0) {
      throw new AwsError(
        "InvalidInstanceID.NotFound",
        `The instance IDs '${missing.join(", ")}' do not exist`,
      );
    }
    return {
      instancesSet: instanceIds.map((instanceId) => {
        const instance = this.#fleet.instances.get(instanceId) as FakeInstance;
        const previous = instance.state;
        this.#fleet.terminate(instanceId);
        const current = instance.state;
        return {
          instanceId,
          currentState: { code: STATE_CODES[current], name: current },
          previousState: { code: STATE_CODES[previous], name: previous },
        };
      }),
    };
  }

  #describeInstanceTypes(params: URLSearchParams): { [name: string]: XmlValue } {
    const wanted = values(params, "InstanceType");
    const unknown = wanted.filter((name) => !FAKE_INSTANCE_TYPES.some((type) => type.instanceType === name));
    if (unknown.length > 0) {
      throw new AwsError(
        "InvalidInstanceType",
        `The following supplied instance types do not exist: [${unknown.join(", ")}]`,
      );
    }
    const types =
      wanted.length === 0
        ? FAKE_INSTANCE_TYPES
        : FAKE_INSTANCE_TYPES.filter((type) => wanted.includes(type.instanceType));
    return {
      instanceTypeSet: types.map((type) => ({
        instanceType: type.instanceType,
        currentGeneration: true,
        processorInfo: { supportedArchitectures: [type.architecture] },
        vCpuInfo: { defaultVCpus: type.vcpus },
        memoryInfo: { sizeInMiB: type.memoryMiB },
        networkInfo: {
          networkPerformance: type.networkPerformance,
          networkCards: [
            {
              networkCardIndex: 0,
              networkPerformance: type.networkPerformance,
              baselineBandwidthInGbps: type.baselineBandwidthGbps,
            },
          ],
        },
      })),
    };
  }

  #createTags(params: URLSearchParams): { [name: string]: XmlValue } {
    const resourceIds = values(params, "ResourceId");
    const added = tags(params, "Tag");
    for (const resourceId of resourceIds) {
      const target =
        this.#fleet.instances.get(resourceId)?.tags ?? this.#fleet.securityGroups.get(resourceId)?.tags;
      if (target === undefined) {
        throw new AwsError(
          resourceId.startsWith("sg-") ? "InvalidGroup.NotFound" : "InvalidInstanceID.NotFound",
          `The ID '${resourceId}' does not exist`,
        );
      }
      for (const [key, value] of Object.entries(added)) target.set(key, value);
    }
    return { return: true };
  }

  #createSecurityGroup(params: URLSearchParams): { [name: string]: XmlValue } {
    const groupName = params.get("GroupName") ?? "";
    const description = params.get("GroupDescription") ?? "";
    if (groupName === "" || description === "") {
      throw new AwsError(
        "MissingParameter",
        "The request must contain the parameter groupName and groupDescription",
      );
    }
    if ([...this.#fleet.securityGroups.values()].some((group) => group.groupName === groupName)) {
      throw new AwsError(
        "InvalidGroup.Duplicate",
        `The security group '${groupName}' already exists for VPC 'vpc-0fa4e00000000000d'`,
      );
    }
    const groupTags: Record<string, string> = {};
    for (const specification of numbered("TagSpecification", (member) =>
      params.get(`${member}.ResourceType`) === null ? undefined : tags(params, `${member}.Tag`),
    )) {
      Object.assign(groupTags, specification);
    }
    const group = this.#fleet.addSecurityGroup(groupName, description, groupTags);
    return {
      return: true,
      groupId: group.groupId,
      tagSet: group.tags.size === 0 ? undefined : tagSet(group.tags),
    };
  }

  #describeSecurityGroups(params: URLSearchParams): { [name: string]: XmlValue } {
    const groupIds = values(params, "GroupId");
    let groups = [...this.#fleet.securityGroups.values()];
    for (const groupId of groupIds) {
      if (!this.#fleet.securityGroups.has(groupId)) {
        throw new AwsError("InvalidGroup.NotFound", `The security group '${groupId}' does not exist`);
      }
    }
    if (groupIds.length > 0) groups = groups.filter((group) => groupIds.includes(group.groupId));
    for (const filter of filters(params)) {
      groups = groups.filter((group) => {
        const byTag = matchesTagFilter(group.tags, filter);
        if (byTag !== undefined) return byTag;
        if (filter.name === "group-name") return filter.values.includes(group.groupName);
        throw new AwsError("InvalidParameterValue", `The filter '${filter.name}' is invalid`);
      });
    }
    return {
      securityGroupInfo: groups.map((group) => ({
        ownerId: FAKE_ACCOUNT_ID,
        groupId: group.groupId,
        groupName: group.groupName,
        groupDescription: group.description,
        vpcId: group.vpcId,
        ipPermissions: group.ingress.map((rule) => ({
          ipProtocol: rule.ipProtocol,
          fromPort: rule.fromPort,
          toPort: rule.toPort,
          ipRanges: [{ cidrIp: rule.cidrIp, description: rule.description }],
        })),
        tagSet: group.tags.size === 0 ? undefined : tagSet(group.tags),
      })),
    };
  }

  /** AuthorizeSecurityGroupIngress with `IpPermissions.N` (tcp/udp ports and IPv4 ranges, as sizer sends them). */
  #authorizeIngress(params: URLSearchParams): { [name: string]: XmlValue } {
    const groupId = params.get("GroupId") ?? "";
    const group = this.#fleet.securityGroups.get(groupId);
    if (group === undefined)
      throw new AwsError("InvalidGroup.NotFound", `The security group '${groupId}' does not exist`);
    const rules = numbered("IpPermissions", (member) => {
      const ipProtocol = params.get(`${member}.IpProtocol`);
      if (ipProtocol === null) return undefined;
      const ranges = numbered(`${member}.IpRanges`, (range) => {
        const cidrIp = params.get(`${range}.CidrIp`);
        return cidrIp === null
          ? undefined
          : { cidrIp, description: params.get(`${range}.Description`) ?? undefined };
      });
      const fromPort = Number(params.get(`${member}.FromPort`));
      const toPort = Number(params.get(`${member}.ToPort`));
      if (!["tcp", "udp"].includes(ipProtocol) || !Number.isInteger(fromPort) || !Number.isInteger(toPort))
        throw new AwsError(
          "InvalidParameterValue",
          `Invalid IP permission: protocol ${ipProtocol}, ports ${fromPort}-${toPort}`,
        );
      for (const range of ranges)
        if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(range.cidrIp))
          throw new AwsError("InvalidParameterValue", `CIDR block ${range.cidrIp} is malformed`);
      return ranges.map((range) => ({ ipProtocol, fromPort, toPort, ...range }));
    }).flat();
    if (rules.length === 0)
      throw new AwsError("MissingParameter", "The request must contain the parameter ipPermissions");
    for (const rule of rules) {
      const same = group.ingress.some(
        (existing) =>
          existing.ipProtocol === rule.ipProtocol &&
          existing.fromPort === rule.fromPort &&
          existing.toPort === rule.toPort &&
          existing.cidrIp === rule.cidrIp,
      );
      if (same)
        throw new AwsError(
          "InvalidPermission.Duplicate",
          `the specified rule "peer: ${rule.cidrIp}, ${rule.ipProtocol.toUpperCase()}, from port: ${rule.fromPort}, to port: ${rule.toPort}, ALLOW" already exists`,
        );
    }
    group.ingress.push(...rules);
    return { return: true };
  }

  #deleteSecurityGroup(params: URLSearchParams): { [name: string]: XmlValue } {
    const groupId = params.get("GroupId") ?? "";
    if (!this.#fleet.securityGroups.has(groupId)) {
      throw new AwsError("InvalidGroup.NotFound", `The security group '${groupId}' does not exist`);
    }
    const inUse = [...this.#fleet.instances.values()].some(
      (instance) => instance.state !== "terminated" && instance.securityGroupIds.includes(groupId),
    );
    if (inUse) throw new AwsError("DependencyViolation", `resource ${groupId} has a dependent object`);
    this.#fleet.securityGroups.delete(groupId);
    return { return: true, groupId };
  }
}
