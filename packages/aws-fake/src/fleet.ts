import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type RunningProcess, startProcess } from "@sizer/process-kit";

/** An instance type the fake knows, with the facts DescribeInstanceTypes gives. */
export interface FakeInstanceType {
  instanceType: string;
  vcpus: number;
  memoryMiB: number;
  networkPerformance: string;
  baselineBandwidthGbps: number;
  architecture: "x86_64" | "arm64";
}

/** The instance types the fake can launch and describe (a small, real subset). */
export const FAKE_INSTANCE_TYPES: readonly FakeInstanceType[] = [
  {
    instanceType: "t3.micro",
    vcpus: 2,
    memoryMiB: 1024,
    networkPerformance: "Up to 5 Gigabit",
    baselineBandwidthGbps: 0.064,
    architecture: "x86_64",
  },
  {
    instanceType: "t3.small",
    vcpus: 2,
    memoryMiB: 2048,
    networkPerformance: "Up to 5 Gigabit",
    baselineBandwidthGbps: 0.128,
    architecture: "x86_64",
  },
  {
    instanceType: "t3.medium",
    vcpus: 2,
    memoryMiB: 4096,
    networkPerformance: "Up to 5 Gigabit",
    baselineBandwidthGbps: 0.256,
    architecture: "x86_64",
  },
  {
    instanceType: "c6i.large",
    vcpus: 2,
    memoryMiB: 4096,
    networkPerformance: "Up to 12.5 Gigabit",
    baselineBandwidthGbps: 0.781,
    architecture: "x86_64",
  },
  {
    instanceType: "m6i.xlarge",
    vcpus: 4,
    memoryMiB: 16384,
    networkPerformance: "Up to 12.5 Gigabit",
    baselineBandwidthGbps: 1.562,
    architecture: "x86_64",
  },
  {
    instanceType: "t4g.small",
    vcpus: 2,
    memoryMiB: 2048,
    networkPerformance: "Up to 5 Gigabit",
    baselineBandwidthGbps: 0.128,
    architecture: "arm64",
  },
  {
    instanceType: "c7g.large",
    vcpus: 2,
    memoryMiB: 4096,
    networkPerformance: "Up to 12.5 Gigabit",
    baselineBandwidthGbps: 0.781,
    architecture: "arm64",
  },
];

/** The public SSM parameters for the latest Amazon Linux 2023 AMIs, and the AMI ids the fake gives. */
export const FAKE_AMI_PARAMETERS: Readonly<
  Record<string, { imageId: string; architecture: "x86_64" | "arm64" }>
> = {
  "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64": {
    imageId: "ami-0a1b2c3d4e5f60001",
    architecture: "x86_64",
  },
  "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64": {
    imageId: "ami-0a1b2c3d4e5f60002",
    architecture: "arm64",
  },
};

/** The AWS managed policy an instance role needs for its SSM agent to register. */
export const SSM_CORE_POLICY = "AmazonSSMManagedInstanceCore";

/** EC2 instance states with their codes. */
export const STATE_CODES = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
} as const;

/** An instance state name. */
export type InstanceStateName = keyof typeof STATE_CODES;

/** One fake instance: EC2 facts, its SSM agent, and the folder its commands run in. */
export interface FakeInstance {
  instanceId: string;
  state: InstanceStateName;
  instanceType: string;
  imageId: string;
  architecture: "x86_64" | "arm64";
  launchTime: Date;
  tags: Map<string, string>;
  /** The instance profile name, when launched with one. */
  instanceProfile?: string;
  subnetId: string;
  securityGroupIds: string[];
  /** The user data as the instance received it, decoded. */
  userData?: string;
  shutdownBehavior: "stop" | "terminate";
  privateIpAddress: string;
  /** The public address, when the fleet gives one (see {@link Fleet.publicIpAddress}). */
  publicIpAddress?: string;
  /** Whether the SSM agent is registered and pinging. */
  agentOnline: boolean;
  lastPing?: Date;
  /** The instance's working folder: commands run there, with HOME pointing at it. */
  directory: string;
}

/** An inbound rule of a security group: one protocol, a port range, one IPv4 range. */
export interface FakeIngressRule {
  ipProtocol: string;
  fromPort: number;
  toPort: number;
  cidrIp: string;
  description?: string;
}

/** A security group the fake holds. */
export interface FakeSecurityGroup {
  groupId: string;
  groupName: string;
  description: string;
  vpcId: string;
  tags: Map<string, string>;
  /** Its inbound rules (none when created, as on AWS). */
  ingress: FakeIngressRule[];
}

function hexId(prefix: string, length = 17): string {
  return `${prefix}-${randomBytes(9).toString("hex").slice(0, length)}`;
}

/** The instances, security groups and instance profiles of the fake's one account. */
export class Fleet {
  readonly instances = new Map<string, FakeInstance>();
  readonly securityGroups = new Map<string, FakeSecurityGroup>();
  /** Instance profile names and the managed policies of their role. */
  readonly instanceProfiles: Map<string, string[]>;
  readonly #root: string;
  readonly #timers = new Set<NodeJS.Timeout>();
  #launched = 0;
  /** Milliseconds an instance stays `shutting-down` before it is `terminated`. */
  terminateDelayMs = 50;
  /**
   * The public address every instance reports, when set: `127.0.0.1` makes a server that a command
   * starts on an instance (it runs on this machine) reachable at the instance's address.
   */
  publicIpAddress: string | undefined;
  /** Called whenever an instance stops running, so its commands can end. */
  onInstanceGone: (instance: FakeInstance) => void = () => {};

  constructor(root: string, instanceProfiles: Record<string, string[]>) {
    this.#root = root;
    this.instanceProfiles = new Map(Object.entries(instanceProfiles));
    mkdirSync(join(root, "instances"), { recursive: true });
  }

  /** Adds an instance in `state`, with its working folder. */
  add(options: {
    instanceType: string;
    imageId: string;
    architecture: "x86_64" | "arm64";
    tags?: Record<string, string>;
    instanceProfile?: string;
    subnetId?: string;
    securityGroupIds?: string[];
    userData?: string;
    shutdownBehavior?: "stop" | "terminate";
    state?: InstanceStateName;
    agentOnline?: boolean;
  }): FakeInstance {
    const instanceId = hexId("i");
    const directory = join(this.#root, "instances", instanceId);
    mkdirSync(directory, { recursive: true });
    this.#launched += 1;
    const instance: FakeInstance = {
      instanceId,
      state: options.state ?? "pending",
      instanceType: options.instanceType,
      imageId: options.imageId,
      architecture: options.architecture,
      launchTime: new Date(),
      tags: new Map(Object.entries(options.tags ?? {})),
      subnetId: options.subnetId ?? "subnet-0fa4e0000000000a1",
      securityGroupIds: options.securityGroupIds ?? [],
      shutdownBehavior: options.shutdownBehavior ?? "stop",
      privateIpAddress: `10.0.${Math.floor(this.#launched / 250)}.${(this.#launched % 250) + 4}`,
      agentOnline: options.agentOnline ?? false,
      directory,
    };
    if (options.instanceProfile !== undefined) instance.instanceProfile = options.instanceProfile;
    if (this.publicIpAddress !== undefined) instance.publicIpAddress = this.publicIpAddress;
    if (options.userData !== undefined) instance.userData = options.userData;
    if (instance.agentOnline) instance.lastPing = new Date();
    this.instances.set(instanceId, instance);
    return instance;
  }

  /** Whether an instance's agent can register: it needs a profile whose role has the SSM core policy. */
  canRegister(instance: FakeInstance): boolean {
    if (instance.instanceProfile === undefined) return false;
    return this.instanceProfiles.get(instance.instanceProfile)?.includes(SSM_CORE_POLICY) ?? false;
  }

  /**
   * Terminates an instance: its agent goes away and its running commands end at once; it is
   * `shutting-down` (still holding its security groups) for `terminateDelayMs`, then `terminated`.
   */
  terminate(instanceId: string): FakeInstance | undefined {
    const instance = this.instances.get(instanceId);
    if (instance === undefined || instance.state === "terminated" || instance.state === "shutting-down")
      return instance;
    instance.state = "shutting-down";
    instance.agentOnline = false;
    this.onInstanceGone(instance);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      instance.state = "terminated";
    }, this.terminateDelayMs);
    this.#timers.add(timer);
    return instance;
  }

  /** Stops the fleet's timers. */
  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Adds a security group. */
  addSecurityGroup(groupName: string, description: string, tags: Record<string, string>): FakeSecurityGroup {
    const group: FakeSecurityGroup = {
      groupId: hexId("sg"),
      groupName,
      description,
      vpcId: "vpc-0fa4e00000000000d",
      tags: new Map(Object.entries(tags)),
      ingress: [],
    };
    this.securityGroups.set(group.groupId, group);
    return group;
  }
}

/** How one script run ended. */
export interface ScriptExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A script running on an instance: a real `sh` in the instance's folder, in its own process group. */
export interface RunningScript {
  /** The script's process (process-kit's handle). */
  process: RunningProcess;
  done: Promise<ScriptExit>;
  /** Kills the whole process group. */
  kill(): void;
}

/** Writes `script` into the instance's folder and runs it with `sh`, as the SSM agent runs AWS-RunShellScript. */
export function runScript(
  instance: FakeInstance,
  name: string,
  script: string,
  environment: Record<string, string>,
  workingDirectory?: string,
): RunningScript {
  const scriptDirectory = join(instance.directory, ".ssm", name);
  mkdirSync(scriptDirectory, { recursive: true });
  const scriptPath = join(scriptDirectory, "_script.sh");
  writeFileSync(scriptPath, script, { mode: 0o700 });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const running = startProcess(["sh", scriptPath], {
    cwd: workingDirectory ?? instance.directory,
    env: { ...environment, HOME: instance.directory, AWS_FAKE_INSTANCE_ID: instance.instanceId },
    // The agent's cancel and the fake's close end the script at once.
    killGraceMs: 0,
    onOutput: (chunk, stream) => (stream === "stdout" ? stdout : stderr).push(chunk),
  });
  const done = running.spawned.then(
    async (): Promise<ScriptExit> => {
      const exit = await running.exited;
      await running.closed;
      return {
        exitCode: exit.exitCode,
        signal: exit.signal,
        stdout: stdout.join(""),
        stderr: stderr.join(""),
      };
    },
    (error: unknown): ScriptExit => ({ exitCode: 127, signal: null, stdout: "", stderr: String(error) }),
  );
  return {
    process: running,
    done,
    kill() {
      if (running.exit() === undefined) void running.stop();
    },
  };
}
